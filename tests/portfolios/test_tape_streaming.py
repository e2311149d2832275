"""Issue 13: a tape is imported in streaming fashion. The check reads a row at a time and
keeps no row; the write reads the tape again and writes a batch at a time, all in one
transaction: memory follows a batch, not the tape, and a cancel or a refusal found on a
later batch still writes nothing."""

import csv
import io
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest

from portfolios import services
from portfolios.models import Borrower, Loan, TapeImport, TapeUpload
from portfolios.services import process_tape
from portfolios.tape import importer, readers, writer
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import open_tape
from tests.factories import make_loan
from tests.portfolios.tapes import csv_bytes, good_row

pytestmark = pytest.mark.django_db
D = Decimal
SHORT = ["Loan Number", "Borrower Name", "Co-Borrower Name", "Property State", "UPB",
         "Note Rate", "Paid To Date"]  # fmt: skip


def _csv(headers, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode()


def _short_tape(rows: int) -> bytes:
    return _csv(SHORT, ([f"S-{n:06d}", f"Borrower {n}", f"Co {n}" if n % 4 == 0 else "", "TX",
                         f"{100_000 + n}.50", "6.5%", "2024-03-01"] for n in range(rows)))  # fmt: skip


def _process(portfolio, data: bytes, **kwargs):
    tape = open_tape("tape.csv", data)
    return process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                        default_day_count="30/360", dry_run=False, **kwargs)  # fmt: skip


def _queued(portfolio, data: bytes) -> TapeImport:
    headers = open_tape("t.csv", data).headers
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=len(data),
        headers=headers, mapping=auto_map(headers), default_day_count="30/360",
        status=TapeImport.Status.QUEUED, rows_total=data.count(b"\n") - 1,
    )  # fmt: skip
    TapeUpload.objects.create(tape_import=job, content=data)
    return job


# --- memory follows a batch, not the tape ----------------------------------------------------


