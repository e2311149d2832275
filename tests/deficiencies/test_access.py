"""Who sees a deficiency: an attorney only while an agreement about it is in review with them;
otherwise the investor rules apply (issue 8, item 7)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deficiencies.models import AGREEMENT_IN_REVIEW, Deficiency
from noteinvest.access import Role
from settlements import services as agreements
from settlements.models import Agreement
from settlements.models import Status as AgreementStatus
from tests.factories import make_loan, make_portfolio, make_user, record_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def deficiency(portfolio, staff):
    return record_sale(make_loan(portfolio, "ATT-1"), staff)


def agreement_about(deficiency, staff, *, status, reviewer):
    agreement = agreements.start_draft(loan=deficiency.loan, kind="dpo", by=staff)
    Agreement.objects.filter(pk=agreement.pk).update(status=status, reviewer=reviewer)
    return agreement


def sees(client, user, deficiency) -> bool:
    client.force_login(user)
    status = client.get(deficiency.get_absolute_url()).status_code
    assert status in (200, 404)
    return status == 200


def test_the_in_review_constant_is_the_settlements_status():
    assert AgreementStatus.IN_REVIEW == AGREEMENT_IN_REVIEW


def test_attorney_sees_the_deficiency_only_while_the_agreement_is_in_review_with_them(
    client, staff, attorney, deficiency
):
    assert not sees(client, attorney, deficiency)
    agreement = agreement_about(deficiency, staff, status="draft", reviewer=attorney)
    assert not sees(client, attorney, deficiency)
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.IN_REVIEW)
    assert sees(client, attorney, deficiency)
    for later in ("changes_requested", "approved", "sent", "signed", "completed", "cancelled"):
        Agreement.objects.filter(pk=agreement.pk).update(status=later)
        assert not sees(client, attorney, deficiency), later


def test_an_agreement_sent_to_another_attorney_shows_nothing(client, staff, attorney, deficiency):
    other = make_user(Role.ATTORNEY, email="other-counsel@example.com")
    agreement_about(deficiency, staff, status=AgreementStatus.IN_REVIEW, reviewer=other)
    assert not sees(client, attorney, deficiency)
    assert sees(client, other, deficiency)


def test_one_completed_agreement_and_another_in_review_elsewhere_show_nothing(
    client, staff, attorney, deficiency
):
    # Reviewer and status must hold for the same agreement, not one each. (The first has
    # ended: a loan has one live agreement of a kind at a time.)
    other = make_user(Role.ATTORNEY, email="other-counsel@example.com")
    agreement_about(deficiency, staff, status=AgreementStatus.COMPLETED, reviewer=attorney)
    agreement_about(deficiency, staff, status=AgreementStatus.IN_REVIEW, reviewer=other)
    assert not sees(client, attorney, deficiency)
    assert list(Deficiency.objects.visible_to(attorney)) == []
    assert list(Deficiency.objects.visible_to(other)) == [deficiency]


def test_the_real_workflow_hides_it_after_approval(client, portfolio, staff, attorney):
    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    deficiency = record_sale(make_loan(portfolio, "FLOW"), staff)
    agreement = agreements.start_draft(loan=deficiency.loan, kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("30000.00")
    agreement.payment_method = "wire"
    agreement.save()
    agreements.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    assert sees(client, attorney, deficiency)
    agreement.refresh_from_db()
    agreements.approve(agreement=agreement, by=attorney)
    assert not sees(client, attorney, deficiency)


def test_an_investor_who_is_also_an_attorney_sees_their_own_and_what_is_in_review(
    client, staff, owner, portfolio, other_investor
):
    both = make_user(Role.INVESTOR, Role.ATTORNEY, email="both@example.com")
    own = record_sale(make_loan(make_portfolio(both, name="Both's Pool"), "OWN"), staff)
    theirs = record_sale(make_loan(make_portfolio(other_investor), "THEIRS"), staff)
    assert sees(client, both, own)
    assert not sees(client, both, theirs)
    agreement = agreement_about(theirs, staff, status=AgreementStatus.IN_REVIEW, reviewer=both)
    assert sees(client, both, theirs)
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.APPROVED)
    assert not sees(client, both, theirs)
    # An agreement about their own deficiency, approved by someone else, changes nothing.
    agreement_about(own, staff, status=AgreementStatus.APPROVED, reviewer=make_user(Role.ATTORNEY))
    assert sees(client, both, own)
    assert list(Deficiency.objects.visible_to(both)) == [own]


def test_an_attorney_sees_no_portfolio_page_or_deadlines_of_it(client, staff, attorney, deficiency):
    agreement_about(deficiency, staff, status=AgreementStatus.IN_REVIEW, reviewer=attorney)
    client.force_login(attorney)
    portfolio_page = reverse("deficiencies:portfolio", args=[deficiency.portfolio_id])
    assert client.get(portfolio_page).status_code == 404
    assert client.get(reverse("deficiencies:deadlines")).context["rows"] == []
