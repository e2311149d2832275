"""Tasks whose worker died: retried, or failed with the reason, never left "running".

django-tasks-db marks a task running when a worker claims it and done or failed when the
task returns or raises. A worker killed in between (kill -9, a lost machine, the
out-of-memory killer) leaves it "running" for ever. Every worker therefore beats
(background.models.WorkerBeat, every BEAT_EVERY seconds, on a thread of its own), and every
worker looks, every RECOVER_EVERY seconds and when it starts, for running tasks whose
worker has not beaten for LOST_AFTER seconds:

- the silent worker's beat row is deleted first, by a conditional delete, so a worker that
  was only slow, not dead, finds its row gone at its next beat and stops itself rather
  than finish a task that now runs elsewhere (background.worker);
- each of its tasks goes back to the queue if it has run fewer than MAX_ATTEMPTS times,
  and is marked failed with the reason otherwise. A task with a recovery hook
  (`on_lost`) decides with its own records: a tape import that already ended stays ended.

Every task here is written to be run again: an import writes in one transaction (a killed
import wrote nothing), a batch item freezes its draft in one transaction with its outcome,
a mail is at worst sent twice.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from background.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_EVERY = 5  # seconds
RECOVER_EVERY = 10  # seconds
MAX_ATTEMPTS = 2
LOST_CLASS_PATH = "background.recovery.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped (killed, or its machine lost) before it ended."""


def lost_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "BACKGROUND_WORKER_LOST_AFTER", 30))


# task module path -> on_lost(args, kwargs, retry: bool) -> True (queue it again), False
# (mark it failed) or None (its work had ended before its worker did: mark it done).
HOOKS: dict[str, Callable[[list, dict, bool], bool | None]] = {}


def on_lost(task):
    """Register `function(args, kwargs, retry)` to run when `task`'s worker is lost.

    It puts the task's own records back as they were before the task started (when
    `retry`) or marks them failed, and returns whether to queue the task again (None: the
    work had ended before the worker did, and the task is marked done).
    """

    def register(function):
        HOOKS[task.module_path] = function
        return function

    return register


def lost_message(attempts: int, retried: bool) -> str:
    if retried:
        return (
            f"The worker running this task stopped before it finished (attempt {attempts} of "
            f"{MAX_ATTEMPTS}); the task was queued again."
        )
    return (
        f"The worker running this task stopped before it finished, {attempts} "
        f"time{'s' if attempts != 1 else ''}; it was not tried again."
    )


def recover_lost_tasks(now=None) -> dict[str, int]:
    """Retry or fail every running task whose worker is silent; counts of each."""
    now = now or timezone.now()
    cutoff = now - lost_after()
    counts = {"retried": 0, "failed": 0, "ended": 0}
    alive = set(WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("pk", flat=True))
    silent = set(WorkerBeat.objects.filter(seen_at__lt=cutoff).values_list("pk", flat=True))
    dead = {
        worker_id
        for worker_id in silent
        # Conditional: a beat that came in since the read above keeps the worker alive.
        if WorkerBeat.objects.filter(pk=worker_id, seen_at__lt=cutoff).delete()[0]
    }
    if dead:
        log.warning("Workers silent for over %s declared lost: %s", lost_after(), sorted(dead))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "pk", "worker_ids", "started_at"
    )
    for pk, worker_ids, started_at in running:
        last = worker_ids[-1] if worker_ids else None
        if last in alive:
            continue
        if last in silent and last not in dead:
            continue  # it beat between the read and the delete: alive after all
        # A worker with no beat row at all (declared lost earlier, or one that never beat):
        # lost once its task has been running longer than the limit.
        if last not in silent and started_at is not None and started_at >= cutoff:
            continue
        outcome = _recover(pk, worker_ids, now)
        if outcome:
            counts[outcome] += 1
    return counts


def _recover(pk, worker_ids, now) -> str | None:
    with transaction.atomic():
        row = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=TaskResultStatus.RUNNING)
            .first()
        )
        if row is None or row.worker_ids != worker_ids:  # ended, or claimed again meanwhile
            return None
        attempts = len(row.worker_ids)
        retry = attempts < MAX_ATTEMPTS
        hook = HOOKS.get(row.task_path)
        if hook is not None:
            retry = hook(row.args_kwargs["args"], row.args_kwargs["kwargs"], retry)
        if retry is None:
            row.status = TaskResultStatus.SUCCESSFUL
            row.finished_at = now
            row.save(update_fields=["status", "finished_at"])
            return "ended"
        if retry:
            row.status = TaskResultStatus.READY
            row.started_at = None
            row.save(update_fields=["status", "started_at"])
            log.warning("Task %s (%s) retried: %s", row.pk, row.task_path, "worker lost")
            return "retried"
        row.status = TaskResultStatus.FAILED
        row.finished_at = now
        row.exception_class_path = LOST_CLASS_PATH
        row.traceback = lost_message(attempts, False)
        row.return_value = None
        row.save(
            update_fields=[
                "status", "finished_at", "exception_class_path", "traceback", "return_value"
            ]
        )  # fmt: skip
        log.warning("Task %s (%s) failed: its worker was lost", row.pk, row.task_path)
        return "failed"
