"""A check-only run keeps its file, and "Import this file" imports that same file: no
second upload (issue 14, imports without repetition)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portfolios import services
from portfolios.models import Loan, TapeImport, TapeUpload
from portfolios.tasks import prune_checked_tape_files
from tests.portfolios.tapes import csv_bytes, good_row

pytestmark = pytest.mark.django_db


def check_only(client, portfolio, rows):
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("tape.csv", csv_bytes(rows)), "default_day_count": "30/360",
         "dry_run": "on"},
    )  # fmt: skip
    return TapeImport.objects.get(dry_run=True)


def test_a_check_is_imported_without_a_second_upload(client, staff, portfolio):
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1), good_row(2)])
    assert check.status == TapeImport.Status.CHECKED and not Loan.objects.exists()
    assert TapeUpload.objects.filter(pk=check.pk).exists()  # kept for "Import this file"
    page = client.get(check.get_absolute_url())
    assert "Import this file" in page.text and "no second upload" in page.text
    response = client.post(reverse("portfolios:import_checked", args=[check.pk]))
    fresh = TapeImport.objects.get(dry_run=False)
    assert response["Location"] == fresh.get_absolute_url()
    # Immediate backend in tests: the import ran before the redirect.
    assert fresh.status == TapeImport.Status.SUCCEEDED and fresh.created == 2
    assert sorted(Loan.objects.values_list("loan_number", flat=True)) == ["T-00001", "T-00002"]
    assert (fresh.sha256, fresh.filename, fresh.mapping) == (
        check.sha256, check.filename, check.mapping
    )  # fmt: skip
    assert fresh.created_by == staff
    check.refresh_from_db()
    assert check.imported_as == fresh
    assert not TapeUpload.objects.exists()  # the file moved to the import, which freed it
    assert "see that import" in client.get(check.get_absolute_url()).text


def test_a_second_click_shows_the_first_import_and_imports_nothing_twice(client, staff, portfolio):
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1)])
    client.post(reverse("portfolios:import_checked", args=[check.pk]))
    again = client.post(reverse("portfolios:import_checked", args=[check.pk]), follow=True)
    assert TapeImport.objects.filter(dry_run=False).count() == 1
    assert "already imported" in again.text
    assert again.redirect_chain[-1][0] == TapeImport.objects.get(dry_run=False).get_absolute_url()


def test_a_rejected_or_real_import_cannot_be_imported_again(client, staff, portfolio):
    client.force_login(staff)
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("bad.csv", csv_bytes([good_row(1, UPB="-1")])),
         "default_day_count": "30/360", "dry_run": "on"},
    )  # fmt: skip
    rejected = TapeImport.objects.get()
    assert rejected.status == TapeImport.Status.REJECTED
    assert not TapeUpload.objects.exists()  # a rejected check keeps nothing
    response = client.post(reverse("portfolios:import_checked", args=[rejected.pk]), follow=True)
    assert "Only a check that passed can be imported" in response.text
    assert TapeImport.objects.count() == 1 and not Loan.objects.exists()


def test_the_rows_are_checked_again_against_the_loans_as_they_are_then(client, staff, portfolio):
    """Between the check and the import the loans may change: the import checks again."""
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1)])
    from tests.factories import make_loan

    make_loan(portfolio, "T-00001")  # entered by hand meanwhile
    client.post(reverse("portfolios:import_checked", args=[check.pk]))
    fresh = TapeImport.objects.get(dry_run=False)
    assert fresh.status == TapeImport.Status.SUCCEEDED
    assert (fresh.created, fresh.updated + fresh.unchanged) == (0, 1)


def test_a_checks_file_is_kept_seven_days_then_deleted(client, staff, portfolio):
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1)])
    assert prune_checked_tape_files.enqueue().return_value == 0
    TapeImport.objects.filter(pk=check.pk).update(
        finished_at=timezone.now() - TapeImport.CHECKED_FILE_KEPT - timedelta(minutes=1)
    )
    assert prune_checked_tape_files.enqueue().return_value == 1
    page = client.get(check.get_absolute_url())
    assert "no longer kept" in page.text and "Import this file" not in page.text
    response = client.post(reverse("portfolios:import_checked", args=[check.pk]), follow=True)
    assert "no longer kept" in response.text and not Loan.objects.exists()


def test_an_interrupted_imports_cleanup_keeps_a_recent_checks_file(client, staff, portfolio):
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1)])
    running = TapeImport.objects.create(
        portfolio=portfolio, filename="x.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=TapeImport.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    services.store_upload(running, b"x")
    assert services.expire_interrupted() == 1
    assert list(TapeUpload.objects.values_list("pk", flat=True)) == [check.pk]


def test_only_staff_import_a_check(client, owner, staff, portfolio):
    client.force_login(staff)
    check = check_only(client, portfolio, [good_row(1)])
    client.force_login(owner)
    assert client.post(reverse("portfolios:import_checked", args=[check.pk])).status_code == 403
    assert client.get(reverse("portfolios:import_checked", args=[check.pk])).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("portfolios:import_checked", args=[check.pk])).status_code == 405
    assert not Loan.objects.exists()
