"""Background housekeeping: old task records pruned (they hold what mail tasks were given,
such as an address typed on the reset form)."""

from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

KEEP_DAYS = 30


@task
def prune_task_records() -> int:
    """Delete finished task records older than KEEP_DAYS; how many."""
    cutoff = timezone.now() - timedelta(days=KEEP_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted
