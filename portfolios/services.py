"""Writes that change portfolios and loans: the loan-tape import and edits.

Every function here checks its input, works in a transaction and leaves nothing
half-done. Views and commands call these; they never write loans themselves.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import BinaryField, Q
from django.db.models.functions import Length, Substr
from django.utils import timezone

from noteinvest.text import has_control_characters
from portfolios.forms import LOAN_NUMBER_TAKEN
from portfolios.models import Loan, Portfolio, SellerColumnMapping, TapeImport, TapeUpload
from portfolios.tape.columns import (
    BY_KEY,
    auto_map,
    deferred_note,
    derived_note,
    derives_paid_to,
    joined_refusal,
    mapping_refusal,
    missing_required,
    names_note,
    not_imported,
    parts_without_base,
    read_headers,
    status_note,
    unmatched_headers,
)
from portfolios.tape.importer import Problem, check_tape, differing_copies
from portfolios.tape.readers import MAX_BYTES, Tape, TapeFileError, open_tape
from portfolios.tape.writer import Counts, apply_tape

log = logging.getLogger(__name__)


class TapeImportError(ValueError):
    """An import request that cannot go ahead; the message says why."""


class ImportStopped(Exception):
    """The import was cancelled or marked interrupted while it ran: stop, write nothing."""


@dataclass
class TapeOutcome:
    row_count: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS
    counts: Counts | None = None
    ignored_headers: list[str] = field(default_factory=list)
    problem_count: int = 0  # every problem
    problem_kinds: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    warnings: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS
    warning_count: int = 0
    warning_kinds: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the tape as a whole was read

    def warning_fields(self) -> dict:
        """The warnings and notes as TapeImport stores them."""
        return {
            "warnings": [w.as_dict() for w in self.warnings],
            "warning_count": self.warning_count,
            "warning_kinds": [list(kind) for kind in self.warning_kinds],
            "notes": self.notes,
        }


def seller_mapping(seller: str) -> SellerColumnMapping | None:
    """The seller's saved column mapping (with who saved it), or None."""
    if not seller:
        return None
    return SellerColumnMapping.objects.select_related("updated_by").filter(seller=seller).first()


def saved_mapping_for(seller: str) -> dict[str, str]:
    found = seller_mapping(seller)
    return found.mapping if found else {}


def saved_mapping_note(found: SellerColumnMapping) -> dict:
    """What an import page says of the seller's saved mapping it applied."""
    by = found.updated_by
    return {
        "id": found.pk,
        "seller": found.seller,
        "saved_at": found.updated_at.isoformat() if found.updated_at else "",
        "by": (by.get_full_name() or by.email) if by else "",
    }


def validate_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Check a mapping chosen by hand; return it without empty entries."""
    clean = {k: h for k, h in mapping.items() if h}
    errors = []
    for key, header in clean.items():
        if key not in BY_KEY:
            errors.append(f"Unknown column {key!r}.")
        elif header not in headers:
            errors.append(f"{BY_KEY[key].label}: the tape has no column “{header}”.")
        elif refusal := mapping_refusal(key, header):
            errors.append(f"{BY_KEY[key].label}: {refusal}")
    errors.extend(joined_refusal(key) for key in parts_without_base(clean))
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
    before_commit: Callable[[Counts, "TapeOutcome"], None] | None = None,
    column_choice: dict[str, int] | None = None,
) -> TapeOutcome:
    """Check every row, then (if all are good and not a dry run) write them all.

    The tape is read twice, a row at a time: once to check it, once to write it; no more
    than a batch of rows is held (check_tape, apply_tape).

    `column_choice`: {header: index of the copy to read} for headers the tape repeats.

    `on_written(0)` is called once before the write transaction opens, then after each
    batch inside it; `before_commit(counts, outcome)` as the last step inside it (see
    apply_tape).
    Raises TapeFileError for a tape that cannot be read to its end or is too long.
    """
    result = check_tape(
        tape,
        mapping,
        today=timezone.localdate(),
        default_day_count=default_day_count,
        progress=on_checked,
        columns=column_choice,
    )
    outcome = TapeOutcome(
        row_count=result.row_count,
        problems=result.problems,
        ignored_headers=not_imported(tape.headers, mapping),
        problem_count=result.problem_count,
        problem_kinds=result.kinds.most_common(),
        warnings=result.warnings,
        warning_count=result.warning_count,
        warning_kinds=result.warning_kinds.most_common(),
        notes=result.notes,
    )
    if result.row_count == 0:
        message = "The tape has a header row but no loans."
        outcome.problems = [Problem(2, "", "", message, message)]
        outcome.problem_count, outcome.problem_kinds = 1, [(message, 1)]
        return outcome
    if result.problem_count:
        return outcome
    if on_written:
        on_written(0)
    outcome.counts = apply_tape(
        portfolio,
        result.rows(),
        fields=result.fields,
        dry_run=dry_run,
        keep_co_borrowers="co_borrower_name" not in mapping,
        progress=on_written,
        before_commit=(lambda counts: before_commit(counts, outcome)) if before_commit else None,
    )
    return outcome


# --- Browser imports: a TapeImport record, run in a background thread -----------------


def _filename(name: str) -> str:
    """The upload's name as shown: no control characters, at most 255 characters."""
    name = "".join(" " if has_control_characters(ch) else ch for ch in (name or "")).strip()
    return (name or "tape")[:255]


