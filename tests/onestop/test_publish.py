"""Publishing the period's results and apologies (DOMAIN 8-9; Decree 13/2023/NĐ-CP), on SQLite and PostgreSQL.

The pages themselves are exercised in a real browser in tests/browser/; here: what is selected, what is
written, what is recorded as published, and that no personal data gets out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from onestop.db import session_scope
from onestop.errors import InputError, NotFoundError
from onestop.models import Apology, Dossier
from onestop.publish import PublishSummary, publish_site
from onestop.site.render import data_script
from sla.periods import parse_period
from tests.browser.sample_ledger import (
    DUC,
    PERIOD,
    Sample,
    build_sample_ledger,
    completed_in_period,
    leaks,
    personal_data,
)
from tests.helpers import NOW, at, run_cli, sqlite_url

SITE_FILES = (
    "apologies.data.js",
    "apologies.html",
    "assets/site.css",
    "assets/site.js",
    "data.json",
    "index.data.js",
    "index.html",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def sample(request: pytest.FixtureRequest, tmp_path: Path) -> Sample:
    url = sqlite_url(tmp_path / "ledger.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    return build_sample_ledger(url)


def publish(sample: Sample, out: Path, *, when: Any = NOW, period: str = PERIOD) -> PublishSummary:
    return publish_site(sample.ledger, period=parse_period(period), out_dir=out, now=when)


def data_of(out: Path) -> dict[str, Any]:
    data = json.loads((out / "data.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def published_at(sample: Sample) -> tuple[dict[str, Any], list[Any]]:
    with session_scope(sample.ledger.engine) as session:
        dossiers = dict(session.exec(select(Dossier.code, Dossier.published_at)).all())
        apologies = list(session.exec(select(Apology.published_at)).all())
    return dossiers, apologies


def test_the_site_lists_exactly_the_dossiers_completed_in_the_period(sample: Sample, tmp_path: Path) -> None:
    summary = publish(sample, tmp_path / "site")

    data = data_of(tmp_path / "site")
    assert {r["code"] for r in data["results"]} == sample.published
    assert {a["code"] for a in data["apologies"]} == sample.apologised
    assert (summary.results_published, summary.apologies_published) == (len(sample.published), 1)
    assert summary.files == SITE_FILES
    assert all((tmp_path / "site" / name).is_file() for name in SITE_FILES)


def test_the_totals_by_outcome_and_field_are_the_ledgers(sample: Sample, tmp_path: Path) -> None:
    publish(sample, tmp_path / "site")

    expected = completed_in_period(sample.ledger)
    totals = data_of(tmp_path / "site")["totals"]
    for outcome in ("early", "on_time", "late"):
        assert totals[outcome] == sum(1 for _, o in expected.values() if o == outcome)
    assert totals["total"] == len(expected) == totals["early"] + totals["on_time"] + totals["late"]
    by_field = {row["field"]: row["total"] for row in totals["by_field"]}
    assert by_field == {f: sum(1 for g, _ in expected.values() if g == f) for f, _ in expected.values()}
    assert (totals["late"], totals["apologies"]) == (1, 1)


def test_a_record_carries_public_fields_only(sample: Sample, tmp_path: Path) -> None:
    publish(sample, tmp_path / "site")

    data = data_of(tmp_path / "site")
    late = next(r for r in data["results"] if r["code"] == sample.late_code)
    assert late == {
        "code": sample.late_code,
        "procedure_code": "1.004873",
        "procedure": "Cấp giấy xác nhận tình trạng hôn nhân",
        "field": "civil_status",
        "field_label": "Hộ tịch",
        "applicant": "Phạm M. Đ.",
        "received_at": "2023-03-06T09:30:00+07:00",
        "appointment_at": "2023-03-09T17:00:00+07:00",
        "completed_at": "2023-03-13T10:00:00+07:00",
        "outcome": "late",
    }
    assert data["period"] == {"label": "2023-H1", "start": "2022-12-15", "end": "2023-06-14"}
    assert data["office"] == {"code": "000.22.15.H56", "name": "UBND thị trấn Bút Sơn"}


def test_the_apology_is_published_with_its_new_appointment_and_a_redacted_reason(
    sample: Sample, tmp_path: Path
) -> None:
    publish(sample, tmp_path / "site")

    (apology,) = data_of(tmp_path / "site")["apologies"]
    assert apology["number"] == 1 and apology["year"] == 2023
    assert apology["applicant"] == "Phạm M. Đ."
    assert apology["original_appointment_at"] == "2023-03-09T17:00:00+07:00"
    assert apology["new_appointment_at"] == "2023-03-14T17:00:00+07:00"
    assert apology["issued_at"] == "2023-03-08T09:00:00+07:00"
    assert apology["reason"] == "Chờ xác minh; đã báo ông Phạm M. Đ. qua số ***, thư ***"
    assert DUC.phone not in apology["reason"]


def test_no_file_of_the_site_holds_personal_data_of_the_ledger(sample: Sample, tmp_path: Path) -> None:
    publish(sample, tmp_path / "site")

    secrets = personal_data(sample.ledger)
    assert len(secrets) >= 4 * 10  # every person's name, ID number, phone and address is in the ledger
    assert leaks(tmp_path / "site", secrets) == []


def test_publishing_records_what_was_published_and_nothing_else(sample: Sample, tmp_path: Path) -> None:
    assert published_at(sample) == ({c: None for c in published_at(sample)[0]}, [None])

    publish(sample, tmp_path / "site")

    dossiers, apologies = published_at(sample)
    assert {c for c, when in dossiers.items() if when is not None} == sample.published
    assert {dossiers[c] for c in sample.published} == {NOW}
    assert apologies == [NOW]


def test_a_second_publication_keeps_the_first_publication_date(sample: Sample, tmp_path: Path) -> None:
    publish(sample, tmp_path / "first")
    later = at("2024-07-01 08:00")

    again = publish(sample, tmp_path / "second", when=later)

    dossiers, apologies = published_at(sample)
    assert again.results_published == len(sample.published)
    assert {dossiers[c] for c in sample.published} == {NOW}
    assert apologies == [NOW]


def test_a_site_that_cannot_be_written_marks_nothing(sample: Sample, tmp_path: Path) -> None:
    blocker = tmp_path / "site"
    blocker.write_text("not a folder", encoding="utf-8")

    with pytest.raises(InputError) as caught:
        publish(sample, blocker)

    assert caught.value.key == "output.file"
    dossiers, apologies = published_at(sample)
    assert set(dossiers.values()) == {None} and apologies == [None]


def test_another_period_publishes_its_own_dossiers(sample: Sample, tmp_path: Path) -> None:
    summary = publish(sample, tmp_path / "q3", period="2023-Q3")  # 2023-06-15 … 2023-09-14

    assert summary.results_published == 1 and summary.apologies_published == 0
    assert [r["code"] for r in data_of(tmp_path / "q3")["results"]] == [
        c for c in sample.not_published if c in completed_in_period(sample.ledger, "2023-Q3")
    ]


def test_an_unknown_office_is_refused(sample: Sample, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        publish_site(sample.ledger, period=parse_period(PERIOD), out_dir=tmp_path, now=NOW, office_code="000.99")


def test_the_records_script_is_one_string_literal_whatever_the_text() -> None:
    payload = {"rows": [['"); alert(1); ("', "</script><!-- & -->", "\\", "\u2028\u2029", "Nguyễn V. A."]]}

    script = data_script(payload)

    prefix, suffix = "window.ONESTOP_RECORDS = JSON.parse(", ");\n"
    assert script.startswith(prefix) and script.endswith(suffix)
    literal = script.removeprefix(prefix).removesuffix(suffix)
    assert "\u2028" not in literal and "\u2029" not in literal  # raw line separators would end a line in old JS
    assert json.loads(json.loads(literal)) == payload


# --- through the command line -----------------------------------------------------------------------------------
def test_the_command_publishes_and_the_report_then_counts_it(tmp_path: Path) -> None:
    sample = build_sample_ledger(sqlite_url(tmp_path / "ledger.db"))
    sample.ledger.engine.dispose()
    db = tmp_path / "ledger.db"

    result = run_cli("publish", "--period", PERIOD, "--out", "site", "--json", db=db, home=tmp_path)

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary == {
        "out": "site",
        "period": "2023-H1",
        "results_published": len(sample.published),
        "apologies_published": 1,
        "files": list(SITE_FILES),
    }
    report = run_cli("report", "--period", PERIOD, "--format", "json", db=db, home=tmp_path)
    assert report.returncode == 0, report.stderr
    counts = json.loads(report.stdout)
    totals = data_of(tmp_path / "site")["totals"]
    assert counts["resolved"] == {k: totals[k] for k in ("total", "early", "on_time", "late")}
    assert (counts["results_published"], counts["apologies"]) == (len(sample.published), 1)


def test_the_command_says_where_the_site_is(tmp_path: Path) -> None:
    build_sample_ledger(sqlite_url(tmp_path / "ledger.db")).ledger.engine.dispose()

    result = run_cli("publish", "--from", "2023-03-01", "--to", "2023-03-31", "--out", "web", db=tmp_path / "ledger.db",
                     home=tmp_path)  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "Đã công khai 4 kết quả và 1 phiếu xin lỗi kỳ 2023-03-01..2023-03-31 tại web/index.html"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "site"], "Lỗi: Chọn --period hoặc cả --from và --to"),
        (["--period", "2023-H3", "--out", "site"], "Lỗi: Kỳ báo cáo không hợp lệ: '2023-H3' is not a period"),
        (["--from", "2023-13-01", "--to", "2023-12-31", "--out", "site"], "Lỗi: Ngày không hợp lệ: '2023-13-01'"),
        (["--period", "2023-H1", "--out", "site", "--office", "000.99"], "Lỗi: Không có đơn vị mã 000.99"),
    ],
)
def test_bad_input_gives_one_clear_line_and_exit_1(tmp_path: Path, args: list[str], message: str) -> None:
    build_sample_ledger(sqlite_url(tmp_path / "ledger.db")).ledger.engine.dispose()

    result = run_cli("publish", *args, db=tmp_path / "ledger.db", home=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not (tmp_path / "site").exists()


def test_the_output_folder_must_be_writable(tmp_path: Path) -> None:
    build_sample_ledger(sqlite_url(tmp_path / "ledger.db")).ledger.engine.dispose()
    (tmp_path / "site").write_text("a file, not a folder", encoding="utf-8")

    result = run_cli("publish", "--period", PERIOD, "--out", "site", db=tmp_path / "ledger.db", home=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("Lỗi: Không ghi được tệp") and len(result.stderr.strip().splitlines()) == 1


def test_publishing_reads_no_personal_column_for_output() -> None:
    """Privacy by construction: the results query names no ID number, phone or address column at all."""
    import inspect

    from onestop import publish as module

    source = inspect.getsource(module.select_results)
    assert not any(name in source for name in ("id_number", "phone", "address"))
