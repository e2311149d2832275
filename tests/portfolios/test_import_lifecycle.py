"""Imports that stop, are cancelled or are large (issue 8): interrupted imports are marked
failed and freed, staff cancel cleanly, lists and polls never load files or reports, and
every CSV the import pages export is safe to open in a spreadsheet."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolios import services
from portfolios.models import Borrower, Loan, TapeImport, TapeUpload
from tests.portfolios.tapes import csv_bytes, good_row

pytestmark = pytest.mark.django_db
UPLOADS = TapeUpload._meta.db_table  # the uploaded files' own table


def upload(client, portfolio, data, name="tape.csv"):
    return client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile(name, data), "default_day_count": "30/360"},
    )


def make_job(portfolio, *, status=TapeImport.Status.RUNNING, silent_for=None, content=b"x"):
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=status,
        heartbeat_at=timezone.now() - silent_for if silent_for else timezone.now(),
    )  # fmt: skip
    if content is not None:
        TapeUpload.objects.create(tape_import=job, content=content)
    return job


def stored(job) -> bool:
    """Whether the import's uploaded file is still kept."""
    return TapeUpload.objects.filter(tape_import=job).exists()


# --- interrupted imports --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [lambda job: reverse("portfolios:import_detail", args=[job.pk]),
     lambda job: reverse("portfolios:import_status", args=[job.pk]),
     lambda job: reverse("portfolios:import_start", args=[job.portfolio_id]),
     lambda job: reverse("home")],
)  # fmt: skip
def test_an_import_silent_for_10_minutes_is_marked_failed_and_freed(client, staff, portfolio, url):
    client.force_login(staff)
    job = make_job(portfolio, silent_for=timedelta(minutes=11))
    assert client.get(url(job)).status_code == 200
    job.refresh_from_db()
    assert job.status == TapeImport.Status.FAILED
    assert job.reason == "interrupted"
    assert not stored(job)
    assert job.finished_at is not None


def test_an_interrupted_import_says_so_on_its_page_and_in_its_status(client, staff, portfolio):
    client.force_login(staff)
    job = make_job(portfolio, silent_for=timedelta(minutes=11))
    status = client.get(reverse("portfolios:import_status", args=[job.pk])).json()
    assert (status["status"], status["reason"], status["finished"]) == (
        "failed",
        "interrupted",
        True,
    )
    page = client.get(job.get_absolute_url())
    assert "This import stopped without finishing" in page.text
    assert 'id="import-progress"' not in page.text