def start_tape_import(
    *, portfolio: Portfolio, upload, by, default_day_count: str, dry_run: bool
) -> TapeImport:
    """Store an uploaded tape and match its headers; raises TapeFileError for a bad file.

    The tape opened here (headers read) is handed to the import's thread, so a workbook is
    parsed once per import, not once to match headers and again to import (its rows are
    read once more here only to compare the copies of a repeated header).

    The import waits for the mapping step when a required column has no header, the
    paid-to date would be derived from the next due date, headers we did not match could
    be one of our unmapped columns (less those the seller's saved mapping left out), or a
    repeated header's copies differ.
    """
    if upload.size > MAX_BYTES:
        raise TapeFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TapeFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    name = _filename(upload.name)
    tape = open_tape(name, data)
    found = seller_mapping(portfolio.seller)
    saved = found.mapping if found else {}
    ignored = found.ignored if found else []
    mapping = auto_map(tape.headers, saved)
    # A paid-to date derived from the next due date is shown in the mapping step, unless the
    # seller's saved mapping already chose it.
    confirm = derives_paid_to(mapping) and "next_due_date" not in saved
    # Headers we could not match that might be one of our unmapped columns: the mapping
    # step offers them, unless the seller's saved mapping chose to leave them out.
    unmatched = unmatched_headers(tape.headers, mapping, ignored)
    # A repeated header whose copies differ: staff choose the copy (one pass over the rows,
    # only when a header read or offered is repeated).
    repeated = differing_copies(tape, read_headers(mapping) | set(unmatched))
    status = (
        TapeImport.Status.NEEDS_MAPPING
        if missing_required(mapping) or confirm or unmatched or repeated
        else TapeImport.Status.QUEUED
    )
    # The saved mapping was applied when it changed something: a column matched otherwise,
    # or a header the mapping step would otherwise offer.
    applied = found is not None and (
        mapping != auto_map(tape.headers) or unmatched != unmatched_headers(tape.headers, mapping)
    )
    with transaction.atomic():  # the import and its file, or neither
        job = TapeImport.objects.create(
            portfolio=portfolio,
            created_by=by,
            filename=name,
            kind=tape.kind,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            headers=tape.headers,
            mapping=mapping,
            repeated=repeated,
            seller_mapping=saved_mapping_note(found) if applied else {},
            default_day_count=default_day_count,
            dry_run=dry_run,
            status=status,
            rows_total=tape.row_estimate,
        )
        store_upload(job, data)
        if status == TapeImport.Status.QUEUED:
            launch_tape_import(job, tape)
    return job


