"""Background tasks of the deficiencies: the nightly re-assessment (which also queues the
day's portfolio totals) and deadline reminders.

Both are queued once a day by the workers' schedule (background.schedule) and can be run
by hand (`manage.py reassess_deficiencies`; enqueue the task from a shell).
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from deficiencies import services
from deficiencies.models import Deadline
from noteinvest.access import Role
from portfolios.models import Portfolio
from portfolios.stats import portfolio_totals

log = logging.getLogger(__name__)

REMINDER_DAYS = Deadline.REMINDER_DAYS


@task
def reassess_all() -> dict:
    """Re-assess every deficiency not assessed today; the counts, kept as the task's result."""
    portfolios = list(Portfolio.objects.only("pk", "loans_changed_at"))
    ids = [p.pk for p in portfolios]
    refreshed = services.assess_today(ids)
    # Every loan owes a day's more interest: the day's portfolio totals are queued now (one
    # refresh each), not at the first page of the morning (which would show yesterday's).
    portfolio_totals(portfolios, timezone.localdate())
    return {"portfolios": len(ids), "refreshed": len(refreshed)}


def reminder_rows(today, since=None):
    """The deadlines 30 and 7 days away, soonest first; with `since` (the last day the
    reminders went out), also those that came within 30 or 7 days on the days between,
    when no worker ran (at most 30 days back)."""
    first = max(since + timedelta(days=1), today - timedelta(days=30)) if since else today
    span = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    days = sorted({day + timedelta(days=n) for day in span for n in REMINDER_DAYS})
    days = [day for day in days if day >= today]
    return list(
        Deadline.objects.filter(due_on__in=days)
        .order_by("due_on", "state_code", "loan_number")
        .values("deficiency_id", "kind", "due_on", "state_code", "loan_number", "note")
    )


def staff_recipients():
    """Active holders of the Staff role (the role that sees every portfolio in the app):
    not admin-site flags, which outlive a role taken away."""
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.STAFF.value)
    return list(users.exclude(email="").distinct().values_list("email", flat=True))


@task
def mail_deadline_reminders(since: str | None = None) -> dict:
    """Mail staff the deadlines 30 and 7 days away (one mail per person, none if none due).

    `since`: the last day reminders went out (ISO date, from the schedule); deadlines that
    came within 30 or 7 days on the days missed since then are included. Run again the
    same day (a retried task), it mails again: a reminder twice is better than none. An
    address the mail server refuses is logged and skipped; the others still get theirs.
    """
    today = timezone.localdate()
    rows = reminder_rows(today, date.fromisoformat(since) if since else None)
    recipients = staff_recipients()
    if not rows or not recipients:
        return {"deadlines": len(rows), "mailed": 0}
    kinds = dict(Deadline.Kind.choices)
    site = settings.SITE_URL.rstrip("/")
    items = [
        {
            **row,
            "label": kinds.get(row["kind"], row["kind"]),
            "days": (row["due_on"] - today).days,
            "url": site + reverse("deficiencies:detail", args=[row["deficiency_id"]]),
        }
        for row in rows
    ]
    context = {
        "items": items,
        "today": today,
        "deadlines_url": site + reverse("deficiencies:deadlines"),
    }
    subject = render_to_string("deficiencies/mail/reminders_subject.txt", context).strip()
    body = render_to_string("deficiencies/mail/reminders.txt", context)
    mailed = 0
    for email in recipients:
        try:
            send_mail(subject, body, None, [email])
        except Exception:  # noqa: BLE001 - one refused address must not stop the rest
            log.exception("Deadline reminder to one staff member could not be sent")
        else:
            mailed += 1
    log.info("Deadline reminders: %d deadlines mailed to %d people", len(rows), mailed)
    return {"deadlines": len(rows), "mailed": mailed}
