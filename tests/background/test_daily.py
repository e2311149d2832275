"""The daily jobs: queued once a day whatever the number of workers, the nightly
re-assessment, and deadline reminders mailed to staff for deadlines 30 and 7 days away."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.utils import timezone

from background import schedule
from background.models import ScheduledRun
from deficiencies import tasks
from deficiencies.models import Deadline
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db


def local(day_and_time: str):
    return timezone.make_aware(datetime.fromisoformat(day_and_time))


def test_a_job_is_queued_once_a_day_after_its_time(tasks_wait, settings):
    # The two this test follows.
    settings.BACKGROUND_SCHEDULE = {
        "prune-task-records": None, "prune-checked-tapes": None, "late-payments": None,
        "notification-digest": None,
    }  # fmt: skip
    assert schedule.queue_due(local("2026-12-01 01:00")) == []  # before 01:30: nothing yet
    assert schedule.queue_due(local("2026-12-01 01:31")) == ["reassess-deficiencies"]
    # A second worker, or the same one later that day: already queued.
    assert schedule.queue_due(local("2026-12-01 05:00")) == []
    assert schedule.queue_due(local("2026-12-01 06:01")) == ["deadline-reminders"]
    assert schedule.queue_due(local("2026-12-01 23:59")) == []
    queued = [r.task.module_path for r in default_task_backend.results]
    assert queued == [
        "deficiencies.tasks.reassess_all",
        "deficiencies.tasks.mail_deadline_reminders",
    ]
    # The next day, both again; a worker that starts late (at noon) queues them then.
    assert schedule.queue_due(local("2026-12-02 12:00")) == [
        "reassess-deficiencies", "deadline-reminders"
    ]  # fmt: skip
    run = ScheduledRun.objects.get(name="reassess-deficiencies")
    assert str(run.last_day) == "2026-12-02" and run.task_id


def test_a_job_can_be_moved_or_turned_off(tasks_wait, settings):
    settings.BACKGROUND_SCHEDULE = {
        "reassess-deficiencies": "04:00", "deadline-reminders": None, "prune-task-records": None,
        "prune-checked-tapes": None, "late-payments": None, "notification-digest": None,
    }  # fmt: skip
    assert schedule.queue_due(local("2026-12-01 03:59")) == []
    assert schedule.queue_due(local("2026-12-01 23:00")) == ["reassess-deficiencies"]


def test_the_nightly_reassessment_reports_what_it_did(portfolio, staff):
    record_sale(make_loan(portfolio, "R-1"), staff)
    result = tasks.reassess_all.enqueue()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"portfolios": 1, "refreshed": 0}  # assessed at the sale


def write_deadline(deficiency, day, kind=Deadline.Kind.FILING):
    loan = deficiency.loan
    return Deadline.objects.update_or_create(
        deficiency=deficiency, kind=kind,
        defaults={"due_on": day, "portfolio_id": loan.portfolio_id,
                  "state_code": loan.property_state, "loan_number": loan.loan_number},
    )[0]  # fmt: skip


def test_reminders_name_deadlines_30_and_7_days_away_to_staff_and_the_owner_once(
    portfolio, staff, owner, settings
):
    settings.SITE_URL = "https://notes.example.com"
    today = timezone.localdate()
    in_30 = write_deadline(record_sale(make_loan(portfolio, "D-30"), staff), today + timedelta(30))
    write_deadline(record_sale(make_loan(portfolio, "D-7"), staff), today + timedelta(7))
    write_deadline(record_sale(make_loan(portfolio, "D-8"), staff), today + timedelta(8))
    Deadline.objects.exclude(loan_number__in=["D-30", "D-7", "D-8"]).delete()
    result = tasks.mail_deadline_reminders.enqueue()
    assert result.return_value == {"deadlines": 2, "mailed": 2}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, owner.email])
    for message in mail.outbox:
        assert message.subject == "NoteInvest: 2 deadlines in 30 or 7 days"
        assert "loan D-30" in message.body and "loan D-7 " in message.body
        assert "D-8" not in message.body
        assert f"https://notes.example.com/deficiencies/{in_30.deficiency_id}/" in message.body
        assert "confirm it with an\nattorney licensed in that state" in message.body
        assert "https://notes.example.com/account/notifications/" in message.body
    # Run again the same day (a retried task): each deadline was mailed once, nothing again.
    assert tasks.mail_deadline_reminders.enqueue().return_value == {"deadlines": 2, "mailed": 0}
    assert len(mail.outbox) == 2


def test_no_reminder_mail_when_nothing_is_due(portfolio, staff):
    Deadline.objects.all().delete()
    assert tasks.mail_deadline_reminders.enqueue().return_value == {"deadlines": 0, "mailed": 0}
    assert mail.outbox == []
