"""A killed worker's task is retried, or failed with the reason, never left running
(background.recovery); a tape import lost with its worker is queued again or failed, and
wrote nothing either way."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from background import recovery
from background.models import WorkerBeat
from portfolios.models import TapeImport, TapeUpload
from tests.background import work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BACKGROUND_WORKER_LOST_AFTER = 30


def beat(worker_id, seconds_ago):
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerBeat.objects.update_or_create(
        pk=worker_id, defaults={"host": "h", "pid": 1, "started_at": seen, "seen_at": seen}
    )


def running(task, *args, worker="w1", attempts=1, started_ago=60, **kwargs):
    """A task claimed by `worker` (its `attempts`-th run), as db_worker leaves it."""
    result = task.enqueue(*args, **kwargs)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=started_ago),
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker],
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_task_of_a_silent_worker_is_queued_again_and_the_worker_declared_lost(tmp_path):
    beat("w1", seconds_ago=45)
    row = running(work.note_attempt, str(tmp_path / "m"))
    assert recovery.recover_lost_tasks() == {"retried": 1, "failed": 0, "ended": 0}
    row.refresh_from_db()
    assert (row.status, row.started_at) == (TaskResultStatus.READY, None)
    assert row.worker_ids == ["w1"]  # its attempts so far
    # Its beat row is gone: if the worker was only slow, it stops itself at its next beat.
    assert not WorkerBeat.objects.filter(pk="w1").exists()


def test_a_task_of_a_live_worker_is_left_alone(tmp_path):
    beat("w1", seconds_ago=3)
    row = running(work.note_attempt, str(tmp_path / "m"), started_ago=3600)
    assert recovery.recover_lost_tasks() == {"retried": 0, "failed": 0, "ended": 0}
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    assert WorkerBeat.objects.filter(pk="w1").exists()


def test_a_task_whose_worker_never_beat_is_lost_only_after_the_limit(tmp_path):
    young = running(work.note_attempt, str(tmp_path / "a"), worker="gone", started_ago=5)
    old = running(work.note_attempt, str(tmp_path / "b"), worker="gone", started_ago=31)
    recovery.recover_lost_tasks()
    young.refresh_from_db()
    old.refresh_from_db()
    assert (young.status, old.status) == (TaskResultStatus.RUNNING, TaskResultStatus.READY)


def test_a_task_lost_twice_is_failed_with_the_reason(tmp_path):
    beat("w2", seconds_ago=120)
    row = running(work.note_attempt, str(tmp_path / "m"), worker="w2", attempts=2)
    assert recovery.recover_lost_tasks()["failed"] == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == recovery.LOST_CLASS_PATH
    assert "stopped before it finished, 2 times" in row.traceback
    assert row.finished_at is not None
    [error] = row.task_result.errors
    assert error.exception_class_path == "background.recovery.WorkerLost"


def test_a_beat_that_comes_in_meanwhile_keeps_the_worker_alive(tmp_path, monkeypatch):
    beat("w1", seconds_ago=45)
    row = running(work.note_attempt, str(tmp_path / "m"))
    real_filter = WorkerBeat.objects.filter

    def beat_first(*args, **kwargs):
        # The worker beats between recovery's read and its conditional delete.
        if "seen_at__lt" in kwargs and "pk" in kwargs:
            WorkerBeat.objects.all().update(seen_at=timezone.now())
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(WorkerBeat.objects, "filter", beat_first)
    recovery.recover_lost_tasks()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


# --- tape imports ----------------------------------------------------------------------------


def lost_import(portfolio, *, attempts, status=TapeImport.Status.RUNNING):
    from portfolios.tasks import import_tape

    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=status, phase="Writing loans", progress=80,
        rows_done=500, heartbeat_at=timezone.now() - timedelta(seconds=45),
    )  # fmt: skip
    TapeUpload.objects.create(tape_import=job, content=b"x")
    row = running(import_tape, job.pk, worker="dead", attempts=attempts)
    beat("dead", seconds_ago=45)
    return job, row


def test_a_lost_import_is_queued_again_from_the_start(portfolio):
    job, row = lost_import(portfolio, attempts=1)
    recovery.recover_lost_tasks()
    job.refresh_from_db()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    assert (job.status, job.progress, job.rows_done) == (TapeImport.Status.QUEUED, 0, 0)
    assert "the worker running it stopped" in job.phase
    assert TapeUpload.objects.filter(pk=job.pk).exists()  # kept for the next attempt


def test_an_import_lost_twice_fails_with_the_reason_and_frees_its_file(portfolio):
    job, row = lost_import(portfolio, attempts=2)
    recovery.recover_lost_tasks()
    job.refresh_from_db()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert (job.status, job.reason) == (TapeImport.Status.FAILED, "interrupted")
    assert "background worker running it stopped" in job.message
    assert "nothing was written" in job.message
    assert not TapeUpload.objects.filter(pk=job.pk).exists()


def test_an_import_that_had_ended_is_not_run_again(portfolio):
    job, row = lost_import(portfolio, attempts=1, status=TapeImport.Status.SUCCEEDED)
    recovery.recover_lost_tasks()
    job.refresh_from_db()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert job.status == TapeImport.Status.SUCCEEDED
