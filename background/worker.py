"""The db_worker process: django-tasks-db's worker, plus a heartbeat, recovery and a clock.

A thread beside the worker loop, on its own database connection:
- beats every BEAT_EVERY seconds (WorkerBeat.seen_at). If its row has gone, recovery on
  another worker declared this one lost and queued its task again: the process stops at
  once (os._exit) rather than finish that task a second time;
- every RECOVER_EVERY seconds retries or fails the tasks of lost workers
  (background.recovery);
- queues the day's scheduled jobs when they are due (background.schedule).

Each process gets an id of its own (the --worker-id given, plus a random suffix): a worker
restarted under the same name (systemd's Restart=always) must not pass for the one that
was killed, or that one's task would look alive for ever.

A task's outcome is recorded only if the task is still this attempt's (status running,
the same worker ids as when it was claimed): a worker struck off for silence that still
finishes cannot overwrite the retry's record. A forced stop (a second Ctrl+C or SIGTERM,
which the package turns into SystemExit inside the task) leaves the task running, so
recovery queues it again, instead of recording the stop as the task's failure.
"""

import logging
import os
import socket
import threading
import time
from traceback import format_exception

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.tasks import TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from background import recovery, schedule
from background.models import WorkerBeat
from noteinvest.connections import close_all, connection_lost

log = logging.getLogger(__name__)
# After a lost connection the loop waits this long before it polls on a new one.
RECONNECT_DELAY = 1.0


def _guarded(what: str, action) -> None:
    """Run one housekeeping step; a failure is logged and the next step still runs."""
    try:
        action()
    except Exception:  # a dropped connection, a busy database: again at the next tick
        log.exception("Worker housekeeping failed (%s); trying again later", what)


class Clock(threading.Thread):
    def __init__(self, worker_id: str):
        super().__init__(name=f"worker-clock-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def beat(self) -> bool:
        return bool(WorkerBeat.objects.filter(pk=self.worker_id).update(seen_at=timezone.now()))

    def tick(self, count: int) -> None:
        close_old_connections()
        if not self.beat():
            log.error("Worker %s was declared lost by another worker: stopping.", self.worker_id)
            os._exit(75)
        if count % max(1, recovery.RECOVER_EVERY // recovery.BEAT_EVERY) == 0:
            _guarded("recovery", recovery.recover_lost_tasks)
            _guarded("schedule", schedule.queue_due)

    def run(self) -> None:
        count = 0
        while not self.stopped.wait(recovery.BEAT_EVERY):
            count += 1
            try:
                self.tick(count)
            except Exception:  # the beat itself failed: try again at the next one
                log.exception("Worker clock failed; trying again in %ss", recovery.BEAT_EVERY)
                connection.close()
        connection.close()


def _record(row: DBTaskResult, claimed_ids, **values) -> bool:
    """Write a task's outcome if it is still this attempt's; False if it was taken over."""
    values.setdefault("finished_at", timezone.now())
    done = DBTaskResult.objects.filter(
        pk=row.pk, status=TaskResultStatus.RUNNING, worker_ids=claimed_ids
    ).update(**values)
    if not done:
        log.warning("Task %s was taken over by recovery; this attempt's outcome is dropped", row.pk)
    return bool(done)


class BeatingWorker(Worker):
    """django-tasks-db's Worker, registered in WorkerBeat for as long as it runs."""

    def __init__(self, *, worker_id: str, **kwargs):
        super().__init__(worker_id=f"{worker_id[:50]}-{get_random_string(8)}", **kwargs)

    def register(self) -> None:
        """Write this worker's beat row; wait while the database is busy or unreachable
        (a long write on SQLite, a database restarting) rather than die at the start."""
        delay = 0.5
        while True:
            try:
                now = timezone.now()
                WorkerBeat.objects.update_or_create(
                    pk=self.worker_id,
                    defaults={
                        "host": socket.gethostname()[:255],
                        "pid": os.getpid(),
                        "started_at": now,
                        "seen_at": now,
                    },
                )
                return
            except OperationalError as exc:
                log.warning("Worker %s cannot register yet (%s); retrying", self.worker_id, exc)
                close_old_connections()
                time.sleep(delay)
                delay = min(delay * 2, 10)

    def run(self) -> None:
        self.register()
        _guarded("recovery at start", recovery.recover_lost_tasks)
        _guarded("schedule at start", schedule.queue_due)
        clock = Clock(self.worker_id)
        clock.start()
        try:
            while True:
                try:
                    super().run()
                    break
                except (OperationalError, InterfaceError) as exc:
                    # The connection dropped while the loop polled for work (after the
                    # health check): poll again on a new one instead of dying. A task's own
                    # errors never reach here (run_task records them).
                    if not self.running or not connection_lost(exc):
                        raise
                    log.warning(
                        "Worker %s lost its database connection (%s); reconnecting",
                        self.worker_id, str(exc).splitlines()[0] if str(exc) else type(exc),
                    )  # fmt: skip
                    close_all()
                    time.sleep(RECONNECT_DELAY)
        finally:
            clock.stopped.set()
            clock.join(timeout=recovery.BEAT_EVERY + 5)
            close_old_connections()
            WorkerBeat.objects.filter(pk=self.worker_id).delete()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As the package's run_task, recording the outcome only for this attempt."""
        claimed_ids = list(db_task_result.worker_ids)
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            try:
                recorded = _record(
                    db_task_result, claimed_ids, status=TaskResultStatus.SUCCESSFUL,
                    return_value=value, exception_class_path="", traceback="",
                )  # fmt: skip
            except (TypeError, ValueError) as exc:  # a result JSON cannot hold: a failure
                recorded = _record(
                    db_task_result, claimed_ids, status=TaskResultStatus.FAILED,
                    return_value=None, exception_class_path=_path(exc),
                    traceback="".join(format_exception(exc)),
                )  # fmt: skip
            if recorded:
                db_task_result.refresh_from_db()
                task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except Exception as exc:
            if _record(
                db_task_result, claimed_ids, status=TaskResultStatus.FAILED, return_value=None,
                exception_class_path=_path(exc), traceback="".join(format_exception(exc)),
            ):  # fmt: skip
                log.exception("Task %s failed", db_task_result.pk)
        except BaseException:
            # A forced stop (SystemExit from a second signal, KeyboardInterrupt): not the
            # task's failure. Left running, so recovery queues it again once this worker's
            # beat stops.
            log.warning(
                "Task %s interrupted by a forced stop; it will be retried", db_task_result.pk
            )
            raise
        finally:
            self.running_task = False
            self._run_tasks += 1


def _path(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"
