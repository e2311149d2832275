"""Staff send two drafts for review at once: a background worker freezes and sends each,
and the batch page follows them to "2 of 2 sent"; the attorney finds both in the queue."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from portfolios.models import Loan
from settlements import services
from settlements.models import Status
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def drafts(transactional_db):
    call_command("seed_demo", verbosity=0)
    staff = User.objects.get(email="staff@example.com")
    out = []
    for number in ("RB-0010", "RB-0005"):
        draft = services.start_draft(
            loan=Loan.objects.get(loan_number=number), kind="dpo", by=staff
        )
        draft.settlement_amount = Decimal("150000.00")
        draft.payment_method = "wire"
        draft.save()
        out.append(draft)
    return out


def test_staff_send_two_drafts_for_review_in_one_go(
    page: Page, browser, live_server, drafts, background_worker
):
    log_in(page, live_server.url, "staff@example.com")
    page.goto(f"{live_server.url}/settlements/?status=draft")
    for draft in drafts:
        page.get_by_label(f"Send {draft.number} for review").check()
    page.get_by_label("Attorney to review them").select_option(
        label="Alex Attorney (attorney@example.com)"
    )
    page.get_by_role("button", name="Send ticked drafts for review").click()
    expect(page.get_by_text("2 drafts queued to be frozen and sent for review.")).to_be_visible()
    # The page refreshes itself until the worker has sent both.
    expect(page.get_by_text("2 of 2 sent. Finished.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Version 1 frozen and sent.")).to_have_count(2)
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.status == Status.IN_REVIEW

    attorney = browser.new_context().new_page()
    log_in(attorney, live_server.url, "attorney@example.com")
    attorney.goto(f"{live_server.url}/settlements/")
    queue = attorney.get_by_role("region", name="Waiting for your review")
    for draft in drafts:
        expect(queue.get_by_role("link", name=draft.number, exact=False)).to_be_visible()
