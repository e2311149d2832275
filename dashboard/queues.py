"""What waits on each user, for their home page: one queue per kind of work, each item linking
to where it is done. An item is there while its cause holds and gone once it is resolved:
the queues are read from the records themselves, never stored.

Staff: drafts to finish, changes requested, approved to send, awaiting signature, payments
due within 7 days or late, deadlines within 30 days, imports failed (14 days). Attorneys:
agreements to review (with their age), comments awaiting their reply. Investors: their
agreements completed this month and their portfolios' deadlines within 30 days.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from deficiencies.models import live_deadlines
from noteinvest.access import Role, roles_of
from noteinvest.lists import first_rows
from portfolios.models import Portfolio, TapeImport
from settlements.models import Agreement, Kind, ReviewComment, Status

SHOWN = 5  # items listed per queue; the count and the link give the rest
DEADLINE_DAYS = 30
PAYMENT_DAYS = 7
FAILED_IMPORT_DAYS = 14


@dataclass
class Item:
    label: str
    url: str
    detail: str = ""
    late: bool = False


@dataclass
class Queue:
    key: str
    title: str
    count: int
    items: list[Item] = field(default_factory=list)
    more_url: str = ""

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


def _listed(key: str, title: str, qs, item, more_url: str = "") -> Queue:
    """A queue of the first SHOWN rows of `qs` (already ordered), each made an Item by
    `item(row)`, with the count of all (noteinvest.lists.first_rows)."""
    rows, count = first_rows(qs, SHOWN)
    return Queue(key, title, count, [item(r) for r in rows], more_url)


def _agreements(status, title, key, today, qs=None) -> Queue:
    qs = (qs if qs is not None else Agreement.objects).filter(status=status)
    fields = ("pk", "number", "kind", "loan__loan_number", "updated_at")
    return _listed(
        key,
        title,
        qs.select_related("loan").only(*fields).order_by("updated_at", "pk"),
        lambda a: Item(
            f"{a.number}, loan {a.loan.loan_number}",
            a.get_absolute_url(),
            f"{a.get_kind_display()}; {_age(a.updated_at, today)}",
        ),
        f"{reverse('settlements:list')}?status={status}",
    )


def _age(when, today: date) -> str:
    days = (today - timezone.localtime(when).date()).days
    return "since today" if days <= 0 else f"waiting {days} day{'s' if days != 1 else ''}"


def payments_due(today: date, agreements=None) -> list[tuple[Agreement, date, Decimal, bool]]:
    """Signed DPOs with money due within PAYMENT_DAYS or late: (agreement, due date, amount
    due by then and not yet paid, late). An installment is paid once the payments received
    cover it and every one before it."""
    qs = agreements if agreements is not None else Agreement.objects
    signed = (
        qs.filter(status=Status.SIGNED, kind=Kind.DPO)
        .select_related("loan")
        .prefetch_related("installments")
        .annotate(paid=Sum("payments__amount"))
    )
    horizon = today + timedelta(days=PAYMENT_DAYS)
    out = []
    for agreement in signed:
        paid = agreement.paid or Decimal("0")
        schedule = sorted(agreement.installments.all(), key=lambda i: i.due_on) or (
            [(agreement.lump_sum_due, agreement.settlement_amount)]
            if agreement.lump_sum_due and agreement.settlement_amount
            else []
        )
        owed = Decimal("0")
        for step in schedule:
            due_on, amount = (step.due_on, step.amount) if hasattr(step, "due_on") else step
            owed += amount
            if owed > paid:
                if due_on <= horizon:
                    out.append((agreement, due_on, owed - paid, due_on < today))
                break
    return sorted(out, key=lambda row: row[1])


def _payments_queue(today: date) -> Queue:
    rows = payments_due(today)
    return Queue(
        key="payments",
        title=f"Payments due within {PAYMENT_DAYS} days or late",
        count=len(rows),
        items=[
            Item(
                f"{a.number}, loan {a.loan.loan_number}",
                a.get_absolute_url(),
                f"${amount:,.2f} {'was due' if late else 'due'} {due:%b %-d, %Y}",
                late=late,
            )
            for a, due, amount, late in rows[:SHOWN]
        ],
    )


def _deadlines_queue(today: date, portfolio_ids=None) -> Queue:
    qs = live_deadlines().filter(due_on__gte=today, due_on__lte=today + timedelta(DEADLINE_DAYS))
    if portfolio_ids is not None:
        qs = qs.filter(portfolio_id__in=portfolio_ids)
    return _listed(
        "deadlines",
        f"Deadlines within {DEADLINE_DAYS} days",
        qs.order_by("due_on", "pk"),
        lambda d: Item(
            f"{d.get_kind_display()}, loan {d.loan_number} ({d.state_code})",
            reverse("deficiencies:detail", args=[d.deficiency_id]),
            f"by {d.due_on:%b %-d, %Y} ({(d.due_on - today).days} days)",
            late=(d.due_on - today).days <= 7,
        ),
        reverse("deficiencies:deadlines"),
    )


def staff_queues(today: date) -> list[Queue]:
    since = timezone.now() - timedelta(days=FAILED_IMPORT_DAYS)
    failed = (
        TapeImport.objects.filter(
            status__in=[TapeImport.Status.FAILED, TapeImport.Status.REJECTED], created_at__gte=since
        )
        .select_related("portfolio")
        .only("pk", "filename", "status", "created_at", "portfolio__name")
    )
    return [
        _agreements(Status.DRAFT, "Drafts to finish", "drafts", today),
        _agreements(Status.CHANGES_REQUESTED, "Changes requested", "changes", today),
        _agreements(Status.APPROVED, "Approved, to send to the borrower", "approved", today),
        _agreements(Status.SENT, "Sent, awaiting signature", "sent", today),
        _payments_queue(today),
        _deadlines_queue(today),
        _listed(
            "imports",
            f"Imports failed or rejected (last {FAILED_IMPORT_DAYS} days)",
            failed.order_by("-created_at"),
            lambda job: Item(
                f"{job.filename} into {job.portfolio.name}",
                job.get_absolute_url(),
                f"{job.get_status_display()}, {timezone.localtime(job.created_at):%b %-d}",
                late=True,
            ),
        ),
    ]


def attorney_queues(user, today: date) -> list[Queue]:
    review = _agreements(
        Status.IN_REVIEW, "Agreements to review", "review", today,
        qs=Agreement.objects.filter(reviewer=user),
    )  # fmt: skip
    review.more_url = f"{reverse('settlements:list')}?status={Status.IN_REVIEW}"
    comments = ReviewComment.objects.filter(
        version__agreement__reviewer=user,
        version__agreement__status=Status.IN_REVIEW,
        resolved_at__isnull=True,
    ).exclude(author=user)
    return [
        review,
        _listed(
            "comments",
            "Comments awaiting your reply",
            comments.select_related("version__agreement", "author").order_by("created_at"),
            lambda c: Item(
                f"{c.version.agreement.number}: {c.author.get_short_name()}",
                c.version.agreement.get_absolute_url(),
                _age(c.created_at, today),
            ),
        ),
    ]


def investor_queues(user, today: date) -> list[Queue]:
    mine = list(Portfolio.objects.filter(owners=user).values_list("pk", flat=True))
    first = today.replace(day=1)
    done = Agreement.objects.filter(
        loan__portfolio_id__in=mine, status=Status.COMPLETED, completed_on__gte=first
    )
    return [
        _listed(
            "completed",
            "Agreements completed this month",
            done.select_related("loan").order_by("-completed_on", "-pk"),
            lambda a: Item(
                f"{a.number}, loan {a.loan.loan_number}",
                a.get_absolute_url(),
                f"{a.get_kind_display()}, completed {a.completed_on:%b %-d}",
            ),
            f"{reverse('settlements:list')}?status={Status.COMPLETED}",
        ),
        _deadlines_queue(today, portfolio_ids=mine),
    ]


def queues_for(user, today: date | None = None) -> dict[str, list[Queue]]:
    """Each of the user's roles -> its queues."""
    today = today or timezone.localdate()
    roles = roles_of(user)
    out = {}
    if Role.STAFF in roles:
        out["staff"] = staff_queues(today)
    if Role.ATTORNEY in roles:
        out["attorney"] = attorney_queues(user, today)
    if Role.INVESTOR in roles:
        out["investor"] = investor_queues(user, today)
    return out


# Queues that list news, not work: not counted in the navigation.
NOT_WAITING = {"completed"}


def waiting_count(user) -> int:
    """Everything waiting on the user across their queues: the count beside Home."""
    return sum(
        q.count
        for role_queues in queues_for(user).values()
        for q in role_queues
        if q.key not in NOT_WAITING
    )
