"""The browser import: upload, mapping step saved per seller, progress, report; staff only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolios.models import Loan, SellerColumnMapping, TapeImport, TapeUpload
from tests.portfolios.tapes import csv_bytes, good_row

pytestmark = pytest.mark.django_db

ODD_HEADERS = b"Acct,Obligor,Prop St,Bal,Coupon,Interest Paid Thru Dt,Next Due Date\n"
ODD_ROWS = b"A-1,Ann Lee,CA,100000.00,6.5,2024-02-01,2024-03-01\nA-2,Bob Ray,TX,50000.00,7,2024-01-01,2024-02-01\n"


def upload(client, portfolio, data, name="tape.csv", **extra):
    return client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile(name, data), "default_day_count": "30/360", **extra},
    )


@pytest.fixture
def seller_portfolio(portfolio):
    portfolio.seller = "Odd Bank"
    portfolio.save()
    return portfolio


def test_clean_tape_imports_and_shows_counts(client, staff, portfolio):
    client.force_login(staff)
    response = upload(client, portfolio, csv_bytes([good_row(1), good_row(2)]))
    job = TapeImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url())
    assert "Imported 2 loans" in page.text
    assert "<strong>2</strong> created" in page.text
    assert portfolio.loans.count() == 2
    job.refresh_from_db()
    assert not TapeUpload.objects.exists()  # the file is not kept once the import ends
    assert job.created_by == staff


def test_dry_run_in_the_browser_writes_nothing(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)]), dry_run="on")
    page = client.get(TapeImport.objects.get().get_absolute_url())
    assert "nothing was written" in page.text
    assert not Loan.objects.exists()


def test_bad_tape_shows_every_problem_and_writes_nothing(client, staff, portfolio):
    client.force_login(staff)
    rows = [good_row(1, UPB="-1"), good_row(2, **{"Note Rate": "250%"}), good_row(3)]
    upload(client, portfolio, csv_bytes(rows))
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.REJECTED
    page = client.get(job.get_absolute_url())
    assert "2 problems found in 3 rows: nothing was written" in page.text
    assert "UPB is negative" in page.text
    assert "Note Rate is above 50%" in page.text
    assert not Loan.objects.exists()
    report = client.get(reverse("portfolios:import_problems", args=[job.pk]))
    lines = report.content.decode().splitlines()
    assert lines[0] == "Row,Column,Value,Problem"
    # The value is the seller's text: a leading - would make a spreadsheet compute it.
    assert lines[1] == "2,UPB,'-1,UPB is negative"
    assert lines[2].startswith("3,Note Rate,250%,")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tape.pdf", b"%PDF-1.7", "Only CSV (.csv) and Excel (.xlsx)"),
        ("tape.csv", b"", "The submitted file is empty."),
        ("tape.xlsx", b"not really", "not an Excel workbook"),
    ],
)
def test_file_problems_are_shown_beside_the_field(client, staff, portfolio, name, data, message):
    client.force_login(staff)
    response = upload(client, portfolio, data, name=name)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])
    assert not TapeImport.objects.exists()


def test_file_over_64_mb_is_refused(client, staff, portfolio):
    client.force_login(staff)
    response = upload(client, portfolio, b"x" * (64 * 1024 * 1024 + 1))
    assert "larger than 64 MB" in str(response.context["form"].errors["file"])


def test_unmatched_headers_get_a_mapping_step_saved_for_the_seller(client, staff, seller_portfolio):
    client.force_login(staff)
    upload(client, seller_portfolio, ODD_HEADERS + ODD_ROWS)
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    # The file waits for the mapping in its own table, the whole upload as sent.
    assert TapeUpload.objects.get(tape_import=job).content == ODD_HEADERS + ODD_ROWS
    page = client.get(job.get_absolute_url())
    assert "Match the tape" in page.text
    form = page.context["mapping_form"]
    offered = [value for value, _ in form.fields["paid_to_date"].choices]
    assert "Next Due Date" not in offered  # never offered for any column
    assert "Interest Paid Thru Dt" in offered
    mapping = {"loan_number": "Acct", "borrower_name": "Obligor", "property_state": "Prop St",
               "upb": "Bal", "note_rate": "Coupon", "paid_to_date": "Interest Paid Thru Dt"}  # fmt: skip
    response = client.post(job.get_absolute_url(), {**mapping, "remember": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert seller_portfolio.loans.count() == 2
    assert not TapeUpload.objects.exists()  # read from its table by the import, then freed
    assert SellerColumnMapping.objects.get(seller="Odd Bank").mapping == mapping
    # The seller's next tape is matched with the saved mapping: no mapping step.
    upload(client, seller_portfolio, ODD_HEADERS + ODD_ROWS)
    second = TapeImport.objects.order_by("-pk").first()
    assert second.status == TapeImport.Status.SUCCEEDED
    assert second.unchanged == 2


def test_mapping_without_a_required_column_is_refused(client, staff, seller_portfolio):
    client.force_login(staff)
    upload(client, seller_portfolio, ODD_HEADERS + ODD_ROWS)
    job = TapeImport.objects.get()
    response = client.post(
        job.get_absolute_url(), {"loan_number": "Acct", "upb": "Bal", "note_rate": "Bal"}
    )
    assert response.status_code == 200
    errors = response.context["mapping_form"].errors
    assert "property_state" in errors
    assert "borrower_name" not in errors  # optional: a tape may carry no names
    job.refresh_from_db()
    assert job.status == TapeImport.Status.NEEDS_MAPPING


def test_the_same_header_cannot_serve_two_columns(client, staff, seller_portfolio):
    client.force_login(staff)
    upload(client, seller_portfolio, ODD_HEADERS + ODD_ROWS)
    job = TapeImport.objects.get()
    mapping = {"loan_number": "Acct", "borrower_name": "Acct", "property_state": "Prop St",
               "upb": "Bal", "note_rate": "Coupon", "paid_to_date": "Interest Paid Thru Dt"}  # fmt: skip
    response = client.post(job.get_absolute_url(), mapping)
    assert "is chosen for both Loan Number and Borrower Name" in response.text
    assert not Loan.objects.exists()


def test_cancel_a_mapping_step(client, staff, seller_portfolio):
    client.force_login(staff)
    upload(client, seller_portfolio, ODD_HEADERS + ODD_ROWS)
    job = TapeImport.objects.get()
    client.post(reverse("portfolios:import_cancel", args=[job.pk]))
    assert not TapeImport.objects.exists()
    assert not TapeUpload.objects.exists()


def test_status_json_reports_progress(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)]))
    job = TapeImport.objects.get()
    data = client.get(reverse("portfolios:import_status", args=[job.pk])).json()
    assert data["finished"] is True
    assert data["progress"] == 100
    assert data["status"] == "succeeded"


def test_a_queued_import_shows_a_progress_bar(client, staff, portfolio, tasks_wait):
    client.force_login(staff)
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=TapeImport.Status.RUNNING, phase="Checking rows",
        progress=40, rows_total=1000, rows_done=400,
    )  # fmt: skip
    page = client.get(job.get_absolute_url())
    assert 'role="progressbar"' in page.text
    assert 'aria-valuenow="40"' in page.text
    assert "import-progress.js" in page.text


@pytest.mark.parametrize(
    "url_name",
    ["portfolios:import_detail", "portfolios:import_status", "portfolios:import_problems"],
)
def test_imports_are_for_staff_only(client, owner, attorney, staff, portfolio, url_name):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)]))
    job = TapeImport.objects.get()
    for user in (owner, attorney):
        client.force_login(user)
        assert client.get(reverse(url_name, args=[job.pk])).status_code == 403
    client.force_login(owner)
    assert upload(client, portfolio, csv_bytes([good_row(2)])).status_code == 403
    assert Loan.objects.count() == 1


def test_an_import_silent_for_10_minutes_is_shown_as_interrupted(client, staff, portfolio):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(staff)
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=TapeImport.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=11),
    )  # fmt: skip
    assert job.interrupted
    page = client.get(job.get_absolute_url())
    assert "This import stopped without finishing" in page.text
    assert "import-progress.js" not in page.text or 'id="import-progress"' not in page.text
