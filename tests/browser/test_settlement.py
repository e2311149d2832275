"""A DPO from draft to approved PDF: staff draft and submit, the attorney comments and asks
for changes (and is sent back to the review queue), staff fix it, the attorney reads the
redline and approves, the investor downloads the approved PDF."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portfolios.models import Loan
from settlements.models import Agreement
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_dpo_from_draft_to_approved_pdf(page: Page, browser, live_server, demo):
    loan = Loan.objects.get(loan_number="RB-0010")
    # Staff: draft through the guided form.
    log_in(page, live_server.url, "staff@example.com")
    page.goto(f"{live_server.url}{loan.get_absolute_url()}")
    page.get_by_role("button", name="Draft a DPO agreement").click()
    expect(page.get_by_role("heading", name=re.compile("agreement SA-"))).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("Waiver of the Remaining Balance")
    page.get_by_role("button", name="Save and continue").click()  # parties as prefilled
    page.get_by_label("Settlement amount").fill("150000.00")
    # The live preview follows the typing before anything is saved.
    expect(page.locator("#preview")).to_contain_text(
        "One Hundred Fifty Thousand and 00/100 Dollars"
    )
    page.get_by_label("How to pay").select_option("wire")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()  # payments: one lump sum
    # A rider for this agreement only: printed as such, approved by the attorney.
    page.get_by_label("Rider's title").fill("Keys at Closing")
    page.get_by_label("Rider's text").fill("The Borrower hands over every key at closing.")
    expect(page.locator("#preview")).to_contain_text("Rider: Keys at Closing")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Every borrower is named")).to_be_visible()
    page.get_by_label("Attorney to review it").select_option(
        label="Alex Attorney (attorney@example.com)"
    )
    page.get_by_role("button", name="Freeze this version and send for review").click()
    expect(page.get_by_test_id("agreement-status")).to_have_text("In review")
    agreement = Agreement.objects.get(loan=loan)

    # Attorney: comment on a section and request changes.
    lawyer = browser.new_context().new_page()
    log_in(lawyer, live_server.url, "attorney@example.com")
    lawyer.get_by_role("link", name=re.compile(agreement.number)).first.click()
    lawyer.get_by_label("Comment on").select_option(label="Section 4. Settlement Payment")
    lawyer.get_by_label("Your comment").fill("The borrower offered 160,000; use that.")
    lawyer.get_by_role("button", name="Add comment").click()
    expect(lawyer.get_by_text("The borrower offered 160,000; use that.")).to_be_visible()
    lawyer.get_by_label("Note to staff").fill("See my comment on section 4.")
    lawyer.get_by_role("button", name="Request changes").click()
    # Attorney powers end with the review: back to the queue, the agreement no longer in it.
    expect(lawyer.get_by_text("Changes requested: the draft went back to staff.")).to_be_visible()
    expect(lawyer.get_by_role("link", name=re.compile(agreement.number))).to_have_count(0)

    # Staff: fix the amount and resubmit.
    page.reload()
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_role("link", name="2. Terms").click()
    # The attorney's comment on the payment section is beside the step that sets the amount.
    expect(page.get_by_test_id("step-comments")).to_contain_text(
        "The borrower offered 160,000; use that."
    )
    page.get_by_label("Settlement amount").fill("160000.00")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()  # payments
    page.get_by_role("button", name="Save and continue").click()  # riders, unchanged
    page.get_by_label("Attorney to review it").select_option(
        label="Alex Attorney (attorney@example.com)"
    )
    page.get_by_role("button", name="Freeze this version and send for review").click()
    expect(page.get_by_test_id("agreement-status")).to_have_text("In review")

    # Attorney: the redline shows the new amount; approve.
    lawyer.reload()
    lawyer.get_by_role("link", name=re.compile(agreement.number)).first.click()
    expect(lawyer.get_by_role("heading", name="What changed since version 1")).to_be_visible()
    expect(lawyer.locator(".redline ins", has_text="Sixty").first).to_be_visible()
    expect(lawyer.locator(".redline del", has_text="Fifty").first).to_be_visible()
    # The comment and the note are still open: approving needs the box that says so.
    lawyer.get_by_role("button", name="Approve version 2").click()
    expect(lawyer.get_by_text("There are 2 open comments")).to_be_visible()
    lawyer.get_by_label("I approve with 2 open comments").check()
    lawyer.get_by_role("button", name="Approve version 2").click()
    # And the rider must be approved first.
    expect(lawyer.get_by_text("Approve each rider first")).to_be_visible()
    lawyer.get_by_role("button", name="Approve this rider").click()
    expect(lawyer.get_by_text("Rider approved.")).to_be_visible()
    lawyer.get_by_label("I approve with 2 open comments").check()
    lawyer.get_by_role("button", name="Approve version 2").click()
    expect(
        lawyer.get_by_text("Approved: this version's PDF is the document of record.")
    ).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.status == "approved"

    # Investor: download the approved PDF.
    investor = browser.new_context().new_page()
    log_in(investor, live_server.url, "investor@example.com")
    investor.get_by_role("link", name="Settlements").click()
    investor.get_by_role("link", name=agreement.number).click()
    link = investor.get_by_role("link", name="Version 2 (PDF)")
    expect(investor.get_by_text("approved — document of record")).to_be_visible()
    response = investor.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    body = response.body()
    assert body.startswith(b"%PDF-")
    agreement.refresh_from_db()
    # The document of record: the frozen PDF sealed at approval (PAdES), its hash in full.
    sealed = agreement.approved_version.seal
    assert body == bytes(sealed.pdf)
    expect(investor.get_by_text(sealed.sha256)).to_be_visible()


def test_a_dpo_completed_in_the_browser_waives_the_deficiency_and_settles_the_loan(
    page: Page, browser, live_server, demo
):
    from accounts.models import User
    from deficiencies.models import Deficiency
    from tests.factories import signed_agreement

    staff = User.objects.get(email="staff@example.com")
    attorney = User.objects.get(email="attorney@example.com")
    deficiency = (
        Deficiency.objects.filter(status="open", verdict__in=["conditional", "pursuable"],
                                  loan__portfolio__owners__email="investor@example.com",
                                  loan__agreements__isnull=True, deadlines__isnull=False)
        .distinct().order_by("pk").first()
    )  # fmt: skip
    loan = deficiency.loan
    agreement = signed_agreement(loan, staff, attorney)
    # Staff record the payment in full on the agreement's page.
    log_in(page, live_server.url, "staff@example.com")
    page.goto(f"{live_server.url}{agreement.get_absolute_url()}")
    from django.utils import timezone

    page.get_by_label("Received on").fill(timezone.localdate().isoformat())
    page.get_by_label("Amount").fill(f"{agreement.settlement_amount}")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("forgiven that day")
    expect(page.get_by_test_id("agreement-status")).to_have_text("Completed")
    # The investor sees the deficiency waived and no deadline left for it.
    investor = browser.new_context().new_page()
    log_in(investor, live_server.url, "investor@example.com")
    investor.goto(f"{live_server.url}{deficiency.get_absolute_url()}")
    expect(investor.get_by_test_id("deficiency-status")).to_have_text("Waived")
    expect(
        investor.get_by_text(f"Waived by settlement agreement {agreement.number}")
    ).to_be_visible()
    investor.goto(f"{live_server.url}/deficiencies/deadlines/")
    expect(investor.get_by_text(loan.loan_number, exact=True)).to_have_count(0)
    assert Loan.objects.get(pk=loan.pk).status == "settled"
