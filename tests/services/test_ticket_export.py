import csv
import datetime as dt
import io

import pytest

from interplat.models import TicketStatus
from interplat.services import ticket_export, ticket_list, tickets
from interplat.services.errors import ValidationFailed
from tests.factories import make_customer, make_enterprise, make_user

F = ticket_list.TicketFilters
Q = ticket_list.TicketQuery
LOS_ANGELES = dt.timezone(dt.timedelta(hours=-8))  # PST, as on 1 March
UTC = dt.UTC


def read_csv(export: ticket_export.TicketExport) -> list[dict[str, str]]:
    assert export.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets look for
    text = export.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == list(ticket_export.COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def world(session):
    """Three tickets of ours (two on 1 March Los Angeles time, one the evening before),
    one of another enterprise whose customer shares a first name with ours."""
    mine = make_enterprise(session, timezone="America/Los_Angeles")
    theirs = make_enterprise(session)
    cora = make_user(session, mine, full_name="Cora Reyes")
    rival = make_user(session, theirs, full_name="Rex Rival")
    dana = make_customer(session, mine, first_name="Dana", last_name="Whitfield")
    eli = make_customer(
        session, mine, first_name="=HYPERLINK(1)", last_name="x", phone="+14155550147"
    )
    fay = make_customer(session, mine, first_name="Fay", last_name="Stone")
    # 28 Feb 23:30 in Los Angeles, but already 1 March in UTC
    late, _ = tickets.open_ticket(
        session=session,
        enterprise_id=mine.id,
        customer_id=fay.id,
        source="sms",
        now=dt.datetime(2026, 2, 28, 23, 30, tzinfo=LOS_ANGELES),
    )
    rated, _ = tickets.open_ticket(
        session=session,
        enterprise_id=mine.id,
        customer_id=dana.id,
        source="ivr",
        now=dt.datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=LOS_ANGELES),
    )
    at = dt.datetime(2026, 3, 1, 11, 0, tzinfo=LOS_ANGELES)
    tickets.assign_ticket(session=session, ticket=rated, user_id=cora.id, now=at)
    tickets.end_ticket(session=session, ticket=rated, outcome=TicketStatus.RESOLVED, now=at)
    tickets.rate_ticket(session=session, ticket=rated, rating=4, comment="@risky -1", now=at)
    waiting, _ = tickets.open_ticket(
        session=session,
        enterprise_id=mine.id,
        customer_id=eli.id,
        source="ivr",
        now=dt.datetime(2026, 3, 1, 15, 0, tzinfo=LOS_ANGELES),
    )
    other_customer = make_customer(session, theirs, first_name="Dana", last_name="Other")
    other, _ = tickets.open_ticket(
        session=session, enterprise_id=theirs.id, customer_id=other_customer.id, source="ivr"
    )
    tickets.assign_ticket(session=session, ticket=other, user_id=rival.id)
    session.commit()
    return {
        "mine": mine,
        "theirs": theirs,
        "late": late,
        "rated": rated,
        "waiting": waiting,
        "other": other,
        "rival": rival,
    }


def test_the_csv_holds_the_filtered_tickets_newest_first_with_a_header(session, world):
    export = ticket_export.export_tickets(
        session=session, enterprise_id=world["mine"].id, filters=F(sources=("ivr",))
    )
    rows = read_csv(export)
    assert [r["reference"] for r in rows] == [
        world["waiting"].reference,
        world["rated"].reference,
    ]
    assert (export.rows, export.total, export.truncated) == (2, 2, False)
    assert export.notice == "Exported 2 tickets."
    waiting, rated = rows
    assert (waiting["status"], waiting["source"], waiting["csr"]) == ("waiting", "ivr", "")
    assert (waiting["rating"], waiting["assigned_at"], waiting["ended_at"]) == ("", "", "")
    assert (rated["customer_name"], rated["csr"]) == ("Dana Whitfield", "Cora Reyes")
    assert (rated["status"], rated["rating"]) == ("resolved", "4")


def test_times_are_iso_8601_in_utc(session, world):
    export = ticket_export.export_tickets(
        session=session,
        enterprise_id=world["mine"].id,
        filters=F(statuses=("resolved",)),
        now=dt.datetime(2026, 3, 1, 10, 5, tzinfo=LOS_ANGELES),
    )
    (row,) = read_csv(export)
    assert row["created_at"] == "2026-03-01T18:30:15Z"
    assert row["assigned_at"] == row["resolved_at"] == row["ended_at"] == "2026-03-01T19:00:00Z"
    assert export.filename == "tickets-20260301-1805.csv"


