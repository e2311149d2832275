"""The confirm pages that delete, archive or restore a portfolio, loan or import (staff only),
and the history of corrections. GET shows what would happen and what blocks it; POST, with
its reason, calls portfolios.corrections."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from noteinvest.access import Role, get_visible_or_404, role_required
from portfolios import corrections
from portfolios.forms import CorrectionForm
from portfolios.models import Correction, Loan, Portfolio, TapeImport

A = Correction.Action


def _actions(archived: bool, deletable: bool, *, archivable: bool = True) -> list[str]:
    actions = [A.RESTORED if archived else A.ARCHIVED] if archivable else []
    return [*actions, A.DELETED] if deletable else actions


def _confirm(request, *, obj, kind, title, label, dependents, blockers, actions, run, gone_to,
             back, deletes, crumbs):  # fmt: skip
    """The confirm page shared by the three kinds; `run(action, reason)` does the work and
    returns where to go with its message."""
    form = CorrectionForm(request.POST or None, actions=actions)
    if request.method == "POST" and form.is_valid():
        try:
            url, message = run(form.cleaned_data["action"], form.cleaned_data["reason"])
        except corrections.Gone as exc:
            messages.info(request, str(exc))
            return redirect(gone_to)
        except corrections.CorrectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect(url)
    return render(
        request,
        "portfolios/correction_confirm.html",
        {"form": form, "obj": obj, "kind": kind, "title": title, "label": label,
         "dependents": dependents, "blockers": blockers, "actions": actions, "back": back,
         "deletes": deletes, "crumbs": crumbs, "active_nav": "portfolios"},
    )  # fmt: skip


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def loan_correct(request, pk):
    loan = get_visible_or_404(
        Loan.objects.select_related("portfolio", "archived_by").prefetch_related("borrowers"),
        request.user,
        pk=pk,
    )
    dependents = corrections.loan_dependents(loan)

    def run(action, reason):
        if action == A.DELETED:
            corrections.delete_loan(loan=loan, by=request.user, reason=reason)
            return loan.portfolio.get_absolute_url(), f"Loan {loan.loan_number} deleted."
        corrections.archive_loan(
            loan=loan, by=request.user, reason=reason, restore=action == A.RESTORED
        )
        done = "restored" if action == A.RESTORED else "archived"
        return loan.get_absolute_url(), f"Loan {loan.loan_number} {done}."

    return _confirm(
        request, obj=loan, kind="loan", title=f"Delete or archive loan {loan.loan_number}",
        label=corrections.loan_label(loan), dependents=dependents, blockers=[],
        actions=_actions(loan.archived_at is not None, not dependents), run=run,
        gone_to=loan.portfolio.get_absolute_url(), back=loan.get_absolute_url(),
        deletes="the loan and its borrowers",
        crumbs=[(loan.portfolio.name, loan.portfolio.get_absolute_url()),
                (f"Loan {loan.loan_number}", loan.get_absolute_url())],
    )  # fmt: skip


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def portfolio_correct(request, pk):
    portfolio = get_visible_or_404(
        Portfolio.objects.select_related("archived_by"), request.user, pk=pk
    )
    dependents = corrections.portfolio_dependents(portfolio)

    def run(action, reason):
        if action == A.DELETED:
            corrections.delete_portfolio(portfolio=portfolio, by=request.user, reason=reason)
            return reverse("portfolios:list"), f"Portfolio “{portfolio.name}” deleted."
        corrections.archive_portfolio(
            portfolio=portfolio, by=request.user, reason=reason, restore=action == A.RESTORED
        )
        done = "restored" if action == A.RESTORED else "archived"
        return portfolio.get_absolute_url(), f"Portfolio “{portfolio.name}” {done}."

    loans, imports = portfolio.loans.count(), portfolio.imports.count()
    return _confirm(
        request, obj=portfolio, kind="portfolio",
        title=f"Delete or archive portfolio {portfolio.name}",
        label=f"Portfolio {portfolio.name}", dependents=dependents, blockers=[],
        actions=_actions(portfolio.archived_at is not None, not dependents), run=run,
        gone_to=reverse("portfolios:list"), back=portfolio.get_absolute_url(),
        deletes=f"the portfolio, its {loans:,} loan{'s' * (loans != 1)} with their borrowers, "
        f"and its {imports:,} tape import{'s' * (imports != 1)}",
        crumbs=[(portfolio.name, portfolio.get_absolute_url())],
    )  # fmt: skip


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def import_delete(request, pk):
    # Staff only, and staff see every import.
    job = get_object_or_404(
        TapeImport.objects.select_related("portfolio").defer(*TapeImport.HEAVY_FIELDS), pk=pk
    )
    blockers = corrections.import_blockers(job)

    def run(action, reason):
        corrections.delete_import(job=job, by=request.user, reason=reason)
        return job.portfolio.get_absolute_url(), f"The import of {job.filename} was deleted."

    return _confirm(
        request, obj=job, kind="import", title=f"Delete the import of {job.filename}",
        label=f"Tape import of {job.filename} into {job.portfolio.name}", dependents=[],
        blockers=blockers, actions=_actions(False, not blockers, archivable=False), run=run,
        gone_to=job.portfolio.get_absolute_url(), back=job.get_absolute_url(),
        deletes="the import's record and its kept file (the loans in the portfolio stay as "
        "they are)",
        crumbs=[(job.portfolio.name, job.portfolio.get_absolute_url()),
                (f"Import of {job.filename}", job.get_absolute_url())],
    )  # fmt: skip


@role_required(Role.STAFF, Role.INVESTOR)
@require_GET
def correction_list(request):
    """Every correction the user may see, newest first: staff every one, an investor those
    of their portfolios (deleted ones included)."""
    rows = Correction.objects.visible_to(request.user).select_related("by", "portfolio")
    return render(
        request,
        "portfolios/correction_list.html",
        {"corrections": rows[:500], "active_nav": "portfolios"},
    )
