"""Staff record a foreclosure sale and see the verdict and deadline; the investor sees the
deadline on their deadlines page."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from noteinvest.dates import months_from
from portfolios.models import Loan
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_staff_record_a_sale_then_investor_sees_the_deadline(
    page: Page, browser, live_server, demo
):
    loan = Loan.objects.get(loan_number="RB-0010")  # New Jersey: judicial, 3-month window
    assert loan.property_state == "NJ"
    sale = timezone.localdate() - timedelta(days=10)
    deadline = months_from(sale, 3)  # N.J.S.A. 2A:50-2: three calendar months
    deadline_text = f"{deadline:%b} {deadline.day}, {deadline.year}"

    log_in(page, live_server.url, "staff@example.com")
    page.goto(f"{live_server.url}{loan.get_absolute_url()}")
    page.get_by_role("link", name="Record a liquidation").click()
    page.get_by_label("Event type").select_option("foreclosure_sale")
    expect(page.get_by_label("Net proceeds paid to the holder")).to_be_hidden()  # short-sale field
    page.get_by_label("Event date").fill(sale.isoformat())
    page.get_by_label("Foreclosure process").select_option("judicial")
    page.get_by_label("Winning bid", exact=True).fill("100000.00")
    page.get_by_role("button", name="Record and assess").click()

    expect(
        page.get_by_role("heading", name=re.compile("Deficiency on loan RB-0010"))
    ).to_be_visible()
    expect(page.locator(".assessment-card .verdict-badge")).to_have_text(
        "Pursuable with conditions"
    )
    expect(page.locator(".assessment-card").get_by_text(deadline_text, exact=True)).to_be_visible()
    expect(page.get_by_text("Confirm it with an attorney licensed in New Jersey")).to_be_visible()
    expect(
        page.locator(".assessment-card").get_by_text("(N.J.S.A. 2A:50-2)", exact=True)
    ).to_be_visible()
    page.locator("summary", has_text="New Jersey: the state's summary and sources").click()
    expect(page.locator(".sources li").first).to_be_visible()

    investor = browser.new_context().new_page()
    log_in(investor, live_server.url, "investor@example.com")
    investor.get_by_role("link", name="Deadlines").click()
    investor.get_by_label("State").select_option("NJ")
    investor.get_by_role("button", name="Filter").click()
    row = investor.locator("tr", has_text="RB-0010").filter(has_text="filing window")
    expect(row).to_be_visible()
    expect(row).to_contain_text(deadline_text)
