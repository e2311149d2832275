"""A liquidated loan owes what its sale left: its page and every total show the deficiency
outstanding (0 when barred, extinguished or closed), never the pre-sale payoff accruing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deficiencies import services
from deficiencies.models import DeficiencySuit, Judgment, Recovery
from portfolios.payoff import payoff
from portfolios.stats import portfolio_totals
from tests.factories import make_loan, make_portfolio, record_sale

pytestmark = pytest.mark.django_db
D = Decimal
# make_loan: UPB 200,000 at 6 % 30/360 paid to Jan 1, 2026, fees 500; sold Oct 1, 2026 for
# 150,000: 200,000 + 9 × 1,000 interest + 500 = 209,500 debt, 59,500 deficiency (NY).
DEBT_AT_SALE = D("209500.00")
DEFICIENCY = D("59500.00")


def total_debt(portfolio):
    portfolio.refresh_from_db()
    return portfolio_totals([portfolio], timezone.localdate())[portfolio.pk].total_debt


# --- the loan's page -----------------------------------------------------------------------


def test_the_loan_page_shows_the_debt_at_the_sale_and_the_deficiency_owed(
    client, owner, portfolio, staff
):
    loan = make_loan(portfolio)
    record_sale(loan, staff)
    client.force_login(owner)
    for params in ({}, {"as_of": "2027-06-30"}):  # another date changes nothing: no accrual
        page = client.get(reverse("portfolios:loan_detail", args=[loan.pk]), params).text
        assert "Liquidated on Oct 1, 2026: the loan's balance is the deficiency below" in page
        assert 'data-testid="payoff-total">$209,500.00<' in page
        assert "Total debt at the sale" in page
        assert "Per diem" not in page
        assert 'Owed after the sale, today: <strong class="num">$59,500.00</strong>' in page
        assert "Pursuable with conditions" in page  # the verdict beside it


def test_a_barred_deficiency_owes_nothing_on_the_loan_page(client, owner, portfolio, staff):
    # Cal. Civ. Proc. Code § 580d: no deficiency after a trustee sale.
    loan = make_loan(portfolio, "CA-1", property_state="CA")
    record_sale(loan, staff, process="non_judicial")
    client.force_login(owner)
    page = client.get(reverse("portfolios:loan_detail", args=[loan.pk])).text
    assert 'Owed after the sale, today: <strong class="num">$0.00</strong>' in page
    assert "nothing is recoverable: barred; $59,500.00 was left unpaid" in page
    # Why, with the section it rests on, and the attorney to confirm it with.
    assert "(Cal. Civ. Proc. Code § 580d)" in page.split('data-testid="loan-why"')[1][:600]
    assert "confirm it with an attorney licensed in California" in page


def test_a_loan_without_a_liquidation_still_shows_its_payoff(client, owner, portfolio):
    loan = make_loan(portfolio)
    client.force_login(owner)
    page = client.get(reverse("portfolios:loan_detail", args=[loan.pk])).text
    assert "Liquidated on" not in page
    assert "Total payoff" in page and "Per diem" in page


# --- the totals ------------------------------------------------------------------------------


def test_total_debt_counts_a_liquidated_loan_at_its_deficiency_outstanding(portfolio, staff):
    today = timezone.localdate()
    performing = make_loan(portfolio, "P-1")
    sold = make_loan(portfolio, "S-1")
    before = total_debt(portfolio)
    assert before == 2 * payoff(performing, today).total
    deficiency = record_sale(sold, staff)
    assert total_debt(portfolio) == payoff(performing, today).total + DEFICIENCY
    # A recovery moves the total at once (the cached totals are stale after it).
    services.change_status(deficiency=deficiency, to="pursuing", by=staff)
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=today, amount=D("9500.00"), source="payment"),
        by=staff,
    )
    assert total_debt(portfolio) == payoff(performing, today).total + D("50000.00")


@pytest.mark.parametrize("ending", ["barred", "waived", "written_off"])
def test_a_barred_extinguished_or_closed_deficiency_counts_zero(portfolio, staff, ending):
    if ending == "barred":
        # Cal. Civ. Proc. Code § 580d.
        d = record_sale(make_loan(portfolio, "CA-1", property_state="CA"), staff,
                        process="non_judicial")  # fmt: skip
        assert d.verdict == "barred"
    else:
        d = record_sale(make_loan(portfolio), staff)
        services.change_status(deficiency=d, to=ending, by=staff, note="Done.")
    assert total_debt(portfolio) == D("0.00")


def test_a_judgment_counts_with_its_interest(portfolio, staff):
    today = timezone.localdate()
    d = record_sale(make_loan(portfolio), staff, on=today - timedelta(days=500))
    services.record_suit(
        deficiency=d,
        suit=DeficiencySuit(
            court="Supreme Court", case_number="1", filed_on=today - timedelta(days=400)
        ),
        by=staff,
    )
    services.record_judgment(
        deficiency=d,
        judgment=Judgment(granted_on=today - timedelta(days=365), amount=D("50000.00"),
                          interest_rate=D("9")),
        by=staff,
    )  # fmt: skip
    assert total_debt(portfolio) == D("54500.00")  # 50,000 + 4,500 (9 % for 365 days)


def test_the_portfolio_pages_show_the_total_after_the_sale(client, owner, portfolio, staff):
    loan = make_loan(portfolio)
    record_sale(loan, staff)
    client.force_login(owner)
    detail = client.get(reverse("portfolios:detail", args=[portfolio.pk])).text
    assert "$59,500.00" in detail  # the tile and the loan's row
    assert f"${payoff(loan, timezone.localdate()).total:,.2f}" not in detail
    listing = client.get(reverse("portfolios:list")).text
    assert "$59,500.00" in listing


def test_portfolio_page_query_count_is_the_same_with_liquidated_loans(client, owner, staff):
    from django.core.cache import cache

    plain, sold = make_portfolio(owner, name="Plain"), make_portfolio(owner, name="Sold")
    for n in range(3):
        make_loan(plain, f"A-{n}")
        record_sale(make_loan(sold, f"B-{n}"), staff)
    client.force_login(owner)

    def queries(portfolio):
        url = reverse("portfolios:detail", args=[portfolio.pk])
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert queries(plain) == queries(sold)
