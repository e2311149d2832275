"""Staff's home lists what waits on them; an item leads to where it is done (issue 14)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_staff_open_an_approved_agreement_from_their_queue(page: Page, live_server, demo):
    from settlements.models import Agreement, Status

    approved = Agreement.objects.get(status=Status.APPROVED)
    log_in(page, live_server.url, "staff@example.com")
    queue = page.locator('[data-queue="approved"]')
    expect(queue.locator("[data-count]")).to_have_text("1")
    link = queue.get_by_role("link", name=f"{approved.number}, loan {approved.loan.loan_number}")
    # The count beside Home says how much waits.
    expect(page.locator('[data-nav-count="home"]')).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{live_server.url}{approved.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(approved.number)
