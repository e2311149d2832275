"""Portfolio and loan forms (issue 8): control characters, 14-digit amounts, implausible
dates, formula-like loan numbers and a tampered version give a message beside the field,
never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.models import Loan, Portfolio
from tests.portfolios.test_pages import loan_post_data, make_loans

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(portfolio):
    return make_loans(portfolio, 1)[0]


def portfolio_post(owner, **overrides):
    return {"name": "Fresh Pool", "owners": [owner.pk], **overrides}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [("name", "Pool\x1b[31m", "Remove the control characters"),
     ("seller", "Acme\x07Bank", "Remove the control characters"),
     ("holder_address", "1 Main St\x0bSuite 2", "Remove the invisible control characters"),
     ("purchase_price", "12345678901234", "is larger than $999,999,999,999.99"),
     ("purchase_price", "1e3", "is not an amount of money"),
     ("acquisition_date", "0001-01-01", "between 1950-01-01 and today"),
     ("acquisition_date", "9999-12-31", "between 1950-01-01 and today")],
)  # fmt: skip
def test_portfolio_form_refuses_beside_the_field(client, staff, owner, field, typed, message):
    client.force_login(staff)
    response = client.post(reverse("portfolios:create"), portfolio_post(owner, **{field: typed}))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Portfolio.objects.filter(name="Fresh Pool").exists()


def test_portfolio_form_keeps_what_was_typed(client, staff, owner):
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:create"), portfolio_post(owner, purchase_price="12345678901234")
    )
    assert 'value="12345678901234"' in response.text


def test_a_nul_byte_in_a_form_is_refused_before_the_view(client, staff, owner):
    client.force_login(staff)
    response = client.post(reverse("portfolios:create"), portfolio_post(owner, name="A\x00B"))
    assert response.status_code == 400
    assert (
        not Portfolio.objects.exists() or not Portfolio.objects.filter(name__contains="A").exists()
    )


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [("loan_number", "=HYPERLINK(\"http://x\")", "cannot start with =, +, - or @"),
     ("loan_number", "-12", "cannot start with =, +, - or @"),
     ("loan_number", "L-1\tX", "Remove the control characters"),
     ("property_city", "Spring\x1bfield", "Remove the control characters"),
     ("upb", "12345678901234", "is larger than $999,999,999,999.99"),
     ("fees", "99,999,999,999,999.00", "is larger than $999,999,999,999.99"),
     ("original_balance", ".5", "is not an amount of money"),
     ("origination_date", "0001-01-01", "between 1950-01-01 and today"),
     ("paid_to_date", "9999-12-31", "between 1950-01-01 and today"),
     ("value_date", "1900-01-01", "between 1950-01-01 and today")],
)  # fmt: skip
def test_loan_form_refuses_beside_the_field(client, staff, loan, field, typed, message):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[loan.pk])
    response = client.post(url, loan_post_data(loan, **{field: typed}))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    loan.refresh_from_db()
    assert loan.version == 1


def test_largest_storable_amount_is_accepted(client, staff, loan):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[loan.pk])
    response = client.post(url, loan_post_data(loan, upb="999,999,999,999.99"))
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.upb == Decimal("999999999999.99")


def test_borrower_name_with_a_control_character_is_refused(client, staff, loan):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[loan.pk])
    response = client.post(url, loan_post_data(loan, **{"borrowers-0-name": "Ann\x1bLee"}))
    assert response.status_code == 200
    assert "Remove the control characters" in str(response.context["borrowers"].errors)


@pytest.mark.parametrize("version", ["99999999999999999999", "-1", "abc"])
def test_a_tampered_version_is_an_error_not_a_500(client, staff, loan, version):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[loan.pk])
    response = client.post(url, loan_post_data(loan, version=version, upb="1.00"))
    assert response.status_code == 200
    assert Loan.objects.get(pk=loan.pk).upb == Decimal("100000.00")


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_payoff_date_out_of_range_is_a_message(client, owner, loan, as_of):
    client.force_login(owner)
    response = client.get(reverse("portfolios:loan_detail", args=[loan.pk]), {"as_of": as_of})
    assert response.status_code == 200
    assert "Enter a date between" in str(response.context["date_form"].errors["as_of"])
    export = client.get(reverse("portfolios:export", args=[loan.portfolio_id]), {"as_of": as_of})
    assert export.status_code == 400
