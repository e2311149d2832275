"""Background tasks of the settlements: drafts of a review batch, frozen and sent one by one."""

from django.tasks import task
from django.utils import timezone

from background import recovery
from settlements.models import ReviewBatchItem

WORKER_LOST = (
    "The background worker sending it stopped twice before it finished; nothing was changed. "
    "Send it from its page."
)


@task
def submit_batch_item(item_id: int) -> str:
    from settlements.batches import run_item

    return run_item(item_id)


@recovery.on_lost(submit_batch_item)
def _item_lost(args, kwargs, retry):
    """Its transaction never committed: the draft is still a draft. Queue or fail the item."""
    item_id = args[0]
    status = ReviewBatchItem.objects.filter(pk=item_id).values_list("status", flat=True).first()
    if status is None or status in ReviewBatchItem.FINISHED:
        return None
    if retry:
        ReviewBatchItem.objects.filter(pk=item_id).update(
            status=ReviewBatchItem.Status.QUEUED, started_at=None
        )
        return True
    ReviewBatchItem.objects.filter(pk=item_id).update(
        status=ReviewBatchItem.Status.FAILED, reason=WORKER_LOST, finished_at=timezone.now()
    )
    return False
