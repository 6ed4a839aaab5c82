"""One message catalogue for everything a person reads: Vietnamese by default, English on request.

The language comes from ``--lang`` or ``$ONESTOP_LANG`` (``vi`` | ``en``). JSON keys are English and stable and
never pass through here.
"""

from __future__ import annotations

import os
from typing import Any

LANGS = ("vi", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # errors
    "error": ("Lỗi", "Error"),
    "config.missing": ("Không tìm thấy tệp cấu hình {path}", "Configuration file {path} not found"),
    "config.syntax": ("Tệp cấu hình {path} sai cú pháp: {detail}", "Configuration file {path} is not valid TOML: {detail}"),
    "config.unknown_key": ("Cấu hình: khóa không hợp lệ '{key}'", "Configuration: unknown key '{key}'"),
    "config.bad_value": ("Cấu hình: giá trị không hợp lệ cho '{key}': {detail}", "Configuration: bad value for '{key}': {detail}"),
    "input.datetime": ("Thời điểm không hợp lệ: '{value}' (dùng YYYY-MM-DD HH:MM)", "Invalid date/time: '{value}' (use YYYY-MM-DD HH:MM)"),
    "input.date": ("Ngày không hợp lệ: '{value}' (dùng YYYY-MM-DD)", "Invalid date: '{value}' (use YYYY-MM-DD)"),
    "input.negative": ("Thời hạn không được âm: {value}", "The processing time cannot be negative: {value}"),
    "input.one_unit": ("Chọn đúng một đơn vị thời hạn: --same-day, --working-days, --working-hours hoặc --calendar-days", "Give exactly one unit: --same-day, --working-days, --working-hours or --calendar-days"),
    "input.out_of_range": ("Ngày {value} nằm ngoài lịch làm việc ({first}–{last})", "{value} is outside the working calendar ({first}–{last})"),
    "input.period": ("Kỳ báo cáo không hợp lệ: {detail}", "Invalid period: {detail}"),
    "input.period_choice": ("Chọn --period hoặc cả --from và --to", "Give --period, or both --from and --to"),
    "input.channel": ("Kênh không hợp lệ: '{value}' (direct, postal, level3, level4)", "Invalid channel: '{value}' (direct, postal, level3, level4)"),
    "input.return_via": ("Hình thức trả không hợp lệ: '{value}' (direct, postal, online)", "Invalid return route: '{value}' (direct, postal, online)"),
    "input.required": ("Thiếu {name}", "Missing {name}"),
    "input.empty": ("{name} không được để trống", "{name} must not be empty"),
    "input.too_long": ("{name} quá dài (tối đa {limit} ký tự)", "{name} is too long (at most {limit} characters)"),
    "input.future": ("Thời điểm {value} ở tương lai", "{value} is in the future"),
    "input.before_previous": ("Thời điểm {value} sớm hơn sự kiện trước của hồ sơ ({previous})", "{value} is earlier than the dossier's previous event ({previous})"),
    "input.office_code": ("Mã đơn vị không hợp lệ: '{value}'", "Invalid office code: '{value}'"),
    "input.file": ("Không đọc được tệp {path}: {detail}", "Cannot read file {path}: {detail}"),
    "input.csv_header": ("Tệp CSV thiếu cột: {columns}", "The CSV file lacks columns: {columns}"),
    "input.not_tty": ("Thiếu {name} (không có terminal để hỏi)", "Missing {name} (no terminal to ask)"),
    "input.new_due_not_later": ("Hẹn mới {new} phải sau hẹn hiện tại {current}", "The new appointment {new} must be after the current one {current}"),
    "input.new_due_not_office_hours": ("Hẹn mới {new} không nằm trong giờ làm việc của ngày làm việc", "The new appointment {new} is not within office hours of a working day"),
    "input.format": ("Định dạng không hỗ trợ: {value}", "Unsupported format: {value}"),
    "input.layout": ("Mẫu báo cáo không hỗ trợ: {value}", "Unsupported layout: {value}"),
    "input.out_required": ("Định dạng {value} cần --out FILE", "Format {value} needs --out FILE"),
    "notfound.dossier": ("Không có hồ sơ mã {code}", "No dossier with code {code}"),
    "notfound.procedure": ("Không có thủ tục mã {code}", "No procedure with code {code}"),
    "notfound.office": ("Chưa có đơn vị nào: chạy 'onestop init' trước", "No office yet: run 'onestop init' first"),
    "notfound.office_code": ("Không có đơn vị mã {code}", "No office with code {code}"),
    "notfound.apology": ("Hồ sơ {code} chưa có phiếu xin lỗi", "Dossier {code} has no apology"),
    "transition.refused": ("Không thể {action} hồ sơ {code} đang ở trạng thái '{status}'", "Cannot {action} dossier {code}: it is '{status}'"),
    "transition.second_extension": ("Hồ sơ {code} đã được hẹn lại một lần; theo Nghị định 61/2018 Điều 19.9 chỉ được hẹn lại một lần", "Dossier {code} was already given a new appointment; Decree 61/2018 Art. 19.9 allows only one"),
    "transition.no_due": ("Hồ sơ {code} đang dừng tính thời hạn", "Dossier {code} has no running deadline"),
    "storage.readonly": ("Cơ sở dữ liệu chỉ đọc: {detail}", "The database is read-only: {detail}"),
    "storage.full": ("Ổ đĩa đầy, không ghi được: {detail}", "The disk is full: {detail}"),
    "storage.locked": ("Cơ sở dữ liệu đang bị khóa bởi tiến trình khác; thử lại sau", "The database is locked by another process; try again later"),
    "storage.open": ("Không mở được cơ sở dữ liệu {url}: {detail}", "Cannot open the database {url}: {detail}"),
    "storage.newer": ("Cơ sở dữ liệu thuộc phiên bản mới hơn ({revision}); hãy cập nhật onestop", "The database is from a newer version ({revision}); upgrade onestop"),
    "storage.backup_pg": ("Với PostgreSQL hãy dùng pg_dump: pg_dump -Fc -f {file} <database>; khôi phục bằng pg_restore", "For PostgreSQL use pg_dump: pg_dump -Fc -f {file} <database>; restore with pg_restore"),
    # actions (for transition errors)
    "action.supplement": ("yêu cầu bổ sung", "request a supplement for"),
    "action.resume": ("tiếp tục xử lý", "resume"),
    "action.suspend": ("tạm dừng", "suspend"),
    "action.transfer": ("chuyển xử lý", "transfer"),
    "action.transfer_back": ("nhận lại từ nơi chuyển", "take back"),
    "action.resolve": ("hoàn thành", "resolve"),
    "action.return": ("trả kết quả", "return"),
    "action.reject": ("từ chối giải quyết", "reject"),
    "action.withdraw": ("rút", "withdraw"),
    "action.extend": ("hẹn lại", "extend"),
    # statuses, channels, outcomes
    "status.received": ("Đã tiếp nhận", "Received"),
    "status.processing": ("Đang giải quyết", "Processing"),
    "status.supplement_requested": ("Chờ bổ sung", "Waiting for supplement"),
    "status.suspended": ("Tạm dừng", "Suspended"),
    "status.transferred": ("Đã chuyển xử lý", "Transferred"),
    "status.resolved": ("Đã giải quyết xong", "Resolved"),
    "status.returned": ("Đã trả kết quả", "Returned"),
    "status.rejected": ("Từ chối giải quyết", "Rejected"),
    "status.withdrawn": ("Đã rút", "Withdrawn"),
    "channel.direct": ("Trực tiếp", "At the desk"),
    "channel.postal": ("Bưu chính công ích", "Public postal service"),
    "channel.level3": ("Trực tuyến mức 3 (một phần)", "Online level 3 (partly online)"),
    "channel.level4": ("Trực tuyến mức 4 (toàn trình)", "Online level 4 (fully online)"),
    "outcome.early": ("Trước hạn", "Early"),
    "outcome.on_time": ("Đúng hạn", "On time"),
    "outcome.late": ("Quá hạn", "Late"),
    "event.received": ("Tiếp nhận", "Received"),
    "event.supplement_requested": ("Yêu cầu bổ sung", "Supplement requested"),
    "event.supplement_received": ("Nhận hồ sơ bổ sung đầy đủ", "Complete supplement received"),
    "event.suspended": ("Tạm dừng", "Suspended"),
    "event.resumed": ("Tiếp tục", "Resumed"),
    "event.transferred": ("Chuyển xử lý", "Transferred"),
    "event.transfer_returned": ("Nhận lại từ nơi chuyển", "Back from transfer"),
    "event.resolved": ("Giải quyết xong", "Resolved"),
    "event.returned": ("Trả kết quả", "Returned"),
    "event.rejected": ("Từ chối giải quyết", "Rejected"),
    "event.withdrawn": ("Rút hồ sơ", "Withdrawn"),
    "event.extended": ("Xin lỗi và hẹn lại", "Apology and new appointment"),
    "event.apologised": ("Xin lỗi (quá hạn)", "Apology (overdue)"),
    "event.late_again": ("Quá hạn lần hai", "Late again"),
    "event.recalculated": ("Tính lại hạn theo lịch mới", "Due time recalculated"),
    # labels
    "label.code": ("Mã hồ sơ", "Code"),
    "label.procedure": ("Thủ tục", "Procedure"),
    "label.field": ("Lĩnh vực", "Field"),
    "label.applicant": ("Người nộp", "Applicant"),
    "label.channel": ("Kênh", "Channel"),
    "label.received": ("Tiếp nhận lúc", "Received"),
    "label.counted_from": ("Tính từ", "Counted from"),
    "label.due": ("Hẹn trả", "Due"),
    "label.status": ("Trạng thái", "Status"),
    "label.time": ("Thời điểm", "Time"),
    "label.recorded": ("Ghi lúc", "Recorded"),
    "label.officer": ("Cán bộ", "Officer"),
    "label.note": ("Ghi chú", "Note"),
    "label.event": ("Sự kiện", "Event"),
    "label.days": ("Ngày", "Days"),
    "label.name": ("Tên", "Name"),
    "label.kind": ("Loại", "Kind"),
    "label.date": ("Ngày", "Date"),
    "label.weekday": ("Thứ", "Weekday"),
    "label.unit": ("Thời hạn", "Processing time"),
    "label.online": ("Trực tuyến", "Online"),
    "label.office_hours": ("Giờ làm việc", "Office hours"),
    "label.cutoff": ("Giờ nhận trong ngày", "Same-day cut-off"),
    "label.new_due": ("Hẹn mới", "New appointment"),
    "label.reason": ("Lý do", "Reason"),
    "label.number": ("Số", "No."),
    "label.issued": ("Ngày ban hành", "Issued"),
    "label.signer": ("Người ký", "Signer"),
    "label.original_due": ("Hẹn ban đầu", "Original appointment"),
    "label.overdue_days": ("Quá (ngày LV)", "Overdue (working days)"),
    "label.outcome": ("Kết quả", "Outcome"),
    "label.completed": ("Hoàn thành", "Completed"),
    "label.delay": ("Trễ", "Delay"),
    "kind.holiday": ("Ngày lễ, Tết", "Public holiday"),
    "kind.in_lieu": ("Nghỉ bù", "Day off in lieu"),
    "kind.swapped_working_day": ("Làm việc bù", "Swapped working day"),
    "kind.office_day_off": ("Nghỉ (đơn vị)", "Office day off"),
    "kind.office_working_day": ("Làm việc (đơn vị)", "Office working day"),
    "unit.same_day": ("Trong ngày", "Same day"),
    "unit.working_days": ("{n} ngày làm việc", "{n} working days"),
    "unit.working_hours": ("{n} giờ làm việc", "{n} working hours"),
    "unit.calendar_days": ("{n} ngày", "{n} calendar days"),
    "title.calendar": ("Lịch làm việc năm {year}", "Working calendar {year}"),
    "title.deadline": ("Thời hạn giải quyết", "Due time"),
    "title.slip": ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "RECEIPT SLIP AND APPOINTMENT"),
    "title.history": ("Lịch sử xử lý", "History"),
    "title.procedures": ("Danh mục thủ tục hành chính", "Procedure catalogue"),
    "title.dossiers": ("Hồ sơ", "Dossiers"),
    "title.audit": ("Sự kiện ghi muộn hơn 1 giờ", "Events recorded more than an hour late"),
    "title.overdue": ("QUÁ HẠN", "OVERDUE"),
    "title.due_today": ("ĐẾN HẠN HÔM NAY", "DUE TODAY"),
    "title.due_soon": ("SẮP ĐẾN HẠN (trong {n} ngày làm việc)", "DUE SOON (within {n} working days)"),
    "title.apology_needed": ("CẦN XIN LỖI, HẸN LẠI", "APOLOGY NEEDED"),
    "title.waiting": ("CHỜ NGƯỜI DÂN BỔ SUNG", "WAITING FOR THE APPLICANT"),
    "title.alerts": ("Cảnh báo thời hạn lúc {at}", "Deadline alerts as of {at}"),
    "title.apologies": ("Sổ xin lỗi", "Apology register"),
    "msg.initialised": ("Đã khởi tạo sổ hồ sơ cho {name} ({code}) tại {url}", "Ledger initialised for {name} ({code}) at {url}"),
    "msg.none": ("(không có)", "(none)"),
    "msg.check_done": ("Đã tạo {n} phiếu xin lỗi mới; {again} hồ sơ quá hạn lần hai", "{n} new apologies; {again} dossiers late again"),
    "msg.written": ("Đã ghi {path}", "Wrote {path}"),
    "msg.imported": ("Đã nhập {imported} hồ sơ, bỏ qua {skipped} (đã có), {errors} dòng lỗi", "Imported {imported} dossiers, skipped {skipped} (already present), {errors} rows with errors"),
    "msg.row_error": ("Dòng {line}: {reason}", "Line {line}: {reason}"),
    "msg.extended": ("Đã xin lỗi và hẹn lại hồ sơ {code}: {new_due}", "Apology and new appointment for {code}: {new_due}"),
}


def current_lang(explicit: str | None = None) -> str:
    lang = (explicit or os.environ.get("ONESTOP_LANG") or "vi").strip().lower()[:2]
    return lang if lang in LANGS else "vi"


def t(key: str, lang: str = "vi", /, **params: Any) -> str:
    """The message ``key`` in ``lang``; an unknown key is shown as itself so nothing is ever hidden."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
