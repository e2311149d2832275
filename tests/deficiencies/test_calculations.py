"""Deficiency figures checked by hand."""

from decimal import Decimal

import pytest

from deficiencies.calculations import credited_amount, deficiency_balance, fair_value_deficiency

D = Decimal


def test_credited_amount_for_each_event_type():
    assert credited_amount("foreclosure_sale", sale_price=D("150000.00")) == D("150000.00")
    assert credited_amount("short_sale", net_proceeds=D("171250.55"), sale_price=D("1")) == D(
        "171250.55"
    )
    assert credited_amount("deed_in_lieu", fair_market_value=D("98000")) == D("98000")


@pytest.mark.parametrize(
    ("event_type", "name"),
    [
        ("foreclosure_sale", "sale_price"),
        ("short_sale", "net_proceeds"),
        ("deed_in_lieu", "fair_market_value"),
    ],
)
def test_a_missing_required_amount_is_named(event_type, name):
    with pytest.raises(ValueError, match=name):
        credited_amount(event_type)


def test_unknown_event_type_and_negative_amounts_are_refused():
    with pytest.raises(ValueError, match="Unknown event type"):
        credited_amount("auction", sale_price=D("1"))
    with pytest.raises(ValueError, match="cannot be negative"):
        credited_amount("foreclosure_sale", sale_price=D("-1"))


def test_deficiency_balance():
    # 210,500.40 - 150,000.00 = 60,500.40
    assert deficiency_balance(D("210500.40"), D("150000.00")) == D("60500.40")
    # A credit above the debt leaves no deficiency, never a negative one.
    assert deficiency_balance(D("100000.00"), D("120000.00")) == D("0.00")


def test_fair_value_deficiency_uses_the_greater_of_credit_and_value():
    # Value above the bid: 210,500.40 - 180,000.00 = 30,500.40
    assert fair_value_deficiency(D("210500.40"), D("150000.00"), D("180000.00")) == D("30500.40")
    # Value below the bid: the bid counts: 200,000 - 150,000 = 50,000
    assert fair_value_deficiency(D("200000"), D("150000"), D("120000")) == D("50000")
    # Value above the debt: nothing left.
    assert fair_value_deficiency(D("200000"), D("150000"), D("250000")) == D("0.00")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        deficiency_balance(200000.0, D("1"))
