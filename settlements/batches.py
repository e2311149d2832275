"""Several drafts sent for review at once, each frozen and sent by a background task.

Rendering a version's PDF takes a fraction of a second to a few seconds; a batch of 200 in
one request would take minutes and time out. So the request records the batch and queues
one task per draft (settlements.tasks.submit_batch_item), and the batch page shows each
draft queued, running, sent or failed with the reason. Each draft goes through the same
`services.submit_for_review` as one sent from its own page (the same checks, the same
separation of duties) inside one transaction with its item's outcome: a worker killed
mid-render leaves the draft a draft and the item queued again (background.recovery).
"""

from django.db import transaction
from django.utils import timezone

from noteinvest.access import Role, has_role
from settlements import services
from settlements.models import Agreement, ReviewBatch, ReviewBatchItem, Status

MAX_BATCH = 500
Item = ReviewBatchItem


class BatchError(ValueError):
    """The batch as asked cannot be started (nothing was queued)."""


def start_review_batch(*, choices: list[tuple[int, int]], reviewer, by) -> ReviewBatch:
    """Record a batch of (agreement id, expected version) pairs and queue one task each."""
    from settlements.tasks import submit_batch_item

    if not choices:
        raise BatchError("Choose at least one draft.")
    if len(choices) > MAX_BATCH:
        raise BatchError(f"At most {MAX_BATCH} drafts at a time; {len(choices)} were chosen.")
    ids = [pk for pk, _ in choices]
    drafts = set(
        Agreement.objects.filter(pk__in=ids, status=Status.DRAFT).values_list("pk", flat=True)
    )
    missing = [pk for pk in ids if pk not in drafts]
    if missing:
        raise BatchError(
            f"{len(missing)} of the chosen agreements {'is' if len(missing) == 1 else 'are'} "
            "no longer a draft (sent meanwhile, or not found): reload the list and choose again."
        )
    with transaction.atomic():
        batch = ReviewBatch.objects.create(created_by=by, reviewer=reviewer)
        items = Item.objects.bulk_create(
            [
                Item(batch=batch, agreement_id=pk, expected_version=v)
                for pk, v in dict(choices).items()
            ]
        )
        # Queued with the batch: no batch without its tasks, no task without its item.
        for item in items:
            submit_batch_item.enqueue(item.pk)
    return batch


def run_item(item_id: int) -> str:
    """Freeze and send one draft of a batch; its final status."""
    now = timezone.now()
    claimed = Item.objects.filter(pk=item_id, status=Item.Status.QUEUED).update(
        status=Item.Status.RUNNING, started_at=now
    )
    if not claimed:
        return ""
    item = Item.objects.select_related("batch__reviewer", "batch__created_by", "agreement").get(
        pk=item_id
    )
    batch = item.batch
    # Sent in its creator's name: only while they still hold Staff (a batch may wait hours).
    if not batch.created_by.is_active or not has_role(batch.created_by, Role.STAFF):
        _fail(item_id, f"{batch.created_by.email} no longer holds the Staff role; not sent.")
        return Item.Status.FAILED
    try:
        with transaction.atomic():
            version = services.submit_for_review(
                agreement=item.agreement,
                reviewer=batch.reviewer,
                by=batch.created_by,
                expected_version=item.expected_version,
            )
            # The outcome in the same transaction as the version: both, or neither.
            Item.objects.filter(pk=item_id).update(
                status=Item.Status.DONE, version_number=version.number, finished_at=timezone.now()
            )
    except services.AgreementError as exc:
        _fail(item_id, str(exc))
        return Item.Status.FAILED
    except Exception:
        _fail(
            item_id, "An unexpected error stopped it; nothing was changed. Send it from its page."
        )
        raise  # kept with the task (its traceback) for whoever looks into it
    return Item.Status.DONE


def _fail(item_id: int, reason: str) -> None:
    Item.objects.filter(pk=item_id).update(
        status=Item.Status.FAILED, reason=reason, finished_at=timezone.now()
    )


def summary(batch: ReviewBatch) -> dict[str, int]:
    counts = dict.fromkeys(Item.Status.values, 0)
    for status in batch.items.values_list("status", flat=True):
        counts[status] += 1
    counts["total"] = sum(counts.values())
    counts["finished"] = counts[Item.Status.DONE] + counts[Item.Status.FAILED]
    return counts
