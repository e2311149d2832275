"""The search box in the navigation: an investor finds a borrower by last name (never the
other investor's), staff find both, and the box works from a phone's menu."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portfolios.models import Borrower, Loan
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def whitakers(transactional_db):
    """The demo data, with a Whitaker in each investor's pool."""
    call_command("seed_demo", verbosity=0)
    own = Loan.objects.get(loan_number="RB-0007")
    theirs = Loan.objects.get(loan_number="LS-0003")
    Borrower.objects.filter(loan=own, position=1).update(name="Margaret Whitaker")
    Borrower.objects.filter(loan=theirs, position=1).update(name="Thomas Whitaker")
    return own, theirs


def search(page: Page, q: str):
    box = page.get_by_role("search", name="Site search").get_by_label(
        "Search loans, borrowers, addresses and agreements"
    )
    box.fill(q)
    with page.expect_navigation():
        box.press("Enter")


def test_an_investor_finds_their_borrower_by_last_name_and_opens_the_loan(
    page: Page, live_server, whitakers
):
    log_in(page, live_server.url, "investor@example.com")
    search(page, "whitaker")
    expect(page.get_by_role("heading", name="Results for “whitaker”")).to_be_visible()
    loans = page.locator("#results-loans")
    expect(loans.get_by_role("heading", name="Loans (1)")).to_be_visible()
    expect(loans).to_contain_text("Margaret Whitaker")
    expect(page.get_by_text("Thomas Whitaker")).to_have_count(0)
    expect(page.get_by_text("LS-0003")).to_have_count(0)
    # The box keeps the query; the result opens the loan.
    expect(page.locator("#nav-search")).to_have_value("whitaker")
    loans.get_by_role("link", name="Loan RB-0007", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{whitakers[0].get_absolute_url()}")


def test_staff_find_both_and_a_one_letter_query_shows_the_hint(page: Page, live_server, whitakers):
    log_in(page, live_server.url, "staff@example.com")
    search(page, "Whitaker")
    expect(page.get_by_role("heading", name="Loans (2)")).to_be_visible()
    expect(page.get_by_role("link", name="Loan LS-0003", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Loan RB-0007", exact=True)).to_be_visible()
    search(page, "W")
    expect(page.get_by_text("Type at least two characters")).to_be_visible()
    expect(page.locator("#results-loans")).to_have_count(0)


def test_the_search_box_works_from_the_menu_on_a_phone(browser, live_server, whitakers):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, "investor@example.com")
    page.wait_for_load_state("load")  # Bootstrap's script runs at the end of the page
    box = page.locator("#nav-search")
    expect(box).to_be_hidden()  # folded into the menu
    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.locator(".navbar-collapse.show")).to_be_visible()
    expect(page.locator(".navbar-collapse.collapsing")).to_have_count(0)
    search(page, "Whitaker")
    expect(page.get_by_role("heading", name="Loans (1)")).to_be_visible()
    # Nothing on the results page is wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()