def test_a_queued_import_waits_for_a_worker_and_its_page_says_none_runs(
    client, staff, portfolio, settings
):
    # Queued imports wait in the task queue however long it is: never expired for waiting.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(staff)
    job = make_job(portfolio, status=TapeImport.Status.QUEUED)
    TapeImport.objects.filter(pk=job.pk).update(
        heartbeat_at=None, created_at=timezone.now() - timedelta(minutes=30)
    )
    page = client.get(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == TapeImport.Status.QUEUED
    assert "No background worker is running" in page.text
    # With a worker beating, the page only says it is queued.
    from background.models import WorkerBeat

    now = timezone.now()
    WorkerBeat.objects.create(worker_id="w1", host="h", pid=1, started_at=now, seen_at=now)
    page = client.get(job.get_absolute_url())
    assert "a background worker starts it as soon as it is free" in page.text
    assert "No background worker is running" not in page.text


def test_a_live_import_is_left_alone(client, staff, portfolio):
    client.force_login(staff)
    job = make_job(portfolio, silent_for=timedelta(minutes=9))
    client.get(reverse("portfolios:import_status", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == TapeImport.Status.RUNNING
    assert stored(job)


def test_mapping_an_old_upload_starts_its_10_minutes_afresh(client, staff, portfolio, tasks_wait):
    # Queued: no worker runs it in this test.
    client.force_login(staff)
    upload(client, portfolio, b"Acct,Obligor,St,Bal,Coupon,PTD2\nA-1,Ann,CA,1.00,6,2024-01-01\n")
    job = TapeImport.objects.get()
    TapeImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    mapping = {"loan_number": "Acct", "borrower_name": "Obligor", "property_state": "St",
               "upb": "Bal", "note_rate": "Coupon", "paid_to_date": "PTD2"}  # fmt: skip
    client.post(job.get_absolute_url(), mapping)
    client.get(job.get_absolute_url())
    job.refresh_from_db()
    assert job.status == TapeImport.Status.QUEUED


# --- cancel ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [TapeImport.Status.QUEUED, TapeImport.Status.RUNNING])
def test_staff_cancel_a_queued_or_running_import(client, staff, portfolio, status):
    client.force_login(staff)
    job = make_job(portfolio, status=status)
    page = client.get(job.get_absolute_url())
    assert reverse("portfolios:import_cancel", args=[job.pk]) in page.text
    response = client.post(reverse("portfolios:import_cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == TapeImport.Status.CANCELLED
    assert not stored(job)
    assert "Import cancelled: nothing was written" in response.text


def test_cancel_after_the_import_ended_changes_nothing(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)]))
    job = TapeImport.objects.get()
    response = client.post(reverse("portfolios:import_cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert "had already ended (Imported): nothing was cancelled" in response.text
    assert Loan.objects.count() == 1


def test_cancel_is_a_post_for_staff_only(client, owner, staff, portfolio):
    job = make_job(portfolio)
    client.force_login(staff)
    assert client.get(reverse("portfolios:import_cancel", args=[job.pk])).status_code == 405
    client.force_login(owner)
    assert client.post(reverse("portfolios:import_cancel", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == TapeImport.Status.RUNNING


def _queued(portfolio, rows):
    data = csv_bytes(rows)
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=len(data),
        headers=list(rows[0]), default_day_count="30/360",
        mapping={"loan_number": "Loan Number", "borrower_name": "Borrower Name",
                 "property_state": "Property State", "upb": "UPB", "note_rate": "Note Rate",
                 "paid_to_date": "Paid To Date"},
        status=TapeImport.Status.QUEUED, rows_total=len(rows),
    )  # fmt: skip
    TapeUpload.objects.create(tape_import=job, content=data)
    return job


def test_a_cancel_while_rows_are_checked_stops_the_import(portfolio, staff, monkeypatch):
    job = _queued(portfolio, [good_row(n) for n in range(1, 301)])
    real = services.check_tape

    def cancelled_meanwhile(*args, **kwargs):
        services.cancel_tape_import(job=job, by=staff)  # another request, while it runs
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "check_tape", cancelled_meanwhile)
    services.run_tape_import(job.pk)
    job.refresh_from_db()
    assert job.status == TapeImport.Status.CANCELLED
    assert not stored(job)
    assert job.rows_done < 300  # stopped at the first heartbeat after the cancel
    assert not Loan.objects.exists()


def test_a_cancel_while_loans_are_written_rolls_the_write_back(portfolio, staff, monkeypatch):
    job = _queued(portfolio, [good_row(n) for n in range(1, 4)])
    real = services.apply_tape

    def cancelled_meanwhile(*args, **kwargs):
        services.cancel_tape_import(job=job, by=staff)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "apply_tape", cancelled_meanwhile)
    services.run_tape_import(job.pk)
    job.refresh_from_db()
    assert job.status == TapeImport.Status.CANCELLED
    assert not Loan.objects.exists()
    assert not Borrower.objects.exists()


def test_an_import_marked_interrupted_while_it_writes_writes_nothing(portfolio, monkeypatch):
    job = _queued(portfolio, [good_row(n) for n in range(1, 4)])
    real = services.apply_tape

    def marked_meanwhile(*args, **kwargs):
        # Another request sees it silent (a long write sends no heartbeat) and marks it.
        TapeImport.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - timedelta(minutes=11)
        )
        services.expire_interrupted()
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "apply_tape", marked_meanwhile)
    services.run_tape_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.reason) == (TapeImport.Status.FAILED, "interrupted")
    assert not Loan.objects.exists()


# --- every finished import frees its file ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status"),
    [(csv_bytes([good_row(1)]), TapeImport.Status.SUCCEEDED),
     (csv_bytes([good_row(1, UPB="-1")]), TapeImport.Status.REJECTED),
     (csv_bytes([good_row(1)]) + b'"unterminated\n' + b"x" * 200_000, TapeImport.Status.FAILED)],
)  # fmt: skip
def test_every_finished_import_frees_its_file(client, staff, portfolio, data, status):
    client.force_login(staff)
    upload(client, portfolio, data)
    job = TapeImport.objects.get()
    assert job.status == status
    assert not stored(job)


