"""Computed amounts must fit the 14-digit money columns; lists survive any stored row
(issue 8 item 9, drafting)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements import services
from settlements.models import Agreement, Installment, Payment, Status
from tests.factories import make_loan

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def huge_loan(portfolio):
    """A loan whose payoff today is far beyond 999,999,999,999.99."""
    return make_loan(
        portfolio,
        "HUGE-1",
        upb=D("999999999999.00"),
        note_rate=D("50"),
        paid_to_date=date(1990, 1, 1),
        origination_date=date(1989, 1, 1),
    )


def test_a_draft_whose_total_debt_does_not_fit_is_not_started(client, staff, huge_loan):
    client.force_login(staff)
    response = client.post(
        reverse("settlements:start", args=[huge_loan.pk]), {"kind": "dpo"}, follow=True
    )
    assert response.status_code == 200
    assert "No draft was started" in response.text
    assert "beyond the largest amount this app stores" in response.text
    assert not Agreement.objects.exists()
    with pytest.raises(services.AgreementError, match="accrued interest would be"):
        services.start_draft(loan=huge_loan, kind="dpo", by=staff)


@pytest.mark.skipif(
    "postgresql" in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL refuses such a row itself; only SQLite stores it",
)
def test_the_lists_survive_a_stored_amount_beyond_the_column(client, staff, portfolio):
    """On SQLite an old row can hold 68 trillion: reading its amounts raises; lists do not."""
    loan = make_loan(portfolio, "BIG-1")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    Agreement.objects.filter(pk=agreement.pk).update(total_debt=D("68000000000000.00"))
    client.force_login(staff)
    listing = client.get(reverse("settlements:list"))
    assert listing.status_code == 200 and agreement.number in listing.text
    assert client.get(reverse("settlements:list"), {"status": "draft"}).status_code == 200
    assert agreement.number in client.get(loan.get_absolute_url()).text


def test_installments_whose_total_does_not_fit_are_refused_on_the_page(client, staff, portfolio):
    loan = make_loan(portfolio, "INST-1")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("150000.00")
    agreement.save()
    client.force_login(staff)
    due = timezone.localdate() + timedelta(days=30)
    data = {"version": agreement.version, "inst-TOTAL_FORMS": "2", "inst-INITIAL_FORMS": "0",
            "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "1000",
            "inst-0-due_on": str(due), "inst-0-amount": "999999999999.99",
            "inst-1-due_on": str(due), "inst-1-amount": "999999999999.99"}  # fmt: skip
    response = client.post(reverse("settlements:edit", args=[agreement.pk, "payments"]), data)
    assert response.status_code == 200
    assert "The installments&#x27; total would be $1,999,999,999,999.98" in response.text
    assert response.text.count('value="999999999999.99"') == 2  # what was typed
    assert not Installment.objects.exists()


def test_a_payment_total_beyond_the_column_is_refused(staff, portfolio):
    loan = make_loan(portfolio, "PAY-1")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Status.SIGNED, settlement_amount=D("999999999999.99")
    )
    Payment.objects.create(
        agreement=agreement, received_on=timezone.localdate(), amount=D("999999999999.99"),
        recorded_by=staff,
    )  # fmt: skip
    with pytest.raises(services.AgreementError, match="total paid would be"):
        services.record_payment(
            agreement=agreement,
            payment=Payment(received_on=timezone.localdate(), amount=D("1.00")),
            by=staff,
        )
