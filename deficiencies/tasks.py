"""Background tasks of the deficiencies: the nightly re-assessment (which also queues the
day's portfolio totals) and deadline reminders (through notifications).

Both are queued once a day by the workers' schedule (background.schedule) and can be run
by hand (`manage.py reassess_deficiencies`; enqueue the task from a shell).
"""

import logging
from datetime import date, timedelta

from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from deficiencies import services
from deficiencies.models import Deadline, live_deadlines
from notifications import services as notices
from notifications.models import Kind
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
        live_deadlines()
        .filter(due_on__in=days)
        .order_by("due_on", "state_code", "loan_number")
        .values(
            "deficiency_id", "kind", "due_on", "state_code", "loan_number", "note", "portfolio_id"
        )
    )


@task
def mail_deadline_reminders(since: str | None = None) -> dict:
    """Notify the deadlines 30 and 7 days away: to staff, and to the investors who own the
    portfolio, each as they chose (notifications.Preference: off, each as it happens, or in
    the morning digest). Each person's deadlines of the day come in one e-mail.

    `since`: the last day reminders went out (ISO date, from the schedule); deadlines that
    came within 30 or 7 days on the days missed since then are included. A notice is keyed
    by its deadline, date and threshold: a retried task mails nothing twice. An address the
    mail server refuses is logged and tried again at the next run; the others still get
    theirs.
    """
    today = timezone.localdate()
    rows = reminder_rows(today, date.fromisoformat(since) if since else None)
    if not rows:
        return {"deadlines": 0, "mailed": 0}
    kinds = dict(Deadline.Kind.choices)
    staff = notices.staff_members()
    owners = notices.owners_of({row["portfolio_id"] for row in rows})
    notified = set()
    for row in rows:
        days = (row["due_on"] - today).days
        threshold = min(n for n in REMINDER_DAYS if days <= n)
        label = kinds.get(row["kind"], row["kind"])
        notified |= notices.notify(
            staff + owners.get(row["portfolio_id"], []),
            Kind.DEADLINE,
            f"deadline:{row['deficiency_id']}:{row['kind']}:{row['due_on']}:{threshold}",
            f"{row['due_on']:%B %-d, %Y} ({days} days): {label}, loan {row['loan_number']} "
            f"({row['state_code']})",
            notices.site_url(reverse("deficiencies:detail", args=[row["deficiency_id"]])),
            row["note"],
            portfolio_id=row["portfolio_id"],
        )
    mailed = notices.send_pending(notified)
    log.info("Deadline reminders: %d deadlines, %d e-mails", len(rows), mailed)
    return {"deadlines": len(rows), "mailed": mailed}
