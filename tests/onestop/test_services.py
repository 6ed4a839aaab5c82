"""The reception-desk services against a real SQLite file and a real PostgreSQL 15 database.

DOMAIN.md sections 5 (lifecycle), 6 (the clock) and 10 (dossier codes); Decree 61/2018/NĐ-CP Art. 17-20.
Every test runs on both databases: the ``ledger`` fixture is parametrised over them.
"""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from onestop import lifecycle
from onestop.context import Ledger
from onestop.db import session_scope
from onestop.errors import InputError, NotFoundError, TransitionError
from onestop.queries import list_dossiers
from onestop.services import current_state
from tests.helpers import (
    FIVE_DAYS,
    NOW,
    OFFICE_CODE,
    SAME_DAY,
    THREE_DAYS,
    act,
    at,
    dossier,
    events,
    receive,
    snapshot,
)

CHANNELS = ("direct", "postal", "level3", "level4")
ACTIONS = (
    "supplement", "resume", "suspend", "transfer", "transfer_back", "resolve", "return", "reject", "withdraw",
)  # fmt: skip
MONDAY_9 = at("2023-03-06 09:00")  # DOMAIN 6: received Mon 2023-03-06 09:00 on a 5-working-day procedure
FIRST_DUE = at("2023-03-13 17:00")  # close of the 5th working day after receipt day (Civil Code Art. 147)


def assert_refused(ledger: Ledger, code: str, action: str, error: type[Exception], **kwargs: object) -> Exception:
    """The action raises ``error`` and not a single row of any table changes."""
    before = snapshot(ledger.engine)
    with pytest.raises(error) as caught:
        act(ledger, code, action, **kwargs)  # type: ignore[arg-type]
    assert snapshot(ledger.engine) == before, f"{action} on {code} changed the database"
    return caught.value


# --- receipt ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_dossier_is_received_by_each_channel_with_its_code_due_time_and_first_event(
    ledger: Ledger, channel: str
) -> None:
    received = receive(ledger, received_at=MONDAY_9, channel=channel)

    stored = dossier(ledger, received.code)
    assert stored.code == f"{OFFICE_CODE}-230306-0001"
    assert stored.channel == channel
    assert stored.status == "received"
    assert stored.is_open
    assert stored.received_at == MONDAY_9
    assert stored.due_at == FIRST_DUE
    assert stored.appointment_at == FIRST_DUE
    [event] = events(ledger, received.code)
    assert (event.kind, event.occurred_at, event.recorded_at, event.note) == (
        "received",
        MONDAY_9,
        NOW,
        channel,
    )


def test_an_online_dossier_filed_on_a_sunday_night_counts_from_the_monday_opening(ledger: Ledger) -> None:
    # DOMAIN 6 worked example: Sun 2023-03-05 21:00 online, 3 working days → Thu 2023-03-09 17:00.
    received = receive(ledger, received_at=at("2023-03-05 21:00"), procedure=THREE_DAYS, channel="level4")

    assert received.counted_from == at("2023-03-06 07:00")
    assert dossier(ledger, received.code).due_at == at("2023-03-09 17:00")


def test_a_same_day_dossier_received_after_the_cutoff_is_due_the_next_working_day(ledger: Ledger) -> None:
    # Civil Status Law 2014 Art. 5.3: received Mon 2023-03-06 15:40 → due Tue 2023-03-07 17:00.
    received = receive(ledger, received_at=at("2023-03-06 15:40"), procedure=SAME_DAY)

    assert received.due_at == at("2023-03-07 17:00")