def store_upload(job: TapeImport, data: bytes) -> None:
    """Store an import's file (TapeUpload) until the import ends.

    On PostgreSQL the bytes are sent as a binary parameter: Django binds parameters into
    the query's text, where a bytea is hex, twice its size, and the query is held whole
    (a 41 MB tape took the request from 131 MB to 440 MB of memory).
    """
    if connection.vendor != "postgresql":
        TapeUpload.objects.create(tape_import=job, content=data)
        return
    import psycopg

    quote = connection.ops.quote_name
    table, pk = quote(TapeUpload._meta.db_table), quote(TapeUpload._meta.pk.column)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # server-side binding
        cursor.execute(
            f"INSERT INTO {table} ({pk}, {quote('content')}) VALUES (%s, %b)",  # noqa: S608
            [job.pk, data],
        )


def validate_column_choice(
    job: TapeImport, mapping: dict[str, str], choice: dict[str, int] | None
) -> dict[str, int]:
    """The copy to read of each repeated header whose copies differ and that `mapping`
    reads: one must be chosen, among that header's columns."""
    from portfolios.tape.readers import _letters

    choice = choice or {}
    clean, errors = {}, []
    read = read_headers(mapping)
    for header, found in (job.repeated or {}).items():
        if header not in read:
            continue
        columns = found["columns"]
        picked = choice.get(header)
        if picked in columns:
            clean[header] = picked
        else:
            letters = " or ".join(_letters(i) for i in columns)
            errors.append(
                f"“{header}” is in columns {letters}, which differ: choose the column to use."
            )
    if errors:
        raise TapeImportError(" ".join(errors))
    return clean


def _remember(seller: str, mapping: dict[str, str], ignored: list[str], by) -> None:
    """Save (or replace) the seller's mapping; a newer version, so an edit page opened
    before this is refused rather than overwriting it."""
    from django.db.models import F

    SellerColumnMapping.objects.update_or_create(
        seller=seller,
        defaults={"mapping": mapping, "ignored": ignored, "updated_by": by,
                  "version": F("version") + 1},
        create_defaults={"mapping": mapping, "ignored": ignored, "updated_by": by},
    )  # fmt: skip


def set_import_mapping(
    *,
    job: TapeImport,
    mapping: dict[str, str],
    by,
    remember: bool,
    column_choice: dict[str, int] | None = None,
) -> TapeImport:
    """Apply a hand-made column mapping, save it for the seller, and start the import.

    The seller's saved mapping keeps, besides the columns, the headers left out, so the
    next tape of the same layout skips the mapping step. `column_choice`: which copy of a
    repeated header whose copies differ to read ({header: column index}).
    """
    clean = validate_mapping(mapping, job.headers)
    choice = validate_column_choice(job, clean, column_choice)
    with transaction.atomic():
        job = TapeImport.objects.select_for_update().filter(pk=job.pk).first()
        if job is None:  # cancelled (deleted) while the mapping was chosen
            raise TapeImportError("This import was cancelled: upload the tape again.")
        if job.status != TapeImport.Status.NEEDS_MAPPING:
            raise TapeImportError("This import has already started; its mapping cannot change.")
        job.mapping = clean
        job.column_choice = choice
        job.status = TapeImport.Status.QUEUED
        # Queued from now: the 10 minutes of silence count from here, not from the upload.
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["mapping", "column_choice", "status", "heartbeat_at"])
        seller = job.portfolio.seller
        # A check (dry run) writes nothing, the seller's mapping included.
        if remember and seller and not job.dry_run:
            _remember(seller, clean, not_imported(job.headers, clean), by)
        launch_tape_import(job)
    return job


# Tapes already opened by the upload, for a task run in this same process (the immediate
# backend): the file is then parsed once. A worker process opens the stored file.
_OPENED: dict[int, Tape] = {}


def launch_tape_import(job: TapeImport, tape: Tape | None = None) -> None:
    """Queue the import for a background worker (portfolios.tasks.import_tape).

    Called inside the transaction that makes the import queued, so the import and its
    task are committed together: no queued import without a task to run it.
    """
    from background.status import uses_workers
    from portfolios.tasks import import_tape

    if tape is not None and not uses_workers():
        _OPENED[job.pk] = tape
    try:
        import_tape.enqueue(job.pk)
    finally:
        _OPENED.pop(job.pk, None)


