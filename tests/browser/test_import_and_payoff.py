"""Staff import a tape through the mapping step; the investor sees the loans and a payoff."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portfolios.models import Loan, Portfolio
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TAPE = (
    "Acct,Obligor,Prop St,Bal,Coupon,Interest Paid Thru Dt,Next Due Date,Basis\n"
    "NEW-001,Grace Hopper,Virginia,120000.00,6,2024-01-01,2024-02-01,30/360\n"
    "NEW-002,Alan Kay,CA,80000.00,7.5%,2024-03-01,2024-04-01,actual/365\n"
)


@pytest.fixture
def demo(transactional_db, background_worker):
    # The real thing: a background worker runs the import while the page shows its progress.
    call_command("seed_demo", verbosity=0)


def test_staff_import_with_mapping_then_investor_changes_payoff_date(
    page: Page, browser, live_server, demo, tmp_path
):
    portfolio = Portfolio.objects.get(name="Riverbend NPL Pool 2026-A")
    tape = tmp_path / "riverbend-addendum.csv"
    tape.write_text(TAPE)

    log_in(page, live_server.url, "staff@example.com")
    page.get_by_role("link", name="Portfolios").first.click()
    page.get_by_role("link", name="Riverbend NPL Pool 2026-A").click()
    page.get_by_role("link", name="Import loan tape").click()
    page.get_by_label("Loan tape").set_input_files(str(tape))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Match the tape's columns")).to_be_visible()
    # What we could match is preselected; the rest is chosen by hand.
    expect(page.get_by_label("Day Count")).to_have_value("")
    page.get_by_label("Loan Number").select_option("Acct")
    page.get_by_label(re.compile(r"^Borrower Name")).select_option("Obligor")
    page.get_by_label("Property State").select_option("Prop St")
    page.get_by_label("UPB").select_option("Bal")
    page.get_by_label("Note Rate").select_option("Coupon")
    paid_to = page.get_by_label("Paid To Date")
    expect(paid_to.locator("option", has_text="Next Due Date")).to_have_count(0)
    paid_to.select_option("Interest Paid Thru Dt")
    page.get_by_label("Day Count").select_option("Basis")
    page.get_by_role("button", name="Use these columns and import").click()

    expect(page.get_by_role("heading", name="Imported 2 loans")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("2 created, 0 updated, 0 unchanged")).to_be_visible()
    assert Loan.objects.filter(portfolio=portfolio, loan_number__startswith="NEW-").count() == 2

    investor = browser.new_context().new_page()
    log_in(investor, live_server.url, "investor@example.com")
    investor.get_by_role("link", name="Portfolios").first.click()
    investor.get_by_role("link", name="Riverbend NPL Pool 2026-A").click()
    investor.get_by_label("Loan number, borrower, address or city").fill("NEW-")
    investor.get_by_role("button", name="Filter").click()
    expect(investor.get_by_role("link", name="NEW-001")).to_be_visible()
    expect(investor.get_by_role("link", name="NEW-002")).to_be_visible()
    investor.get_by_role("link", name="NEW-001").click()

    # Jan 1 -> Jul 1, 2024 under 30/360 is 180 days: 120,000 x 6% x 180 / 360 = 3,600.00
    investor.get_by_label("Payoff date").fill("2024-07-01")
    investor.get_by_role("button", name="Show").click()
    expect(investor).to_have_url(re.compile(r"as_of=2024-07-01"))
    expect(
        investor.get_by_role("heading", name=re.compile("Payoff as of Jul 1, 2024"))
    ).to_be_visible()
    expect(investor.get_by_test_id("payoff-total")).to_have_text("$123,600.00")
    expect(investor.get_by_text("Interest, 180 days from 01/01/2024 (30/360)")).to_be_visible()
    assert Loan.objects.get(loan_number="NEW-001").upb == Decimal("120000.00")
