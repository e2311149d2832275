"""Writes for settlement agreements: start a draft prefilled from the loan, freeze versions.

(The review workflow — submit, comment, request changes, approve, send, sign — is built on
these in the next step; see the issue's closing note.)
"""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portfolios.payoff import payoff
from settlements import clauses, documents
from settlements.models import Agreement, AgreementStatusChange, AgreementVersion, Kind
from settlements.terms import terms_for


class AgreementError(ValueError):
    """A request the agreement's state does not allow; the message says why."""


def next_number(today=None) -> str:
    """SA-2026-0001, SA-2026-0002, ... per calendar year."""
    year = (today or timezone.localdate()).year
    prefix = f"SA-{year}-"
    last = (
        Agreement.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last.removeprefix(prefix)) + 1) if last else 1:04d}"


def start_draft(*, loan, kind: str, by) -> Agreement:
    """A draft prefilled from the loan, its portfolio, its payoff today and its deficiency."""
    today = timezone.localdate()
    figures = payoff(loan, today)
    portfolio = loan.portfolio
    deficiency = getattr(loan, "deficiency", None)
    with transaction.atomic():
        agreement = Agreement.objects.create(
            number=next_number(today),
            kind=kind,
            loan=loan,
            deficiency=deficiency,
            drafted_by=by,
            holder_name=portfolio.holder_legal_name or portfolio.name,
            holder_address=portfolio.holder_address,
            agreement_date=today,
            governing_state=loan.property_state,
            payoff_as_of=today,
            principal=figures.principal,
            interest=figures.interest,
            fees=figures.fees,
            costs=figures.costs,
            advances=figures.advances,
            suspense=figures.suspense,
            total_debt=figures.total,
            offer_expires_on=today + timedelta(days=30),
            lump_sum_due=today + timedelta(days=45) if kind == Kind.DPO else None,
            listing_signed_by=today + timedelta(days=14) if kind == Kind.SHORT_SALE else None,
            closing_deadline=today + timedelta(days=120) if kind == Kind.SHORT_SALE else None,
        )
        AgreementStatusChange.objects.create(
            agreement=agreement, to_status=agreement.status, changed_by=by, note="Draft started."
        )
    return agreement


def freeze_version(*, agreement: Agreement, by) -> AgreementVersion:
    """Render the agreement's current terms and store them, the text and the PDF bytes."""
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        terms = terms_for(locked, version_number=number)
        pdf = documents.html_to_pdf(documents.render_terms_html(terms))
        return AgreementVersion.objects.create(
            agreement=locked,
            number=number,
            terms=terms,
            text=clauses.plain_text(terms),
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            created_by=by,
        )