def opened_tape(job_id: int) -> Tape | None:
    """The tape the upload opened, when the task runs in the uploading process."""
    return _OPENED.pop(job_id, None)


INTERRUPTED_MESSAGE = (
    "This import stopped without finishing: it had not moved for more than 10 minutes "
    "(the server was probably restarted while it ran). Imports write everything in one "
    "transaction, so nothing was written. Import the tape again."
)
CLASH_MESSAGE = (
    "The database refused the import's write: a loan it creates clashed with a change made "
    "to this portfolio while it ran (such as the same loan number added meanwhile). Nothing "
    "was written. Import the tape again."
)
_RUNNING = {"status": TapeImport.Status.RUNNING}


def _alive(job_id: int, **values) -> None:
    """Heartbeat and progress; raises ImportStopped once the import is no longer running."""
    if not TapeImport.objects.filter(pk=job_id, **_RUNNING).update(
        heartbeat_at=timezone.now(), **values
    ):
        raise ImportStopped


UPLOAD_PART = 4 * 1024 * 1024


def uploaded_file(job_id: int) -> bytes | None:
    """An import's stored file (None once deleted), read 4 MB at a time.

    PostgreSQL sends a bytea as hex text, twice its size, which the driver holds whole
    while it decodes it: read at once, a 41 MB tape took the worker from 133 MB to 323 MB.
    """
    stored = TapeUpload.objects.filter(pk=job_id)
    size = stored.annotate(size=Length("content")).values_list("size", flat=True).first()
    if size is None:
        return None
    parts = []
    for start in range(1, size + 1, UPLOAD_PART):
        part = stored.annotate(
            part=Substr("content", start, UPLOAD_PART, output_field=BinaryField())
        ).values_list("part", flat=True)
        part = part.first()
        if part is None:
            return None
        parts.append(bytes(part))
    return b"".join(parts)


