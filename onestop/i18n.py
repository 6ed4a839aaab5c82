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
    "config.syntax": (
        "Tệp cấu hình {path} sai cú pháp: {detail}",
        "Configuration file {path} is not valid TOML: {detail}",
    ),
    "config.unknown_key": ("Cấu hình: khóa không hợp lệ '{key}'", "Configuration: unknown key '{key}'"),
    "config.bad_value": (
        "Cấu hình: giá trị không hợp lệ cho '{key}': {detail}",
        "Configuration: bad value for '{key}': {detail}",
    ),
    "input.datetime": (
        "Thời điểm không hợp lệ: '{value}' (dùng YYYY-MM-DD HH:MM)",
        "Invalid date/time: '{value}' (use YYYY-MM-DD HH:MM)",
    ),
    "input.date": ("Ngày không hợp lệ: '{value}' (dùng YYYY-MM-DD)", "Invalid date: '{value}' (use YYYY-MM-DD)"),
    "input.negative": ("Thời hạn không được âm: {value}", "The processing time cannot be negative: {value}"),
    "input.one_unit": (
        "Chọn đúng một đơn vị thời hạn: --same-day, --working-days, --working-hours hoặc --calendar-days",
        "Give exactly one unit: --same-day, --working-days, --working-hours or --calendar-days",
    ),
    "input.out_of_range": (
        "Ngày {value} nằm ngoài lịch làm việc ({first}–{last})",
        "{value} is outside the working calendar ({first}–{last})",
    ),
    "input.out_of_range_value": (
        "Giá trị ngày giờ hoặc số nằm ngoài phạm vi cho phép",
        "A date, time or number is out of range",
    ),
    "input.csv_row": ("Dòng CSV không đọc được: {detail}", "Unreadable CSV row: {detail}"),
    "input.period": ("Kỳ báo cáo không hợp lệ: {detail}", "Invalid period: {detail}"),
    "input.period_choice": ("Chọn --period hoặc cả --from và --to", "Give --period, or both --from and --to"),
    "input.channel": (
        "Kênh không hợp lệ: '{value}' (direct, postal, level3, level4)",
        "Invalid channel: '{value}' (direct, postal, level3, level4)",
    ),
    "input.return_via": (
        "Hình thức trả không hợp lệ: '{value}' (direct, postal, online)",
        "Invalid return route: '{value}' (direct, postal, online)",
    ),
    "input.required": ("Thiếu {name}", "Missing {name}"),
    "input.empty": ("{name} không được để trống", "{name} must not be empty"),
    "input.reserved_officer": (
        "Tên cán bộ '{name}' dành cho dữ liệu nhập từ hệ thống khác; hãy ghi tên người tiếp nhận",
        "The officer name '{name}' is kept for imported data; give the receiving officer's name",
    ),
    "input.too_long": ("{name} quá dài (tối đa {limit} ký tự)", "{name} is too long (at most {limit} characters)"),
    "input.future": ("Thời điểm {value} ở tương lai", "{value} is in the future"),
    "input.before_previous": (
        "Thời điểm {value} sớm hơn sự kiện trước của hồ sơ ({previous})",
        "{value} is earlier than the dossier's previous event ({previous})",
    ),
    "input.office_code": ("Mã đơn vị không hợp lệ: '{value}'", "Invalid office code: '{value}'"),
    "input.file": ("Không đọc được tệp {path}: {detail}", "Cannot read file {path}: {detail}"),
    "input.csv_header": ("Tệp CSV thiếu cột: {columns}", "The CSV file lacks columns: {columns}"),
    "input.not_tty": ("Thiếu {name} (không có terminal để hỏi)", "Missing {name} (no terminal to ask)"),
    "input.new_due_not_later": (
        "Hẹn mới {new} phải sau hẹn hiện tại {current}",
        "The new appointment {new} must be after the current one {current}",
    ),
    "input.new_due_not_office_hours": (
        "Hẹn mới {new} không nằm trong giờ làm việc của ngày làm việc",
        "The new appointment {new} is not within office hours of a working day",
    ),
    "input.format": ("Định dạng không hỗ trợ: {value}", "Unsupported format: {value}"),
    "input.layout": ("Mẫu báo cáo không hỗ trợ: {value}", "Unsupported layout: {value}"),
    "input.out_required": ("Định dạng {value} cần --out FILE", "Format {value} needs --out FILE"),
    "notfound.dossier": ("Không có hồ sơ mã {code}", "No dossier with code {code}"),
    "notfound.procedure": ("Không có thủ tục mã {code}", "No procedure with code {code}"),
    "notfound.office": ("Chưa có đơn vị nào: chạy 'onestop init' trước", "No office yet: run 'onestop init' first"),
    "notfound.office_code": ("Không có đơn vị mã {code}", "No office with code {code}"),
    "notfound.apology": ("Hồ sơ {code} chưa có phiếu xin lỗi", "Dossier {code} has no apology"),
    "transition.refused": (
        "Không thể {action} hồ sơ {code} đang ở trạng thái '{status}'",
        "Cannot {action} dossier {code}: it is '{status}'",
    ),
    "transition.second_extension": (
        "Hồ sơ {code} đã được hẹn lại một lần; theo Nghị định 61/2018 Điều 19.9 chỉ được hẹn lại một lần",
        "Dossier {code} was already given a new appointment; Decree 61/2018 Art. 19.9 allows only one",
    ),
    "transition.no_due": ("Hồ sơ {code} đang dừng tính thời hạn", "Dossier {code} has no running deadline"),
    "storage.readonly": ("Cơ sở dữ liệu chỉ đọc: {detail}", "The database is read-only: {detail}"),
    "storage.full": ("Ổ đĩa đầy, không ghi được: {detail}", "The disk is full: {detail}"),
    "storage.locked": (
        "Cơ sở dữ liệu đang bị khóa bởi tiến trình khác; thử lại sau",
        "The database is locked by another process; try again later",
    ),
    "storage.open": ("Không mở được cơ sở dữ liệu {url}: {detail}", "Cannot open the database {url}: {detail}"),
    "storage.newer": (
        "Cơ sở dữ liệu thuộc phiên bản mới hơn ({revision}); hãy cập nhật onestop",
        "The database is from a newer version ({revision}); upgrade onestop",
    ),
    "storage.backup_pg": (
        "Với PostgreSQL hãy dùng pg_dump: pg_dump -Fc -f {file} <database>; khôi phục bằng pg_restore",
        "For PostgreSQL use pg_dump: pg_dump -Fc -f {file} <database>; restore with pg_restore",
    ),
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
    "msg.initialised": (
        "Đã khởi tạo sổ hồ sơ cho {name} ({code}) tại {url}",
        "Ledger initialised for {name} ({code}) at {url}",
    ),
    "msg.none": ("(không có)", "(none)"),
    "msg.check_done": (
        "Đã tạo {n} phiếu xin lỗi mới; {again} hồ sơ quá hạn lần hai",
        "{n} new apologies; {again} dossiers late again",
    ),
    "msg.written": ("Đã ghi {path}", "Wrote {path}"),
    "msg.published": (
        "Đã công khai {results} kết quả và {apologies} phiếu xin lỗi kỳ {period} tại {path}",
        "Published {results} results and {apologies} apologies for {period} in {path}",
    ),
    "msg.imported": (
        "Đã nhập {imported} hồ sơ, bỏ qua {skipped} (đã có), {errors} dòng lỗi",
        "Imported {imported} dossiers, skipped {skipped} (already present), {errors} rows with errors",
    ),
    "msg.row_error": ("Dòng {line}: {reason}", "Line {line}: {reason}"),
    "msg.scheduler_started": (
        "Bộ hẹn giờ đang chạy; lần kiểm tra tiếp theo: {next} (Ctrl-C để dừng)",
        "Scheduler running; next check: {next} (Ctrl-C to stop)",
    ),
    "msg.scheduler_stopped": ("Đã dừng bộ hẹn giờ", "Scheduler stopped"),
    "msg.scheduler_once": ("Đã chạy kiểm tra: {ran}; lần tiếp theo: {next}", "Check run: {ran}; next: {next}"),
    "msg.yes": ("có", "yes"),
    "msg.no": ("không", "no"),
    "demo.title": ("Demo: UBND thị trấn Bút Sơn, 6 tháng đầu năm 2023", "Demo: Bút Sơn town, first half of 2023"),
    "demo.built": (
        "Đã dựng {n} hồ sơ tổng hợp trong {seconds} giây tại {url}",
        "Built {n} synthetic dossiers in {seconds} s at {url}",
    ),
    "desk.search": ("Tìm thủ tục (Enter để kết thúc)", "Search a procedure (Enter to finish)"),
    "desk.pick": ("Chọn số", "Pick a number"),
    "msg.verified": ("Đã kiểm tra {n} hồ sơ: {problems} sai lệch", "Verified {n} dossiers: {problems} problems"),
    "msg.earlier_calendar": (
        "{n} hồ sơ đã kết thúc giữ thời hạn tính theo lịch cũ, trước khi lịch thay đổi (đúng: recalc không sửa chúng)",
        "{n} closed dossiers keep the due time of the calendar before a change (as they should: recalc leaves them)",
    ),
    "msg.restored": ("Đã khôi phục sổ từ bản sao vào {path}", "Restored the ledger into {path}"),
    "title.recalc": ("Hẹn trả thay đổi theo lịch mới ({n})", "Appointments changed by the new calendar ({n})"),
    "demo.xlsx": ("Báo cáo Excel: {path} (và Biểu 06: {other})", "Excel report: {path} (and Biểu 06: {other})"),
    "demo.site": ("Trang công khai: {path}", "Public pages: {path}"),
    "msg.extended": (
        "Đã xin lỗi và hẹn lại hồ sơ {code}: {new_due}",
        "Apology and new appointment for {code}: {new_due}",
    ),
    # official documents (onestop/forms.py): the .docx is always Vietnamese, the text version follows --lang
    "form.motto": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"),
    "form.motto_sub": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "form.number": ("Số: {number}", "No. {number}"),
    "form.place_date": (
        "{place}, ngày {day} tháng {month} năm {year}",
        "{place}, {day_number} {month_name} {year}",
    ),
    "form.date": ("Ngày {day} tháng {month} năm {year}", "{day_number} {month_name} {year}"),
    "form.time": ("{hour:02d} giờ {minute:02d} phút, ngày {date}", "{hour:02d}:{minute:02d} on {date}"),
    "form.code": ("Mã hồ sơ", "Dossier code"),
    "form.address": ("Địa chỉ", "Address"),
    "form.phone": ("Số điện thoại", "Phone"),
    "form.id_number": ("Số định danh cá nhân", "Personal ID number"),
    "form.reason": ("Lý do", "Reason"),
    "form.sign_note": ("(Ký và ghi rõ họ tên)", "(Signature and full name)"),
    "form.regards": ("Trân trọng./.", "Yours faithfully."),
    "form.recipients": ("Nơi nhận:", "Recipients:"),
    "form.recipient_addressee": ("- Như trên;", "- The addressee;"),
    "form.recipient_archive": ("- Lưu: VT.", "- Archive: records office."),
    "form.for_committee": ("TM. ỦY BAN NHÂN DÂN", "FOR THE PEOPLE'S COMMITTEE"),
    "form.chair": ("CHỦ TỊCH", "CHAIRPERSON"),
    "form.head": ("THỦ TRƯỞNG CƠ QUAN", "HEAD OF THE OFFICE"),
    "form.slip.title": (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "RECEIPT OF THE DOSSIER AND APPOINTMENT FOR THE RESULT",
    ),
    "form.slip.applicant": ("Tiếp nhận hồ sơ của", "Dossier received from"),
    "form.slip.request": ("Nội dung yêu cầu giải quyết", "Request"),
    "form.slip.channel": ("Hình thức nộp", "Submitted"),
    "form.slip.documents": ("1. Thành phần hồ sơ nộp gồm", "1. Documents submitted"),
    "form.slip.no_documents": ("(không liệt kê)", "(not listed)"),
    "form.slip.received": ("2. Thời gian nhận hồ sơ", "2. Received at"),
    "form.slip.appointment": ("3. Thời gian trả kết quả giải quyết hồ sơ", "3. Result due"),
    "form.slip.applicant_sign": ("NGƯỜI NỘP HỒ SƠ", "APPLICANT"),
    "form.slip.officer_sign": ("NGƯỜI TIẾP NHẬN HỒ SƠ", "RECEIVING OFFICER"),
    "form.apology.title_2018": (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "APOLOGY AND NEW APPOINTMENT FOR THE RESULT",
    ),
    "form.apology.title_2025": (
        "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "APOLOGY AND REQUEST TO EXTEND THE PROCESSING TIME",
    ),
    "form.apology.to": ("Kính gửi: Ông/Bà {applicant}", "To: Mr/Ms {applicant}"),
    "form.apology.received": (
        "Ngày {date}, {office} tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính: {procedure}.",
        "On {date}, {office} received your dossier for the administrative procedure: {procedure}.",
    ),
    "form.apology.original_due": ("Thời gian hẹn trả kết quả", "Appointment for the result"),
    "form.apology.not_returned": (
        "Tuy nhiên đến nay, {office} chưa trả kết quả giải quyết hồ sơ đúng thời hạn ghi trên "
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
        "However, {office} has not returned the result by the time written on the receipt slip.",
    ),
    "form.apology.sorry_2018": (
        "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại cho Ông/Bà. {office} xin lỗi Ông/Bà "
        "và hẹn trả kết quả giải quyết hồ sơ vào {new_due}.",
        "This delay has caused you trouble and travel costs. {office} apologises and will return the result "
        "at {new_due}.",
    ),
    "form.apology.sorry_2025": (
        "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại cho Ông/Bà. {office} xin lỗi Ông/Bà "
        "và đề nghị gia hạn thời gian giải quyết hồ sơ đến {new_due}.",
        "This delay has caused you trouble and travel costs. {office} apologises and asks to extend the "
        "processing time until {new_due}.",
    ),
    "form.apology.sorry_open": (
        "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại cho Ông/Bà. {office} xin lỗi Ông/Bà "
        "và sẽ trả kết quả ngay khi hồ sơ được giải quyết xong.",
        "This delay has caused you trouble and travel costs. {office} apologises and will return the result "
        "as soon as the dossier is resolved.",
    ),
    "form.apology.understanding": (
        "Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này.",
        "We hope for your understanding of this delay.",
    ),
    # issue 5: period reports (onestop/render.py). Phụ lục 01b wording is the seed report's, verbatim.
    "report.title.summary": ("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "ADMINISTRATIVE PROCEDURE RESULTS"),
    "report.title.appendix-01b": (
        "Phụ lục 01b — THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
        "Appendix 01b — STATISTICS OF ADMINISTRATIVE REFORM RESULTS",
    ),
    "report.title.bieu-06": (
        "Biểu 06/VPCP/KSTT — TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Form 06/VPCP/KSTT — ADMINISTRATIVE PROCEDURE RESULTS",
    ),
    "report.title.tracking-book": ("SỔ THEO DÕI HỒ SƠ", "DOSSIER TRACKING BOOK"),
    "report.subtitle": (
        "{office} — Kỳ báo cáo {label}: từ ngày {start} đến ngày {end}",
        "{office} — period {label}: {start} to {end}",
    ),
    "report.all_offices": ("Tổng hợp {n} đơn vị", "{n} offices combined"),
    "report.col.indicator": ("Chỉ tiêu", "Indicator"),
    "report.col.value": ("Số liệu", "Value"),
    "report.received": ("Số hồ sơ tiếp nhận trong kỳ", "Received in the period"),
    "report.carried_over": ("Số hồ sơ kỳ trước chuyển qua", "Carried over from the previous period"),
    "report.resolved": ("Số hồ sơ đã giải quyết", "Resolved"),
    "report.pending": ("Số hồ sơ đang giải quyết cuối kỳ", "Pending at the end of the period"),
    "report.not_due": ("Chưa đến hạn", "Not yet due"),
    "report.overdue": ("Quá hạn", "Overdue"),
    "report.waiting": ("Chờ bổ sung", "Waiting for a supplement"),
    "report.not_late": ("Giải quyết không quá hạn, theo kênh tiếp nhận", "Resolved not late, by channel"),
    "report.late_by_field": ("Quá hạn theo lĩnh vực", "Late by field"),
    "report.withdrawn": ("Số hồ sơ rút", "Withdrawn"),
    "report.apologies": ("Số thư xin lỗi đã ban hành", "Apologies issued"),
    "report.published": ("Số kết quả đã công khai", "Results published"),
    "a01b.col.stt": ("STT", "No."),
    "a01b.col.indicator": ("Chỉ tiêu thống kê", "Statistical indicator"),
    "a01b.col.unit": ("Đơn vị tính", "Unit"),
    "a01b.col.value": ("Số liệu", "Value"),
    "a01b.col.note": ("Ghi chú", "Notes"),
    "a01b.3": ("Cải cách thủ tục hành chính", "Administrative procedure reform"),
    "a01b.3.1": ("Thống kê TTHC", "Procedure statistics"),
    "a01b.3.1.3": ("Tổng số TTHC đang áp dụng", "Procedures in force"),
    "a01b.3.2": ("Thực hiện cơ chế một cửa, một cửa liên thông", "One-stop and inter-linked one-stop mechanism"),
    "a01b.3.2.1": (
        "Số TTHC đưa vào thực hiện theo cơ chế một cửa tại cấp xã",
        "Procedures under the one-stop mechanism at the commune",
    ),
    "a01b.3.2.3": (
        "Số TTHC liên thông giữa các cấp chính quyền",
        "Procedures inter-linked between levels of government",
    ),
    "a01b.3.3": ("Kết quả giải quyết TTHC", "Procedure results"),
    "a01b.3.3.1": ("Số lượng hồ sơ đã tiếp nhận", "Dossiers received"),
    "a01b.in_which": ("Trong đó", "Of which"),
    "a01b.received.direct": ("Tiếp nhận trực tiếp", "Received at the desk"),
    "a01b.received.postal": ("Tiếp nhận qua BCCI", "Received through the public postal service"),
    "a01b.received.level3": ("Tiếp nhận trực tuyến mức độ 3", "Received online, level 3"),
    "a01b.received.level4": ("Tiếp nhận trực tuyến mức độ 4", "Received online, level 4"),
    "a01b.3.3.2": (
        "Số lượng hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hạn",
        "Dossiers received by the commune and resolved on time",
    ),
    "a01b.not_late.direct": ("Trả trực tiếp", "Returned at the desk"),
    "a01b.not_late.postal": ("Trả qua BCCI", "Returned through the public postal service"),
    "a01b.not_late.level3": ("Giải quyết trực tuyến mức độ 3", "Resolved online, level 3"),
    "a01b.not_late.level4": ("Giải quyết trực tuyến mức độ 4", "Resolved online, level 4"),
    "a01b.3.4": ("Công khai kết quả giải quyết", "Publication of results"),
    "a01b.3.4.2": (
        "Công khai kết quả giải quyết trên trang TTĐT của đơn vị",
        "Results published on the office's website",
    ),
    "a01b.3.5": ("Số thư/ trường hợp đã công khai xin lỗi", "Public apologies (letters / cases)"),
    "a01b.unit.procedure": ("Thủ tục", "Procedures"),
    "a01b.unit.dossier": ("Số lượng hồ sơ", "Dossiers"),
    "a01b.unit.ditto": ("nt", "ditto"),
    "a01b.unit.resolved": ("Số hồ sơ đã giải quyết", "Resolved dossiers"),
    "b06.col.stt": ("STT", "No."),
    "b06.col.field": ("Lĩnh vực giải quyết", "Field"),
    "b06.received": ("Số hồ sơ nhận giải quyết", "Dossiers to resolve"),
    "b06.resolved": ("Số hồ sơ đã giải quyết", "Resolved"),
    "b06.pending": ("Số hồ sơ đang giải quyết", "Pending"),
    "b06.total": ("Tổng số", "Total"),
    "b06.online": ("Mới tiếp nhận trực tuyến", "New, online"),
    "b06.direct_postal": ("Mới tiếp nhận trực tiếp, bưu chính", "New, at the desk or by post"),
    "b06.carried_over": ("Kỳ trước chuyển qua", "Carried over"),
    "b06.early": ("Trả trước hạn", "Early"),
    "b06.on_time": ("Trả đúng thời hạn", "On time"),
    "b06.late": ("Trả quá hạn", "Late"),
    "b06.not_due": ("Chưa đến hạn", "Not yet due"),
    "b06.overdue": ("Quá hạn", "Overdue"),
    "b06.sum": ("Tổng cộng", "Total"),
    "book.col.stt": ("STT", "No."),
    "book.col.code": ("Mã hồ sơ", "Dossier code"),
    "book.col.procedure": ("Tên thủ tục hành chính", "Procedure"),
    "book.col.applicant": ("Tên cá nhân, tổ chức", "Applicant"),
    "book.col.contact": ("Địa chỉ, số điện thoại", "Address, phone"),
    "book.col.received": ("Nhận hồ sơ", "Received"),
    "book.col.appointment": ("Hẹn trả kết quả", "Appointment"),
    "book.col.returned": ("Trả kết quả", "Returned"),
    "book.col.route": ("Hình thức trả", "Return route"),
    "route.direct": ("Trực tiếp", "At the desk"),
    "route.postal": ("Bưu chính công ích", "Public postal service"),
    "route.online": ("Trực tuyến", "Online"),
    "output.file": ("Không ghi được tệp {path}: {detail}", "Cannot write file {path}: {detail}"),
    # the importer
    "import.code_taken": (
        "Mã hồ sơ {code} đã dùng cho một hồ sơ khác (khác thủ tục, người nộp hoặc thời điểm tiếp nhận); "
        "dòng này không được nhập",
        "Dossier code {code} is already used by another dossier (another procedure, applicant or receipt "
        "instant); this row was not imported",
    ),
    "import.helper_stopped": (
        "Tiến trình phụ đọc tệp nhập đã dừng (mã thoát {exit_code}); các lô đã ghi được giữ nguyên, hãy chạy lại "
        "lệnh nhập (hồ sơ đã có sẽ được bỏ qua)",
        "The import's helper process stopped (exit code {exit_code}); the batches already written are kept: run the "
        "import again (dossiers already in the ledger are skipped)",
    ),
    "storage.file_size": (
        "Không ghi được cơ sở dữ liệu: tệp đã chạm giới hạn kích thước tệp của tiến trình "
        "({limit} byte, ulimit -f): {detail}",
        "Cannot write the database: its file reached this process's file size limit ({limit} bytes, "
        "ulimit -f): {detail}",
    ),
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
