"""Reversing a liquidation recorded in error: its event and its deficiency are deleted (with
the deficiency's history, deadlines, counsel's answers, collection actions, bankruptcy),
the loan gets back the status it had, and a Correction row keeps who, when, why and the
figures. Refused once a suit, a judgment, a settlement agreement or a recovery exists:
those are acts on the deficiency that a reversal would silently erase."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from deficiencies.models import Deficiency, DeficiencySuit, Judgment, Recovery
from deficiencies.services import touch
from portfolios.choices import LoanStatus
from portfolios.corrections import CorrectionError, Gone, record
from portfolios.models import Correction, Loan


def reversal_blockers(deficiency: Deficiency) -> list[tuple[str, str | None]]:
    """What stops the reversal: (what, link) each; none when it may be reversed."""
    page = deficiency.get_absolute_url()
    found = []
    suit = DeficiencySuit.objects.filter(deficiency=deficiency).first()
    if suit is not None:
        found.append((f"a deficiency suit ({suit}, filed {suit.filed_on:%b %-d, %Y})", page))
    judgment = Judgment.objects.filter(deficiency=deficiency).first()
    if judgment is not None:
        found.append((f"a judgment (granted {judgment.granted_on:%b %-d, %Y})", page))
    # Any agreement on the loan: one drafted on the deficiency, or a short sale whose
    # completion recorded this liquidation. (A string path: deficiencies never imports
    # settlements.)
    for number, url_pk in deficiency.loan.agreements.order_by("pk").values_list("number", "pk"):
        found.append(
            (f"settlement agreement {number}", reverse("settlements:detail", args=[url_pk]))
        )
    recoveries = Recovery.objects.filter(deficiency=deficiency).count()
    if recoveries:
        found.append((f"{recoveries} recover{'y' if recoveries == 1 else 'ies'} received", page))
    return found


def status_after_reversal(event) -> str:
    """The loan's status once the liquidation is reversed: the one it had before; for an event
    recorded before that was kept, or on a loan already marked liquidated by hand or a tape,
    non-performing (the status a loan has before anyone says otherwise)."""
    before = event.loan_status_before
    if not before or before == LoanStatus.LIQUIDATED:
        return LoanStatus.NON_PERFORMING
    return before


def _money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def snapshot(deficiency: Deficiency) -> dict:
    event = deficiency.event
    return {
        "event_type": event.event_type,
        "event_date": event.event_date.isoformat(),
        "sale_price": _money(event.sale_price),
        "gross_price": _money(event.gross_price),
        "net_proceeds": _money(event.net_proceeds),
        "fair_market_value": _money(event.fair_market_value),
        "debt_as_of": deficiency.debt_as_of.isoformat(),
        "total_debt": _money(deficiency.total_debt),
        "credited": _money(deficiency.credited),
        "deficiency": _money(deficiency.deficiency),
        "status": deficiency.status,
        "verdict": deficiency.verdict,
        "loan_status_before": event.loan_status_before,
    }


def reverse_liquidation(*, deficiency: Deficiency, by, reason: str) -> Correction:
    """Delete the liquidation and its deficiency, put the loan's status back; refused (a
    CorrectionError naming what blocks it) once something depends on it; Gone when it was
    reversed meanwhile."""
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError("Give the reason for this correction.")
    with transaction.atomic():
        Loan.objects.select_for_update().filter(pk=deficiency.loan_id).first()
        locked = (
            Deficiency.objects.select_for_update(of=("self",))
            .select_related("event", "loan__portfolio")
            .filter(pk=deficiency.pk)
            .first()
        )
        if locked is None:
            raise Gone("This liquidation was already reversed: nothing was changed.")
        blockers = reversal_blockers(locked)
        if blockers:
            raise CorrectionError(
                "The liquidation was not reversed: "
                + ", ".join(what for what, _ in blockers)
                + " exist for it."
            )
        event, loan = locked.event, locked.loan
        row = record(
            action=Correction.Action.REVERSED, kind=Correction.Kind.LIQUIDATION, obj_id=event.pk,
            label=f"Liquidation of loan {loan.loan_number} ({event}) and its deficiency",
            portfolio=loan.portfolio, reason=reason, snapshot=snapshot(locked), by=by,
        )  # fmt: skip
        locked.delete()  # its status history, deadlines, answers, actions, bankruptcy
        event.delete()
        Loan.objects.filter(pk=loan.pk).update(
            status=status_after_reversal(event),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        touch(loan.portfolio_id)  # the loan counts at its payoff again; summaries are stale
    return row
