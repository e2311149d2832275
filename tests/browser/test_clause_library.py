"""The attorney owns the words: through the clause library's pages, an attorney edits a
clause (with its preview), saves the draft and approves it; staff read the library only."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from settlements.models import ClauseStatus, ClauseVersion
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_WORDS = "Neither party admits liability or any wrongdoing by signing this agreement."


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_an_attorney_edits_a_clause_and_approves_it(page: Page, browser, live_server, demo):
    log_in(page, live_server.url, "attorney@example.com")
    page.get_by_role("link", name="Clause library").click()
    expect(page.get_by_role("heading", name="Clause library")).to_be_visible()
    page.get_by_test_id("clauses-dpo").get_by_role("link", name="Severability").click()
    expect(page.get_by_test_id("clause-history")).to_contain_text("Seeded on")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Text").fill("A typo: {no_such_field}.")
    page.get_by_label("Why this version").fill("Plainer words, as counsel asked.")
    page.get_by_role("button", name="Save the draft").click()
    # Refused beside the field, what was typed kept.
    expect(page.get_by_text("Unknown field(s): {no_such_field}.")).to_be_visible()
    expect(page.get_by_label("Text")).to_have_value("A typo: {no_such_field}.")

    # The preview follows the typing (rendered with sample terms), nothing saved.
    # Two paragraphs (the browser sends the blank line as CR LF CR LF).
    page.get_by_label("Text").fill(NEW_WORDS + "\n\nLoan {loan_number}.")
    preview = page.get_by_test_id("clause-preview").get_by_role("article").first
    expect(preview.locator("p")).to_have_text(
        [re.compile("DPO agreement"), NEW_WORDS, "Loan RB-0010."]
    )
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft version 2 of “Severability” saved")).to_be_visible()
    expect(page.get_by_test_id("draft-text").locator("p")).to_have_count(2)
    expect(page.get_by_test_id("draft-text")).to_contain_text(NEW_WORDS)
    chip = page.get_by_test_id("draft-text").locator("[data-field=loan_number]")
    expect(chip).to_have_attribute("title", "The loan number")

    # The drafter may not approve it: a second attorney does.
    expect(page.get_by_test_id("approval-refusal")).to_have_text(
        "You drafted this version: another attorney approves it."
    )
    second = browser.new_context().new_page()
    log_in(second, live_server.url, "attorney2@example.com")
    second.goto(page.url)
    second.get_by_role("button", name="Approve version 2").click()
    expect(second.get_by_text(re.compile("Version 2 of “Severability” approved"))).to_be_visible()
    expect(second.get_by_test_id("current-text")).to_contain_text(NEW_WORDS)
    expect(second.get_by_test_id("clause-redline").locator("ins").first).to_be_visible()
    current = ClauseVersion.objects.get(key="severability", number=2)
    assert current.status == ClauseStatus.APPROVED and current.approved_by.email == (
        "attorney2@example.com"
    )

    # Staff read the library, with no way to edit it.
    staff = browser.new_context().new_page()
    log_in(staff, live_server.url, "staff@example.com")
    staff.get_by_role("link", name="Clause library").click()
    staff.get_by_test_id("clauses-dpo").get_by_role("link", name="Severability").click()
    expect(staff.get_by_test_id("current-text")).to_contain_text(NEW_WORDS)
    expect(staff.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(staff.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
