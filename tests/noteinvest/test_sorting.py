"""Every list sorts by its columns and keeps its filters in the URL (issue 14)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deficiencies.models import Deficiency, StateRule
from tests.factories import draft_agreement, make_loan, make_portfolio, record_sale

pytestmark = pytest.mark.django_db


def order(text: str, names: list[str]) -> list[str]:
    """`names` in the order they first appear in the page."""
    return sorted(names, key=text.index)


def test_portfolios_sort_by_each_column_and_the_pending_ones_last(client, staff):
    small = make_portfolio(name="Alpha Pool", seller="Zeta Bank", purchase_price=Decimal("900"))
    large = make_portfolio(name="beta Pool", seller="Acme Bank", purchase_price=Decimal("100"))
    make_loan(small, "S-1", upb=Decimal("1000.00"))
    make_loan(large, "B-1", upb=Decimal("5000.00"))
    make_loan(large, "B-2", upb=Decimal("5000.00"))
    client.force_login(staff)
    url = reverse("portfolios:list")
    names = ["Alpha Pool", "beta Pool"]
    assert order(client.get(url).text, names) == names  # by name, case aside
    assert order(client.get(url, {"sort": "-name"}).text, names) == names[::-1]
    assert order(client.get(url, {"sort": "seller"}).text, names) == names[::-1]
    assert order(client.get(url, {"sort": "-upb"}).text, names) == names[::-1]
    assert order(client.get(url, {"sort": "loans"}).text, names) == names
    assert order(client.get(url, {"sort": "price"}).text, names) == names[::-1]
    page = client.get(url, {"sort": "upb"}).text
    assert 'href="?sort=-upb"' in page and "sorted ascending" in page
    # An unknown or mangled sort is the usual order, not an error.
    for bad in ("password", "--name", "-", "name;drop"):
        response = client.get(url, {"sort": bad})
        assert response.status_code == 200 and order(response.text, names) == names


def test_agreements_sort_and_keep_the_status_filter(client, staff, portfolio):
    first = draft_agreement(make_loan(portfolio, "Z-9"), staff)
    second = draft_agreement(make_loan(portfolio, "A-1"), staff)
    client.force_login(staff)
    url = reverse("settlements:list")
    by_loan = client.get(url, {"sort": "loan", "status": "draft"}).text
    assert order(by_loan, [first.number, second.number]) == [second.number, first.number]
    assert order(client.get(url, {"sort": "-loan"}).text, [first.number, second.number]) == [
        first.number, second.number
    ]  # fmt: skip
    # The headers' links keep the filter; the filter form keeps the order.
    assert 'href="?status=draft&amp;sort=-loan"' in by_loan
    assert '<input type="hidden" name="sort" value="loan">' in by_loan


def test_a_portfolios_deficiencies_sort_and_keep_filters_and_pages(client, staff, portfolio):
    for number, price in (("D-1", "190000.00"), ("D-2", "10000.00")):
        record_sale(make_loan(portfolio, number), staff, price=price)
    client.force_login(staff)
    url = reverse("deficiencies:portfolio", args=[portfolio.pk])
    cheap_first = client.get(url, {"sort": "deficiency"}).text
    amounts = {d.loan.loan_number: d.recoverable for d in Deficiency.objects.all()}
    expected = sorted(amounts, key=amounts.get)
    assert order(cheap_first, ["D-1", "D-2"]) == expected
    assert order(client.get(url, {"sort": "-deficiency"}).text, ["D-1", "D-2"]) == expected[::-1]
    filtered = client.get(url, {"sort": "loan", "state": "NY"}).text
    assert 'href="?state=NY&amp;sort=-loan"' in filtered
    assert '<input type="hidden" name="sort" value="loan">' in filtered


def test_state_rules_sort_by_filing_window(client, owner):
    client.force_login(owner)
    text = client.get(reverse("deficiencies:rules"), {"sort": "-window"}).text
    longest = StateRule.objects.exclude(filing_deadline_days_after_sale=None).order_by(
        "-filing_deadline_days_after_sale"
    )[0]
    without = StateRule.objects.filter(filing_deadline_days_after_sale=None)[0]
    assert text.index(f">{longest.state_name}<") < text.index(f">{without.state_name}<")
    by_name = client.get(reverse("deficiencies:rules"), {"sort": "-state"}).text
    names = sorted(StateRule.objects.values_list("state_name", flat=True))
    assert by_name.index(f">{names[-1]}<") < by_name.index(f">{names[0]}<")