def run_tape_import(job_id: int, tape: Tape | None = None) -> None:
    """Check and write one queued import; record its outcome on the TapeImport.

    A cancel or an "interrupted" mark (both set by other requests) is seen at the next
    heartbeat, every 250 rows, and after each written batch; the import then stops and
    its write is rolled back. The outcome of a write is recorded inside the write's own
    transaction, so a cancel either comes first (nothing written) or finds it finished.
    """
    now = timezone.now()
    claimed = TapeImport.objects.filter(pk=job_id, status=TapeImport.Status.QUEUED).update(
        status=TapeImport.Status.RUNNING, started_at=now, heartbeat_at=now, phase="Checking rows"
    )
    if not claimed:
        return
    job = (
        TapeImport.objects.select_related("portfolio")
        .defer(*[f for f in TapeImport.HEAVY_FIELDS if f != "mapping"])
        .get(pk=job_id)
    )
    total = job.rows_total or 0

    def on_checked(done):
        share = 80 if not job.dry_run else 100
        _alive(job_id, rows_done=done, progress=min(share, share * done // total) if total else 0)

    def on_written(done):
        if done == 0:  # before the write transaction opens
            _alive(job_id, phase="Writing loans", progress=80)
        # Inside the write transaction: read the job, never lock it (a cancel must not wait).
        elif not TapeImport.objects.filter(pk=job_id, **_RUNNING).exists():
            raise ImportStopped

    ignored = ""

    def record_success(counts: Counts, outcome: TapeOutcome) -> None:
        # Inside the write transaction (or after a dry run): every row was created,
        # updated or unchanged.
        rows = counts.created + counts.updated + counts.unchanged
        if not _finish(
            job_id,
            TapeImport.Status.CHECKED if job.dry_run else TapeImport.Status.SUCCEEDED,
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            message=f"Columns not imported: {ignored}." if ignored else "",
            rows_total=rows,
            rows_done=rows,
            **{
                **outcome.warning_fields(),
                # How the tape was read, one sentence each: shown as a list on the page.
                "notes": [
                    note
                    for note in (
                        derived_note(job.mapping),
                        status_note(job.mapping),
                        names_note(job.mapping, counts.unnamed),
                        deferred_note(job.mapping),
                        *outcome.notes,
                    )
                    if note
                ],
            },
        ):
            raise ImportStopped

    try:
        if tape is None:
            data = uploaded_file(job_id)
            if data is None:
                raise TapeFileError("The uploaded file is no longer stored: upload it again.")
            tape = open_tape(job.filename, data)
            del data
        if not total:  # a sheet without <dimension>: its rows counted here, not in the upload
            total = tape.count_rows() or 0
            if total:
                _alive(job_id, rows_total=total)
        ignored = ", ".join(f"“{h}”" for h in not_imported(tape.headers, job.mapping))
        outcome = process_tape(
            portfolio=job.portfolio,
            tape=tape,
            mapping=job.mapping,
            default_day_count=job.default_day_count,
            dry_run=job.dry_run,
            column_choice=job.column_choice,
            on_checked=on_checked,
            on_written=on_written,
            before_commit=record_success,
        )
    except ImportStopped:
        return
    except TapeFileError as exc:
        _finish(job_id, TapeImport.Status.FAILED, reason="file", message=str(exc))
        return
    except IntegrityError:
        # A loan number inserted meanwhile by a writer that does not take the portfolio's
        # lock (hand edits do): the write is rolled back whole.
        log.warning("Tape import %s clashed with a concurrent change", job_id, exc_info=True)
        _finish(job_id, TapeImport.Status.FAILED, reason="error", message=CLASH_MESSAGE)
        return
    except Exception:
        log.exception("Tape import %s failed", job_id)
        _finish(
            job_id,
            TapeImport.Status.FAILED,
            reason="error",
            message="The import stopped on an unexpected error and wrote nothing. "
            "The error was logged; try again or tell the team.",
        )
        return
    values = {"rows_total": outcome.row_count, "rows_done": outcome.row_count}
    if outcome.problem_count:
        _finish(
            job_id,
            TapeImport.Status.REJECTED,
            problems=[p.as_dict() for p in outcome.problems],
            problem_count=outcome.problem_count,
            problem_kinds=[list(kind) for kind in outcome.problem_kinds],
            message="Nothing was written: fix the problems below and import the tape again.",
            **outcome.warning_fields(),
            **values,
        )
    elif job.dry_run:
        try:
            record_success(outcome.counts, outcome)
        except ImportStopped:
            return


def _free_files(job_ids) -> None:
    """Delete the uploaded files of imports that just ended (in the same transaction)."""
    TapeUpload.objects.filter(pk__in=job_ids).delete()


def _finish(job_id: int, status, **values) -> int:
    """Record the outcome of a running import and free its file; 0 if it was not running.

    A check that passed keeps its file: "Import it" imports that same file
    (import_checked_tape) without a second upload."""
    with transaction.atomic():
        finished = TapeImport.objects.filter(pk=job_id, **_RUNNING).update(
            status=status, phase="", progress=100, finished_at=timezone.now(), **values
        )
        if finished and status != TapeImport.Status.CHECKED:
            _free_files([job_id])
    return finished


def _ended_files():
    """Uploaded files no import needs any more: those of ended imports, but a check's kept
    for CHECKED_FILE_KEPT after it ended."""
    kept_since = timezone.now() - TapeImport.CHECKED_FILE_KEPT
    return TapeUpload.objects.filter(tape_import__status__in=TapeImport.FINISHED).exclude(
        tape_import__status=TapeImport.Status.CHECKED, tape_import__finished_at__gte=kept_since
    )


def prune_checked_files() -> int:
    """Delete the files of checks older than CHECKED_FILE_KEPT (the daily prune job)."""
    return _ended_files().delete()[0]


class AlreadyImported(Exception):
    def __init__(self, job: TapeImport):
        self.job = job
        super().__init__(f"This check was already imported as import {job.pk}.")


# What an import made from a check takes from it: the file's description and how it is read.
CHECK_CARRIED = (
    "portfolio_id", "filename", "kind", "sha256", "size", "headers", "mapping", "column_choice",
    "repeated", "seller_mapping", "default_day_count", "rows_total",
)  # fmt: skip


def import_checked_tape(*, job: TapeImport, by) -> TapeImport:
    """Import the file a check read: a new import of the same stored file, with the check's
    columns, copy choices and day count, queued at once (its rows are checked again as
    they are written). The file moves to the new import.

    Raises AlreadyImported when the check was imported before (a second click, another
    user), TapeImportError when the check did not pass or its file is no longer kept.
    """
    with transaction.atomic():
        check = TapeImport.objects.select_for_update().get(pk=job.pk)
        if check.imported_as_id:
            raise AlreadyImported(TapeImport.objects.get(pk=check.imported_as_id))
        if check.status != TapeImport.Status.CHECKED:
            raise TapeImportError("Only a check that passed can be imported without a new upload.")
        if not TapeUpload.objects.filter(pk=check.pk).exists():
            raise TapeImportError(
                "The checked file is no longer kept (files of checks are kept "
                f"{TapeImport.CHECKED_FILE_KEPT.days} days): upload it again."
            )
        fresh = TapeImport.objects.create(
            **{name: getattr(check, name) for name in CHECK_CARRIED},
            created_by=by,
            dry_run=False,
            status=TapeImport.Status.QUEUED,
        )
        TapeUpload.objects.filter(pk=check.pk).update(tape_import=fresh)
        TapeImport.objects.filter(pk=check.pk).update(imported_as=fresh)
        launch_tape_import(fresh)
    return fresh


def expire_interrupted() -> int:
    """Mark running imports silent for 10 minutes as failed ("interrupted"); free their files.

    A killed worker's import is normally queued again by another worker within a minute
    (background.recovery); this catches one whose worker never came back. A queued import
    is never expired: it waits for a worker, however long the queue (its page says whether
    a worker is running).

    Called when imports are next seen: their pages, the status poll and the import lists,
    so it is one UPDATE (no transaction around it) and names the uploaded files' table only
    when it marked an import.
    """
    now = timezone.now()
    cutoff = now - TapeImport.SILENT_LIMIT
    expired = (
        TapeImport.objects.filter(status=TapeImport.Status.RUNNING)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
        .update(
            status=TapeImport.Status.FAILED,
            reason="interrupted",
            message=INTERRUPTED_MESSAGE,
            phase="",
            finished_at=now,
        )
    )
    if expired:
        # Every ended import's file: those just marked, and any a crash between these two
        # statements left behind (a recent check's is kept).
        _ended_files().delete()
    return expired


def cancel_tape_import(*, job: TapeImport, by) -> bool:
    """Cancel an import waiting for its mapping (deleted), queued or running (stopped).

    Only if it is still in the state that allows it (a conditional write, so a cancel and
    the import's own finish cannot both win); False if it had already finished.
    """
    if job.status == TapeImport.Status.NEEDS_MAPPING:
        with transaction.atomic():
            # Locked as set_import_mapping locks it: a mapping chosen meanwhile either comes
            # first (nothing deleted) or finds the import gone. Its file goes with it.
            waiting = TapeImport.objects.select_for_update().filter(
                pk=job.pk, status=TapeImport.Status.NEEDS_MAPPING
            )
            if not waiting.values_list("pk", flat=True):
                return False
            _free_files([job.pk])
            return bool(TapeImport.objects.filter(pk=job.pk).delete()[0])
    who = getattr(by, "email", "") or "staff"
    with transaction.atomic():
        cancelled = TapeImport.objects.filter(pk=job.pk, status__in=TapeImport.ACTIVE).update(
            status=TapeImport.Status.CANCELLED,
            reason="cancelled",
            message=f"Cancelled by {who}: nothing was written.",
            phase="",
            finished_at=timezone.now(),
        )
        if cancelled:
            _free_files([job.pk])
    return bool(cancelled)


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


class DuplicateValue(ValueError):
    """A value that must be unique was taken by another save that got there first.

    The form checked it was free; a concurrent request inserted it between that check and
    this save, so the database's unique constraint refused the write. `field` is the form
    field to show the message beside.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _save_versioned(form, after_save=None, *, before_save=None, duplicate=None):
    """Save a VersionedForm's instance if nobody saved it since the form was opened.

    `duplicate(form, pk)`: after the database refused the write as an IntegrityError,
    returns the DuplicateValue to raise if it was a unique value taken meanwhile (the
    form's own check passed, then a concurrent save inserted it), else None (re-raised).
    """
    instance = form.instance
    pk = instance.pk
    try:
        with transaction.atomic():
            if before_save:
                before_save(instance)
            _claim_version(type(instance), pk, form.cleaned_data.get("version"))
            if pk:
                instance.version = form.cleaned_data["version"] + 1
            saved = form.save()
            if after_save:
                after_save(saved)
    except IntegrityError:
        # The transaction is rolled back: the database can be asked what clashed.
        instance.pk = pk
        clash = duplicate(form, pk) if duplicate else None
        if clash is None:
            raise
        raise clash from None
    return saved


def _portfolio_name_taken(form, pk):
    name = form.cleaned_data.get("name")
    if Portfolio.objects.filter(name=name).exclude(pk=pk).exists():
        message = form.instance.unique_error_message(Portfolio, ("name",)).messages[0]
        return DuplicateValue("name", message)
    return None


def save_portfolio(*, form, by) -> Portfolio:
    """Raises StaleEdit, or DuplicateValue for a name another save took meanwhile."""
    return _save_versioned(form, duplicate=_portfolio_name_taken)


def _loan_number_taken(form, pk):
    number = form.cleaned_data.get("loan_number")
    clash = Loan.objects.filter(portfolio=form.portfolio, loan_number=number).exclude(pk=pk)
    return DuplicateValue("loan_number", LOAN_NUMBER_TAKEN) if clash.exists() else None


def _lock_portfolio(loan) -> None:
    """Wait for a tape import writing this portfolio's loans (apply_tape holds this lock),
    so an import and a hand edit never interleave their reads and writes."""
    Portfolio.objects.select_for_update().filter(pk=loan.portfolio_id).first()


def save_loan(*, form, borrowers, by):
    """Save a loan and its borrowers together, or neither.

    Raises StaleEdit, or DuplicateValue for a loan number another save took meanwhile.
    """

    def save_borrowers(loan):
        borrowers.instance = loan
        borrowers.save()

    return _save_versioned(
        form, after_save=save_borrowers, before_save=_lock_portfolio, duplicate=_loan_number_taken
    )


# --- Sellers' saved column mappings, edited and deleted by staff ---------------------------


def save_seller_mapping(*, form, by) -> SellerColumnMapping:
    """Save an edited seller mapping; raises StaleEdit if it changed since the form opened
    (another editor, or an import that remembered a mapping for the seller)."""

    def stamp(instance):
        instance.updated_by = by

    return _save_versioned(form, before_save=stamp)


def delete_seller_mapping(*, mapping: SellerColumnMapping, version) -> None:
    """Delete a seller's mapping as it was shown; raises StaleEdit if it changed since."""
    deleted, _ = SellerColumnMapping.objects.filter(pk=mapping.pk, version=version).delete()
    if not deleted:
        raise StaleEdit(SellerColumnMapping._meta.verbose_name)


def mark_settled(loan) -> None:
    """The loan's debt was settled by an agreement (settlements calls it when one completes):
    its status becomes Settled, its version moves on, and its portfolio's totals are stale."""
    from django.db.models import F
    from django.utils import timezone

    from portfolios.choices import LoanStatus
    from portfolios.models import Loan, Portfolio

    Loan.objects.filter(pk=loan.pk).update(
        status=LoanStatus.SETTLED, version=F("version") + 1, updated_at=timezone.now()
    )
    loan.status = LoanStatus.SETTLED
    Portfolio.touch_loans(loan.portfolio_id)
