"""The daily jobs, queued once a day by whichever worker sees them due first.

SCHEDULE: name -> (task path, local time of day). BACKGROUND_SCHEDULE in settings may move
a job ({"name": "HH:MM"}) or turn it off ({"name": None}). A job is due once the local
time has passed its time of day and it has not been queued today; claiming the day is one
conditional write (ScheduledRun), so two workers never both queue it, and a worker that
starts after the time (the server was down at 01:30) queues it then.
"""

import logging
from datetime import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from background.models import ScheduledRun

log = logging.getLogger(__name__)

SCHEDULE = {
    # Filing windows close, judgments lapse and cutoffs pass overnight: verdicts current
    # before anyone looks (pages also re-assess what they show, once a day).
    "reassess-deficiencies": ("deficiencies.tasks.reassess_all", time(1, 30)),
    # Deadlines 30 and 7 days away, mailed to staff and owners once the verdicts are current (with
    # `since`: the days missed while no worker ran are caught up).
    "deadline-reminders": ("deficiencies.tasks.mail_deadline_reminders", time(6, 0)),
    # Installments of signed DPOs that turned late, once each (notifications).
    "late-payments": ("notifications.tasks.mail_late_payments", time(6, 5)),
    # The digest of everyone who chose one: after the morning's reminders are written.
    "notification-digest": ("notifications.tasks.mail_digests", time(7, 0)),
    # Finished task records older than 30 days (they hold mail addresses typed on forms).
    "prune-task-records": ("background.tasks.prune_task_records", time(3, 0)),
    # Files of tape checks kept for "Import it" (7 days) and not imported.
    "prune-checked-tapes": ("portfolios.tasks.prune_checked_tape_files", time(3, 10)),
}
# Jobs told the last day they ran (a keyword argument `since`, ISO date).
CATCH_UP = {"deadline-reminders"}


def entries() -> dict[str, tuple[str, time]]:
    chosen = dict(SCHEDULE)
    for name, when in getattr(settings, "BACKGROUND_SCHEDULE", {}).items():
        if name not in SCHEDULE:
            continue
        if when is None:
            chosen.pop(name)
        else:
            hour, minute = (int(part) for part in when.split(":"))
            chosen[name] = (SCHEDULE[name][0], time(hour, minute))
    return chosen


def queue_due(now=None) -> list[str]:
    """Queue every job due now and not yet queued today; their names."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    queued = []
    done_today = set(
        ScheduledRun.objects.filter(last_day__gte=today).values_list("name", flat=True)
    )
    for name, (path, at) in entries().items():
        if now.time() < at or name in done_today:
            continue  # not due, or queued today: no write (no lock taken on SQLite)
        if _claim(name, today, now, path):
            queued.append(name)
    return queued


def _claim(name, today, now, path) -> bool:
    try:
        with transaction.atomic():
            before = (
                ScheduledRun.objects.filter(name=name).values_list("last_day", flat=True).first()
            )
            claimed = ScheduledRun.objects.filter(name=name, last_day__lt=today).update(
                last_day=today, queued_at=now
            )
            if not claimed:
                if before is not None:
                    return False  # queued today already
                ScheduledRun.objects.create(name=name, last_day=today, queued_at=now)
            kwargs = {"since": before.isoformat()} if name in CATCH_UP and before else {}
            result = import_string(path).enqueue(**kwargs)
            ScheduledRun.objects.filter(name=name).update(task_id=str(result.id))
    except IntegrityError:  # another worker created the row first
        return False
    log.info("Scheduled job %s queued for %s", name, today)
    return True