# --- lists and polls never load the file or the report ----------------------------------------


def test_lists_defer_the_file_and_the_report(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1, UPB="-1")]))
    for url, key in ((reverse("home"), "staff"),
                     (reverse("portfolios:import_start", args=[portfolio.pk]), None)):  # fmt: skip
        context = client.get(url).context
        jobs = context[key]["imports"] if key else context["imports"]
        assert jobs
        for job in jobs:
            assert {"problems", "problem_kinds"} <= job.get_deferred_fields()


def test_the_status_poll_reads_a_few_small_columns(client, staff, portfolio):
    client.force_login(staff)
    job = make_job(portfolio, content=b"x" * 1000)
    with CaptureQueriesContext(connection) as queries:
        data = client.get(reverse("portfolios:import_status", args=[job.pk])).json()
    assert data["status"] == "running"
    selects = [
        q["sql"] for q in queries
        if q["sql"].startswith("SELECT") and "portfolios_tapeimport" in q["sql"]
    ]  # fmt: skip
    assert selects
    for sql in selects:
        assert '"problems"' not in sql and '"headers"' not in sql


def test_the_import_page_never_loads_the_file(client, staff, portfolio):
    client.force_login(staff)
    job = make_job(portfolio, content=b"x" * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(job.get_absolute_url())
    assert not [q for q in queries if UPLOADS in q["sql"]]


@pytest.mark.parametrize(
    "url",
    [lambda job: reverse("home"),
     lambda job: reverse("portfolios:import_start", args=[job.portfolio_id]),
     lambda job: reverse("portfolios:import_status", args=[job.pk]),
     lambda job: job.get_absolute_url()],
)  # fmt: skip
def test_lists_and_polls_never_touch_the_uploads_table(client, staff, portfolio, url):
    # SQLite walks a large value's overflow pages to read any later column of its row: the
    # files live in a table of their own, which the lists and polls never name.
    client.force_login(staff)
    job = make_job(portfolio, content=b"x" * 100_000)
    make_job(portfolio, status=TapeImport.Status.QUEUED, content=b"y" * 100_000)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(job)).status_code == 200
    assert any("portfolios_tapeimport" in q["sql"] for q in queries)
    assert not [q["sql"] for q in queries if UPLOADS in q["sql"]]
    assert "content" not in {f.name for f in TapeImport._meta.concrete_fields}
    assert stored(job)


def test_expire_interrupted_names_the_uploads_table_only_to_free_a_marked_import(portfolio):
    live = make_job(portfolio)
    with CaptureQueriesContext(connection) as queries:
        assert services.expire_interrupted() == 0
    # On every list and poll: one UPDATE of the imports, no transaction or savepoint around it.
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE"]
    assert not [q["sql"] for q in queries if UPLOADS in q["sql"]]
    silent = make_job(portfolio, status=TapeImport.Status.RUNNING, silent_for=timedelta(hours=1))
    waiting = make_job(portfolio, status=TapeImport.Status.QUEUED, silent_for=timedelta(hours=1))
    assert services.expire_interrupted() == 1
    assert not stored(silent)
    assert stored(live) and stored(waiting)  # a queued import waits for a worker


def test_cancelling_an_import_waiting_for_its_mapping_deletes_it_and_its_file(portfolio, staff):
    job = make_job(portfolio, status=TapeImport.Status.NEEDS_MAPPING)
    assert services.cancel_tape_import(job=job, by=staff)
    assert not TapeImport.objects.exists()
    assert not TapeUpload.objects.exists()


def test_a_cancel_after_the_mapping_was_chosen_meanwhile_deletes_nothing(portfolio, staff):
    job = make_job(portfolio, status=TapeImport.Status.NEEDS_MAPPING)
    TapeImport.objects.filter(pk=job.pk).update(status=TapeImport.Status.QUEUED)  # mapped
    assert not services.cancel_tape_import(job=job, by=staff)  # `job` still says waiting
    assert TapeImport.objects.filter(pk=job.pk, status=TapeImport.Status.QUEUED).exists()
    assert stored(job)


