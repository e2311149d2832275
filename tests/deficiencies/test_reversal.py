"""Reversing a liquidation entered in error (issue 14): its event and deficiency go, the loan
gets its status back and counts at its payoff again, the reason stays in the history;
refused once a suit, judgment, settlement agreement or recovery exists."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deficiencies.models import (
    Deadline,
    Deficiency,
    DeficiencySuit,
    LiquidationEvent,
    Recovery,
    StatusChange,
)
from deficiencies.reversal import reverse_liquidation
from deficiencies.services import add_recovery, record_suit
from portfolios.corrections import CorrectionError, Gone
from portfolios.models import Correction, Loan
from tests.factories import draft_agreement, make_loan, make_portfolio, record_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(owner):
    portfolio = make_portfolio(owner, name="Pool R")
    return make_loan(
        portfolio, "R-1", status="in_foreclosure", fees=Decimal("0"),
        paid_to_date=timezone.localdate(),
    )  # fmt: skip


@pytest.fixture
def deficiency(loan, staff):
    return record_sale(loan, staff, on=timezone.localdate())


def reverse_url(deficiency):
    return reverse("deficiencies:reverse", args=[deficiency.pk])


def test_staff_reverse_a_liquidation_and_the_loan_is_as_before(client, staff, loan, deficiency):
    assert Loan.objects.get(pk=loan.pk).status == "liquidated"
    client.force_login(staff)
    portfolio_page = client.get(loan.portfolio.get_absolute_url())
    # Before: the loan counts at what the sale left (200,000.00 debt - 150,000.00 bid).
    assert portfolio_page.context["totals"].total_debt == Decimal("50000.00")
    page = client.get(reverse_url(deficiency))
    assert 'data-testid="reversible"' in page.text and "In foreclosure" in page.text
    event_pk = deficiency.event_id
    response = client.post(reverse_url(deficiency), {"action": "reversed",
                                                    "reason": "Sale was for loan R-2."})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == loan.get_absolute_url()
    assert not Deficiency.objects.filter(pk=deficiency.pk).exists()
    assert not LiquidationEvent.objects.filter(pk=event_pk).exists()
    assert not StatusChange.objects.filter(deficiency_id=deficiency.pk).exists()
    assert not Deadline.objects.filter(deficiency_id=deficiency.pk).exists()
    assert Loan.objects.get(pk=loan.pk).status == "in_foreclosure"
    row = Correction.objects.get()
    assert (row.action, row.kind, row.object_id) == ("reversed", "liquidation", event_pk)
    assert row.snapshot["sale_price"] == "150000.00" and row.snapshot["deficiency"] == "50000.00"
    assert row.reason == "Sale was for loan R-2." and row.portfolio == loan.portfolio
    # After: the payoff again (paid to today, no fees: the UPB), the cached totals moved on.
    after = client.get(loan.portfolio.get_absolute_url())
    assert after.context["totals"].total_debt == Decimal("200000.00")
    assert "Sale was for loan R-2." in after.text
    # A second submit of the same form finds nothing: 404, not 500.
    assert (
        client.post(reverse_url(deficiency), {"action": "reversed", "reason": "x"}).status_code
        == 404
    )


def test_a_racing_second_reversal_is_gone(staff, deficiency):
    stale = Deficiency.objects.get(pk=deficiency.pk)
    reverse_liquidation(deficiency=deficiency, by=staff, reason="Mistake")
    with pytest.raises(Gone):
        reverse_liquidation(deficiency=stale, by=staff, reason="Mistake")


def test_a_suit_blocks_the_reversal_and_is_named(client, staff, deficiency):
    record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="X-77", filed_on=date(2026, 11, 2)),
        by=staff,
    )
    client.force_login(staff)
    page = client.get(reverse_url(deficiency))
    assert 'data-testid="blockers"' in page.text and "Case X-77" in page.text
    assert "Reverse the liquidation</button>" not in page.text
    response = client.post(reverse_url(deficiency), {"action": "reversed", "reason": "Mistake"})
    assert response.status_code == 200
    assert Deficiency.objects.filter(pk=deficiency.pk).exists() and not Correction.objects.exists()
    with pytest.raises(CorrectionError, match="deficiency suit"):
        reverse_liquidation(deficiency=deficiency, by=staff, reason="Mistake")


def test_a_settlement_agreement_blocks_the_reversal(client, staff, loan, deficiency):
    agreement = draft_agreement(loan, staff)
    client.force_login(staff)
    page = client.get(reverse_url(deficiency))
    assert f"Settlement agreement {agreement.number}" in page.text
    assert agreement.get_absolute_url() in page.text
    with pytest.raises(CorrectionError, match="settlement agreement"):
        reverse_liquidation(deficiency=deficiency, by=staff, reason="Mistake")


def test_a_recovery_blocks_the_reversal(staff, deficiency):
    add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=timezone.localdate(), amount=Decimal("10.00"),
                          source="voluntary"),
        by=staff,
    )  # fmt: skip
    with pytest.raises(CorrectionError, match="recovery"):
        reverse_liquidation(deficiency=deficiency, by=staff, reason="Mistake")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(client, staff, deficiency, reason):
    client.force_login(staff)
    response = client.post(reverse_url(deficiency), {"action": "reversed", "reason": reason})
    assert response.status_code == 200
    assert "Give the reason for this correction." in response.text
    assert Deficiency.objects.filter(pk=deficiency.pk).exists()


def test_investors_and_attorneys_may_not_reverse(client, owner, attorney, deficiency):
    for user in (owner, attorney):
        client.force_login(user)
        assert client.get(reverse_url(deficiency)).status_code == 403
        assert client.post(reverse_url(deficiency), {"action": "reversed",
                                                     "reason": "x"}).status_code == 403  # fmt: skip
    client.force_login(owner)
    assert "Reverse liquidation" not in client.get(deficiency.get_absolute_url()).text
    assert Deficiency.objects.filter(pk=deficiency.pk).exists()


def test_an_archived_loans_deficiency_and_deadlines_leave_the_lists(client, staff, loan,
                                                                   deficiency):  # fmt: skip
    from portfolios.corrections import archive_loan

    client.force_login(staff)
    summary_url = reverse("deficiencies:portfolio", args=[loan.portfolio_id])
    deadlines_url = reverse("deficiencies:deadlines")
    assert deficiency.get_absolute_url() in client.get(summary_url).text
    assert Deadline.objects.filter(deficiency=deficiency).exists()
    assert "R-1" in client.get(deadlines_url).text
    from django.utils import timezone

    from dashboard.queues import staff_queues
    from deficiencies.tasks import reminder_rows

    due = timezone.localdate() + timedelta(days=30)
    Deadline.objects.filter(deficiency=deficiency).update(due_on=due)
    [queue] = [q for q in staff_queues(timezone.localdate()) if q.key == "deadlines"]
    count = Deadline.objects.filter(deficiency=deficiency).count()
    assert count and queue.count == count and len(reminder_rows(timezone.localdate())) == count
    archive_loan(loan=loan, by=staff, reason="Test loan")
    assert deficiency.get_absolute_url() not in client.get(summary_url).text
    assert "R-1" not in client.get(deadlines_url).text
    # Nor on staff's home queue, nor in the e-mail reminders.
    [queue] = [q for q in staff_queues(timezone.localdate()) if q.key == "deadlines"]
    assert queue.count == 0 and reminder_rows(timezone.localdate()) == []
    archive_loan(loan=loan, by=staff, reason="Real after all", restore=True)
    assert deficiency.get_absolute_url() in client.get(summary_url).text


def test_a_loan_already_marked_liquidated_comes_back_non_performing(client, staff, owner):
    """The status before the sale was "liquidated" (set by hand or a tape): putting that back
    would undo nothing, so the reversal leaves the loan non-performing, and says so."""
    loan = make_loan(make_portfolio(owner), "R-9", status="liquidated")
    deficiency = record_sale(loan, staff)
    client.force_login(staff)
    assert "<strong>Non-performing</strong>" in client.get(reverse_url(deficiency)).text
    reverse_liquidation(deficiency=deficiency, by=staff, reason="Mistake")
    assert Loan.objects.get(pk=loan.pk).status == "non_performing"
