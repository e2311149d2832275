"""Writes for settlement agreements: drafts prefilled from the loan, consistency checks,
frozen versions, and the review workflow (submit, comment, request changes, approve, send,
signed copy, payments, expire, cancel, default).

Every step locks the agreement row, checks its status against TRANSITIONS, and writes a
history row, so two people acting at once cannot both succeed and nothing is half-done.
"""

import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from pypdf import PdfReader

from deficiencies.models import Deficiency
from noteinvest.access import Role, has_role
from noteinvest.money import MoneyError, check_fits, round_cents
from portfolios.payoff import payoff
from settlements import clauses, documents, seal
from settlements.limits import (
    AGREEMENT_DATE,
    MAX_BUYER_NAMES,
    MAX_COMMENT,
    MAX_HARDSHIP,
    MAX_HOLDER_ADDRESS,
    MAX_INSTRUCTIONS,
    MAX_JUNIOR_LIENHOLDERS,
    MAX_NOTE,
    MAX_NOTICE_ADDRESS,
    MAX_RIDER_BODY,
    MAX_RIDER_TITLE,
    MAX_SIGNING_NAME,
    TERM_DATE,
)
from settlements.models import (
    LIVE_STATES,
    TRANSITIONS,
    Agreement,
    AgreementCounter,
    AgreementStatusChange,
    AgreementVersion,
    DraftingStep,
    Installment,
    Kind,
    Payment,
    ReviewComment,
    Rider,
    SealedPdf,
    SignedCopy,
    Status,
    acts_as_reviewer,
    review_refusal,
)
from settlements.terms import terms_for


class AgreementError(ValueError):
    """A request the agreement's state does not allow; the message says why."""


class LiveAgreementExists(AgreementError):
    """The loan already has a live agreement of that kind: `agreement` is the one to use."""

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        super().__init__(
            f"Loan {agreement.loan.loan_number} already has a live "
            f"{agreement.get_kind_display()} agreement, {agreement.number} "
            f"({agreement.get_status_display().lower()}): carry on with that one, or cancel "
            "or expire it before starting another."
        )


class BorrowersNotNamed(AgreementError):
    """A borrower of the loan has no name (the tape did not carry names), or it has none:
    an agreement names every borrower as a party, so it cannot be drafted or frozen."""


NO_BORROWER = "The loan has no borrower: add one before drafting an agreement."
UNNAMED_BORROWERS = (
    "Borrower names: not on the tape. An agreement names every borrower as a party, so none "
    "can be drafted until each borrower's name is entered on the loan."
)


def parties_refusal(names: list[str]) -> str:
    """Why borrowers with these names cannot be parties to an agreement ("" when they can):
    there is none, or a name was not on the tape (blank)."""
    if not names:
        return NO_BORROWER
    if any(not (name or "").strip() for name in names):
        return UNNAMED_BORROWERS
    return ""


NUMBER_ATTEMPTS = 5


def next_number(today=None, *, resync: bool = False) -> str:
    """SA-2026-0001, SA-2026-0002, ... per calendar year, from the year's counter row.

    Call it inside a transaction: the counter row stays locked until that transaction ends,
    so two drafts started at once take turns instead of taking the same number. A new
    counter (or `resync`, after a clash) starts above the numbers agreements already carry,
    so a number is never given twice."""
    year = (today or timezone.localdate()).year
    prefix = f"SA-{year}-"
    counter, created = AgreementCounter.objects.select_for_update().get_or_create(year=year)
    if created or resync:
        counter.last = max(counter.last, _highest_used(prefix))
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:04d}"


def _highest_used(prefix: str) -> int:
    """The highest number of this prefix that agreements already carry (0 when none): rows
    written before the counter existed, or without it."""
    used = 0
    for number in Agreement.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    ):
        tail = number.removeprefix(prefix)
        if tail.isascii() and tail.isdigit():
            used = max(used, int(tail))
    return used


def deficiency_owed(deficiency, day=None) -> Decimal:
    """What the borrower still owes after a liquidation on `day` (today by default): the
    claim the deficiency page shows (`Deficiency.outstanding_on`: the judgment with its
    post-judgment interest once granted, else the recoverable figure, the fair-value or
    purchaser-capped deficiency where the state's provisions apply one), less what was
    recovered since."""
    return deficiency.outstanding_on(day or timezone.localdate())


def deficiency_per_diem(deficiency, day) -> Decimal:
    """What a deficiency's claim grows by each day after `day`: $0.00 after a liquidation,
    unless a judgment's post-judgment interest runs (its principal still due x its rate /
    365, simple, as `Judgment.interest_to` accrues it), and never once it has lapsed."""
    judgment = getattr(deficiency, "judgment", None)
    if judgment is None or (judgment.lapses_on and judgment.lapses_on <= day):
        return Decimal("0.00")
    principal = judgment.principal_due if judgment.principal_due is not None else judgment.amount
    return round_cents(principal * judgment.interest_rate / Decimal(100) / Decimal(365))


def _debt_snapshot(loan, deficiency, today) -> dict:
    """The debt the agreement settles, good through `today`: the payoff today with the
    loan's per diem, or, once the property was liquidated, the debt as of the event (its
    lines) and the claim on the deficiency page today (the total) with the judgment's per
    diem, if any."""
    if deficiency is None:
        figures = payoff(loan, today)
        total, as_of, daily = figures.total, today, figures.per_diem
    else:
        figures, as_of = deficiency, deficiency.debt_as_of
        total, daily = deficiency_owed(deficiency, today), deficiency_per_diem(deficiency, today)
    snapshot = {
        "payoff_as_of": as_of,
        "principal": figures.principal,
        "deferred_principal": figures.deferred_principal,
        "interest": figures.interest,
        "fees": figures.fees,
        "costs": figures.costs,
        "advances": figures.advances,
        "suspense": figures.suspense,
        "total_debt": total,
        "good_through": today,
        "per_diem": daily,
    }
    # Every computed figure must fit its 14-digit column before anything is stored.
    for name, label in SNAPSHOT_LABELS.items():
        check_fits(snapshot[name], label)
    return snapshot


def amount_waived_on(agreement, day, received: Decimal) -> Decimal:
    """The amount waived when the money (the final payment, or a short sale's net proceeds)
    was received on `day`, by the rule the waiver states: the Total Debt plus the per diem
    for each day after the good-through date up to and including `day`, less what was
    received (never below $0.00)."""
    good = agreement.good_through or agreement.payoff_as_of
    days = max((day - good).days, 0)
    return max(agreement.total_debt + agreement.per_diem * days - received, Decimal("0.00"))


SNAPSHOT_LABELS = {
    "principal": "The unpaid principal",
    "deferred_principal": "The deferred principal",
    "interest": "The accrued interest",
    "fees": "The fees",
    "costs": "The costs",
    "advances": "The escrow advances",
    "suspense": "The suspense funds",
    "total_debt": "The total debt",
    "per_diem": "The per diem",
}


# A loan whose debt is settled or paid off takes no new agreement.
SETTLED_LOAN = ("settled", "paid_off")


