"""Background tasks of the notifications: an agreement's move mailed to whom it concerns,
late payments found each morning, and the morning digest.

Nothing here runs in a request: an agreement's move queues `mail_status_change` with its
transaction (accounts.reset.in_background), the daily jobs are queued by the workers'
schedule (background.schedule).
"""

from django.tasks import task
from django.utils import timezone

from accounts.tasks import MAIL_PRIORITY
from noteinvest.money import format_money
from notifications import services
from notifications.models import Kind


@task(priority=MAIL_PRIORITY)
def mail_status_change(change_id: int) -> dict:
    """Write and mail the notices of one agreement move: sent for review (to its reviewer),
    changes requested and approved (to its drafter and whoever sent it for review, not to
    the one who made the move)."""
    from settlements.models import AgreementStatusChange, Status

    change = (
        AgreementStatusChange.objects.select_related("agreement__loan", "changed_by")
        .filter(pk=change_id)
        .first()
    )
    if change is None:
        return {"notified": 0, "mailed": 0}
    agreement = change.agreement
    by = change.changed_by
    what = f"{agreement.get_kind_display()} {agreement.number}, loan {agreement.loan.loan_number}"
    if change.to_status == Status.IN_REVIEW:
        kind, people = Kind.REVIEW_REQUESTED, [agreement.reviewer_id]
        title = f"{agreement.number} is sent to you for review"
        line = f"{what}: sent by {by}. {change.note}"
    else:
        submitted = (
            AgreementStatusChange.objects.filter(agreement=agreement, to_status=Status.IN_REVIEW)
            .order_by("-changed_at", "-pk")
            .values_list("changed_by_id", flat=True)
            .first()
        )
        people = [agreement.drafted_by_id, submitted]
        if change.to_status == Status.CHANGES_REQUESTED:
            kind, title = Kind.CHANGES_REQUESTED, f"Changes requested on {agreement.number}"
            line = f"{what}: {by} asks for changes: “{change.note}”"
        elif change.to_status == Status.APPROVED:
            kind, title = Kind.APPROVED, f"{agreement.number} is approved"
            line = f"{what}: approved by {by}; it can be sent to the borrower."
        else:
            return {"notified": 0, "mailed": 0}
    people = [p for p in people if p is not None and p != by.pk]
    notified = services.notify(
        people, kind, f"status:{change.pk}", title,
        services.site_url(agreement.get_absolute_url()), line,
    )  # fmt: skip
    return {"notified": len(notified), "mailed": services.send_pending(notified)}


@task  # the schedule's order: after the night's re-assessment and the reminders
def mail_late_payments() -> dict:
    """Each late installment of a signed DPO, once, to staff and the portfolio's owners."""
    from dashboard.queues import payments_due

    today = timezone.localdate()
    rows = [row for row in payments_due(today) if row[3]]
    staff = services.staff_members()
    owners = services.owners_of({a.loan.portfolio_id for a, *_ in rows})
    notified = set()
    for agreement, due_on, amount, _late in rows:
        notified |= services.notify(
            staff + owners.get(agreement.loan.portfolio_id, []),
            Kind.PAYMENT_LATE,
            f"payment:{agreement.pk}:{due_on.isoformat()}",
            f"Payment late on {agreement.number}",
            services.site_url(agreement.get_absolute_url()),
            f"{format_money(amount)} was due {due_on:%B %-d, %Y} under {agreement.number} "
            f"(loan {agreement.loan.loan_number}) and is not received.",
            portfolio_id=agreement.loan.portfolio_id,
        )
    return {"late": len(rows), "mailed": services.send_pending(notified)}


@task  # after the morning's reminders and late payments, queued before it
def mail_digests() -> dict:
    """The morning digest: each waiting notice of the people who chose one, in one e-mail.
    Also a sweep for everyone else: a notice the mail server refused, or one left waiting
    when its person switched from the digest, is mailed now rather than at their next
    event."""
    return {
        "mailed": services.send_pending(digest=True),
        "swept": services.send_pending(digest=False),
    }
