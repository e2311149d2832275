"""What pages say about the background: is any worker running to take queued work?"""

from django.conf import settings
from django.utils import timezone

from background.models import WorkerBeat
from background.recovery import lost_after


def uses_workers() -> bool:
    """Whether tasks wait for a db_worker (the database backend) or run at once."""
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def live_workers() -> int:
    """Workers that beat within the last LOST_AFTER seconds."""
    return WorkerBeat.objects.filter(seen_at__gte=timezone.now() - lost_after()).count()


def waiting_without_worker() -> bool:
    """True when queued work cannot start: tasks wait for workers and none is running."""
    return uses_workers() and not live_workers()