# --- the clock through the lifecycle ------------------------------------------------------------------------
def test_the_domain_supplement_example_restarts_the_clock_from_zero_once_the_dossier_is_complete(
    ledger: Ledger,
) -> None:
    # DOMAIN 6 last row; Decree 61/2018 Art. 19.4.
    code = receive(ledger, received_at=MONDAY_9).code

    asked = act(ledger, code, "supplement", when=at("2023-03-08 10:00"), note="Thiếu bản sao giấy tờ tùy thân")
    assert (asked.status, asked.due_at, asked.is_open) == ("supplement_requested", None, True)
    assert asked.waiting_since == at("2023-03-08 10:00")

    resumed = act(ledger, code, "resume", when=at("2023-03-14 09:00"))
    assert resumed.status == "processing"
    assert resumed.counted_from == at("2023-03-14 09:00")
    assert resumed.due_at == at("2023-03-21 17:00")
    assert resumed.waiting_since is None
    assert [e.kind for e in events(ledger, code)] == [
        "received",
        "supplement_requested",
        "supplement_received",
    ]


def test_a_suspension_pauses_the_clock_and_resuming_adds_the_office_time_that_was_left(
    ledger: Ledger,
) -> None:
    # Paused Wed 10:00 with 29 office hours left before Mon 03-13 17:00; resumed Fri 14:00: 3 h that Friday,
    # 8 h each on Mon, Tue, Wed, and the last 2 h on Thursday morning.
    code = receive(ledger, received_at=MONDAY_9).code

    paused = act(ledger, code, "suspend", when=at("2023-03-08 10:00"), note="Chờ thực hiện nghĩa vụ tài chính")
    assert (paused.status, paused.due_at) == ("suspended", None)

    resumed = act(ledger, code, "resume", when=at("2023-03-10 14:00"))
    assert resumed.status == "processing"
    assert resumed.counted_from == MONDAY_9  # continued, not restarted
    assert resumed.due_at == at("2023-03-16 09:00")
    assert [e.kind for e in events(ledger, code)] == ["received", "suspended", "resumed"]


