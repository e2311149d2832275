"""Log in through a real browser as each role and land on that role's home page."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def log_in(page: Page, base_url: str, email: str, password: str = "demo-pass-2026"):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize(
    ("email", "heading", "nav"),
    [
        (
            "investor@example.com",
            "Your portfolios",
            ["Home", "Portfolios", "Deadlines", "Settlements", "State rules"],
        ),
        (
            "staff@example.com",
            "Back office",
            [
                "Home",
                "Portfolios",
                "Deadlines",
                "Settlements",
                "Clause library",
                "State rules",
                "Accounts",
            ],
        ),
        (
            "attorney@example.com",
            "Your review queue",
            ["Home", "Review queue", "Clause library", "State rules"],
        ),
    ],
)
def test_each_role_logs_in_and_lands_on_its_home_page(
    page: Page, live_server, demo, email, heading, nav
):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, live_server.url, email)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    links = page.locator("#mainNav .navbar-nav.me-auto .nav-link")
    # Each section's name; Home may carry the count of what waits ("Home 2 waiting").
    expect(links).to_have_text([re.compile(rf"^{re.escape(n)}(\s*\d+ waiting)?$") for n in nav])
    # Nothing blocked by the Content-Security-Policy, nothing failed to load.
    assert errors == []


def test_investor_sees_own_portfolio_but_not_the_other_investors(page: Page, live_server, demo):
    log_in(page, live_server.url, "investor@example.com")
    expect(page.get_by_role("cell", name="Riverbend NPL Pool 2026-A")).to_be_visible()
    expect(page.get_by_text("Lakeshore Reperforming 2025-2")).to_have_count(0)


def test_wrong_password_shows_the_message_and_keeps_the_email(page: Page, live_server, demo):
    log_in(page, live_server.url, "investor@example.com", "not-the-password")
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    expect(page.get_by_label("E-mail address")).to_have_value("investor@example.com")


def test_log_out_from_the_user_menu_on_a_phone(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, "staff@example.com")
    page.wait_for_load_state("load")  # Bootstrap's script runs at the end of the page
    page.get_by_role("button", name="Toggle navigation").click()
    # The menu opens with an animation: wait until it is done (a loaded machine is slow),
    # since a click on the user menu while the panel still slides open is lost.
    expect(page.locator(".navbar-collapse.show")).to_be_visible()
    expect(page.locator(".navbar-collapse.collapsing")).to_have_count(0)
    page.locator("#userMenu").click()
    expect(page.locator("#userMenu")).to_have_attribute("aria-expanded", "true")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    with page.expect_navigation():
        log_out.click()
    expect(page.get_by_role("heading", name="You are logged out")).to_be_visible(timeout=15_000)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    context.close()


@pytest.mark.parametrize("width", [1200, 1280, 1400])
def test_the_staff_navigation_fits_on_one_line(browser, live_server, demo, width):
    """Seven sections, the count, the search box and the user menu: one line of 56 px, and
    the page never scrolls sideways (below 1200 px the menu button takes over)."""
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    log_in(page, live_server.url, "staff@example.com")
    expect(page.locator("#userMenu")).to_be_visible()
    box = page.evaluate(
        """() => ({nav: document.querySelector('nav.app-navbar').getBoundingClientRect().height,
                  page: document.documentElement.scrollWidth,
                  menu: document.querySelector('#userMenu').getBoundingClientRect().right})"""
    )
    assert box["nav"] <= 60 and box["page"] == width and box["menu"] <= width, box
    context.close()
