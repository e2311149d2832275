"""The db_worker process: django-tasks-db's worker, plus a heartbeat, recovery and a clock.

A thread beside the worker loop, on its own database connection:
- beats every BEAT_EVERY seconds (WorkerBeat.seen_at). If its row has gone, recovery on
  another worker declared this one lost and queued its task again: the process stops at
  once (os._exit) rather than finish that task a second time;
- every RECOVER_EVERY seconds retries or fails the tasks of lost workers
  (background.recovery);
- queues the day's scheduled jobs when they are due (background.schedule).
"""

import logging
import os
import socket
import threading
import time

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from background import recovery, schedule
from background.models import WorkerBeat

log = logging.getLogger(__name__)


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
            recovery.recover_lost_tasks()
            schedule.queue_due()

    def run(self) -> None:
        count = 0
        while not self.stopped.wait(recovery.BEAT_EVERY):
            count += 1
            try:
                self.tick(count)
            except Exception:  # a dropped connection: try again at the next beat
                log.exception("Worker clock failed; trying again in %ss", recovery.BEAT_EVERY)
                connection.close()
        connection.close()


class BeatingWorker(Worker):
    """django-tasks-db's Worker, registered in WorkerBeat for as long as it runs."""

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
        counts = recovery.recover_lost_tasks()
        if any(counts.values()):
            log.warning("At start: %(retried)s lost task(s) retried, %(failed)s failed.", counts)
        schedule.queue_due()
        clock = Clock(self.worker_id)
        clock.start()
        try:
            super().run()
        finally:
            clock.stopped.set()
            clock.join(timeout=recovery.BEAT_EVERY + 5)
            close_old_connections()
            WorkerBeat.objects.filter(pk=self.worker_id).delete()
