"""Staff confirm an optional column in the mapping step; the seller's saved mapping is then
applied, shown on the import page, and deleted from there (issue 9)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from portfolios.models import Loan, SellerColumnMapping
from tests.browser.test_login import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TAPE = (
    "Loan Number,Borrower Name,Property State,UPB,Note Rate,Paid To Date,Late Chg Amt\n"
    "MAP-001,Grace Hopper,VA,120000.00,6,2024-01-01,35.00\n"
)


@pytest.fixture
def demo(transactional_db, background_worker):
    # A background worker and a progress bar: the real thing.
    call_command("seed_demo", verbosity=0)


def upload(page: Page, tape):
    page.get_by_label("Loan tape").set_input_files(str(tape))
    page.get_by_role("button", name="Upload and check").click()


def test_a_mapping_step_for_an_optional_column_then_the_saved_mapping_deleted(
    page: Page, live_server, demo, tmp_path
):
    tape = tmp_path / "fees.csv"
    tape.write_text(TAPE)
    log_in(page, live_server.url, "staff@example.com")
    page.get_by_role("link", name="Portfolios").first.click()
    page.get_by_role("link", name="Riverbend NPL Pool 2026-A").click()
    page.get_by_role("link", name="Import loan tape").click()
    import_url = page.url
    upload(page, tape)

    expect(page.get_by_role("heading", name="Match the tape's columns")).to_be_visible()
    expect(page.get_by_test_id("unmatched-headers")).to_have_text("Late Chg Amt")
    page.get_by_label("Fees", exact=True).select_option("Late Chg Amt")
    page.get_by_role("button", name="Use these columns and import").click()
    expect(page.get_by_role("heading", name="Imported 1 loan")).to_be_visible(timeout=15_000)
    assert str(Loan.objects.get(loan_number="MAP-001").fees) == "35.00"

    page.goto(import_url)
    upload(page, tape)
    expect(page.get_by_role("heading", name="Imported 1 loan")).to_be_visible(timeout=15_000)
    note = page.get_by_test_id("saved-mapping")
    expect(note).to_contain_text("Column mapping saved for Riverbend Bank, N.A. on")
    expect(note).to_contain_text("was applied")
    note.get_by_role("link", name="delete it").click()
    page.get_by_role("button", name="Delete the mapping").click()
    expect(page.get_by_text("Column mapping for Riverbend Bank, N.A. deleted")).to_be_visible()
    assert not SellerColumnMapping.objects.exists()

    page.goto(import_url)
    upload(page, tape)
    expect(page.get_by_role("heading", name="Match the tape's columns")).to_be_visible()
