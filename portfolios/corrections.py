"""Corrections with a trail: delete a portfolio, loan or import entered in error, or archive
what others depend on, and restore it; each with its reason, kept as a Correction row.

What "depends on" means: a row of another app (a liquidation, a deficiency, a settlement
agreement) that protects the object from deletion (`on_delete=PROTECT`). It is found from
the relations themselves, so portfolios imports none of the apps built on it. A portfolio's
own parts (its loans' borrowers, its imports, a cache kept beside it) are deleted with it.

A tape import does not record which loans it wrote (Loan has no link to its import, and an
import also updates loans others created), so deleting an import deletes its record and its
kept file only. An import that wrote loans is the record of where they came from: it is not
deleted while it did; the loans are corrected one by one, or the portfolio as a whole.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F, Sum
from django.utils import timezone

from portfolios.models import Borrower, Correction, Loan, Portfolio, TapeImport
from portfolios.panels import notify_loans_changed
from portfolios.payoff import payoff

SHOWN = 10  # dependents named per kind on a confirm page; the rest are counted


class CorrectionError(ValueError):
    """The correction is not allowed (something depends on the object); the message says why."""


class Gone(CorrectionError):
    """The object was deleted meanwhile (a second click, another user): nothing to do."""


@dataclass
class Dependents:
    """The rows of one kind that depend on the object: the first SHOWN, and how many."""

    kind: str
    count: int
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (label, url)


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _protecting(model) -> list:
    """The relations of other apps that protect `model`'s rows from deletion."""
    return [
        rel
        for rel in model._meta.related_objects
        if rel.related_model._meta.app_label != model._meta.app_label
        and rel.on_delete is models.PROTECT
    ]


def _collect(lookups: list[tuple[type, dict]]) -> list[Dependents]:
    """Group the rows matching each (model, filter) by model: its count and first rows."""
    by_model: dict[type, set] = {}
    for model, lookup in lookups:
        by_model.setdefault(model, set()).update(
            model._default_manager.filter(**lookup).values_list("pk", flat=True)
        )
    found = []
    for model, pks in by_model.items():
        if not pks:
            continue
        first = model._default_manager.filter(pk__in=pks).order_by("pk")[:SHOWN]
        items = [
            (str(row), row.get_absolute_url() if hasattr(row, "get_absolute_url") else None)
            for row in first
        ]
        name = model._meta.verbose_name if len(pks) == 1 else model._meta.verbose_name_plural
        found.append(Dependents(str(name), len(pks), items))
    return sorted(found, key=lambda d: d.kind)


def loan_dependents(loan: Loan) -> list[Dependents]:
    return _collect([(rel.related_model, {rel.field.name: loan}) for rel in _protecting(Loan)])


def portfolio_dependents(portfolio: Portfolio) -> list[Dependents]:
    lookups = [(rel.related_model, {rel.field.name: portfolio}) for rel in _protecting(Portfolio)]
    lookups += [
        (rel.related_model, {f"{rel.field.name}__portfolio": portfolio})
        for rel in _protecting(Loan)
    ]
    return _collect(lookups)


def import_blockers(job: TapeImport) -> list[str]:
    """Why this import's record cannot be deleted (none: it can)."""
    if job.status in TapeImport.ACTIVE:
        return ["It is queued or running: cancel it first, or wait for it to finish."]
    if job.status == TapeImport.Status.SUCCEEDED and (job.created or job.updated):
        return [
            f"It wrote loans ({job.created} created, {job.updated} updated), and it is the "
            "record of where they came from. Loans do not record which import wrote them, so "
            "deleting this record would not undo them: delete or archive those loans (or the "
            "whole portfolio) instead."
        ]
    return []


# --- snapshots and labels ---------------------------------------------------------------------


def loan_label(loan: Loan) -> str:
    primary = next(iter(loan.borrowers.all()), None)
    who = f" ({primary})" if primary is not None else ""
    return f"Loan {loan.loan_number}{who} in portfolio {loan.portfolio.name}"


def loan_snapshot(loan: Loan) -> dict:
    today = timezone.localdate()
    return {
        "loan_number": loan.loan_number,
        "borrowers": [str(b) for b in loan.borrowers.all()],
        "property": loan.property_line,
        "status": loan.status,
        "upb": _money(loan.upb),
        "note_rate": str(loan.note_rate),
        "paid_to_date": loan.paid_to_date.isoformat(),
        "payoff_today": _money(payoff(loan, today).total),
        "payoff_as_of": today.isoformat(),
        "purchase_price": None if loan.purchase_price is None else _money(loan.purchase_price),
    }


def portfolio_snapshot(portfolio: Portfolio) -> dict:
    figures = portfolio.loans.aggregate(upb=Sum("upb"), price=Sum("purchase_price"))
    return {
        "name": portfolio.name,
        "seller": portfolio.seller,
        "loans": portfolio.loans.count(),
        "upb": _money(figures["upb"]),
        "loan_purchase_prices": _money(figures["price"]),
        "purchase_price": None
        if portfolio.purchase_price is None
        else _money(portfolio.purchase_price),
        "owners": sorted(portfolio.owners.values_list("email", flat=True)),
    }


def import_snapshot(job: TapeImport) -> dict:
    return {
        "filename": job.filename,
        "status": job.status,
        "dry_run": job.dry_run,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "problems": job.problem_count,
        "uploaded_at": job.created_at.isoformat() if job.created_at else None,
    }


