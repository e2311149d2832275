"""Money as shown: no negative zero ("−$0.00"), deductions with a true minus sign."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from noteinvest.money import format_deduction, format_money
from tests.factories import make_loan, record_sale

MINUS = "\u2212"


@pytest.mark.parametrize("value", ["0", "-0", "-0.00", "-0.004", "0.004", Decimal("-0E-7")])
def test_an_amount_that_rounds_to_zero_has_no_sign(value):
    assert format_money(value) == "$0.00"
    assert format_deduction(value) == "$0.00"


def test_a_deduction_shows_a_minus_sign_and_a_negative_one_adds():
    assert format_deduction("1234.5") == f"{MINUS}$1,234.50"
    assert format_deduction("-12") == "+$12.00"
    assert format_deduction(None) == ""


def test_the_less_filter():
    rendered = Template("{% load money %}{{ a|less }} {{ b|less }}").render(
        Context({"a": Decimal("0.00"), "b": Decimal("25.00")})
    )
    assert rendered == f"$0.00 {MINUS}$25.00"


@pytest.mark.django_db
def test_pages_show_no_negative_zero(client, owner, staff, portfolio):
    loan = make_loan(portfolio, "ZERO-1")  # no suspense funds
    client.force_login(owner)
    page = client.get(loan.get_absolute_url()).text
    assert "Less suspense" in page and f"{MINUS}$0.00" not in page
    deficiency = record_sale(loan, staff, price="0.00")  # nothing credited, no suspense
    page = client.get(deficiency.get_absolute_url()).text
    assert "Less credited" in page and f"{MINUS}$0.00" not in page
    assert page.count('<td class="text-end num">$0.00</td>') >= 2
