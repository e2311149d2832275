"""The iCalendar feed: RFC 5545 lines (CRLF, folded at 75 octets, TEXT escaped), one bad row
left out instead of a 500, and tokens checked before any query."""

import logging
from datetime import date

import pytest
from django.urls import reverse

from deficiencies import ics
from deficiencies.models import CalendarFeed, Deadline, Judgment, Provision
from deficiencies.services import refresh, with_relations
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db

PROPERTIES = {
    "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "UID", "DTSTAMP",
    "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL", "ACTION", "TRIGGER",
}  # fmt: skip


def feed_of(client, user) -> str:
    client.force_login(user)
    client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    client.logout()
    response = client.get(CalendarFeed.objects.get(user=user).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def content_lines(body: str) -> list[str]:
    """Checks the physical lines, then unfolds them into content lines."""
    assert body.endswith("\r\n")
    physical = body[:-2].split("\r\n")
    for line in physical:
        assert "\r" not in line and "\n" not in line, repr(line)
        assert len(line.encode()) <= 75, line
    unfolded: list[str] = []
    for line in physical:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    return unfolded


def name_of(line: str) -> str:
    return line.split(":", 1)[0].split(";", 1)[0]


def events(lines: list[str]) -> list[dict]:
    """Each VEVENT's properties; its VALARMs, each a dict of properties, under "alarms"."""
    out, current, alarm = [], None, None
    for line in lines:
        assert name_of(line) in PROPERTIES, line
        if line == "BEGIN:VEVENT":
            current = {"alarms": []}
        elif line == "END:VEVENT":
            assert alarm is None, "an alarm left open"
            out.append(current)
            current = None
        elif line == "BEGIN:VALARM":
            assert current is not None and alarm is None, "an alarm outside an event"
            alarm = {}
        elif line == "END:VALARM":
            current["alarms"].append(alarm)
            alarm = None
        elif current is not None:
            into = current if alarm is None else alarm
            name = name_of(line)
            assert name not in into, f"{name} twice in one component"
            into[name] = line.split(":", 1)[1]
    return out


# --- the writer ----------------------------------------------------------------------------------


def test_text_is_escaped_per_rfc_5545():
    assert ics.escape_text("a\\b;c,d") == "a\\\\b\\;c\\,d"
    assert ics.escape_text("one\r\ntwo\rthree\nfour\u2028five") == r"one\ntwo\nthree\nfour\nfive"
    assert ics.escape_text("bell\x07 esc\x1b del\x7f tab\tkept") == "bell esc del tab\tkept"


@pytest.mark.parametrize("text", ["x" * 200, "é" * 120, "€" * 80, "😀" * 60, "a" + "😀" * 40])
def test_folding_keeps_lines_within_75_octets_and_characters_whole(text):
    line = "DESCRIPTION:" + text
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


# --- the feed ------------------------------------------------------------------------------------


def test_a_loan_number_with_crlf_semicolon_and_comma_cannot_inject_a_property(
    client, owner, portfolio, staff
):
    # Within the loan number's 50 characters (PostgreSQL enforces the length).
    evil = "L-1\r\nSUMMARY:Pay;X=1,Y\rDTSTART:1970\nATTACH:http:/"
    assert len(evil) <= 50
    record_sale(make_loan(portfolio, evil), staff)
    body = feed_of(client, owner)
    found = events(content_lines(body))
    assert found  # the NY filing window and the limitations estimate
    for event in found:
        summary = event["SUMMARY"]
        assert "ATTACH" not in {name_of(line) for line in event}
        assert summary.startswith(("Deficiency filing window", "Statute of limitations"))
        assert r"loan L-1\nSUMMARY:Pay\;X=1\,Y\nDTSTART:1970\nATTACH:http:/" in summary
    assert body.count("\nSUMMARY:") == len(found)


def test_notes_with_line_breaks_and_accents_are_escaped_and_folded(client, owner, portfolio, staff):
    Provision.objects.filter(state_code="NY", kind="filing_window").update(
        citation="Première ligne; deux, trois\r\n" + "Détails é€😀 " * 20
    )
    record_sale(make_loan(portfolio, "ACC-1"), staff)
    body = feed_of(client, owner)
    filing = [e for e in events(content_lines(body)) if e["UID"].endswith("filing@testserver")]
    assert r"Première ligne\; deux\, trois\nDétails é€😀" in filing[0]["DESCRIPTION"]


def test_every_deadline_reminds_30_and_7_days_before(client, owner, portfolio, staff):
    record_sale(make_loan(portfolio, "REM-1"), staff)
    found = events(content_lines(feed_of(client, owner)))
    assert found
    for event in found:
        # RFC 5545 section 3.6.6: a DISPLAY alarm needs ACTION, TRIGGER and DESCRIPTION.
        assert [a["TRIGGER"] for a in event["alarms"]] == ["-P30D", "-P7D"]
        for alarm in event["alarms"]:
            assert alarm["ACTION"] == "DISPLAY"
            assert "loan REM-1" in alarm["DESCRIPTION"]
        assert event["alarms"][0]["DESCRIPTION"].startswith(
            event["SUMMARY"].split(":")[0] + " in 30 days"
        )


def write_deadline(deficiency, day, kind=Deadline.Kind.JUDGMENT_EXPIRY):
    loan = deficiency.loan
    return Deadline.objects.create(
        deficiency=deficiency, kind=kind, due_on=day, portfolio_id=loan.portfolio_id,
        state_code=loan.property_state, loan_number=loan.loan_number, note="Written to the DB.",
    )  # fmt: skip


def test_rows_dated_9999_or_year_1_are_left_out_and_logged_once(
    client, owner, portfolio, staff, caplog
):
    good = record_sale(make_loan(portfolio, "GOOD"), staff)
    far = record_sale(make_loan(portfolio, "FAR"), staff)
    early = record_sale(make_loan(portfolio, "EARLY"), staff)
    write_deadline(far, date(9999, 12, 31))
    write_deadline(early, date(1, 1, 1))
    ics._reported.clear()
    with caplog.at_level(logging.WARNING, logger="deficiencies.ics"):
        body = feed_of(client, owner)
        found = events(content_lines(body))
        client.get(CalendarFeed.objects.get(user=owner).get_absolute_url())  # a second poll
    numbers = {e["SUMMARY"].split("loan ")[1].split(" ")[0] for e in found}
    assert numbers == {"GOOD", "FAR", "EARLY"}  # their computed deadlines are still there
    assert "99991231" not in body and "DTSTART;VALUE=DATE:10101" not in body
    assert all(len(e["DTSTART"]) == 8 for e in found)
    left_out = [r for r in caplog.records if "left out" in r.getMessage()]
    assert len(left_out) == 2  # one line per bad row, not one per poll
    assert good.deadlines.count() == 2


def test_a_judgment_expiring_9999_12_31_does_not_break_the_feed_or_the_pages(
    client, owner, portfolio, staff
):
    d = record_sale(make_loan(portfolio, "JUD"), staff)
    Judgment.objects.create(
        deficiency=d, granted_on=date(2026, 11, 1), amount="50000.00", expires_on=date(9999, 12, 31)
    )
    refresh(with_relations(type(d).objects.filter(pk=d.pk)))
    body = feed_of(client, owner)
    assert "BEGIN:VCALENDAR" in body and "99991231" not in body
    client.force_login(owner)
    assert client.get(reverse("deficiencies:deadlines")).status_code == 200
    assert client.get(d.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["a" * 500, "short", "x" * 42 + "\u00e9", "..%2F..%2Fetc%2Fpasswd", "a" * 40 + "%0D%0Abb"],
)
def test_tokens_not_shaped_like_ours_get_404_without_a_query(
    client, token, django_assert_num_queries
):
    url = reverse("deficiencies:calendar", args=["TOKEN"]).replace("TOKEN", token)
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 404


def test_a_judgments_lifetime_and_renewal_window_are_in_the_feed(client, owner, portfolio, staff):
    # Mich. Comp. Laws § 600.5809(3): a judgment runs 10 years from entry and may be renewed
    # within that time: both dates reach the subscriber's calendar.
    from tests.factories import judged

    judged(make_loan(portfolio, "MI-ICS", property_state="MI"), staff, sold_on=date(2025, 1, 10),
           filed_on=date(2025, 2, 1), granted_on=date(2025, 6, 2), amount="20000.00", rate="5")  # fmt: skip
    found = {e["SUMMARY"]: e["DTSTART"] for e in events(content_lines(feed_of(client, owner)))}
    expiry = [s for s in found if s.startswith("Judgment expires")]
    renewal = [s for s in found if s.startswith("Judgment renewal")]
    assert expiry and renewal, found
    assert found[expiry[0]].endswith("20350602")  # 10 calendar years from Jun 2, 2025