def test_a_transfer_to_another_body_and_back_leaves_the_due_time_unchanged(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    sent = act(ledger, code, "transfer", when=at("2023-03-07 10:00"), note="Phòng Tư pháp huyện")
    assert (sent.status, sent.due_at, sent.is_open) == ("transferred", FIRST_DUE, True)
    back = act(ledger, code, "transfer_back", when=at("2023-03-09 10:00"))
    assert (back.status, back.due_at) == ("processing", FIRST_DUE)

    history = events(ledger, code)
    assert [e.kind for e in history] == ["received", "transferred", "transfer_returned"]
    assert history[1].note == "Phòng Tư pháp huyện"


@pytest.mark.parametrize(
    ("resolved_at", "outcome"),
    [
        ("2023-03-09 10:00", "early"),  # a calendar day before the due day
        ("2023-03-13 16:30", "on_time"),  # on the due day, before its close
        ("2023-03-14 08:00", "late"),  # after the due instant (Circular 01/2018 Art. 13)
    ],
)
def test_resolving_completes_the_dossier_and_classifies_it(ledger: Ledger, resolved_at: str, outcome: str) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    resolved = act(ledger, code, "resolve", when=at(resolved_at))

    assert (resolved.status, resolved.is_open, resolved.outcome) == ("resolved", False, outcome)
    assert resolved.completed_at == at(resolved_at)
    assert resolved.due_at == FIRST_DUE


def test_a_transferred_dossier_can_be_resolved_by_the_receiving_body(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "transfer", when=at("2023-03-07 10:00"), note="Chi cục Thuế")

    resolved = act(ledger, code, "resolve", when=at("2023-03-10 10:00"))

    assert (resolved.status, resolved.outcome) == ("resolved", "early")


def test_returning_by_post_records_the_route_and_keeps_the_completion(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "resolve", when=at("2023-03-09 10:00"))

    returned = act(ledger, code, "return", when=at("2023-03-10 08:00"), return_via="postal")

    assert (returned.status, returned.return_via, returned.returned_at) == (
        "returned",
        "postal",
        at("2023-03-10 08:00"),
    )
    assert (returned.completed_at, returned.outcome) == (at("2023-03-09 10:00"), "early")
    assert events(ledger, code)[-1].note == "postal"


def test_a_return_without_a_route_is_a_return_at_the_desk(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "resolve", when=at("2023-03-09 10:00"))

    returned = act(ledger, code, "return", when=at("2023-03-10 08:00"))

    assert returned.return_via == "direct"


def test_a_rejection_after_appraisal_is_a_result(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    rejected = act(ledger, code, "reject", when=at("2023-03-08 10:00"), note="Không đủ điều kiện")

    assert (rejected.status, rejected.is_open, rejected.outcome) == ("rejected", False, "early")
    assert rejected.completed_at == at("2023-03-08 10:00")
    assert events(ledger, code)[-1].note == "Không đủ điều kiện"


def test_a_withdrawal_closes_the_dossier_without_completing_it(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    withdrawn = act(ledger, code, "withdraw", when=at("2023-03-07 10:00"), note="Người nộp xin rút")

    assert (withdrawn.status, withdrawn.is_open) == ("withdrawn", False)
    assert withdrawn.withdrawn_at == at("2023-03-07 10:00")
    assert (withdrawn.completed_at, withdrawn.outcome) == (None, None)  # DOMAIN 7: counted apart


def test_the_cached_state_of_a_dossier_is_what_its_events_give(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "supplement", when=at("2023-03-08 10:00"), note="Thiếu tờ khai")
    act(ledger, code, "resume", when=at("2023-03-14 09:00"))
    act(ledger, code, "suspend", when=at("2023-03-15 10:00"), note="Niêm yết")
    act(ledger, code, "resume", when=at("2023-03-17 10:00"))

    with session_scope(ledger.engine) as session:
        cached = dossier(ledger, code)
        derived = current_state(session, ledger, cached)
    assert (cached.status, cached.due_at, cached.counted_from) == (
        derived.status.value,
        derived.due_at,
        derived.clock.counted_from,
    )


# --- refusals change nothing --------------------------------------------------------------------------------
def test_a_return_before_the_result_is_ready_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    error = assert_refused(ledger, code, "return", TransitionError, when=at("2023-03-07 10:00"))

    assert error.params["status"] == "received"  # type: ignore[attr-defined]


@pytest.mark.parametrize("action", ACTIONS)
def test_nothing_can_happen_to_a_withdrawn_dossier_and_trying_changes_nothing(ledger: Ledger, action: str) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "withdraw", when=at("2023-03-07 10:00"))

    assert_refused(ledger, code, action, TransitionError, when=at("2023-03-08 10:00"), note="x")


@pytest.mark.parametrize(
    ("history", "action"),
    [
        ([], "resume"),  # nothing to resume from
        ([], "transfer_back"),  # never transferred
        ([("resolve", "2023-03-08 10:00")], "resolve"),
        ([("resolve", "2023-03-08 10:00"), ("return", "2023-03-08 11:00")], "return"),
        ([("supplement", "2023-03-08 10:00")], "resolve"),  # the applicant has not answered yet
    ],
)
def test_other_invalid_transitions_are_refused_and_change_nothing(
    ledger: Ledger, history: list[tuple[str, str]], action: str
) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    for step, when in history:
        act(ledger, code, step, when=at(when), note="x")

    assert_refused(ledger, code, action, TransitionError, when=at("2023-03-09 10:00"))


def test_an_event_dated_before_the_previous_one_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "supplement", when=at("2023-03-08 10:00"), note="Thiếu tờ khai")

    error = assert_refused(ledger, code, "resume", InputError, when=at("2023-03-08 09:59"))

    assert error.key == "input.before_previous"  # type: ignore[attr-defined]


def test_an_event_in_the_future_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code

    error = assert_refused(ledger, code, "resolve", InputError, when=at("2024-06-04 10:00"))

    assert error.key == "input.future"  # type: ignore[attr-defined]


def test_a_receipt_in_the_future_is_refused_and_takes_no_number(ledger: Ledger) -> None:
    before = snapshot(ledger.engine)
    with pytest.raises(InputError) as caught:
        receive(ledger, received_at=at("2024-06-03 11:00"))
    assert caught.value.key == "input.future"
    assert snapshot(ledger.engine) == before
    assert receive(ledger, received_at=MONDAY_9).code.endswith("-0001")


def test_an_unknown_dossier_code_is_not_found(ledger: Ledger) -> None:
    error = assert_refused(ledger, f"{OFFICE_CODE}-230306-9999", "resolve", NotFoundError, when=MONDAY_9)

    assert error.key == "notfound.dossier"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("details", "error", "key"),
    [
        ({"procedure": "9.999999"}, NotFoundError, "notfound.procedure"),
        ({"channel": "fax"}, InputError, "input.channel"),
        ({"applicant": "   "}, InputError, "input.empty"),
        ({"applicant": "A" * 201}, InputError, "input.too_long"),
    ],
)
def test_a_receipt_with_bad_details_is_refused_and_changes_nothing(
    ledger: Ledger, details: dict[str, str], error: type[Exception], key: str
) -> None:
    before = snapshot(ledger.engine)

    with pytest.raises(error) as caught:
        receive(ledger, received_at=MONDAY_9, **details)  # type: ignore[arg-type]

    assert caught.value.key == key  # type: ignore[attr-defined]
    assert snapshot(ledger.engine) == before