def test_cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe(session, world):
    rows = read_csv(ticket_export.export_tickets(session=session, enterprise_id=world["mine"].id))
    by_ref = {r["reference"]: r for r in rows}
    eli = by_ref[world["waiting"].reference]
    assert eli["customer_name"] == "'=HYPERLINK(1) x"
    assert eli["customer_phone"] == "'+14155550147"
    assert by_ref[world["rated"].reference]["rating_comment"] == "'@risky -1"
    assert by_ref[world["late"].reference]["customer_name"] == "Fay Stone"


@pytest.mark.parametrize(
    "raw,safe",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_safe(raw, safe):
    assert ticket_export.csv_safe(raw) == safe


def test_another_enterprises_tickets_never_appear(session, world):
    mine, other = world["mine"], world["other"]
    everything = read_csv(ticket_export.export_tickets(session=session, enterprise_id=mine.id))
    assert len(everything) == 3
    assert other.reference not in {r["reference"] for r in everything}
    assert {r["customer_name"] for r in everything}.isdisjoint({"Dana Other"})
    # Their customer's name and their CSR's id select nothing of theirs either.
    for filters in (F(search="dana"), F(assignee_id=world["rival"].id)):
        rows = read_csv(
            ticket_export.export_tickets(session=session, enterprise_id=mine.id, filters=filters)
        )
        assert other.reference not in {r["reference"] for r in rows}
    theirs = read_csv(
        ticket_export.export_tickets(session=session, enterprise_id=world["theirs"].id)
    )
    assert [r["reference"] for r in theirs] == [other.reference]


def test_the_limit_keeps_the_newest_and_says_so(session, world):
    export = ticket_export.export_tickets(session=session, enterprise_id=world["mine"].id, limit=2)
    rows = read_csv(export)
    assert [r["reference"] for r in rows] == [world["waiting"].reference, world["rated"].reference]
    assert (export.rows, export.total, export.truncated) == (2, 3, True)
    assert export.notice == (
        "Exported the newest 2 of 3 tickets. Narrow the filters to export the rest."
    )


def test_an_empty_filter_gives_the_header_alone(session, world):
    export = ticket_export.export_tickets(
        session=session, enterprise_id=world["mine"].id, filters=F(search="nobody-at-all")
    )
    assert read_csv(export) == []
    assert export.notice == "Exported 0 tickets."


def references(session, world, query):
    filters = ticket_list.filters_from_query(
        session=session, enterprise_id=world["mine"].id, query=query
    )
    page = ticket_list.list_tickets(
        session=session, enterprise_id=world["mine"].id, filters=filters
    )
    return [t.reference for t in page.items]


def test_form_days_follow_the_enterprises_calendar(session, world):
    late, rated, waiting = (world[k].reference for k in ("late", "rated", "waiting"))
    assert references(session, world, Q(date_from="2026-03-01")) == [waiting, rated]
    assert references(session, world, Q(date_to="2026-02-28")) == [late]
    assert references(session, world, Q(date_from="2026-02-28", date_to="2026-02-28")) == [late]
    assert references(session, world, Q(date_from="2026-03-02")) == []
    filters = ticket_list.filters_from_query(
        session=session, enterprise_id=world["mine"].id, query=Q(date_from="2026-03-01")
    )
    assert filters.created_from == dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_form_status_source_csr_and_search(session, world):
    rated, waiting = world["rated"], world["waiting"]
    late = world["late"].reference
    assert references(session, world, Q(status="waiting")) == [waiting.reference, late]
    assert references(session, world, Q(status="waiting", source="ivr")) == [waiting.reference]
    assert references(session, world, Q(source="sms")) == [late]
    assignee = str(rated.assignee_id)
    assert references(session, world, Q(assignee_id=assignee)) == [rated.reference]
    assert references(session, world, Q(search="whitfield", status="resolved")) == [rated.reference]


@pytest.mark.parametrize(
    "query,field",
    [
        (Q(status="lost"), "status"),
        (Q(source="pigeon"), "source"),
        (Q(assignee_id="not-a-uuid"), "assignee_id"),
        (Q(date_from="01/03/2026"), "date_from"),
        (Q(date_from="2026-03-02", date_to="2026-03-01"), "end"),
    ],
)
def test_form_values_that_make_no_sense_are_refused(session, world, query, field):
    with pytest.raises(ValidationFailed) as raised:
        ticket_list.filters_from_query(session=session, enterprise_id=world["mine"].id, query=query)
    assert raised.value.field == field
