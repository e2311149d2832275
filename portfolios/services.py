"""Writes that change portfolios and loans: the loan-tape import and edits.

Every function here checks its input, works in a transaction and leaves nothing
half-done. Views and commands call these; they never write loans themselves.
"""

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from portfolios.models import Portfolio, SellerColumnMapping, TapeImport
from portfolios.tape.columns import BY_KEY, auto_map, is_next_due_date, missing_required
from portfolios.tape.importer import Counts, Problem, apply_tape, check_tape
from portfolios.tape.readers import MAX_BYTES, TapeFileError, open_tape

log = logging.getLogger(__name__)


class TapeImportError(ValueError):
    """An import request that cannot go ahead; the message says why."""


@dataclass
class TapeOutcome:
    row_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: Counts | None = None
    ignored_headers: list[str] = field(default_factory=list)


def saved_mapping_for(seller: str) -> dict[str, str]:
    if not seller:
        return {}
    found = SellerColumnMapping.objects.filter(seller=seller).first()
    return found.mapping if found else {}


def validate_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Check a mapping chosen by hand; return it without empty entries."""
    clean = {k: h for k, h in mapping.items() if h}
    errors = []
    for key, header in clean.items():
        if key not in BY_KEY:
            errors.append(f"Unknown column {key!r}.")
        elif header not in headers:
            errors.append(f"{BY_KEY[key].label}: the tape has no column “{header}”.")
        elif is_next_due_date(header):
            errors.append(
                f"{BY_KEY[key].label}: “{header}” is the next due date, a different fact; "
                "it cannot stand for any of our columns."
            )
    used: dict[str, str] = {}
    for key, header in clean.items():
        if header in used:
            errors.append(
                f"“{header}” is chosen for both {BY_KEY[used[header]].label} "
                f"and {BY_KEY[key].label}."
            )
        used[header] = key
    for key in missing_required(clean):
        errors.append(f"{BY_KEY[key].label} is required: choose the tape's column for it.")
    if errors:
        raise TapeImportError(" ".join(errors))
    return clean


def process_tape(
    *,
    portfolio: Portfolio,
    tape,
    mapping: dict[str, str],
    default_day_count: str,
    dry_run: bool,
    on_checked: Callable[[int], None] | None = None,
    on_written: Callable[[int], None] | None = None,
) -> TapeOutcome:
    """Check every row, then (if all are good and not a dry run) write them all."""
    result = check_tape(
        tape,
        mapping,
        today=timezone.localdate(),
        default_day_count=default_day_count,
        progress=on_checked,
    )
    outcome = TapeOutcome(
        row_count=result.row_count,
        problems=result.problems,
        ignored_headers=[h for h in tape.headers if h and h not in mapping.values()],
    )
    if result.row_count == 0:
        outcome.problems = [Problem(2, "", "", "The tape has a header row but no loans.")]
        return outcome
    if result.problems:
        return outcome
    if on_written:
        on_written(0)
    outcome.counts = apply_tape(
        portfolio,
        result.rows,
        dry_run=dry_run,
        keep_co_borrowers="co_borrower_name" not in mapping,
        progress=on_written,
    )
    return outcome


# --- Browser imports: a TapeImport record, run in a background thread -----------------


def start_tape_import(
    *, portfolio: Portfolio, upload, by, default_day_count: str, dry_run: bool
) -> TapeImport:
    """Store an uploaded tape and match its headers; raises TapeFileError for a bad file."""
    if upload.size > MAX_BYTES:
        raise TapeFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    data = upload.read()
    tape = open_tape(upload.name, data)
    mapping = auto_map(tape.headers, saved_mapping_for(portfolio.seller))
    status = (
        TapeImport.Status.NEEDS_MAPPING if missing_required(mapping) else TapeImport.Status.QUEUED
    )
    job = TapeImport.objects.create(
        portfolio=portfolio,
        created_by=by,
        filename=upload.name[:255],
        kind=tape.kind,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        headers=tape.headers,
        mapping=mapping,
        default_day_count=default_day_count,
        dry_run=dry_run,
        status=status,
        rows_total=tape.row_estimate,
    )
    if status == TapeImport.Status.QUEUED:
        launch_tape_import(job)
    return job


def set_import_mapping(
    *, job: TapeImport, mapping: dict[str, str], by, remember: bool
) -> TapeImport:
    """Apply a hand-made column mapping, save it for the seller, and start the import."""
    clean = validate_mapping(mapping, job.headers)
    with transaction.atomic():
        job = TapeImport.objects.select_for_update().get(pk=job.pk)
        if job.status != TapeImport.Status.NEEDS_MAPPING:
            raise TapeImportError("This import has already started; its mapping cannot change.")
        job.mapping = clean
        job.status = TapeImport.Status.QUEUED
        job.save(update_fields=["mapping", "status"])
        seller = job.portfolio.seller
        if remember and seller:
            SellerColumnMapping.objects.update_or_create(
                seller=seller, defaults={"mapping": clean, "updated_by": by}
            )
    launch_tape_import(job)
    return job


def launch_tape_import(job: TapeImport) -> None:
    """Run the import after the current transaction commits: inline, or in a thread."""
    if getattr(settings, "TAPE_IMPORT_INLINE", False):
        # Tests and scripts: run now, in this thread, so the outcome is there on return.
        run_tape_import(job.pk)
    else:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_run_in_thread, args=(job.pk,), name=f"tape-import-{job.pk}", daemon=True
            ).start()
        )


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_tape_import(job_id)
    finally:
        connection.close()


def _progress(job_id: int, **values) -> None:
    TapeImport.objects.filter(pk=job_id).update(heartbeat_at=timezone.now(), **values)


def run_tape_import(job_id: int) -> None:
    """Check and write one queued import; record its outcome on the TapeImport."""
    claimed = TapeImport.objects.filter(pk=job_id, status=TapeImport.Status.QUEUED).update(
        status=TapeImport.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        phase="Checking rows",
    )
    if not claimed:
        return
    job = TapeImport.objects.select_related("portfolio").get(pk=job_id)
    total = job.rows_total or 0

    def on_checked(done):
        share = 80 if not job.dry_run else 100
        _progress(
            job_id, rows_done=done, progress=min(share, share * done // total) if total else 0
        )

    def on_written(done):
        _progress(job_id, phase="Writing loans", progress=min(99, 80 + 20 * done // max(total, 1)))

    try:
        tape = open_tape(job.filename, bytes(job.content))
        outcome = process_tape(
            portfolio=job.portfolio,
            tape=tape,
            mapping=job.mapping,
            default_day_count=job.default_day_count,
            dry_run=job.dry_run,
            on_checked=on_checked,
            on_written=on_written,
        )
    except (TapeFileError, TapeImportError) as exc:
        _finish(job_id, TapeImport.Status.FAILED, message=str(exc))
        return
    except Exception:
        log.exception("Tape import %s failed", job_id)
        _finish(
            job_id,
            TapeImport.Status.FAILED,
            message="The import stopped on an unexpected error and wrote nothing. "
            "The error was logged; try again or tell the team.",
        )
        return
    values = {"rows_total": outcome.row_count, "rows_done": outcome.row_count}
    if outcome.problems:
        _finish(
            job_id,
            TapeImport.Status.REJECTED,
            problems=[p.as_dict() for p in outcome.problems],
            problem_count=len(outcome.problems),
            message="Nothing was written: fix the problems below and import the tape again.",
            **values,
        )
        return
    counts = outcome.counts
    ignored = ", ".join(f"“{h}”" for h in outcome.ignored_headers)
    _finish(
        job_id,
        TapeImport.Status.CHECKED if job.dry_run else TapeImport.Status.SUCCEEDED,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        message=f"Columns not imported: {ignored}." if ignored else "",
        **values,
    )


def _finish(job_id: int, status, **values) -> None:
    TapeImport.objects.filter(pk=job_id).update(
        status=status,
        phase="",
        progress=100,
        finished_at=timezone.now(),
        content=None,
        **values,
    )


# --- Edits by hand, with a version check so two editors cannot overwrite each other -------


class StaleEdit(ValueError):
    """Someone else saved the record after this form was opened."""

    def __init__(self, label: str):
        super().__init__(
            f"Someone else saved this {label} after you opened it, so your changes were not "
            "saved. Reload the page to see their version, then make your changes again."
        )


def _claim_version(model, pk, expected) -> None:
    """Bump the stored version if it is still `expected`; otherwise refuse."""
    from django.db.models import F

    if pk is None:
        return
    bumped = model.objects.filter(pk=pk, version=expected).update(version=F("version") + 1)
    if not bumped:
        raise StaleEdit(model._meta.verbose_name)


def _save_versioned(form, after_save=None):
    """Save a VersionedForm's instance if nobody saved it since the form was opened."""
    with transaction.atomic():
        instance = form.instance
        _claim_version(type(instance), instance.pk, form.cleaned_data.get("version"))
        if instance.pk:
            instance.version = form.cleaned_data["version"] + 1
        saved = form.save()
        if after_save:
            after_save(saved)
    return saved


def save_portfolio(*, form, by) -> Portfolio:
    return _save_versioned(form)


def save_loan(*, form, borrowers, by):
    """Save a loan and its borrowers together, or neither."""

    def save_borrowers(loan):
        borrowers.instance = loan
        borrowers.save()

    return _save_versioned(form, after_save=save_borrowers)