def test_a_20000_row_tape_imports_with_memory_bounded_by_a_batch(portfolio):
    data = _short_tape(20_000)
    tracemalloc.start()
    try:
        outcome = _process(portfolio, data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (
        20_000, 0, 0)  # fmt: skip
    assert Loan.objects.filter(portfolio=portfolio).count() == 20_000
    assert Borrower.objects.count() == 20_000 + 5_000  # a co-borrower on every fourth loan
    # Measured 2.6 MB: a batch of 1,000 rows and the set of the tape's loan numbers (about
    # 1.5 MB at 20,000). Holding every row (about 2 KB each) took 40 MB and more.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB"
    loan = Loan.objects.get(loan_number="S-000004")
    assert (loan.upb, loan.note_rate, loan.paid_to_date) == (D("100004.50"), D("6.5"),
                                                             date(2024, 3, 1))  # fmt: skip
    assert list(loan.borrowers.values_list("position", "name")) == [(1, "Borrower 4"), (2, "Co 4")]


def test_reading_a_csv_tape_never_decodes_the_file_whole():
    data = _short_tape(60_000)  # about 3 MB
    assert len(data) > 2_500_000
    tracemalloc.start()
    try:
        tape = open_tape("tape.csv", data)
        rows = sum(1 for _ in tape.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 60_000
    assert peak < 1024 * 1024, f"peak {peak / 2**20:.1f} MB"  # the text whole was 3-12 MB


def test_a_character_cut_by_the_read_chunk_is_still_utf8(monkeypatch):
    data = "Loan Number,Borrower Name\nL-1,José Núñez\n".encode()
    # The file is checked as UTF-8 a chunk at a time: the chunk ends inside the "é".
    monkeypatch.setattr(readers, "CHUNK", data.index("é".encode()) + 1)
    tape = open_tape("tape.csv", data)
    assert [cells for _, cells, _ in tape.rows()] == [["L-1", "José Núñez"]]


# --- the whole tape's readings, counted beyond the rows a report keeps -------------------------


def test_rates_mixing_fractions_and_percents_are_counted_past_the_report(portfolio, monkeypatch):
    monkeypatch.setattr(importer, "MAX_PROBLEMS", 3)
    rows = [[f"L-{n}", "Ann", "TX", "1000.00", "0.065", "2024-03-01"] for n in range(6)]
    rows.append(["L-9", "Ann", "TX", "1000.00", "6.5", "2024-03-01"])
    outcome = _process(portfolio, _csv(SHORT[:2] + SHORT[3:], rows))
    assert outcome.problem_count == 6
    assert [p.row for p in outcome.problems] == [2, 3, 4]
    assert outcome.problem_kinds == [(f"Note Rate {importer.FRACTION_MIXED}", 6)]
    assert not Loan.objects.exists()


def test_masked_zips_past_the_report_are_all_kept_partial(portfolio, monkeypatch):
    monkeypatch.setattr(importer, "MAX_PROBLEMS", 2)
    headers = [*SHORT[:2], *SHORT[3:], "Property ZIP"]
    rows = [[f"L-{n}", "Ann", "TX", "1000.00", "6.5", "2024-03-01", "75200"]
            for n in range(5)]  # fmt: skip
    outcome = _process(portfolio, _csv(headers, rows))
    assert outcome.counts.created == 5
    assert outcome.warning_count == 5 and len(outcome.warnings) == 2
    assert sorted(Loan.objects.values_list("property_zip", flat=True)) == ["752XX"] * 5


# --- one transaction, whatever the batch ----------------------------------------------------


def test_a_cancel_after_a_batch_was_written_writes_nothing(portfolio, staff, monkeypatch):
    monkeypatch.setattr(writer, "BATCH", 10)
    job = _queued(portfolio, csv_bytes([good_row(n) for n in range(1, 36)]))
    real, written = writer._BatchWriter.write, []

    def cancel_after_the_first(self, batch):
        real(self, batch)
        written.append(Loan.objects.count())
        if len(written) == 1:
            # The cancel another request makes. Here it is made on the import's own
            # connection, inside its transaction, so it is rolled back with the loans.
            services.cancel_tape_import(job=job, by=staff)

    monkeypatch.setattr(writer._BatchWriter, "write", cancel_after_the_first)
    services.run_tape_import(job.pk)
    assert written == [10]  # a batch was written, then the cancel was seen: no more batches
    assert not Loan.objects.exists()
    assert not Borrower.objects.exists()
    job.refresh_from_db()
    assert job.status != TapeImport.Status.SUCCEEDED and job.created == 0


def test_a_refusal_found_on_a_later_batch_writes_nothing(portfolio, monkeypatch):
    monkeypatch.setattr(writer, "BATCH", 2)
    for n in range(1, 6):
        make_loan(portfolio, f"T-{n:05d}", upb=D("900000.00"), deferred_principal=(
            D("500000.00") if n == 5 else D("0")))  # fmt: skip
    before = dict(Loan.objects.values_list("loan_number", "upb"))
    data = csv_bytes([good_row(n) for n in range(1, 8)])  # UPBs of about 150,000
    with pytest.raises(readers.TapeFileError, match="deferred principal stored on loan T-00005"):
        _process(portfolio, data)
    assert dict(Loan.objects.values_list("loan_number", "upb")) == before
    assert Loan.objects.count() == 5


def test_a_reimport_in_batches_counts_created_updated_and_unchanged(portfolio, monkeypatch):
    monkeypatch.setattr(writer, "BATCH", 3)
    _process(portfolio, csv_bytes([good_row(n) for n in range(1, 8)]))
    rows = [good_row(n, UPB="$1.00") if n % 2 else good_row(n) for n in range(1, 11)]
    outcome = _process(portfolio, csv_bytes(rows))
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (3, 4, 3)
    assert Loan.objects.count() == 10
    assert Loan.objects.get(loan_number="T-00003").upb == D("1.00")
    assert Loan.objects.get(loan_number="T-00003").version == 2
    assert Borrower.objects.count() == 10


# --- the insert prepares values as bulk_create does ---------------------------------------------


def test_the_insert_stores_what_bulk_create_stores(portfolio):
    values = {
        "loan_number": "A", "property_state": "CA", "property_zip": "90210",
        "upb": D("123456.78"), "note_rate": D("6.3750"), "paid_to_date": date(2024, 1, 31),
        "origination_date": date(2010, 5, 1), "fees": D("0.10"), "acreage": D("1.250"),
        "units": 2, "recording_reference": "Book 1, Page 2",
    }  # fmt: skip
    Loan.objects.bulk_create([Loan(portfolio=portfolio, **values)])
    from django.utils import timezone

    writer.Inserter(Loan, now=timezone.now()).insert(
        [{**values, "loan_number": "B", "portfolio_id": portfolio.pk}]
    )
    a, b = (Loan.objects.filter(loan_number=n).values().get() for n in "AB")
    skip = {"id", "loan_number", "created_at", "updated_at"}
    assert {k: x for k, x in a.items() if k not in skip} == {
        k: x for k, x in b.items() if k not in skip
    }


def test_the_insert_refuses_a_name_the_model_lacks(portfolio):
    from django.utils import timezone

    with pytest.raises(ValueError, match="Loan has no field upbb"):
        writer.Inserter(Loan, now=timezone.now()).insert(
            [{"loan_number": "A", "portfolio_id": portfolio.pk, "upbb": D("1")}]
        )


def test_the_stored_file_is_read_back_in_parts(portfolio, monkeypatch):
    monkeypatch.setattr(services, "UPLOAD_PART", 7)
    data = csv_bytes([good_row(n) for n in range(1, 4)]) + "é\x00\xff".encode()
    job = _queued(portfolio, data)
    assert services.uploaded_file(job.pk) == data
    TapeUpload.objects.filter(pk=job.pk).delete()
    assert services.uploaded_file(job.pk) is None


def test_an_upload_is_stored_and_read_back_byte_for_byte(portfolio):
    from django.db import transaction

    data = bytes(range(256)) * 4096 + b"\x00\\x00'"  # every byte, a backslash and a quote
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=len(data),
        default_day_count="30/360", status=TapeImport.Status.QUEUED,
    )  # fmt: skip
    with transaction.atomic():
        services.store_upload(job, data)  # PostgreSQL: a binary parameter, never hex text
    assert bytes(TapeUpload.objects.get(pk=job.pk).content) == data
    assert services.uploaded_file(job.pk) == data