def test_a_return_by_an_unknown_route_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "resolve", when=at("2023-03-08 10:00"))

    error = assert_refused(ledger, code, "return", InputError, when=at("2023-03-09 10:00"), return_via="pigeon")

    assert error.key == "input.return_via"  # type: ignore[attr-defined]


def test_a_failed_receipt_gives_its_number_back_so_the_sequence_has_no_gap(ledger: Ledger) -> None:
    from onestop.services import Applicant, receive_dossier

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), session_scope(ledger.engine, write=True) as session:
        receive_dossier(
            session,
            ledger,
            office=ledger.office(session),
            procedure_code=FIVE_DAYS,
            channel="direct",
            applicant=Applicant("Phạm Văn Cường"),
            at=MONDAY_9,
            now=NOW,
        )
        raise Abandoned

    assert receive(ledger, received_at=MONDAY_9).code == f"{OFFICE_CODE}-230306-0001"


# --- the event log ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement", ["UPDATE event SET note = 'sửa lén', occurred_at = recorded_at", "DELETE FROM event"]
)
def test_the_event_log_is_append_only_even_through_raw_sql(ledger: Ledger, statement: str) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    act(ledger, code, "resolve", when=at("2023-03-08 10:00"))
    before = snapshot(ledger.engine)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(sa.text(statement))

    assert snapshot(ledger.engine) == before


def test_the_events_are_kept_in_order_with_what_the_officer_stated_and_when_it_was_recorded(
    ledger: Ledger,
) -> None:
    code = receive(ledger, received_at=MONDAY_9).code
    steps = [
        ("supplement", "2023-03-08 10:00", "supplement_requested"),
        ("resume", "2023-03-14 09:00", "supplement_received"),
        ("resolve", "2023-03-20 10:00", "resolved"),
        ("return", "2023-03-21 08:00", "returned"),
    ]
    for action, when, _ in steps:
        act(ledger, code, action, when=at(when), note="x")

    history = events(ledger, code)

    assert [e.kind for e in history] == ["received", *(kind for _, _, kind in steps)]
    assert [e.occurred_at for e in history] == [MONDAY_9, *(at(when) for _, when, _ in steps)]
    assert all(e.recorded_at == NOW and e.occurred_at.tzinfo is not None for e in history)


# --- search -------------------------------------------------------------------------------------------------
def _search(ledger: Ledger, text: str) -> list[str]:
    with session_scope(ledger.engine) as session:
        return [d.applicant for d, _ in list_dossiers(session, search=text)]