def test_a_mapping_chosen_after_a_cancel_is_refused_with_a_message(portfolio, staff):
    job = make_job(portfolio, status=TapeImport.Status.NEEDS_MAPPING)
    job.headers = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate",
                   "Paid To Date"]  # fmt: skip
    services.cancel_tape_import(job=job, by=staff)  # another request, meanwhile
    mapping = dict(zip(["loan_number", "borrower_name", "property_state", "upb", "note_rate",
                        "paid_to_date"], job.headers, strict=True))  # fmt: skip
    with pytest.raises(services.TapeImportError, match="was cancelled"):
        services.set_import_mapping(job=job, mapping=mapping, by=staff, remember=False)


def test_an_import_whose_file_is_gone_fails_and_says_so(portfolio):
    job = _queued(portfolio, [good_row(1)])
    TapeUpload.objects.filter(tape_import=job).delete()
    services.run_tape_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.reason) == (TapeImport.Status.FAILED, "file")
    assert "no longer stored" in job.message


# --- a large report ------------------------------------------------------------------------------


def test_a_report_of_many_problems_keeps_1000_and_counts_the_rest(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1)] * 1201))
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.REJECTED
    assert (job.problem_count, len(job.problems)) == (1200, 1000)
    assert job.problem_kinds == [["Loan Number is a duplicate of an earlier row", 1200]]
    page = client.get(job.get_absolute_url())
    assert "1,200 problems found in 1,201 rows" in page.text
    assert "200 more are only counted above" in page.text
    report = client.get(reverse("portfolios:import_problems", args=[job.pk])).content.decode()
    lines = list(csv.reader(io.StringIO(report)))
    assert len(lines) == 1 + 1000 + 2
    assert lines[-2][3] == "…and 200 more problems, not listed one by one"
    assert lines[-1] == ["", "", "1200", "Loan Number is a duplicate of an earlier row"]


# --- CSV exports are safe to open in a spreadsheet ---------------------------------------------


def test_problem_report_neutralizes_formulas(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, csv_bytes([good_row(1, **{"Property State": "=HYPERLINK(1)"}),
                                         good_row(2, **{"Loan Number": "@SUM(A1)"})]))  # fmt: skip
    job = TapeImport.objects.get()
    report = client.get(reverse("portfolios:import_problems", args=[job.pk])).content.decode()
    rows = list(csv.reader(io.StringIO(report)))[1:]
    assert [r[2] for r in rows] == ["'=HYPERLINK(1)", "'@SUM(A1)"]


def test_payoff_csv_neutralizes_formulas(client, owner, portfolio):
    from tests.factories import make_loan

    loan = make_loan(
        portfolio, number="=1+1", property_address="-2 Main St", property_city="+Springfield",
        property_zip="\t123",
    )  # fmt: skip
    loan.borrowers.update(name="@cmd|' /C calc'!A0")
    client.force_login(owner)
    response = client.get(
        reverse("portfolios:export", args=[portfolio.pk]), {"as_of": "2026-01-31"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Loan Number"] == "'=1+1"
    assert row["Borrower Name"] == "'@cmd|' /C calc'!A0"
    assert row["Property Address"] == "'-2 Main St"
    assert row["Property City"] == "'+Springfield"
    assert row["Property ZIP"] == "'\t123"
    assert not row["Total Payoff"].startswith("'")


def test_an_upload_name_keeps_no_control_characters():
    assert services._filename("tape\x1b[31m.csv") == "tape [31m.csv"
    assert services._filename("\x00") == "tape"
    assert len(services._filename("a" * 400 + ".csv")) == 255


def test_a_loan_number_inserted_meanwhile_fails_the_import_cleanly(portfolio, monkeypatch):
    """A writer that skips the portfolio's lock inserts one of the tape's loan numbers after
    the import read the existing loans: the write is refused whole, with a message."""
    from portfolios.tape import writer
    from tests.factories import make_loan

    job = _queued(portfolio, [good_row(n) for n in range(1, 4)])
    real = writer.Inserter.insert

    def clash_first(self, rows):
        if self.model is Loan:
            make_loan(portfolio, rows[0]["loan_number"])
        return real(self, rows)

    monkeypatch.setattr(writer.Inserter, "insert", clash_first)
    services.run_tape_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.reason) == (TapeImport.Status.FAILED, "error")
    assert "a loan it creates clashed with a change made" in job.message
    assert not Loan.objects.exists()  # the clashing insert ran inside the rolled-back write
    assert not stored(job)
