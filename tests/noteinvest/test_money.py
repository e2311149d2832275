from decimal import Decimal

import pytest

from noteinvest.money import MoneyError, format_money, parse_amount, round_cents, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100.005", "100.01"),
        ("100.004", "100.00"),
        ("-100.005", "-100.01"),
        ("0.125", "0.13"),
        ("2.675", "2.68"),  # a float would give 2.67
        (Decimal("1E+2"), "100.00"),
        (7, "7.00"),
    ],
)
def test_round_cents_rounds_half_up(value, expected):
    assert round_cents(value) == Decimal(expected)
    assert str(round_cents(value)) == expected


def test_floats_are_refused_as_money():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        round_cents(2.675)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", "1234.50"),
        (" 1234.5 ", "1234.50"),
        ("0", "0.00"),
        ("0.75", "0.75"),
        ("$ 250,000", "250000.00"),
        ("1,000.00", "1000.00"),
        ("1,234,567.8", "1234567.80"),
    ],
)
def test_parse_amount_accepts_dollar_signs_separators_and_spaces(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "more than two decimal places"),
        ("-5.00", "negative"),
        ("(5.00)", "negative"),
        ("abc", "not an amount"),
        ("1.2.3", "not an amount"),
        ("", "required"),
        ("1000000000000", "larger than"),
        # One spelling only: nothing Python's Decimal or int() would also take.
        ("1_000", "not an amount"),
        ("１２３", "not an amount"),  # full-width digits
        ("١٢٣", "not an amount"),  # Arabic-Indic digits
        ("1e3", "not an amount"),
        (".5", "not an amount"),
        ("1 000", "not an amount"),
        ("1,00", "not an amount"),
        ("12,3456.00", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("$$5", "not an amount"),
        ("5.", "not an amount"),
    ],
)
def test_parse_amount_explains_what_is_wrong(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_amount(text)


def test_parse_amount_allows_negatives_when_asked():
    assert parse_amount("(12.00)", allow_negative=True) == Decimal("-12.00")
    assert parse_amount("-$3.10", allow_negative=True) == Decimal("-3.10")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("0.005"), "$0.01"),
        (Decimal("-12"), "-$12.00"),
        (None, ""),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


def test_money_template_filter_formats_decimals():
    from django.template import Context, Template

    out = Template("{% load money %}{{ v|money }}").render(Context({"v": Decimal("1500.5")}))
    assert out == "$1,500.50"


def test_check_fits_names_the_figure_beyond_the_column():
    from noteinvest.money import MAX_AMOUNT, check_fits

    assert check_fits(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(MoneyError, match="Total debt would be .* beyond the largest amount"):
        check_fits(MAX_AMOUNT + Decimal("0.01"), "Total debt")
    with pytest.raises(MoneyError):
        check_fits(Decimal("-1000000000000"))
