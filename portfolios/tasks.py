"""Background tasks of the portfolios: loan-tape imports and the refresh of a portfolio's totals.

An import is queued by the upload (or by the mapping step) in the same transaction that
creates it, and run by a worker (`manage.py db_worker`). Its progress and outcome live on
its TapeImport (queued, running, done or failed, with the reason), which its page polls.

A portfolio's totals are refreshed when a page finds none cached for its current stamp and
day (portfolios.stats): the page shows the last ones meanwhile. A refresh only writes the
cache, so a killed worker's refresh is simply run again (background.recovery's default).
"""

from datetime import date

from django.tasks import task
from django.utils import timezone

from background import recovery
from portfolios.models import TapeImport, TapeUpload

WORKER_LOST_MESSAGE = (
    "This import stopped without finishing: the background worker running it stopped "
    "(killed or restarted) twice. Imports write everything in one transaction, so nothing "
    "was written. Import the tape again."
)


@task
def import_tape(job_id: int) -> str:
    """Check and write one queued import; its final status is the task's result."""
    from portfolios.services import opened_tape, run_tape_import

    run_tape_import(job_id, opened_tape(job_id))
    return TapeImport.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""


@task
def refresh_totals(portfolio_id: int, stamp: str, as_of: str) -> bool:
    """Compute and cache one portfolio's totals for its loans' stamp and the day `as_of`;
    False when another worker had already done it."""
    from portfolios import stats

    return stats.refresh_totals(portfolio_id, stamp, date.fromisoformat(as_of))


@task
def prune_checked_tape_files() -> int:
    """Delete the files of tape checks older than TapeImport.CHECKED_FILE_KEPT that were not
    imported (the daily housekeeping); how many."""
    from portfolios.services import prune_checked_files

    return prune_checked_files()


@recovery.on_lost(import_tape)
def _import_lost(args, kwargs, retry):
    """A killed worker's import: queued again (it wrote nothing), or failed with the reason."""
    job_id = args[0]
    job = TapeImport.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if job is None or job in TapeImport.FINISHED:
        return None  # cancelled, or it ended before its worker did: nothing to run again
    now = timezone.now()
    if retry:
        TapeImport.objects.filter(pk=job_id, status__in=TapeImport.ACTIVE).update(
            status=TapeImport.Status.QUEUED,
            phase="Queued again: the worker running it stopped",
            rows_done=0,
            progress=0,
            heartbeat_at=now,
        )
        return True
    TapeImport.objects.filter(pk=job_id, status__in=TapeImport.ACTIVE).update(
        status=TapeImport.Status.FAILED,
        reason="interrupted",
        message=WORKER_LOST_MESSAGE,
        phase="",
        finished_at=now,
    )
    TapeUpload.objects.filter(pk=job_id).delete()
    return False
