"""Several drafts sent for review at once: one background task per draft, each checked,
frozen and sent as from its own page, the batch page showing each outcome and the reason
for a failure; only staff start or see batches."""

from decimal import Decimal

import pytest
from django.urls import reverse

from settlements import batches, services
from settlements.models import AgreementVersion, ReviewBatch, ReviewBatchItem, Status
from tests.factories import make_loan

pytestmark = pytest.mark.django_db
Item = ReviewBatchItem.Status


def ready_draft(portfolio, staff, number):
    agreement = services.start_draft(loan=make_loan(portfolio, number), kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("150000.00")
    agreement.payment_method = "wire"
    agreement.save()
    return agreement


@pytest.fixture
def drafts(loan, staff):
    portfolio = loan.portfolio
    return [ready_draft(portfolio, staff, f"B-{n}") for n in range(3)]


def chosen(agreements):
    return [f"{a.pk}:{a.version}" for a in agreements]


def test_staff_send_three_drafts_and_each_is_frozen_and_sent(client, staff, attorney, drafts):
    client.force_login(staff)
    page = client.get(reverse("settlements:list") + "?status=draft")
    assert 'name="chosen"' in page.text and "Send ticked drafts for review" in page.text
    response = client.post(
        reverse("settlements:batch_new"), {"chosen": chosen(drafts), "reviewer": attorney.pk}
    )
    batch = ReviewBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    # Immediate backend in tests: every task ran before the redirect.
    assert [i.status for i in batch.items.all()] == [Item.DONE] * 3
    for agreement in drafts:
        agreement.refresh_from_db()
        assert (agreement.status, agreement.reviewer) == (Status.IN_REVIEW, attorney)
        assert AgreementVersion.objects.get(agreement=agreement).pdf[:5] == b"%PDF-"
    page = client.get(batch.get_absolute_url())
    assert "3 of 3 sent" in page.text and "Finished." in page.text
    assert "Version 1 frozen and sent." in page.text
    assert 'http-equiv="refresh"' not in page.text  # nothing left to wait for


def test_a_draft_that_fails_its_checks_fails_alone_with_the_reason(staff, attorney, drafts):
    broken = drafts[1]
    broken.settlement_amount = None
    broken.save()
    batch = batches.start_review_batch(
        choices=[(a.pk, a.version) for a in drafts], reviewer=attorney, by=staff
    )
    items = {i.agreement_id: i for i in batch.items.all()}
    assert items[broken.pk].status == Item.FAILED
    assert items[broken.pk].reason.startswith("Not ready for review:")
    assert [items[a.pk].status for a in (drafts[0], drafts[2])] == [Item.DONE, Item.DONE]
    broken.refresh_from_db()
    assert broken.status == Status.DRAFT and not broken.versions.exists()
    assert batches.summary(batch) == {
        "queued": 0, "running": 0, "done": 2, "failed": 1, "total": 3, "finished": 3
    }  # fmt: skip


def test_a_draft_edited_after_it_was_ticked_is_not_sent(staff, attorney, drafts):
    stale = (drafts[0].pk, drafts[0].version)
    drafts[0].version += 1  # someone saved the draft meanwhile
    drafts[0].save()
    batch = batches.start_review_batch(choices=[stale], reviewer=attorney, by=staff)
    item = batch.items.get()
    assert item.status == Item.FAILED
    assert "Someone else changed this agreement" in item.reason


def test_an_attorney_who_may_not_review_a_draft_is_refused_for_it(staff, attorney, drafts):
    drafts[0].drafted_by = attorney  # the attorney drafted this one: separation of duties
    drafts[0].save()
    batch = batches.start_review_batch(
        choices=[(a.pk, a.version) for a in drafts[:1]], reviewer=attorney, by=staff
    )
    item = batch.items.get()
    assert item.status == Item.FAILED
    assert "cannot review this agreement" in item.reason


def test_a_queued_batch_page_refreshes_and_says_when_no_worker_runs(
    client, staff, attorney, drafts, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    batch = batches.start_review_batch(
        choices=[(a.pk, a.version) for a in drafts], reviewer=attorney, by=staff
    )
    client.force_login(staff)
    page = client.get(batch.get_absolute_url())
    assert "0 of 3 sent; 3 queued, 0 running" in page.text
    assert 'http-equiv="refresh"' in page.text
    assert "No background worker is running" in page.text
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="settlements.tasks.submit_batch_item").count() == 3


def test_a_batch_of_nothing_or_of_non_drafts_is_refused_and_queues_nothing(
    client, staff, attorney, drafts
):
    client.force_login(staff)
    url = reverse("settlements:batch_new")
    response = client.post(url, {"reviewer": attorney.pk}, follow=True)
    assert "Tick at least one draft to send." in response.text
    services.submit_for_review(agreement=drafts[0], reviewer=attorney, by=staff)
    response = client.post(url, {"chosen": chosen(drafts), "reviewer": attorney.pk}, follow=True)
    assert "1 of the chosen agreements is no longer a draft" in response.text
    response = client.post(url, {"chosen": ["1;DROP", "2:1"], "reviewer": attorney.pk}, follow=True)
    assert "The list of drafts was not understood" in response.text
    response = client.post(url, {"chosen": chosen(drafts[1:]), "reviewer": staff.pk}, follow=True)
    assert "Attorney to review them:" in response.text  # staff may not be chosen to review
    assert not ReviewBatch.objects.exists()


def test_too_many_drafts_at_once_are_refused(staff, attorney):
    with pytest.raises(batches.BatchError, match="At most 500 drafts at a time; 501"):
        batches.start_review_batch(
            choices=[(n, 1) for n in range(1, 502)], reviewer=attorney, by=staff
        )


@pytest.mark.parametrize("who", ["owner", "attorney"])
def test_only_staff_start_or_see_batches(client, request, who, staff, attorney, drafts):
    batch = batches.start_review_batch(
        choices=[(drafts[0].pk, drafts[0].version)], reviewer=attorney, by=staff
    )
    client.force_login(request.getfixturevalue(who))
    assert client.get(batch.get_absolute_url()).status_code in (403, 404)
    response = client.post(
        reverse("settlements:batch_new"), {"chosen": chosen(drafts[1:]), "reviewer": attorney.pk}
    )
    assert response.status_code in (403, 404)
    assert ReviewBatch.objects.count() == 1
    page = client.get(reverse("settlements:list") + "?status=draft")
    assert 'name="chosen"' not in page.text


def test_the_batch_pages_queries_do_not_grow_with_its_drafts(
    client, staff, attorney, loan, django_assert_max_num_queries
):
    portfolio = loan.portfolio
    small = batches.start_review_batch(
        choices=[(a.pk, a.version) for a in [ready_draft(portfolio, staff, "Q-1")]],
        reviewer=attorney, by=staff,
    )  # fmt: skip
    many = [ready_draft(portfolio, staff, f"Q-{n}") for n in range(2, 12)]
    large = batches.start_review_batch(
        choices=[(a.pk, a.version) for a in many], reviewer=attorney, by=staff
    )
    client.force_login(staff)
    client.get(small.get_absolute_url())  # the first page after log-in keeps the roles
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as ten:
        client.get(large.get_absolute_url())
    assert len(ten) == len(one)


# --- a worker lost mid-render ------------------------------------------------------------------


def test_a_lost_items_draft_stays_a_draft_and_the_item_is_queued_again(
    staff, attorney, drafts, settings
):
    from datetime import timedelta

    from django.tasks import TaskResultStatus
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from background import recovery

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    batch = batches.start_review_batch(
        choices=[(drafts[0].pk, drafts[0].version)], reviewer=attorney, by=staff
    )
    item = batch.items.get()
    ReviewBatchItem.objects.filter(pk=item.pk).update(status=Item.RUNNING)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, worker_ids=["gone"],
        started_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert recovery.recover_lost_tasks()["retried"] == 1
    item.refresh_from_db()
    assert item.status == Item.QUEUED
    # The retry sends it, once.
    assert batches.run_item(item.pk) == Item.DONE
    drafts[0].refresh_from_db()
    assert drafts[0].status == Status.IN_REVIEW and drafts[0].versions.count() == 1
    # Lost a second time (a later attempt): failed, with the reason. (The reviewer's mail the
    # send queued is a task of its own, not lost.)
    ReviewBatchItem.objects.filter(pk=item.pk).update(status=Item.RUNNING)
    DBTaskResult.objects.filter(task_path="settlements.tasks.submit_batch_item").update(
        status=TaskResultStatus.RUNNING, worker_ids=["gone", "gone-too"],
        started_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert recovery.recover_lost_tasks()["failed"] == 1
    item.refresh_from_db()
    assert item.status == Item.FAILED and "stopped twice" in item.reason
