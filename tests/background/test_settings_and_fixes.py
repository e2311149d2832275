"""What a review of the background work found, each pinned: settings that refuse what would
break workers or leak, reminders only to Staff and caught up after missed days, a batch
item refused once its creator lost Staff, mail queued with the change's own transaction,
old task records pruned, and a failed mail's reason kept private."""

from datetime import timedelta

import pytest
from django.core import mail
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.roles import assign_role
from background import schedule
from background.models import ScheduledRun
from deficiencies import tasks
from deficiencies.models import Deadline
from noteinvest.access import Role
from tests.factories import make_loan, make_user, record_sale
from tests.noteinvest.test_settings import run_python

PROBE = "from noteinvest import settings as s; print(s.BACKGROUND_WORKER_LOST_AFTER)"


def test_immediate_tasks_are_refused_in_production():
    result = run_python(
        PROBE, DJANGO_DEBUG="0", DJANGO_TASKS="immediate",
        DJANGO_SECRET_KEY="p7S-kq2Vx_9mWc4LrT8bN1zYe6Hj3Ua0Fd5Gs-QwEoPiRtYuLkJhGf",
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_TASKS=immediate is for development" in result.stderr


def test_the_lost_worker_limit_is_longer_on_sqlite_and_never_below_15_seconds():
    assert run_python(PROBE).stdout.strip() == "120"
    pg = run_python(PROBE, DATABASE_URL="postgres://u:p@127.0.0.1:5432/x")
    assert pg.stdout.strip() == "30"
    refused = run_python(PROBE, DJANGO_WORKER_LOST_AFTER="5")
    assert refused.returncode != 0 and "at least 15" in refused.stderr


@pytest.mark.django_db
def test_reminders_go_to_staff_role_holders_and_the_owner_only(portfolio, staff, owner):
    admin_flag_only = make_user(Role.INVESTOR, email="ex-staff@example.com", is_staff=True)
    assert admin_flag_only.is_staff
    record = record_sale(make_loan(portfolio, "R-30"), staff)
    Deadline.objects.all().delete()
    loan = record.loan
    Deadline.objects.create(
        deficiency=record, kind=Deadline.Kind.FILING,
        due_on=timezone.localdate() + timedelta(days=30), portfolio_id=loan.portfolio_id,
        state_code=loan.property_state, loan_number=loan.loan_number,
    )  # fmt: skip
    tasks.mail_deadline_reminders.enqueue()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, owner.email])


@pytest.mark.django_db
def test_reminders_catch_up_the_days_no_worker_ran_and_survive_a_refused_address(
    portfolio, staff, monkeypatch
):
    other = make_user(Role.STAFF, email="second-staff@example.com")
    assign_role(other, Role.STAFF)
    today = timezone.localdate()
    record = record_sale(make_loan(portfolio, "R-29"), staff)
    Deadline.objects.all().delete()
    loan = record.loan
    # Came within 30 days yesterday, when no worker ran: due in 29 days today.
    Deadline.objects.create(
        deficiency=record, kind=Deadline.Kind.FILING, due_on=today + timedelta(days=29),
        portfolio_id=loan.portfolio_id, state_code=loan.property_state,
        loan_number=loan.loan_number,
    )  # fmt: skip
    assert tasks.mail_deadline_reminders.enqueue().return_value["deadlines"] == 0
    from django.core import mail as mail_module

    real = mail_module.send_mail
    refused = []

    def refuse_first(subject, body, sender, to, **kwargs):
        if not refused:
            refused.append(to)
            raise OSError("550 mailbox unavailable")
        return real(subject, body, sender, to, **kwargs)

    from notifications import services as notices

    monkeypatch.setattr(notices, "send_mail", refuse_first)
    since = (today - timedelta(days=2)).isoformat()
    result = tasks.mail_deadline_reminders.enqueue(since=since)
    # Two staff and the portfolio's owner: the first address refused, the others mailed.
    assert result.return_value == {"deadlines": 1, "mailed": 2}
    assert len(mail.outbox) == 2 and all("loan R-29" in m.body for m in mail.outbox)
    # The refused one is tried again at the next run; the others are not mailed twice.
    result = tasks.mail_deadline_reminders.enqueue(since=since)
    assert result.return_value == {"deadlines": 1, "mailed": 1}
    assert [m.to for m in mail.outbox[2:]] == [refused[0]]


@pytest.mark.django_db
def test_the_schedule_tells_the_reminders_the_last_day_they_ran(tasks_wait):
    from django.tasks import default_task_backend

    now = timezone.make_aware(timezone.datetime(2026, 12, 5, 7, 0))
    ScheduledRun.objects.create(
        name="deadline-reminders", last_day=now.date() - timedelta(days=3), queued_at=now
    )
    schedule.queue_due(now)
    [reminders] = [
        r for r in default_task_backend.results if r.task.name == "mail_deadline_reminders"
    ]
    assert reminders.kwargs == {"since": "2026-12-02"}


@pytest.mark.django_db
def test_a_batch_item_is_not_sent_once_its_creator_lost_staff(portfolio, staff, attorney):
    from decimal import Decimal

    from settlements import batches, services
    from settlements.models import ReviewBatchItem, Status

    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    draft = services.start_draft(loan=make_loan(portfolio, "SL-9"), kind="dpo", by=staff)
    draft.settlement_amount = Decimal("150000.00")
    draft.payment_method = "wire"
    draft.save()
    staff.is_active = False
    staff.save()
    batch = batches.start_review_batch(
        choices=[(draft.pk, draft.version)], reviewer=attorney, by=staff
    )
    item = batch.items.get()
    assert item.status == ReviewBatchItem.Status.FAILED
    assert "no longer holds the Staff role" in item.reason
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.django_db(transaction=True)
def test_with_workers_a_mail_is_queued_in_the_changes_own_transaction(settings):
    from django.db import transaction

    from accounts import reset

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with transaction.atomic():
        reset.send_reset_link_later("a@example.com", domain="x", use_https=True)
        assert DBTaskResult.objects.count() == 1  # a row of this transaction
    try:
        with transaction.atomic():
            reset.send_reset_link_later("b@example.com", domain="x", use_https=True)
            raise RuntimeError("the change is rolled back")
    except RuntimeError:
        pass
    assert DBTaskResult.objects.count() == 1  # the rolled-back change queued nothing
    queued = DBTaskResult.objects.get()
    assert queued.priority == 50  # ahead of imports and batches


@pytest.mark.django_db
def test_old_finished_task_records_are_pruned(settings):
    from background.tasks import prune_task_records
    from tests.background import work

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old = work.fails.enqueue()
    recent = work.fails.enqueue()
    waiting = work.fails.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now() - timedelta(days=31)
    )
    DBTaskResult.objects.filter(pk=recent.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - timedelta(days=29)
    )
    assert prune_task_records.call() == 1
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        DBTaskResult.objects.get(pk=recent.id).pk, DBTaskResult.objects.get(pk=waiting.id).pk
    }  # fmt: skip


@pytest.mark.django_db
def test_a_failed_mails_reason_names_no_address(client, staff, settings):
    from accounts import tasks as account_tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = account_tasks.mail_address_changed.enqueue({"old_email": "x"})
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.FAILED, exception_class_path="smtplib.SMTPRecipientsRefused",
        traceback="Traceback...\nsmtplib.SMTPRecipientsRefused: {'old-address@example.com': (550, b'no')}",
    )  # fmt: skip
    client.force_login(staff)
    page = client.get("/background/").text
    assert "old-address@example.com" not in page
    assert "The mail could not be sent; the server&#x27;s log has the details." in page