@pytest.mark.parametrize(
    "query",
    [
        "nguyen van an",
        "NGUYEN VAN AN",
        "Nguyễn Văn An",
        unicodedata.normalize("NFD", "Nguyễn Văn An"),  # typed on a keyboard that sends combining marks
        "van an",
    ],
)
def test_searching_by_applicant_ignores_case_and_diacritics(ledger: Ledger, query: str) -> None:
    receive(ledger, received_at=MONDAY_9, applicant="Nguyễn Văn An")
    receive(ledger, received_at=MONDAY_9, applicant="Trần Thị Bình")

    assert _search(ledger, query) == ["Nguyễn Văn An"]


def test_an_applicant_typed_in_decomposed_form_is_stored_composed_and_found(ledger: Ledger) -> None:
    received = receive(ledger, received_at=MONDAY_9, applicant=unicodedata.normalize("NFD", "Lê Thị Hồng  Đào"))

    assert received.applicant == "Lê Thị Hồng Đào"
    assert unicodedata.is_normalized("NFC", dossier(ledger, received.code).applicant)
    assert _search(ledger, "le thi hong dao") == ["Lê Thị Hồng Đào"]


def test_searching_by_procedure_name_finds_its_dossiers(ledger: Ledger) -> None:
    # FIVE_DAYS is "Đăng ký lại khai sinh".
    receive(ledger, received_at=MONDAY_9, procedure=FIVE_DAYS, applicant="Nguyễn Văn An")
    receive(ledger, received_at=MONDAY_9, procedure=THREE_DAYS, applicant="Trần Thị Bình")

    assert _search(ledger, "dang ky lai khai sinh") == ["Nguyễn Văn An"]


@pytest.mark.parametrize("query", ["H56-230306-0002", "h56-230306-0002"])
def test_searching_by_part_of_the_code_ignores_case(ledger: Ledger, query: str) -> None:
    receive(ledger, received_at=MONDAY_9, applicant="Nguyễn Văn An")
    receive(ledger, received_at=MONDAY_9, applicant="Trần Thị Bình")

    assert _search(ledger, query) == ["Trần Thị Bình"]


# --- codes --------------------------------------------------------------------------------------------------
def test_codes_are_office_date_and_a_daily_sequence_starting_at_0001(ledger: Ledger) -> None:
    received = [
        receive(ledger, received_at=at("2023-03-06 09:00")),
        receive(ledger, received_at=at("2023-03-06 10:00")),
        receive(ledger, received_at=at("2023-03-07 08:00")),
        receive(ledger, received_at=at("2023-03-06 16:00"), channel="postal"),  # a late entry for Monday
    ]

    assert [d.code for d in received] == [
        f"{OFFICE_CODE}-230306-0001",
        f"{OFFICE_CODE}-230306-0002",
        f"{OFFICE_CODE}-230307-0001",
        f"{OFFICE_CODE}-230306-0003",
    ]
    assert [d.seq for d in received] == [1, 2, 1, 3]


def test_the_date_in_a_code_is_the_office_local_date_not_utc(ledger: Ledger) -> None:
    # 06:30 in Hà Nội is 23:30 UTC the day before.
    received = receive(ledger, received_at=at("2023-03-07 06:30"), channel="level4")

    assert received.code == f"{OFFICE_CODE}-230307-0001"
    assert dossier(ledger, received.code).received_on.isoformat() == "2023-03-07"


def test_a_withdrawn_dossier_is_listed_as_withdrawn_by_status(ledger: Ledger) -> None:
    kept = receive(ledger, received_at=MONDAY_9).code
    gone = receive(ledger, received_at=MONDAY_9, applicant="Trần Thị Bình").code
    act(ledger, gone, "withdraw", when=at("2023-03-07 10:00"))

    with session_scope(ledger.engine) as session:
        withdrawn = [d.code for d, _ in list_dossiers(session, status="withdrawn")]
        received = [d.code for d, _ in list_dossiers(session, status="received")]
    assert (withdrawn, received) == ([gone], [kept])
    assert lifecycle.Status(dossier(ledger, gone).status) is lifecycle.Status.WITHDRAWN
