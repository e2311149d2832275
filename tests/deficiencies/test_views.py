"""Deficiency pages for every role, bad input on the forms, deadlines and the calendar."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate as today

from deficiencies.models import CalendarFeed, Deficiency, LiquidationEvent, StateRule
from deficiencies.services import change_status
from tests.factories import make_loan, make_portfolio, record_sale

pytestmark = pytest.mark.django_db


def sale_post(**overrides):
    data = {"event_type": "foreclosure_sale", "event_date": "2026-10-01", "sale_process": "judicial",
            "sale_price": "150000.00"}  # fmt: skip
    data.update(overrides)
    return data


# --- recording -------------------------------------------------------------------------------------


def test_staff_record_a_foreclosure_sale_and_see_verdict_and_deadline(client, staff, loan):
    client.force_login(staff)
    response = client.post(reverse("deficiencies:record", args=[loan.pk]), sale_post(), follow=True)
    assert response.status_code == 200
    d = Deficiency.objects.get(loan=loan)
    assert response.redirect_chain[-1][0] == d.get_absolute_url()
    text = response.text
    assert "Pursuable with conditions" in text
    assert "Dec 30, 2026" in text  # 90 days after Oct 1 (RPAPL § 1371(2), from the deed)
    assert "90 days from delivery of the deed" in text  # the deadline's note, always shown
    assert "N.Y. RPAPL § 1371" in text  # its citation
    assert "Confirm it with an attorney licensed in New York" in text
    assert "nycourts" in text or "https://" in text  # the rule's sources are listed
    assert "$59,500.00" in text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sale_price": "-1"}, "sale_price", "is negative"),
        ({"event_date": "2009-01-01"}, "event_date", "before the loan's origination date"),
        ({"event_date": "2099-01-01"}, "event_date", "between 30 years ago and today"),
        ({"event_date": "9999-12-31"}, "event_date", "between 30 years ago and today"),
        ({"event_date": "0001-01-01"}, "event_date", "between 30 years ago and today"),
        ({"fair_market_value": "180000", "value_date": "9999-12-31"}, "value_date",
         "between 30 years ago and today"),
        ({"sale_price": "1_000"}, "sale_price", "is not an amount of money"),
        ({"sale_price": "1e3"}, "sale_price", "is not an amount of money"),
        ({"sale_price": ".5"}, "sale_price", "is not an amount of money"),
        ({"sale_price": "\uff11\uff10\uff10\uff10"}, "sale_price", "is not an amount of money"),
        ({"sale_price": "\u0661\u0660\u0660\u0660"}, "sale_price", "is not an amount of money"),
        ({"sale_price": "1000000000000"}, "sale_price", "larger than $999,999,999,999.99"),
        ({"sale_process": ""}, "sale_process", "Choose the foreclosure process"),
        ({"event_type": "deed_in_lieu"}, "fair_market_value", "credited at fair market value"),
        ({"event_type": "short_sale", "gross_price": "100000", "net_proceeds": "100000.01"},
         "net_proceeds", "cannot be more than the gross price"),
        ({"sale_price": "150000.005"}, "sale_price", "more than two decimal places"),
    ],
)  # fmt: skip
def test_bad_liquidation_input_is_refused_beside_the_field(
    client, staff, loan, overrides, field, message
):
    client.force_login(staff)
    response = client.post(reverse("deficiencies:record", args=[loan.pk]), sale_post(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    for name, typed in overrides.items():  # what was typed is shown again, beside its error
        assert f'value="{typed}"' in str(response.context["form"][name])
    assert not LiquidationEvent.objects.exists()
    assert not Deficiency.objects.exists()


def test_recovery_above_outstanding_is_refused_with_a_message(client, staff, deficiency):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:recovery", args=[deficiency.pk]),
        {
            "recovery-received_on": "2026-11-20",
            "recovery-amount": "60000.00",
            "recovery-source": "payment",
        },
    )
    assert response.status_code == 400
    assert "more than the $59,500.00 outstanding" in response.text
    assert 'value="60000.00"' in response.text
    deficiency.refresh_from_db()
    assert deficiency.recovered == Decimal("0.00")


def test_transition_the_table_refuses_gets_a_message(client, staff, deficiency):
    client.force_login(staff)
    Deficiency.objects.filter(pk=deficiency.pk).update(status="satisfied")
    response = client.post(
        reverse("deficiencies:status", args=[deficiency.pk]),
        {"to": "pursuing", "version": deficiency.version},
    )
    assert response.status_code == 400
    deficiency.refresh_from_db()
    assert deficiency.status == "satisfied"


def test_two_staff_changing_one_deficiency_the_second_is_refused(client, staff, deficiency):
    client.force_login(staff)
    url = reverse("deficiencies:status", args=[deficiency.pk])
    stale = deficiency.version
    assert client.post(url, {"to": "pursuing", "version": stale}).status_code == 302
    response = client.post(url, {"to": "suit_filed", "version": stale})
    assert response.status_code == 400
    assert "Someone else changed this deficiency" in response.text


def test_extinguished_deficiency_shows_no_recovery_form(client, staff, deficiency):
    client.force_login(staff)
    client.post(
        reverse("deficiencies:status", args=[deficiency.pk]),
        {"to": "waived", "version": deficiency.version},
    )
    page = client.get(deficiency.get_absolute_url())
    assert "accepts no collection action and no recovery" in page.text
    response = client.post(
        reverse("deficiencies:recovery", args=[deficiency.pk]),
        {
            "recovery-received_on": "2026-11-20",
            "recovery-amount": "10.00",
            "recovery-source": "payment",
        },
    )
    assert "extinguished and accepts no recovery" in response.text


# --- access --------------------------------------------------------------------------------------


def test_investor_reads_own_deficiency_but_cannot_change_it(client, owner, deficiency):
    client.force_login(owner)
    page = client.get(deficiency.get_absolute_url())
    assert page.status_code == 200
    assert "Change status" not in page.text
    assert (
        client.post(
            reverse("deficiencies:status", args=[deficiency.pk]), {"to": "waived"}
        ).status_code
        == 403
    )
    assert client.get(reverse("deficiencies:record", args=[deficiency.loan_id])).status_code == 403


def test_other_investor_and_attorney_get_404(client, other_investor, attorney, deficiency):
    for user in (other_investor, attorney):
        client.force_login(user)
        assert client.get(deficiency.get_absolute_url()).status_code == 404
        assert (
            client.get(
                reverse("deficiencies:portfolio", args=[deficiency.loan.portfolio_id])
            ).status_code
            == 404
        )


def test_everyone_reads_state_rules_only_staff_edit(client, owner, attorney, staff):
    url = reverse("deficiencies:rule_edit", args=["NY"])
    for user in (owner, attorney):
        client.force_login(user)
        assert client.get(reverse("deficiencies:rules")).status_code == 200
        assert "referee" in client.get(reverse("deficiencies:rule_detail", args=["NY"])).text
        assert client.get(url).status_code == 403
    client.force_login(staff)
    rule = StateRule.objects.get(state_code="NY")
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(version=rule.version, notes="Counsel's memo of Nov 2.", change_note="Memo")
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("deficiencies:rule_detail", args=["NY"])).text
    assert "Counsel&#x27;s memo of Nov 2." in page
    assert "staff-member@example.com" in page  # who changed it, in the history


def test_only_an_attorney_marks_a_state_rule_reviewed_and_a_staff_edit_clears_it(
    client, owner, staff, attorney
):
    rule = StateRule.objects.get(state_code="NY")
    detail = reverse("deficiencies:rule_detail", args=["NY"])
    review = reverse("deficiencies:rule_review", args=["NY"])
    # Staff cannot set the mark: not in their form, and the review action answers 403.
    client.force_login(staff)
    form = client.get(reverse("deficiencies:rule_edit", args=["NY"])).context["form"]
    assert "last_reviewed_by_counsel" not in form.fields and "reviewed_by" not in form.fields
    assert "Mark this rule reviewed" not in client.get(detail).text
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    forged = dict(data, version=rule.version, last_reviewed_by_counsel="2026-11-02",
                  reviewed_by="J. Counsel, Esq.")  # fmt: skip
    client.post(reverse("deficiencies:rule_edit", args=["NY"]), forged)
    rule.refresh_from_db()
    assert rule.last_reviewed_by_counsel is None and rule.reviewed_by == ""
    for user in (staff, owner):
        client.force_login(user)
        assert client.post(review, {"version": rule.version}).status_code == 403
    rule.refresh_from_db()
    assert rule.last_reviewed_by_counsel is None
    # The attorney marks it: today's date and their name, with a history row.
    client.force_login(attorney)
    page = client.get(detail).text
    assert "Mark this rule reviewed by counsel" in page
    assert client.post(review, {"version": rule.version}).status_code == 302
    rule.refresh_from_db()
    assert rule.last_reviewed_by_counsel == today()
    assert attorney.email in rule.reviewed_by
    page = client.get(detail).text
    assert f"Last reviewed by counsel on {today():%b} {today().day}, {today().year}" in page
    assert rule.changes.filter(changed_by=attorney).exists()
    # A stale version is refused without a change.
    assert client.post(review, {"version": rule.version - 1}).status_code == 302
    assert StateRule.objects.get(pk=rule.pk).version == rule.version
    # A staff edit changes what counsel reviewed: the mark is cleared, and the history says so.
    client.force_login(staff)
    data.update(version=rule.version, notes="Amended after a new case.", change_note="Case")
    assert client.post(reverse("deficiencies:rule_edit", args=["NY"]), data).status_code == 302
    rule.refresh_from_db()
    assert rule.last_reviewed_by_counsel is None and rule.reviewed_by == ""
    cleared = rule.changes.filter(changed_by=staff).order_by("-pk").first()
    assert cleared.changes["reviewed by counsel"][1] is None


def test_rule_edit_refuses_a_non_web_source(client, staff):
    client.force_login(staff)
    url = reverse("deficiencies:rule_edit", args=["NY"])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(version=1, source_urls="file:///etc/passwd https://example.com")
    response = client.post(url, data)
    assert "Not a web address: file:///etc/passwd" in response.text


# --- summary, deadlines, calendar ------------------------------------------------------------------


def test_portfolio_summary_splits_by_verdict_and_regime(client, owner, portfolio, staff):
    record_sale(make_loan(portfolio, "NY-1"), staff)  # conditional, restricted, 59,500
    record_sale(
        make_loan(portfolio, "CA-1", property_state="CA"), staff, process="non_judicial"
    )  # barred
    client.force_login(owner)
    response = client.get(reverse("deficiencies:portfolio", args=[portfolio.pk]))
    verdicts = {v.value: row for v, row in response.context["verdict_rows"]}
    assert verdicts["conditional"]["n"] == 1 and verdicts["barred"]["n"] == 1
    regimes = {r.value: row for r, row in response.context["regime_rows"]}
    # The barred CA deficiency (a prohibited regime) is not summed as recoverable (issue 10).
    assert regimes["prohibited"]["n"] == 1 and regimes["prohibited"]["total"] == Decimal("0.00")
    assert regimes["restricted"]["total"] == Decimal("59500.00")
    assert response.context["totals"]["total"] == Decimal("59500.00")
    assert response.context["totals"]["barred_n"] == 1
    assert "Not legal advice" in response.text


def test_summary_tiles_count_the_extinguished_and_never_sum_barred_as_recoverable(
    client, owner, portfolio, staff
):
    record_sale(make_loan(portfolio, "NY-1"), staff)  # conditional: 59,500 recoverable
    record_sale(
        make_loan(portfolio, "CA-1", property_state="CA"), staff, process="non_judicial"
    )  # barred (CCP 580d): 59,500 not recoverable
    waived = record_sale(make_loan(portfolio, "NY-2"), staff)  # 59,500, then waived
    change_status(deficiency=waived, to="waived", by=staff, note="Borrower deceased.")
    covered = record_sale(make_loan(portfolio, "NY-3"), staff, price="300000.00")
    assert covered.verdict == "extinguished"  # the bid covers the debt: nothing left
    client.force_login(owner)
    response = client.get(reverse("deficiencies:portfolio", args=[portfolio.pk]))
    totals = response.context["totals"]
    assert totals["total"] == Decimal("59500.00")
    assert totals["extinguished_n"] == 2
    assert totals["extinguished"] == Decimal("59500.00")
    assert (totals["barred_n"], totals["barred"]) == (1, Decimal("59500.00"))
    page = response.text
    assert 'data-testid="tile-recoverable">$59,500.00<' in page
    assert 'data-testid="tile-extinguished">2<' in page
    assert "$59,500.00 extinguished" in page
    assert "1 barred ($59,500.00)" in page


def make_deficiencies(portfolio, staff, count, start=0):
    for n in range(start, start + count):
        record_sale(make_loan(portfolio, f"Q-{n}"), staff)


def test_summary_and_deadlines_query_counts_do_not_grow(client, owner, staff):
    small, big = make_portfolio(owner, name="S"), make_portfolio(owner, name="B")
    make_deficiencies(small, staff, 2)
    make_deficiencies(big, staff, 30, start=100)
    client.force_login(owner)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    summary = [count(reverse("deficiencies:portfolio", args=[p.pk])) for p in (small, big)]
    assert summary[0] == summary[1]
    deadlines = [
        count(reverse("deficiencies:deadlines") + f"?portfolio={p.pk}") for p in (small, big)
    ]
    assert deadlines[0] == deadlines[1]


def test_deadlines_are_scoped_sorted_and_flag_overdue(
    client, owner, other_investor, portfolio, other_portfolio, staff
):
    record_sale(make_loan(portfolio, "SOON"), staff)  # Dec 30, 2026
    record_sale(make_loan(portfolio, "LATE"), staff, on=date(2026, 6, 1))  # Aug 30, 2026: overdue
    record_sale(make_loan(other_portfolio, "HIDDEN"), staff)
    client.force_login(owner)
    response = client.get(reverse("deficiencies:deadlines"))
    rows = response.context["rows"]
    assert [r["loan_number"] for r in rows if r["kind"] == "filing"] == ["LATE", "SOON"]
    assert [r["overdue"] for r in rows if r["kind"] == "filing"] == [True, False]
    assert "HIDDEN" not in response.text
    assert "overdue" in response.text
    only_ny = client.get(reverse("deficiencies:deadlines"), {"state": "CA"})
    assert only_ny.context["rows"] == []


def test_calendar_link_can_be_created_used_and_revoked(client, owner, portfolio, staff):
    record_sale(make_loan(portfolio, "CAL-1"), staff)
    client.force_login(owner)
    client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    feed = CalendarFeed.objects.get(user=owner)
    assert len(feed.token) >= 40
    client.logout()
    ics = client.get(feed.get_absolute_url())
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20261230" in body
    assert "loan CAL-1 (NY)" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    client.force_login(owner)
    client.post(reverse("deficiencies:calendar_link"), {"action": "revoke"})
    client.logout()
    assert client.get(feed.get_absolute_url()).status_code == 404


def test_a_guessed_calendar_token_gets_404(client):
    assert client.get(reverse("deficiencies:calendar", args=["not-a-token"])).status_code == 404


def test_loan_page_offers_staff_to_record_a_liquidation(client, staff, owner, loan):
    client.force_login(staff)
    assert "Record a liquidation" in client.get(loan.get_absolute_url()).text
    client.force_login(owner)
    assert "Record a liquidation" not in client.get(loan.get_absolute_url()).text


def test_loan_page_shows_the_verdict_with_the_attorney_warning(client, owner, deficiency):
    client.force_login(owner)
    text = client.get(deficiency.loan.get_absolute_url()).text
    assert "Pursuable with conditions" in text
    assert "confirm it with an attorney licensed in New York" in text


def test_deadline_within_30_days_is_highlighted(client, owner, portfolio, staff):
    from django.utils import timezone

    sale = timezone.localdate() - timedelta(days=80)  # NY window ends in 10 days
    record_sale(make_loan(portfolio, "TEN"), staff, on=sale)
    client.force_login(owner)
    assert "within 30 days" in client.get(reverse("deficiencies:deadlines")).text


def test_staff_correct_a_liquidation_and_a_stale_form_is_refused(client, staff, deficiency):
    client.force_login(staff)
    url = reverse("deficiencies:edit_event", args=[deficiency.pk])
    assert client.get(url).status_code == 200
    stale = deficiency.version
    response = client.post(url, sale_post(sale_price="160000.00", version=stale))
    assert response.status_code == 302
    deficiency.refresh_from_db()
    assert deficiency.deficiency == Decimal("49500.00")  # 209,500 - 160,000
    response = client.post(url, sale_post(sale_price="170000.00", version=stale))
    assert response.status_code == 200
    assert "Someone else changed this deficiency" in response.text
    deficiency.refresh_from_db()
    assert deficiency.deficiency == Decimal("49500.00")


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_sale_date_written_straight_to_the_db_breaks_no_page(client, owner, deficiency, day):
    LiquidationEvent.objects.filter(pk=deficiency.event_id).update(event_date=day)
    Deficiency.objects.filter(pk=deficiency.pk).update(assessed_on=None)  # re-assessed on view
    client.force_login(owner)
    summary = client.get(reverse("deficiencies:portfolio", args=[deficiency.portfolio_id]))
    assert summary.status_code == 200
    page = client.get(deficiency.get_absolute_url())
    assert page.status_code == 200
    assert "No date is computed for 90 days from delivery of the deed" in page.text
    assert client.get(reverse("deficiencies:deadlines")).status_code == 200
    assert not deficiency.deadlines.exists()


# --- computed amounts beyond the 14-digit columns ----------------------------------------------------


@pytest.mark.parametrize(
    ("loan_fields", "message"),
    [
        # 999,999,999,999.99 + 9 months at 12% -> the total debt overflows
        ({"upb": Decimal("999999999999.99"), "note_rate": Decimal("12")},
         "The total debt as of the event date would be $1,090,000,000,499.99"),
        # 26 years at 50% on the largest balance -> the interest alone overflows
        ({"upb": Decimal("999999999999.99"), "note_rate": Decimal("50"),
          "paid_to_date": date(2000, 10, 1), "origination_date": date(2000, 1, 1)},
         "The accrued interest as of the event date would be"),
    ],
)  # fmt: skip
def test_a_computed_amount_beyond_the_columns_is_refused_with_the_form_kept(
    client, staff, portfolio, loan_fields, message
):
    loan = make_loan(portfolio, "BIG", **loan_fields)
    client.force_login(staff)
    typed = sale_post(sale_price="1,000.00")
    response = client.post(reverse("deficiencies:record", args=[loan.pk]), typed)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert message in errors
    assert "beyond the largest amount this app stores ($999,999,999,999.99)" in errors
    assert message in response.text.replace("&#x27;", "'")
    assert 'value="1,000.00"' in response.text
    assert 'value="2026-10-01"' in response.text
    assert not LiquidationEvent.objects.exists()
    assert not Deficiency.objects.exists()


def test_correcting_a_liquidation_into_an_overflow_is_refused_and_nothing_changes(
    client, staff, deficiency
):
    from portfolios.models import Loan

    Loan.objects.filter(pk=deficiency.loan_id).update(
        upb=Decimal("999999999999.99"), note_rate=Decimal("12")
    )
    client.force_login(staff)
    url = reverse("deficiencies:edit_event", args=[deficiency.pk])
    response = client.post(url, sale_post(sale_price="160000.00", version=deficiency.version))
    assert response.status_code == 200
    assert "The total debt as of the event date would be" in response.text
    assert 'value="160000.00"' in response.text
    deficiency.refresh_from_db()
    assert deficiency.event.sale_price == Decimal("150000.00")
    assert deficiency.total_debt == Decimal("209500.00")


def test_suspense_above_the_debt_is_refused_not_a_500(client, staff, portfolio):
    loan = make_loan(portfolio, "SUSP", suspense=Decimal("500000.00"))
    client.force_login(staff)
    response = client.post(reverse("deficiencies:record", args=[loan.pk]), sale_post())
    assert response.status_code == 200
    assert "suspense funds ($500,000.00) are more than what it owes" in response.text
    assert not Deficiency.objects.exists()


# --- filters in the query string -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"portfolio": "\u00b2"}, "That portfolio is not one of yours"),  # "²".isdigit() is True
        ({"portfolio": "99999999999999999999999"}, "That portfolio is not one of yours"),
        ({"portfolio": "-1"}, "That portfolio is not one of yours"),
        ({"portfolio": "1 OR 1=1"}, "That portfolio is not one of yours"),
        ({"state": "ZZ"}, "That is not a state code"),
        ({"state": "N\u0059\u0301"}, "That is not a state code"),
        ({"state": "x" * 5000}, "That is not a state code"),
    ],
)
def test_deadline_filters_ignore_unknown_values_with_a_message(
    client, owner, portfolio, staff, query, message
):
    record_sale(make_loan(portfolio, "MINE"), staff)
    client.force_login(owner)
    response = client.get(reverse("deficiencies:deadlines"), query)
    assert response.status_code == 200
    assert message in response.text
    assert "MINE" in response.text  # the filter is ignored, not the page


def test_deadline_filter_on_another_investors_portfolio_is_ignored(
    client, owner, portfolio, other_portfolio, staff
):
    record_sale(make_loan(portfolio, "MINE"), staff)
    record_sale(make_loan(other_portfolio, "THEIRS"), staff)
    client.force_login(owner)
    response = client.get(reverse("deficiencies:deadlines"), {"portfolio": other_portfolio.pk})
    assert "That portfolio is not one of yours" in response.text
    assert "MINE" in response.text and "THEIRS" not in response.text


def test_deadline_filters_with_known_values_apply(client, owner, portfolio, staff):
    record_sale(make_loan(portfolio, "NY-A"), staff)
    client.force_login(owner)
    response = client.get(
        reverse("deficiencies:deadlines"), {"state": "ny", "portfolio": portfolio.pk}
    )
    assert response.context["filter_problems"] == []
    assert {r["loan_number"] for r in response.context["rows"]} == {"NY-A"}
    assert client.get(reverse("deficiencies:deadlines"), {"state": "CA"}).context["rows"] == []


def test_portfolio_filters_apply_the_known_values_and_flag_the_unknown(
    client, owner, portfolio, staff
):
    record_sale(make_loan(portfolio, "NY-1"), staff)  # conditional
    record_sale(make_loan(portfolio, "CA-1", property_state="CA"), staff, process="non_judicial")
    client.force_login(owner)
    url = reverse("deficiencies:portfolio", args=[portfolio.pk])
    response = client.get(url, {"verdict": "barred", "state": "ZZ", "status": "<script>"})
    assert response.status_code == 200
    assert [r["loan_number"] for r in response.context["rows"]] == ["CA-1"]
    assert response.text.count("Not one of the choices: ignored.") == 2
    assert "<script>" not in response.text


def test_values_outside_the_choices_written_straight_to_the_db_break_no_list(
    client, owner, deficiency
):
    from deficiencies.models import Deadline

    Deadline.objects.filter(deficiency=deficiency, kind="filing").update(kind="renewal")
    Deficiency.objects.filter(pk=deficiency.pk).update(status="archived")
    LiquidationEvent.objects.filter(pk=deficiency.event_id).update(event_type="auction")
    client.force_login(owner)
    deadlines = client.get(reverse("deficiencies:deadlines"))
    assert deadlines.status_code == 200 and "renewal" in deadlines.text
    summary = client.get(reverse("deficiencies:portfolio", args=[deficiency.portfolio_id]))
    assert summary.status_code == 200 and "archived" in summary.text


# --- like round 2 finding F: the investor reads the firm's role, not staff addresses ---------------


def test_an_investor_reads_the_deficiency_history_without_staff_addresses(
    client, owner, staff, deficiency
):
    change_status(deficiency=deficiency, to="pursuing", by=staff, note="Demand sent.")
    client.force_login(owner)
    page = client.get(deficiency.get_absolute_url())
    assert page.status_code == 200
    assert staff.email not in page.text
    assert "by NoteInvest staff" in page.text and "Demand sent." in page.text
    client.force_login(staff)
    assert staff.email in client.get(deficiency.get_absolute_url()).text


def test_the_recoverable_tile_is_what_is_outstanding_and_agrees_with_the_verdict_rows(
    client, owner, portfolio, staff
):
    from deficiencies import services
    from deficiencies.models import DeficiencySuit, Judgment, Recovery

    day = today()

    def paid(deficiency, amount):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(received_on=day, amount=Decimal(amount), source="payment"),
            by=staff,
        )

    plain = record_sale(make_loan(portfolio, "NY-1"), staff)  # conditional: 59,500
    paid(plain, "9500.00")  # 59,500 − 9,500 = 50,000 outstanding
    judged = record_sale(make_loan(portfolio, "NY-J"), staff, on=day - timedelta(days=500))
    services.record_suit(
        deficiency=judged,
        suit=DeficiencySuit(
            court="Supreme Court", case_number="J", filed_on=day - timedelta(days=400)
        ),
        by=staff,
    )
    services.record_judgment(
        deficiency=judged,
        judgment=Judgment(granted_on=day - timedelta(days=365), amount=Decimal("40000.00"),
                          interest_rate=Decimal("9")),
        by=staff,
    )  # fmt: skip
    paid(judged, "600.00")  # 40,000 + 40,000 × 9% × 365/365 (3,600) − 600 = 43,000
    written = record_sale(make_loan(portfolio, "NY-W"), staff)
    change_status(deficiency=written, to="written_off", by=staff, note="Uncollectible.")
    record_sale(make_loan(portfolio, "CA-1", property_state="CA"), staff, process="non_judicial")
    settled = record_sale(make_loan(portfolio, "NY-S"), staff)
    paid(settled, "5000.00")
    change_status(deficiency=settled, to="settled", by=staff, amount=Decimal("20000.00"))
    # 20,000 agreed in all − 5,000 recovered = 15,000 still due under the settlement.

    client.force_login(owner)
    response = client.get(reverse("deficiencies:portfolio", args=[portfolio.pk]))
    totals, rows = response.context["totals"], dict(response.context["verdict_rows"])
    by_verdict = {v.value: (row or {}).get("total", Decimal("0")) for v, row in rows.items()}
    assert by_verdict["conditional"] == Decimal("50000.00")
    assert by_verdict["pursuable"] == Decimal("43000.00")
    assert totals["settlements"] == Decimal("15000.00") and totals["settlements_n"] == 1
    # 50,000 + 43,000 + 15,000: the written off and the barred are not in it.
    assert totals["total"] == Decimal("108000.00")
    recoverable = [v for v in by_verdict if v not in ("barred", "extinguished")]
    assert sum(by_verdict[v] for v in recoverable) + totals["settlements"] == totals["total"]
    assert (totals["barred_n"], totals["barred"]) == (1, Decimal("59500.00"))
    regimes = [row for _, row in response.context["regime_rows"] if row]
    assert sum(row["total"] for row in regimes) == totals["total"]
    page = response.text
    assert 'data-testid="tile-recoverable">$108,000.00<' in page
    # Each row's outstanding, as the tiles count it.
    outstanding = {r["loan_number"]: r["outstanding"] for r in response.context["rows"]}
    assert outstanding["NY-1"] == "$50,000.00" and outstanding["NY-J"] == "$43,000.00"
    assert outstanding["NY-S"] == "$15,000.00"
    assert "$15,000.00 of it still due under 1 settlement for less" in page