def start_draft(*, loan, kind: str, by) -> Agreement:
    """A draft prefilled from the loan, its portfolio, its payoff today and its deficiency.

    One live agreement of a kind per loan (LiveAgreementExists names it). The number comes
    from the year's counter row, locked until the draft is written, so drafts started at
    once take turns; a number clash all the same is retried in a savepoint."""
    today = timezone.localdate()
    if loan.status in SETTLED_LOAN:
        raise AgreementError(
            f"Loan {loan.loan_number} is {loan.get_status_display().lower()}: its debt is "
            "settled, so no new agreement is drafted."
        )
    refusal = parties_refusal([b.name for b in loan.borrowers.all()])
    if refusal:
        raise BorrowersNotNamed(refusal)
    # Read afresh: a loan object's cached deficiency may predate a recovery or a judgment.
    deficiency = Deficiency.objects.filter(loan=loan).select_related("event").first()
    if deficiency is not None:
        if kind == Kind.SHORT_SALE:
            raise AgreementError(
                "The property was already liquidated: a short sale no longer fits. "
                "Draft a DPO of the deficiency instead."
            )
        if deficiency.extinguished or deficiency_owed(deficiency) <= 0:
            raise AgreementError("Nothing is left to settle on this loan's deficiency.")
        refusal = barred_refusal(deficiency, today)
        if refusal:
            raise AgreementError(refusal)
    try:
        snapshot = _debt_snapshot(loan, deficiency, today)
    except MoneyError as exc:
        raise AgreementError(f"No draft was started: {exc}") from None
    with transaction.atomic():
        clashed = False
        for attempt in range(1, NUMBER_ATTEMPTS + 1):
            # Takes the year's counter row (locked until the end of this transaction): a
            # draft started at the same moment waits here, then sees this one's row.
            number = next_number(today, resync=True) if clashed else next_number(today)
            _refuse_second_live(loan, kind)
            try:
                # A savepoint: a clash rolls back this insert only, never the caller's work.
                with transaction.atomic():
                    return _insert_draft(loan, kind, number, deficiency, snapshot, today, by)
            except IntegrityError:
                # Of the same kind on the same loan (lead to that one), or the number was
                # taken by a row written without the counter (retry with the next).
                _refuse_second_live(loan, kind)
                if not Agreement.objects.filter(number=number).exists():
                    raise
                clashed = True
                if attempt == NUMBER_ATTEMPTS:
                    raise AgreementError(
                        "Several agreements were being started at the same moment, so this "
                        "one was not. Try again."
                    ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def barred_refusal(deficiency, today=None) -> str:
    """Why no agreement may settle this deficiency as a debt still owed ("" when one may):
    its verdict from the state's provisions (deficiencies.services.assessment_for) is barred
    or extinguished. Such a claim is refused, not drafted as a release: a settlement of it
    would ask the borrower to pay a debt the law bars, and a release of a barred claim is
    counsel's own document (see the README)."""
    from deficiencies.models import NOT_RECOVERABLE, Verdict
    from deficiencies.services import assessment_for

    verdict = assessment_for(deficiency, today=today or timezone.localdate()).verdict
    if verdict not in NOT_RECOVERABLE:
        return ""
    return (
        f"The deficiency on loan {deficiency.loan.loan_number} is "
        f"{Verdict(verdict).label.lower()} (see the deficiency page for the reasons and the "
        "provisions they rest on): the law does not let the holder collect it, so it cannot "
        "be settled as a debt still owed and no agreement is drafted on it. A release of the "
        "barred claim is for counsel to write."
    )


def _refuse_second_live(loan, kind) -> None:
    live = (
        Agreement.objects.filter(loan=loan, kind=kind, status__in=LIVE_STATES)
        .select_related("loan")
        .only("number", "kind", "status", "loan__loan_number")
        .first()
    )
    if live is not None:
        raise LiveAgreementExists(live)


def _insert_draft(loan, kind, number, deficiency, snapshot, today, by) -> Agreement:
    """The draft row, its first history row and its first drafting step."""
    portfolio = loan.portfolio
    agreement = Agreement.objects.create(
        number=number,
        kind=kind,
        loan=loan,
        deficiency=deficiency,
        drafted_by=by,
        holder_name=portfolio.holder_legal_name or portfolio.name,
        holder_address=portfolio.holder_address,
        agreement_date=today,
        governing_state=loan.property_state,
        **snapshot,
        offer_expires_on=today + timedelta(days=30),
        lump_sum_due=today + timedelta(days=45) if kind == Kind.DPO else None,
        listing_signed_by=today + timedelta(days=14) if kind == Kind.SHORT_SALE else None,
        closing_deadline=today + timedelta(days=120) if kind == Kind.SHORT_SALE else None,
    )
    AgreementStatusChange.objects.create(
        agreement=agreement, to_status=agreement.status, changed_by=by, note="Draft started."
    )
    DraftingStep.objects.create(agreement=agreement, by=by, step=DraftingStep.Step.STARTED)
    return agreement


def freeze_version(*, agreement: Agreement, by) -> AgreementVersion:
    """Render the agreement's current terms and store them, the text and the PDF bytes.
    Never with a borrower whose name is blank (not on the tape): a party is never blank."""
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        terms = terms_for(locked, version_number=number)
        refusal = parties_refusal([b["name"] for b in terms["borrowers"]])
        if refusal:
            raise BorrowersNotNamed(refusal)
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


# --- consistency checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    ok: bool
    label: str
    detail: str = ""
    # A warning: shown on the checklist, but it does not stop the draft going to review.
    warn: bool = False


def checks_for(agreement: Agreement, today=None) -> list[Check]:
    """What must hold before an agreement goes to review, as a checklist.

    The figures are recomputed from their own sources, never from one another: the total
    from the loan's payoff (or the deficiency's claim) on the good-through date, the amount
    waived as the document states it, the amount received from the terms (the installments
    when there are any). What the document says is read from its rendered text."""
    today = today or timezone.localdate()
    out = []
    received = agreement.amount_received
    kind_label = "settlement amount" if agreement.kind == Kind.DPO else "minimum net proceeds"
    out.append(
        Check(
            received is not None and received > 0,
            f"The {kind_label} is set",
            "" if received else f"Enter the {kind_label}.",
        )
    )
    installments = list(agreement.installments.all()) if agreement.kind == Kind.DPO else []
    text = _document_text(agreement)
    expected, source = _independent_total(agreement)
    out += _figure_checks(agreement, expected, source)
    if received is not None:
        below = expected is not None and received < expected
        out.append(
            Check(
                below,
                f"The {kind_label} is below the payoff (the total debt)",
                f"{received:,.2f}; {source}."
                if below or expected is None
                else f"{received:,.2f} is not below it: {source}. A settlement accepts less "
                "than the debt; at the whole debt or more, nothing is forgiven.",
            )
        )
        # Each term from its own source: what the holder receives from the terms (the
        # installments when there are any), what it waives as the document states it, the
        # total from the loan or the deficiency.
        paid = sum((i.amount for i in installments), Decimal("0")) if installments else received
        waived = _stated_waiver(text)
        out.append(
            Check(
                waived is not None and expected is not None and waived + paid == expected,
                "Amount waived + amount received = total debt",
                (
                    f"{waived:,.2f} (as the waiver states it) + {paid:,.2f} = "
                    f"{waived + paid:,.2f}; {source}"
                    if waived is not None
                    else "The waiver does not state the amount waived."
                ),
            )
        )
    dates = []
    if agreement.kind == Kind.DPO:
        if installments:
            summed = sum((i.amount for i in installments), Decimal("0"))
            out.append(
                Check(
                    summed == agreement.settlement_amount,
                    "Installments add up",
                    f"{summed:,.2f} in {len(installments)} installments.",
                )
            )
            dates += [("an installment", i.due_on) for i in installments]
        else:
            out.append(Check(agreement.lump_sum_due is not None, "The lump sum has a due date"))
            dates.append(("the lump sum", agreement.lump_sum_due))
        out.append(Check(bool(agreement.payment_method), "How to pay is set"))
    else:
        for label, value in (
            ("the listing deadline", agreement.listing_signed_by),
            ("the closing deadline", agreement.closing_deadline),
        ):
            dates.append((label, value))
    out.append(_dates_in_order(agreement, installments, today))
    if agreement.kind == Kind.SHORT_SALE and (agreement.loan.lien_position or 1) >= 2:
        senior = agreement.senior_lienholder.strip()
        out.append(
            Check(
                bool(senior) and clauses.SENIOR_APPROVAL in text,
                "A junior lien's short sale is conditioned on the senior lender's approval",
                f"Lien position {agreement.loan.lien_position}: "
                + (
                    f"the agreement names {senior} and makes its written approval a condition."
                    if senior and clauses.SENIOR_APPROVAL in text
                    else "enter the senior lienholder, whose written approval of the sale the "
                    "agreement makes a condition."
                    if not senior
                    else "the agreement does not make the senior lender's approval a condition."
                ),
            )
        )
    if agreement.kind == Kind.SHORT_SALE:
        out += _sale_checks(agreement)
    if agreement.deficiency_id:
        out += _window_checks(agreement, installments)
        refusal = barred_refusal(agreement.deficiency, today)
        out.append(
            Check(
                not refusal,
                "The deficiency may still be collected (not barred or extinguished)",
                refusal,
            )
        )
    dates.append(("the offer's expiry", agreement.offer_expires_on))
    missing = [label for label, value in dates if value is None]
    past = [label for label, value in dates if value is not None and value <= today]
    _, latest = TERM_DATE.bounds()
    far = [label for label, value in dates if value is not None and value > latest]
    out.append(
        Check(
            not missing and not past and not far,
            "Dates are set, in the future and within 10 years",
            "; ".join(
                [f"{m} is missing" for m in missing]
                + [f"{p} is not in the future" for p in past]
                + [f"{f} is more than 10 years away" for f in far]
            ),
        )
    )
    low, high = AGREEMENT_DATE.bounds()
    out.append(
        Check(
            low <= agreement.agreement_date <= high,
            "The agreement is dated within a year of today",
            f"Dated {agreement.agreement_date.isoformat()}.",
        )
    )
    borrowers = list(agreement.loan.borrowers.all())
    unnamed = sum(1 for b in borrowers if not b.name.strip())
    detail = f"{len(borrowers)} borrower(s) on the loan."
    if unnamed:
        detail = (
            f"{len(borrowers)} borrower(s) on the loan, {unnamed} not named (not on the tape): "
            "enter the names in the loan's form."
        )
    out.append(Check(bool(borrowers) and not unnamed, "Every borrower is named", detail))
    loan = agreement.loan
    gaps = [
        *(["the street"] if not loan.property_address.strip() else []),
        *(["the city"] if not loan.property_city.strip() else []),
        *(["the ZIP"] if not loan.property_zip.strip() else []),
        *(
            [f"the full ZIP (only its first three digits are known: {loan.property_zip})"]
            if loan.zip_is_partial
            else []
        ),
    ]
    out.append(
        Check(
            not gaps,
            "The property's address is complete",
            f"Missing {_and(gaps)}: enter it in the loan's form. The agreement names the "
            "property by its address (agency tapes give no street and only part of the ZIP)."
            if gaps
            else loan.property_line,
        )
    )
    out.append(
        Check(
            agreement.governing_state == agreement.loan.property_state,
            "The governing state is the property's state",
        )
    )
    out.append(
        Check(
            bool(agreement.holder_name.strip() and agreement.holder_address.strip()),
            "The holder's legal name and address are set",
        )
    )
    out += _release_deadline_checks(agreement)
    out.append(_required_clauses_check(agreement))
    blanks = sorted(set(re.findall(r"\[[^\[\]]{1,80} to be set\]", text)))
    out.append(
        Check(
            not blanks,
            "No blank is left to fill in the document",
            ("Still blank: " + ", ".join(blanks) + ". Enter them in the steps or the loan's form.")
            if blanks
            else "",
        )
    )
    waiver = clauses.WAIVER_TITLE in text and clauses.WAIVER_RELEASE in text
    out.append(
        Check(
            waiver,
            "The waiver section is present",
            f"Section “{clauses.WAIVER_TITLE}” "
            + ("is in the document." if waiver else "is missing from the document."),
        )
    )
    return out


def _required_clauses_check(agreement: Agreement) -> Check:
    """Every required clause of the library that applies to this agreement prints in it: a
    clause whose fields do not apply to the document would otherwise drop out silently."""
    from settlements import library

    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    terms = terms_for(agreement, version_number=number)
    missing = [
        e["title"]
        for e in library.choose(library.current_entries(), terms)
        if e["required"] and library.render_clause(e, terms) is None
    ]
    return Check(
        not missing,
        "Every required clause is in the document",
        ("Left out: " + ", ".join(f"“{t}”" for t in missing) + ". Ask an attorney to correct "
         "it in the clause library.") if missing else "",
    )  # fmt: skip


def _release_deadline_checks(agreement: Agreement) -> list[Check]:
    """The days promised to release the lien are within the state's own deadline, where its
    law sets one (settlements/data/release_deadlines.csv). Nothing to release after a
    liquidation."""
    if agreement.kind == Kind.DPO and agreement.deficiency_id:
        return []
    rule = clauses.release_deadlines().get(agreement.governing_state)
    if rule is None:
        return []
    ok = agreement.lien_release_days <= rule["days"]
    return [
        Check(
            ok,
            "The lien is released within the state's deadline",
            f"{agreement.lien_release_days} days; {rule['citation']} allows {rule['days']} days "
            f"{rule['trigger']}" + ("." if ok else ": shorten the release period in the terms."),
        )
    ]


def _window_checks(agreement: Agreement, installments) -> list[Check]:
    """A DPO on a deficiency not yet sued on, paid after the state's filing window closes:
    if the borrower then defaults, the holder may have nothing left to sue on (N.Y. RPAPL
    § 1371(3): without a motion in time, the sale's proceeds satisfy the debt). A warning
    for counsel, with the window's own rule and source."""
    from deficiencies.models import Deadline, DeficiencySuit

    if agreement.kind != Kind.DPO:
        return []
    due = [i.due_on for i in installments] or [agreement.lump_sum_due]
    last = max((d for d in due if d is not None), default=None)
    window = Deadline.objects.filter(
        deficiency_id=agreement.deficiency_id, kind=Deadline.Kind.FILING
    ).first()
    if last is None or window is None:
        return []
    if DeficiencySuit.objects.filter(deficiency_id=agreement.deficiency_id).exists():
        return []
    closes_first = window.due_on < last
    return [
        Check(
            not closes_first,
            "The deficiency's filing window stays open until the last payment",
            (
                f"The filing window closes on {window.due_on:%B} {window.due_on.day}, "
                f"{window.due_on.year}, before the last payment due {last:%B} {last.day}, "
                f"{last.year}: if the borrower defaults after it, the holder may no longer be "
                f"able to sue for the deficiency ({window.note or 'see the deficiency page'}). "
                "Move the last payment before it, or file first. Confirm with an attorney "
                "licensed in the state."
            )
            if closes_first
            else "",
            warn=True,
        )
    ]


def _sale_checks(agreement: Agreement) -> list[Check]:
    """A short-sale approval (issue 12): the buyer and the price are set; the minimum net
    proceeds plus every cap at its limit fit the price (recomputed from the agreement, as the
    terms step does); a scheduled foreclosure sale has its date."""
    from settlements.sale_fields import sale_figures
    from settlements.terms import lienholder_lines

    a = agreement
    missing = [
        *(["the buyer"] if not a.buyer_names.strip() else []),
        *(["the contract price"] if a.contract_price is None else []),
    ]
    out = [
        Check(
            not missing,
            "The buyer and the contract price are set",
            f"Enter {_and(missing)} in the terms."
            if missing
            else f"{' '.join(a.buyer_names.split())} for {a.contract_price:,.2f}.",
        )
    ]
    junior = a.junior_liens_cap if lienholder_lines(a.junior_lienholders) else None
    unset = [
        *(["the contract price"] if a.contract_price is None else []),
        *(["the minimum net proceeds"] if a.minimum_net_proceeds is None else []),
        *(
            ["a brokers' commission cap"]
            if a.commission_cap_percent is None and a.commission_cap_amount is None
            else []
        ),
        *(["the closing-cost cap"] if a.closing_costs_cap is None else []),
        *(
            ["the junior-lien cap"]
            if lienholder_lines(a.junior_lienholders) and a.junior_liens_cap is None
            else []
        ),
    ]
    label = "The minimum net proceeds and the caps fit within the contract price"
    if unset:
        out.append(Check(False, label, f"Enter {_and(unset)}."))
    else:
        try:
            figures = sale_figures(
                price=a.contract_price, minimum=a.minimum_net_proceeds,
                percent=a.commission_cap_percent, commission=a.commission_cap_amount,
                closing_costs=a.closing_costs_cap, junior=junior,
                relocation=a.relocation_amount,
            )  # fmt: skip
        except MoneyError as exc:
            out.append(Check(False, label, str(exc)))
        else:
            over = figures.over
            out.append(
                Check(
                    over is None and a.contract_price >= a.minimum_net_proceeds,
                    label,
                    f"{figures.sum_text()} against a contract price of {a.contract_price:,.2f}"
                    + (f": {over:,.2f} over." if over is not None else "."),
                )
            )
    scheduled = a.foreclosure in ("postponed", "not_postponed")
    out.append(
        Check(
            not scheduled or a.foreclosure_sale_on is not None,
            "A scheduled foreclosure sale has its date",
            f"“{a.get_foreclosure_display()}” needs the scheduled sale's date."
            if scheduled and a.foreclosure_sale_on is None
            else a.get_foreclosure_display()
            + (f": {a.foreclosure_sale_on.isoformat()}." if a.foreclosure_sale_on else "."),
        )
    )
    return out


def _document_text(agreement: Agreement) -> str:
    """The agreement's document as it would be frozen now, as plain text (tags stripped,
    white space collapsed): what the checks read the waiver and the conditions from."""
    import html as html_lib
    import re

    from django.utils.html import strip_tags

    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    rendered = documents.render_terms_html(terms_for(agreement, version_number=number))
    # A space after each closing tag: paragraphs and cells never run into one another.
    rendered = re.sub(r"(</[a-zA-Z0-9]+>)", r"\1 ", rendered)
    return re.sub(r"\s+", " ", html_lib.unescape(strip_tags(rendered))).strip()


def _stated_waiver(text: str) -> Decimal | None:
    """The amount waived as the document's waiver states it ("... the amount the Holder
    waives is [at most] <words> ($1,234.56)"), None when it states none."""
    import re

    found = re.search(
        r"the amount the Holder waives is (?:at most )?[^($]*\((-?)\$([0-9,]+\.[0-9]{2})\)", text
    )
    return Decimal(found.group(1) + found.group(2).replace(",", "")) if found else None


def _lines_sum(figures) -> Decimal:
    return (
        figures.principal
        + figures.interest
        + figures.fees
        + figures.costs
        + figures.advances
        - figures.suspense
    )


def _good_through(agreement: Agreement):
    return agreement.good_through or agreement.payoff_as_of


def _independent_total(agreement: Agreement) -> tuple[Decimal | None, str]:
    """The total debt recomputed from its source on the agreement's good-through date: the
    loan's payoff, or the claim on the deficiency page (`Deficiency.outstanding_on`: the
    fair-value, purchaser-capped or judgment figure where one applies)."""
    day = _good_through(agreement)
    if agreement.deficiency_id:
        total = deficiency_owed(agreement.deficiency, day)
        return total, f"the claim on the deficiency page on {day.isoformat()} is {total:,.2f}"
    try:
        total = payoff(agreement.loan, day).total
    except ValueError as exc:
        return None, f"the loan's payoff cannot be computed ({exc})"
    return total, f"the loan's payoff on {day.isoformat()} is {total:,.2f}"


def _figure_checks(agreement: Agreement, expected, source: str) -> list[Check]:
    """The snapshot's lines add up; the total and the per diem are what the loan (or the
    deficiency) gives on the good-through date."""
    day = _good_through(agreement)
    lines = _lines_sum(agreement)
    deficiency = agreement.deficiency if agreement.deficiency_id else None
    if deficiency is None:
        adds_up = lines == agreement.total_debt
        detail = f"{lines:,.2f} in its lines; total debt {agreement.total_debt:,.2f}."
    else:
        # After a liquidation the lines are the debt as of the event (the deficiency's).
        adds_up = lines == deficiency.total_debt
        detail = (
            f"{lines:,.2f} in its lines; the debt at the "
            f"{deficiency.event.get_event_type_display().lower()} was "
            f"{deficiency.total_debt:,.2f}."
        )
    if deficiency is None:
        try:
            daily = payoff(agreement.loan, day).per_diem
        except ValueError:
            daily = None
    else:
        daily = deficiency_per_diem(deficiency, day)
    return [
        Check(adds_up, "The debt's lines add up to the debt they state", detail),
        Check(
            expected is not None and agreement.total_debt == expected,
            "The total debt is the loan's payoff (or the deficiency's claim) on the "
            "good-through date",
            f"The agreement says {agreement.total_debt:,.2f}; {source}.",
        ),
        Check(
            daily is not None and agreement.per_diem == daily,
            "The per diem is the loan's (after a liquidation: the judgment's, else $0.00)",
            f"The agreement says {agreement.per_diem:,.2f} a day"
            + (f"; it is {daily:,.2f}." if daily is not None else "."),
        ),
    ]


def _dates_in_order(agreement: Agreement, installments, today) -> Check:
    """A DPO: today <= the acceptance deadline (the offer's expiry) <= the first payment <=
    the last. A short sale: today <= the listing deadline <= the acceptance deadline <= the
    closing deadline."""
    if agreement.kind == Kind.DPO:
        due = [i.due_on for i in installments] or [agreement.lump_sum_due]
        steps = [
            ("today", today),
            ("the acceptance deadline", agreement.offer_expires_on),
            ("the first payment", min(due) if None not in due else None),
            ("the last payment", max(due) if None not in due else None),
        ]
    else:
        steps = [
            ("today", today),
            ("the listing deadline", agreement.listing_signed_by),
            ("the acceptance deadline", agreement.offer_expires_on),
            ("the closing deadline", agreement.closing_deadline),
        ]
    known = [(label, value) for label, value in steps if value is not None]
    wrong = [
        f"{b_label} ({b.isoformat()}) comes before {a_label} ({a.isoformat()})"
        for (a_label, a), (b_label, b) in zip(known, known[1:], strict=False)
        if b < a
    ]
    if agreement.kind == Kind.SHORT_SALE and not wrong:
        listing, closing = agreement.listing_signed_by, agreement.closing_deadline
        if listing and closing and closing <= listing:
            wrong.append("the closing deadline is not after the listing deadline")
    return Check(
        not wrong,
        "Dates are in order: " + " ≤ ".join(label for label, _ in steps),
        "; ".join(wrong),
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def problems(agreement: Agreement) -> list[str]:
    return [
        c.label + (f" ({c.detail})" if c.detail else "")
        for c in checks_for(agreement)
        if not c.ok and not c.warn
    ]


# --- workflow ------------------------------------------------------------------------------------


def _lock(agreement: Agreement, expected_version: int | None = None) -> Agreement:
    locked = Agreement.objects.select_for_update().select_related("loan").get(pk=agreement.pk)
    if expected_version is not None and locked.version != expected_version:
        raise AgreementError(STALE)
    return locked


STALE = (
    "Someone else changed this agreement after you opened it, so nothing was done. "
    "Reload the page and try again."
)


def _check_length(value: str, limit: int, label: str) -> None:
    if len(value or "") > limit:
        raise AgreementError(f"{label} is {len(value):,} characters long; at most {limit:,}.")


# Moves mailed to whom they concern (notifications.tasks.mail_status_change).
NOTIFIED_MOVES = (Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)


def _move(agreement: Agreement, to: str, by, note: str = "") -> None:
    _check_length(note, MAX_NOTE, "The note")
    if to not in TRANSITIONS[agreement.status]:
        raise AgreementError(
            f"An agreement that is “{Status(agreement.status).label}” cannot become "
            f"“{Status(to).label}”."
        )
    change = AgreementStatusChange.objects.create(
        agreement=agreement, from_status=agreement.status, to_status=to, changed_by=by, note=note
    )
    if to in NOTIFIED_MOVES:
        from accounts.reset import in_background
        from notifications.tasks import mail_status_change

        in_background(mail_status_change, change.pk)  # mailed once the move is committed
    agreement.status = to
    Agreement.objects.filter(pk=agreement.pk).update(status=to, version=F("version") + 1)
    agreement.version += 1


def save_terms(
    *, form, installments=None, expected_version: int, by, step: str = DraftingStep.Step.TERMS
) -> Agreement:
    """Save a draft's terms (and installments); editing after a change request reopens it.
    The editor is recorded: nobody who edited a draft may review it."""
    with transaction.atomic():
        locked = _lock(form.instance, expected_version)
        if locked.status == Status.CHANGES_REQUESTED:
            _move(locked, Status.DRAFT, by, "Reopened to address the review.")
        elif locked.status != Status.DRAFT:
            raise AgreementError("Only a draft can be edited.")
        agreement = form.save(commit=False)
        _check_length(agreement.holder_address, MAX_HOLDER_ADDRESS, "The holder's address")
        _check_length(agreement.payment_instructions, MAX_INSTRUCTIONS, "The payment instructions")
        _check_length(agreement.hardship, MAX_HARDSHIP, "The borrower's hardship")
        _check_length(agreement.buyer_names, MAX_BUYER_NAMES, "The buyer's names")
        _check_length(
            agreement.junior_lienholders, MAX_JUNIOR_LIENHOLDERS, "The junior lienholders"
        )
        for party in agreement.parties or []:  # as signed, edited in the parties step
            _check_length(party.get("name"), MAX_SIGNING_NAME, "A borrower's name as signed")
            _check_length(party.get("notice_address"), MAX_NOTICE_ADDRESS, "A notice address")
        agreement.status = locked.status
        agreement.version = locked.version + 1
        agreement.save()
        if installments is not None:
            installments.instance = agreement
            installments.save()
        DraftingStep.objects.create(agreement=agreement, by=by, step=step)
    return agreement


def save_riders(*, agreement: Agreement, formset, expected_version: int, by) -> Agreement:
    """Save a draft's riders (added, changed, deleted). A rider whose words change loses the
    attorney's approval; a new one has none until the reviewing attorney gives it."""
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        if locked.status == Status.CHANGES_REQUESTED:
            _move(locked, Status.DRAFT, by, "Reopened to address the review.")
        elif locked.status != Status.DRAFT:
            raise AgreementError("Only a draft can be edited.")
        before = {r.pk: (r.title, r.body) for r in locked.riders.all()}
        formset.instance = locked
        formset.added_by = by
        for rider in formset.save(commit=False):
            _check_length(rider.title, MAX_RIDER_TITLE, "A rider's title")
            _check_length(rider.body, MAX_RIDER_BODY, "A rider's text")
            if rider.pk is None or before.get(rider.pk) != (rider.title, rider.body):
                rider.approved_by, rider.approved_at = None, None
            rider.save()
        for rider in formset.deleted_objects:
            rider.delete()
        Agreement.objects.filter(pk=locked.pk).update(version=locked.version + 1)
        locked.version += 1
        DraftingStep.objects.create(agreement=locked, by=by, step=DraftingStep.Step.RIDERS)
    return locked


def approve_rider(*, agreement: Agreement, rider_pk: int, by) -> Rider:
    """The reviewing attorney approves one rider of the version in review, as frozen."""
    with transaction.atomic():
        locked = _lock(agreement)
        _reviewing_attorney(locked, by)
        rider = locked.riders.select_for_update().filter(pk=rider_pk).first()
        if rider is None:
            raise AgreementError("No such rider on this agreement.")
        frozen = (latest_version(locked).terms or {}).get("riders") or []
        if {"title": rider.title, "body": rider.body} not in frozen:
            raise AgreementError("This rider is not in the version in review.")
        rider.approved_by, rider.approved_at = by, timezone.now()
        rider.save(update_fields=["approved_by", "approved_at"])
    return rider


def unapproved_riders(agreement: Agreement) -> list[Rider]:
    return [r for r in agreement.riders.all() if not r.is_approved]


def submit_for_review(
    *, agreement: Agreement, reviewer, by, expected_version=None
) -> AgreementVersion:
    """Freeze a version (terms and PDF) and send it to an attorney who may review it: not
    Staff, and not anyone who drafted, edited or submitted it (`review_refusal`)."""
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        if locked.status != Status.DRAFT:
            raise AgreementError("Only a draft can be submitted for review.")
        refusal = review_refusal(reviewer, locked, also_drafted_by=by)
        if refusal:
            raise AgreementError(f"{reviewer.email} cannot review this agreement. {refusal}")
        issues = problems(locked)
        if issues:
            raise AgreementError("Not ready for review: " + "; ".join(issues) + ".")
        version = freeze_version(agreement=locked, by=by)
        DraftingStep.objects.create(agreement=locked, by=by, step=DraftingStep.Step.SUBMITTED)
        Agreement.objects.filter(pk=locked.pk).update(reviewer=reviewer)
        locked.reviewer = reviewer
        _move(locked, Status.IN_REVIEW, by, f"Version {version.number} sent to {reviewer.email}.")
    return version


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.order_by("-number").first()


def add_comment(*, agreement: Agreement, section: int | None, body: str, by) -> ReviewComment:
    """A comment by the reviewing attorney on the version in review."""
    with transaction.atomic():
        locked = _lock(agreement)
        _reviewing_attorney(locked, by)
        return _comment(locked, section, body, by)


def _comment(agreement: Agreement, section: int | None, body: str, by) -> ReviewComment:
    version = latest_version(agreement)
    if version is None:
        raise AgreementError("There is no version to comment on yet.")
    if not body.strip():
        raise AgreementError("Write the comment.")
    _check_length(body.strip(), MAX_COMMENT, "The comment")
    return ReviewComment.objects.create(
        version=version, author=by, section=section, body=body.strip()
    )


def _reviewing_attorney(agreement: Agreement, by) -> None:
    """Comments and decisions: only the attorney the agreement was sent to, while it is in
    review, and only if separation of duties allows them (checked again at every step)."""
    refusal = review_refusal(by, agreement)
    if refusal:
        raise AgreementError(refusal)
    if agreement.reviewer_id != by.pk:
        raise AgreementError("This agreement was sent to another attorney for review.")
    if not acts_as_reviewer(by, agreement):
        raise AgreementError("This agreement is not in review: nothing can be added or decided.")


def request_changes(*, agreement: Agreement, note: str, by, expected_version=None) -> Agreement:
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        _reviewing_attorney(locked, by)
        if locked.status != Status.IN_REVIEW:
            raise AgreementError("Only an agreement in review can be sent back.")
        if note.strip():
            _comment(locked, None, note, by)
        _move(locked, Status.CHANGES_REQUESTED, by, note.strip())
    return locked


def open_comments(agreement: Agreement):
    """The agreement's review comments nobody has resolved yet (on any version)."""
    return ReviewComment.objects.filter(version__agreement=agreement, resolved_at__isnull=True)


def _open_phrase(n: int) -> str:
    return f"{n} open comment{'' if n == 1 else 's'}"


def resolve_comment(*, comment: ReviewComment, by, reopen: bool = False) -> ReviewComment:
    """Resolve (or reopen) a review comment, recording who and when: staff, or the
    attorney reviewing the agreement now; only while it is drafted or reviewed."""
    with transaction.atomic():
        locked = _lock(comment.version.agreement)
        if locked.status not in (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED):
            raise AgreementError(
                "Comments are resolved only while the agreement is drafted or reviewed."
            )
        if not has_role(by, Role.STAFF):
            _reviewing_attorney(locked, by)
        row = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        if reopen:
            row.resolved_by, row.resolved_at = None, None
        else:
            if row.resolved_at is not None:
                return row
            row.resolved_by, row.resolved_at = by, timezone.now()
        row.save(update_fields=["resolved_by", "resolved_at"])
    return row


def approve(
    *, agreement: Agreement, by, expected_version=None, open_confirmed: int | None = None
) -> Agreement:
    """Approve the version in review: its stored PDF, sealed by the firm's certificate
    (`SealedPdf`, written in the same transaction), becomes the document of record. With
    comments still open, only when the attorney confirmed that many (`open_confirmed`); the
    history then says so."""
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        _reviewing_attorney(locked, by)
        if locked.status != Status.IN_REVIEW:
            raise AgreementError("Only an agreement in review can be approved.")
        still_open = open_comments(locked).count()
        if still_open and open_confirmed != still_open:
            raise AgreementError(
                f"There {'is' if still_open == 1 else 'are'} {_open_phrase(still_open)}: "
                "resolve them, or confirm that you approve with them open. Nothing was changed."
            )
        waiting = unapproved_riders(locked)
        if waiting:
            raise AgreementError(
                "Approve each rider first, or request changes: "
                + ", ".join(f"“{r.title}”" for r in waiting)
                + (" is" if len(waiting) == 1 else " are")
                + " not approved. Nothing was changed."
            )
        version = latest_version(locked)
        if version is None or hashlib.sha256(bytes(version.pdf)).hexdigest() != version.sha256:
            raise AgreementError("The stored PDF does not match its hash; it cannot be approved.")
        # The firm's seal, in the same transaction: approved and sealed, or neither.
        try:
            sealed = seal.seal(
                bytes(version.pdf), reason=f"Approved: {locked.number} v{version.number}"
            )
        except seal.SealError as exc:
            raise AgreementError(
                f"Not approved: the approved PDF could not be sealed ({exc}). Nothing was changed; "
                "ask the administrator to check the seal certificate, then approve again."
            ) from exc
        SealedPdf.objects.create(
            version=version,
            pdf=sealed.pdf,
            sha256=sealed.sha256,
            certificate_subject=sealed.subject[:500],
            certificate_sha256=sealed.fingerprint,
            development=sealed.development,
        )
        Agreement.objects.filter(pk=locked.pk).update(approved_version=version)
        locked.approved_version = version
        note = f"Version {version.number} approved"
        note += f" with {_open_phrase(still_open)}." if still_open else "."
        _move(locked, Status.APPROVED, by, note)
    return locked


def mark_sent(*, agreement: Agreement, by, expected_version=None) -> Agreement:
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        _move(locked, Status.SENT, by, "Sent to the borrower.")
    return locked


MAX_UPLOAD = 20 * 1024 * 1024


# PDF white-space characters (ISO 32000-1, 7.2.2): all a file may hold after its last %%EOF.
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
# The largest page side the PDF specification recommends (200 inches, in points).
MAX_PAGE_SIDE = 14_400
# How much of a content stream is decoded to see whether it draws anything, and how much
# of all the document's content streams together before the file is refused.
CONTENT_PEEK = 64 * 1024
DOCUMENT_PEEK = 16 * 1024 * 1024


def check_signed_pdf(data: bytes) -> None:
    """Refuse what is not a readable PDF with at least one page. An encrypted PDF is refused
    too: the copy of record must open without a password, for anyone, for years.

    And what only looks like a PDF: bytes after the final %%EOF other than white space (an
    incremental update ends with its own %%EOF, so a real one never has any), a page
    without a usable MediaBox (its own or inherited: four numbers, a positive width and
    height of at most 200 inches), or no page with anything in its content stream."""
    if not data.startswith(b"%PDF-"):
        raise AgreementError("The signed copy must be a PDF file.")
    end = data.rfind(b"%%EOF")
    if end == -1:
        raise AgreementError(UNREADABLE)  # cut short, or not a PDF at all
    if data[end + len(b"%%EOF") :].strip(PDF_WHITESPACE):
        raise AgreementError(
            "The signed copy does not end where a PDF ends (nothing may follow its last "
            "%%EOF marker): upload the PDF as it came from the signing service or the scanner."
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AgreementError(
                "The signed copy is encrypted or password-protected: upload a copy that opens "
                "without a password."
            )
        pages = list(reader.pages)
        if not pages:
            raise AgreementError("The signed copy has no pages.")
        for number, page in enumerate(pages, start=1):
            if not _usable_mediabox(page):
                raise AgreementError(
                    f"Page {number} of the signed copy has no usable page size (MediaBox): "
                    "the file is damaged or was not made by a PDF writer."
                )
        budget = [DOCUMENT_PEEK]
        if not any(_draws_something(page, budget) for page in pages):
            raise AgreementError(
                "The signed copy's pages are empty (no page has any content): upload the "
                "signed PDF itself, as it came from the signing service or the scanner."
            )
    except AgreementError:
        raise
    except _TooMuchToDecode:
        raise AgreementError(
            "The signed copy's pages are blank for more than 16 MB of content before any draws "
            "something: upload the signed PDF as it came from the signing service or the "
            "scanner."
        ) from None
    # pypdf raises many kinds of error on a damaged file (its own, and ValueError, KeyError,
    # TypeError, RecursionError...): each one means the same thing here.
    except Exception:  # noqa: BLE001
        raise AgreementError(UNREADABLE) from None


UNREADABLE = (
    "The signed copy is not a readable PDF (the file is damaged or not a PDF). "
    "Upload the PDF as it came from the signing service or the scanner."
)


def _usable_mediabox(page) -> bool:
    """The page's MediaBox (pypdf copies an inherited one onto the page): four finite
    numbers making a box with a positive width and height of at most MAX_PAGE_SIDE."""
    box = page.get("/MediaBox")
    box = box.get_object() if box is not None else None
    if box is None or not isinstance(box, list) or len(box) != 4:
        return False
    try:
        # Exact, as every number here: a PDF number is decimal text (ISO 32000-1, 7.3.3).
        x1, y1, x2, y2 = (Decimal(str(value.get_object())) for value in box)
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return False
    if not all(v.is_finite() for v in (x1, y1, x2, y2)):
        return False
    width, height = abs(x2 - x1), abs(y2 - y1)
    return 0 < width <= MAX_PAGE_SIDE and 0 < height <= MAX_PAGE_SIDE


def _draws_something(page, budget: list[int]) -> bool:
    """Whether any of the page's content streams holds more than white space (only the
    first CONTENT_PEEK bytes of each are decoded, and no more than `budget[0]` bytes for
    the whole document)."""
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if contents is None:
        return False
    streams = list(contents) if isinstance(contents, list) else [contents]
    for stream in streams:
        stream = stream.get_object()
        if not hasattr(stream, "get_data"):
            continue
        if _peek(stream, budget).strip(PDF_WHITESPACE):
            return True
    return False


class _TooMuchToDecode(Exception):
    pass


def _peek(stream, budget: list[int]) -> bytes:
    """The start of a stream's decoded bytes, never more than CONTENT_PEEK of them and
    never through pypdf (which decodes a whole stream, up to 75 MB, and keeps it).

    A chain of FlateDecode filters (nearly every content stream) is inflated stage by stage
    only as far as the peek needs; a stream with another filter (rare in content streams)
    counts as drawing something if it holds any bytes. `budget` is what the whole document
    may still decode: past it the file is refused (`_TooMuchToDecode`).
    """
    filters = stream.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    if filters is None:
        names = []
    elif isinstance(filters, list):
        names = [str(f.get_object() if hasattr(f, "get_object") else f) for f in filters]
    else:
        names = [str(filters)]
    data = stream._data or b""
    if names and (any(n != "/FlateDecode" for n in names) or "/DecodeParms" in stream):
        return data[:1]
    for _ in names:
        try:
            data = zlib.decompressobj().decompress(data, CONTENT_PEEK)
        except zlib.error:
            return b""
    data = data[:CONTENT_PEEK]
    budget[0] -= len(data)
    if budget[0] < 0:
        raise _TooMuchToDecode
    return data


def record_signed(*, agreement: Agreement, upload, by, expected_version=None) -> Agreement:
    """Store the signed copy (a PDF of at most 20 MB) and mark the agreement signed."""
    if upload.size > MAX_UPLOAD:
        raise AgreementError("The file is larger than 20 MB.")
    # Cheap refusals first: a file is read and parsed only for an agreement that can take it.
    current = Agreement.objects.only("status", "version").get(pk=agreement.pk)
    if expected_version is not None and expected_version != current.version:
        raise AgreementError(STALE)
    if current.status != Status.SENT:
        raise AgreementError("Only an agreement sent to the borrower can be marked signed.")
    data = upload.read()
    check_signed_pdf(data)
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        if locked.status != Status.SENT:
            raise AgreementError("Only an agreement sent to the borrower can be marked signed.")
        SignedCopy.objects.create(
            agreement=locked,
            pdf=data,
            sha256=hashlib.sha256(data).hexdigest(),
            filename=upload.name[:255],
            uploaded_by=by,
        )
        _move(locked, Status.SIGNED, by, "Signed copy uploaded.")
    return locked


def record_payment(*, agreement: Agreement, payment: Payment, by) -> Payment:
    """Money received under a signed agreement; all of it received completes the agreement,
    and the outcome flows back in the same transaction (`_complete`).

    A DPO takes no more than its settlement amount. A short sale's closing may net more than
    its minimum (the minimum is a floor): what the holder actually received is recorded, and
    the waiver shrinks by the excess."""
    with transaction.atomic():
        locked = _lock(agreement)
        if locked.status != Status.SIGNED:
            raise AgreementError("Payments are recorded on signed agreements only.")
        paid = locked.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        expected = locked.amount_received or Decimal("0")
        if payment.amount <= 0:
            raise AgreementError("A payment must be more than $0.00.")
        if payment.received_on > timezone.localdate():
            raise AgreementError("A payment cannot be recorded before it is received.")
        existed = timezone.localtime(locked.created_at).date()
        earliest = max(locked.agreement_date, existed)
        if payment.received_on < earliest:
            raise AgreementError(
                f"A payment cannot be received before the agreement existed (it is dated "
                f"{earliest:%b} {earliest.day}, {earliest.year})."
            )
        try:
            check_fits(paid + payment.amount, "The total paid")
        except MoneyError as exc:
            raise AgreementError(str(exc)) from None
        if paid + payment.amount > expected and locked.kind == Kind.DPO:
            raise AgreementError(
                f"${payment.amount:,.2f} is more than the ${expected - paid:,.2f} still due."
            )
        _refuse_what_the_loan_no_longer_allows(locked)
        payment.agreement = locked
        payment.recorded_by = by
        payment.save()
        _credit_deficiency(locked, payment, by)
        if paid + payment.amount >= expected:
            _move(locked, Status.COMPLETED, by, "All payments received in good funds.")
            _complete(locked, paid + payment.amount, payment.received_on, by)
    return payment


def _refuse_what_the_loan_no_longer_allows(agreement: Agreement) -> None:
    """A payment is refused when the loan's debt was settled by another agreement, when a
    short sale's property was already liquidated otherwise, or when the deficiency it would
    pay was discharged or released (nothing may be collected on it)."""
    from deficiencies.models import EXTINGUISHED

    loan = agreement.loan
    if loan.status in SETTLED_LOAN:
        raise AgreementError(
            f"Loan {loan.loan_number} is already {loan.get_status_display().lower()} (another "
            "agreement completed): this one takes no payment. Cancel it."
        )
    deficiency = getattr(loan, "deficiency", None)
    if agreement.kind == Kind.SHORT_SALE and deficiency is not None:
        raise AgreementError(
            "The property was already liquidated otherwise (a liquidation is recorded on the "
            "loan): this short sale cannot complete. Cancel it; settle the deficiency by a DPO."
        )
    if deficiency is not None and deficiency.status in EXTINGUISHED:
        label = deficiency.get_status_display().lower()
        raise AgreementError(
            f"The loan's deficiency is {label}: nothing may be collected on it"
            + (
                " (the discharge injunction, 11 U.S.C. § 524(a))."
                if label.startswith("dis")
                else "."
            )
        )


def _credit_deficiency(agreement: Agreement, payment: Payment, by) -> None:
    """A DPO's payment on a liquidated loan reaches its deficiency as it comes (a recovery,
    source Settlement), so a default keeps what was paid; refused as the deficiency refuses
    it (an open bankruptcy's stay, more than is owed)."""
    from deficiencies import services as deficiency_services
    from deficiencies.models import Recovery

    deficiency = getattr(agreement.loan, "deficiency", None)
    if agreement.kind != Kind.DPO or deficiency is None:
        return
    try:
        deficiency_services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(
                received_on=payment.received_on, amount=payment.amount,
                source=Recovery.Source.SETTLEMENT,
                note=f"Payment under settlement agreement {agreement.number}."[:300],
            ),
            by=by,
        )  # fmt: skip
    except deficiency_services.DeficiencyError as exc:
        raise AgreementError(f"The payment cannot be recorded: {exc}") from None


def _complete(agreement: Agreement, received: Decimal, on, by) -> None:
    """The outcome of a completed agreement, in its completion's transaction: a DPO waives
    (or satisfies) the deficiency it settles, or settles the loan's debt; a short sale records
    the liquidation (a short sale, what it netted) and waives what it left. The loan becomes
    Settled, its deadlines, totals and calendar feed follow, and the forgiven amount (as of
    the day it took effect, principal apart from interest, fees and costs) is kept on the
    agreement. Settlements calls the deficiencies and portfolios services, never the reverse."""
    from deficiencies import services as deficiency_services
    from deficiencies.models import LiquidationEvent
    from portfolios.services import mark_settled

    loan = agreement.loan
    try:
        if agreement.kind == Kind.SHORT_SALE:
            event = LiquidationEvent(
                event_type="short_sale", event_date=on, net_proceeds=received,
                lender_consented="yes",
            )  # fmt: skip
            deficiency = deficiency_services.record_liquidation(loan=loan, event=event, by=by)
            outcome = _waive_rest(deficiency, Decimal("0.00"), on, agreement, by)
        elif hasattr(loan, "deficiency"):
            # Its payments reached the deficiency as they came (_credit_deficiency): what
            # was still owed that day is waived.
            outcome = _waive_rest(loan.deficiency, Decimal("0.00"), on, agreement, by)
        else:
            debt = payoff(loan, on)
            forgiven = max(debt.total - received, Decimal("0.00"))
            principal, other = deficiency_services.forgiven_split(
                principal=debt.principal, other=debt.total - debt.principal, credits=received,
                forgiven=forgiven,
            )  # fmt: skip
            outcome = {"forgiven": forgiven, "principal": principal, "other": other}
    except deficiency_services.DeficiencyError as exc:
        raise AgreementError(f"The agreement cannot complete: {exc}") from None
    mark_settled(loan)
    # Any other live agreement on the loan is moot now: cancelled, with a history row.
    for other in Agreement.objects.filter(loan=loan, status__in=LIVE_STATES).exclude(
        pk=agreement.pk
    ):
        _move(other, Status.CANCELLED, by,
              f"Cancelled: the loan was settled by agreement {agreement.number}.")  # fmt: skip
    Agreement.objects.filter(pk=agreement.pk).update(
        completed_on=on, received_total=received, forgiven_total=outcome["forgiven"],
        forgiven_principal=outcome["principal"], forgiven_other=outcome["other"],
    )  # fmt: skip


def _waive_rest(deficiency, received: Decimal, on, agreement: Agreement, by) -> dict:
    """What the deficiency still owed beyond `received` is waived (nothing left: satisfied)."""
    from deficiencies import services as deficiency_services
    from deficiencies.models import CLOSED

    if deficiency.status in CLOSED and deficiency.status != "written_off":
        return {"forgiven": Decimal("0.00"), "principal": Decimal("0.00"),
                "other": Decimal("0.00")}  # fmt: skip
    paid = agreement.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return deficiency_services.settle_by_agreement(
        deficiency=deficiency, received=received, received_on=on,
        agreement_number=agreement.number, by=by,
        paid=paid if agreement.kind == Kind.DPO else received,
    )  # fmt: skip


def change_status(*, agreement: Agreement, to: str, by, note: str = "", expected_version=None):
    """Expire, cancel or mark defaulted (the other moves have their own services)."""
    if to not in (Status.EXPIRED, Status.CANCELLED, Status.DEFAULTED):
        raise AgreementError("Use the agreement's own action for that step.")
    with transaction.atomic():
        locked = _lock(agreement, expected_version)
        _move(locked, to, by, note)
        if to == Status.DEFAULTED and locked.deficiency_id is not None:
            from deficiencies import services as deficiency_services

            deficiency_services.note_agreement_default(
                deficiency=locked.deficiency, agreement_number=locked.number, by=by
            )
    return locked


def set_installments(*, agreement: Agreement, rows: list[tuple]) -> None:
    """Replace a draft's installments with (due_on, amount) rows."""
    agreement.installments.all().delete()
    Installment.objects.bulk_create(
        [Installment(agreement=agreement, due_on=d, amount=a) for d, a in rows]
    )