def record(*, action, kind, obj_id, label, portfolio, reason, snapshot, by) -> Correction:
    """Write the history row (inside the caller's transaction)."""
    row = Correction.objects.create(
        action=action, kind=kind, object_id=obj_id, label=label[:300],
        portfolio=portfolio, portfolio_name=portfolio.name if portfolio else "",
        reason=reason, snapshot=snapshot, by=by,
    )  # fmt: skip
    if portfolio is not None:
        row.owners.set(portfolio.owners.all())
    return row


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError("Give the reason for this correction.")
    return reason


def _locked(model, pk):
    found = model.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise Gone(f"This {model._meta.verbose_name} was already deleted: nothing was changed.")
    return found


# --- loans ------------------------------------------------------------------------------------


def delete_loan(*, loan: Loan, by, reason: str) -> Correction:
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(Loan, loan.pk)
        locked = (
            Loan.objects.select_related("portfolio").prefetch_related("borrowers").get(pk=locked.pk)
        )
        if loan_dependents(locked):
            raise CorrectionError(
                "Records depend on this loan, so it was not deleted: archive it instead."
            )
        row = record(
            action=Correction.Action.DELETED, kind=Correction.Kind.LOAN, obj_id=locked.pk,
            label=loan_label(locked), portfolio=locked.portfolio, reason=reason,
            snapshot=loan_snapshot(locked), by=by,
        )  # fmt: skip
        locked.delete()  # its borrowers go with it; post_delete touches the portfolio
    return row


def _set_archive(model, obj, *, archived: bool, by, reason: str) -> None:
    values = {
        "archived_at": timezone.now() if archived else None,
        "archived_by": by if archived else None,
        "archive_reason": reason if archived else "",
        "updated_at": timezone.now(),
    }
    if model is Loan:
        values["version"] = F("version") + 1
    model.objects.filter(pk=obj.pk).update(**values)


def archive_loan(*, loan: Loan, by, reason: str, restore: bool = False) -> Correction:
    """Archive the loan (hidden from every total, kept), or restore an archived one."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(Loan, loan.pk)
        if (locked.archived_at is None) != (not restore):
            raise CorrectionError(
                "This loan is not archived." if restore else "This loan is already archived."
            )
        locked = (
            Loan.objects.select_related("portfolio").prefetch_related("borrowers").get(pk=locked.pk)
        )
        _set_archive(Loan, locked, archived=not restore, by=by, reason=reason)
        row = record(
            action=Correction.Action.RESTORED if restore else Correction.Action.ARCHIVED,
            kind=Correction.Kind.LOAN, obj_id=locked.pk, label=loan_label(locked),
            portfolio=locked.portfolio, reason=reason, snapshot=loan_snapshot(locked), by=by,
        )  # fmt: skip
        # The cached totals are keyed by the portfolio's stamp; what depends on the loan (its
        # deficiency's summary) is told as for a bulk change.
        Portfolio.touch_loans(locked.portfolio_id)
        notify_loans_changed([locked.pk])
    return row


# --- portfolios -------------------------------------------------------------------------------


def delete_portfolio(*, portfolio: Portfolio, by, reason: str) -> Correction:
    """Delete the portfolio with its loans, their borrowers and its imports."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(Portfolio, portfolio.pk)
        if portfolio_dependents(locked):
            raise CorrectionError(
                "Records depend on this portfolio's loans, so it was not deleted: archive it "
                "instead."
            )
        row = record(
            action=Correction.Action.DELETED, kind=Correction.Kind.PORTFOLIO, obj_id=locked.pk,
            label=f"Portfolio {locked.name}", portfolio=locked, reason=reason,
            snapshot=portfolio_snapshot(locked), by=by,
        )  # fmt: skip
        Borrower.objects.filter(loan__portfolio=locked).delete()
        # One DELETE, not a post_delete signal per loan (each would touch the portfolio being
        # deleted): nothing else refers to these loans (portfolio_dependents is empty).
        Loan.objects.filter(portfolio=locked)._raw_delete(Loan.objects.db)
        locked.delete()  # its imports (and their files), its cache stamps; history rows stay
    return row


def archive_portfolio(*, portfolio: Portfolio, by, reason: str, restore=False) -> Correction:
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(Portfolio, portfolio.pk)
        if (locked.archived_at is None) != (not restore):
            raise CorrectionError(
                "This portfolio is not archived."
                if restore
                else "This portfolio is already archived."
            )
        _set_archive(Portfolio, locked, archived=not restore, by=by, reason=reason)
        row = record(
            action=Correction.Action.RESTORED if restore else Correction.Action.ARCHIVED,
            kind=Correction.Kind.PORTFOLIO, obj_id=locked.pk, label=f"Portfolio {locked.name}",
            portfolio=locked, reason=reason, snapshot=portfolio_snapshot(locked), by=by,
        )  # fmt: skip
        Portfolio.touch_loans(locked.pk)
    return row


# --- imports ----------------------------------------------------------------------------------


def delete_import(*, job: TapeImport, by, reason: str) -> Correction:
    """Delete an import's record and its kept file (never the loans: see the module's note)."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(TapeImport, job.pk)
        if import_blockers(locked):
            raise CorrectionError(import_blockers(locked)[0])
        portfolio = Portfolio.objects.get(pk=locked.portfolio_id)
        row = record(
            action=Correction.Action.DELETED, kind=Correction.Kind.IMPORT, obj_id=locked.pk,
            label=f"Tape import of {locked.filename} into {portfolio.name}",
            portfolio=portfolio, reason=reason, snapshot=import_snapshot(locked), by=by,
        )  # fmt: skip
        locked.delete()
    return row
