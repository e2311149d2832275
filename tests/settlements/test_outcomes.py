"""Issue 11: outcomes flow back. A completed DPO waives (or satisfies) the deficiency it
settles and settles the loan; a completed short sale records the liquidation and waives what
it left; a signed agreement suspends pursuit and a default restores it; a settled loan takes
no new agreement. The loan: $200,000 UPB at 6 % (30/360) paid to Jan 1, 2026, $500 fees."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deficiencies import services as deficiency_services
from deficiencies.models import CalendarFeed, Deadline, Deficiency, DeficiencySuit, Recovery
from portfolios.models import Loan, Portfolio
from portfolios.payoff import payoff
from portfolios.stats import portfolio_totals
from settlements import services
from settlements.models import Payment
from tests.factories import record_sale, signed_agreement

pytestmark = pytest.mark.django_db
D = Decimal


def pay(agreement, amount, by, on=None):
    return services.record_payment(
        agreement=agreement,
        payment=Payment(received_on=on or timezone.localdate(), amount=D(amount)),
        by=by,
    )


def test_a_completed_dpo_waives_its_deficiency_and_settles_the_loan(
    client, owner, staff, attorney, loan
):
    # The sale on Oct 1, 2026 left 209,500 − 150,000 = 59,500; the DPO takes half: 29,750.
    deficiency = record_sale(loan, staff)
    assert deficiency.deficiency == D("59500.00")
    assert Deadline.objects.filter(deficiency=deficiency).exists()
    client.force_login(owner)
    client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    feed_url = CalendarFeed.objects.get(user=owner).get_absolute_url()
    assert loan.loan_number in client.get(feed_url).content.decode()
    before = portfolio_totals([loan.portfolio], timezone.localdate())[loan.portfolio_id]
    agreement = signed_agreement(loan, staff, attorney)
    assert agreement.settlement_amount == D("29750.00")
    pay(agreement, "29750.00", staff)
    agreement.refresh_from_db()
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    assert agreement.status == "completed"
    assert (deficiency.status, deficiency.verdict) == ("waived", "extinguished")
    assert deficiency.recovered == D("29750.00")
    assert Recovery.objects.get(deficiency=deficiency).source == "settlement"
    # Forgiven that day: 59,500 − 29,750 = 29,750. The sale's credit and the payment went to
    # interest and fees (9,500) first: 209,500 − 59,500 + 29,750 − 9,500 = 170,250 of principal
    # paid, 29,750 left unpaid: all of the forgiven amount is principal.
    assert (agreement.forgiven_total, agreement.forgiven_principal, agreement.forgiven_other) == (
        D("29750.00"), D("29750.00"), D("0.00"))  # fmt: skip
    assert agreement.received_total == D("29750.00")
    assert not Deadline.objects.filter(deficiency=deficiency).exists()
    assert loan.loan_number not in client.get(feed_url).content.decode()  # the feed follows
    assert Loan.objects.get(pk=loan.pk).status == "settled"
    fresh = Portfolio.objects.get(pk=loan.portfolio_id)  # its stamp moved: totals recomputed
    after = portfolio_totals([fresh], timezone.localdate())[loan.portfolio_id]
    assert before.total_debt - after.total_debt == D("59500.00")
    history = deficiency.history.last().note
    assert f"Waived by settlement agreement {agreement.number}" in history
    assert "$29,750.00 forgiven ($29,750.00 principal; $0.00 interest, fees and costs)" in history
    # The investor sees the outcome on the loan's page.
    client.force_login(owner)
    page = client.get(loan.get_absolute_url()).text
    assert "$29,750.00 forgiven" in page and "Settled" in page
    assert "nothing is recoverable: waived; $29,750.00 was released" in page
    page = client.get(deficiency.get_absolute_url()).text
    assert 'data-testid="released">$29,750.00<' in page
    assert 'data-testid="outstanding">$0.00<' in page
    client.force_login(staff)
    page = client.get(loan.get_absolute_url()).text
    assert "no new agreement is drafted" in page
    assert "Draft a DPO" not in page


def test_a_completed_dpo_before_any_liquidation_settles_the_loan_with_its_forgiven_split(
    staff, attorney, loan
):
    agreement = signed_agreement(loan, staff, attorney)
    today = timezone.localdate()
    debt = payoff(loan, today)
    pay(agreement, str(agreement.settlement_amount), staff)
    agreement.refresh_from_db()
    forgiven = debt.total - agreement.settlement_amount
    assert agreement.forgiven_total == forgiven
    # Paid: half the debt, more than the interest and fees: the rest forgiven is principal.
    assert agreement.forgiven_principal == forgiven and agreement.forgiven_other == D("0.00")
    assert Loan.objects.get(pk=loan.pk).status == "settled"
    with pytest.raises(services.AgreementError, match="is settled: its debt is settled"):
        services.start_draft(loan=Loan.objects.get(pk=loan.pk), kind="dpo", by=staff)


def test_a_short_sale_closing_above_its_minimum_records_the_sale_and_a_smaller_waiver(
    staff, attorney, loan
):
    agreement = signed_agreement(loan, staff, attorney, kind="short_sale")
    minimum = agreement.minimum_net_proceeds
    debt = payoff(loan, timezone.localdate()).total
    nets = minimum + D("14267.00")  # the closing netted more than the floor
    pay(agreement, str(nets), staff)
    agreement.refresh_from_db()
    loan = Loan.objects.get(pk=loan.pk)
    event = loan.liquidation
    assert (event.event_type, event.net_proceeds, event.lender_consented) == (
        "short_sale", nets, "yes")  # fmt: skip
    deficiency = Deficiency.objects.get(loan=loan)
    assert deficiency.deficiency == debt - nets
    assert deficiency.status == "waived"
    # The waiver shrank by what the closing netted above the minimum.
    assert agreement.forgiven_total == debt - nets == (debt - minimum) - D("14267.00")
    assert agreement.received_total == nets
    assert loan.status == "settled"


def test_a_signed_agreement_suspends_pursuit_and_a_default_restores_it(staff, attorney, loan):
    deficiency = record_sale(loan, staff)
    agreement = signed_agreement(loan, staff, attorney)
    with pytest.raises(deficiency_services.DeficiencyError, match="Suspended: settlement"):
        deficiency_services.change_status(deficiency=deficiency, to="pursuing", by=staff)
    services.change_status(agreement=agreement, to="defaulted", by=staff, note="Missed payment.")
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    assert f"Settlement agreement {agreement.number} defaulted" in deficiency.history.last().note
    deficiency_services.change_status(deficiency=deficiency, to="pursuing", by=staff)
    deficiency_services.record_suit(
        deficiency=Deficiency.objects.get(pk=deficiency.pk),
        suit=DeficiencySuit(court="C", case_number="X", filed_on=timezone.localdate()),
        by=staff,
    )
    assert Deficiency.objects.get(pk=deficiency.pk).status == "suit_filed"


def test_payments_dated_tomorrow_or_before_the_agreement_existed_are_refused(staff, attorney, loan):
    agreement = signed_agreement(loan, staff, attorney)
    today = timezone.localdate()
    with pytest.raises(services.AgreementError, match="before it is received"):
        pay(agreement, "100.00", staff, on=today + timedelta(days=1))
    with pytest.raises(services.AgreementError, match="before the agreement existed"):
        pay(agreement, "100.00", staff, on=today - timedelta(days=1))
    assert not agreement.payments.exists()


def test_a_completion_the_deficiency_cannot_take_records_nothing(staff, attorney, loan):
    # An open bankruptcy case stays collection (11 U.S.C. § 362(a)): the settlement payment
    # cannot be recorded against the deficiency, so neither the payment nor the completion is.
    from deficiencies.models import Bankruptcy

    deficiency = record_sale(loan, staff)
    agreement = signed_agreement(loan, staff, attorney)
    deficiency_services.record_bankruptcy(
        deficiency=deficiency,
        bankruptcy=Bankruptcy(chapter="13", case_number="26-1", district="N.D.N.Y.",
                              filed_on=date(2026, 10, 15)),
        by=staff,
    )  # fmt: skip
    with pytest.raises(services.AgreementError, match="cannot be recorded: Stayed"):
        pay(agreement, str(agreement.settlement_amount), staff)
    agreement.refresh_from_db()
    assert agreement.status == "signed" and not agreement.payments.exists()
    assert Deficiency.objects.get(pk=deficiency.pk).status == "open"
    assert reverse("settlements:detail", args=[agreement.pk])


def test_no_sale_is_recorded_while_a_dpo_is_signed_and_no_payment_after_another_settled_it(
    staff, attorney, loan
):
    from deficiencies.services import DeficiencyError

    dpo = signed_agreement(loan, staff, attorney)
    with pytest.raises(DeficiencyError, match=f"{dpo.number} on this loan is signed and in effect"):
        record_sale(Loan.objects.get(pk=loan.pk), staff)
    assert not Deficiency.objects.filter(loan=loan).exists()
    # A short sale signed beside it: once the DPO completes, the short sale is cancelled and
    # takes no payment (one debt is settled once).
    short = signed_agreement(Loan.objects.get(pk=loan.pk), staff, attorney, kind="short_sale")
    pay(dpo, str(dpo.settlement_amount), staff)
    short.refresh_from_db()
    assert short.status == "cancelled"
    assert f"settled by agreement {dpo.number}" in short.history.last().note
    with pytest.raises(services.AgreementError, match="Payments are recorded on signed"):
        pay(short, "1000.00", staff)


def test_payments_reach_the_deficiency_as_they_come_and_a_default_keeps_them(staff, attorney, loan):
    deficiency = record_sale(loan, staff)
    agreement = signed_agreement(loan, staff, attorney)
    pay(agreement, "100.00", staff)
    assert Deficiency.objects.get(pk=deficiency.pk).recovered == D("100.00")
    services.change_status(agreement=agreement, to="defaulted", by=staff)
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    assert deficiency.recovered == D("100.00") and deficiency.outstanding == D("59400.00")


def test_no_payment_is_taken_on_a_discharged_deficiency(staff, attorney, loan):
    # 11 U.S.C. § 524(a): a discharge enjoins collecting the debt.
    from deficiencies.models import Bankruptcy

    deficiency = record_sale(loan, staff)
    agreement = signed_agreement(loan, staff, attorney)
    deficiency_services.record_bankruptcy(
        deficiency=deficiency,
        bankruptcy=Bankruptcy(chapter="7", case_number="26-9", district="N.D.N.Y.",
                              filed_on=date(2026, 10, 15), discharged_on=date(2026, 11, 20)),
        by=staff,
    )  # fmt: skip
    with pytest.raises(services.AgreementError, match="discharge injunction"):
        pay(agreement, "100.00", staff)
    assert not agreement.payments.exists()


def test_a_dpo_on_a_written_off_deficiency_records_its_money_and_the_waiver(staff, attorney, loan):
    deficiency = record_sale(loan, staff)
    deficiency_services.change_status(deficiency=deficiency, to="written_off", by=staff,
                                      note="Uncollectible.")  # fmt: skip
    agreement = signed_agreement(loan, staff, attorney)
    pay(agreement, str(agreement.settlement_amount), staff)
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    agreement.refresh_from_db()
    assert deficiency.status == "written_off"
    assert deficiency.recovered == agreement.settlement_amount
    assert agreement.forgiven_total == D("59500.00") - agreement.settlement_amount
    assert f"Waived by settlement agreement {agreement.number}" in deficiency.history.last().note
