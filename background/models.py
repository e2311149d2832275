"""What the background workers say about themselves: who is alive, and what ran when.

The tasks themselves are django-tasks-db's DBTaskResult rows (queued, running, done,
failed). These two tables add what that package leaves out: a heartbeat per worker
process, so a task whose worker was killed is noticed and retried or failed
(background.recovery), and the last run of each scheduled job, so the nightly work is
queued once a day however many workers run (background.schedule).
"""

from django.db import models


class WorkerBeat(models.Model):
    """One running db_worker process: beats every few seconds while it lives."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"


class ScheduledRun(models.Model):
    """The last day a scheduled job was queued (one row per job name)."""

    name = models.CharField(max_length=100, primary_key=True)
    last_day = models.DateField()
    queued_at = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.name}: queued for {self.last_day}"
