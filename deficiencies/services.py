"""Writes that change deficiencies: record a liquidation, move the status, record suits,
judgments, bankruptcies, collection actions and recoveries, edit state rules.

Each checks the state, works in one transaction with the row locked, writes a history
row where the workflow moves, then refreshes the assessment and the deadlines.
Views call these and turn DeficiencyError into a message.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from deficiencies import calculations as calc
from deficiencies import provisions as engine
from deficiencies.models import (
    CLOSED,
    EXTINGUISHED,
    NOT_RECOVERABLE,
    OPEN_STAGES,
    TRANSITIONS,
    Bankruptcy,
    CalendarFeed,
    CollectionAction,
    ConditionAnswer,
    Deadline,
    Deficiency,
    DeficiencySuit,
    ForeclosedBy,
    Judgment,
    LiquidationEvent,
    PortfolioStamp,
    Provision,
    ProvisionChange,
    Recovery,
    StateRule,
    StateRuleChange,
    Status,
    StatusChange,
)
from noteinvest.money import ZERO, MoneyError, check_fits, format_money
from portfolios.choices import US_STATES
from portfolios.models import Loan, Portfolio, yes_no
from portfolios.payoff import payoff


class DeficiencyError(ValueError):
    """A request the deficiency's state does not allow; the message says why."""


class AlreadyRecorded(DeficiencyError):
    """What this form would create exists already (often saved a moment ago by someone
    else): nothing was saved; `url` is the page of the record that exists."""

    def __init__(self, message: str, url: str):
        self.url = url
        super().__init__(message)


class StaleEdit(DeficiencyError):
    def __init__(self, what="deficiency"):
        super().__init__(
            f"Someone else changed this {what} after you opened it, so nothing was saved. "
            "Reload the page to see the current version, then try again."
        )


# --- figures and assessment ------------------------------------------------------------------


def rule_for(state_code: str) -> StateRule:
    """The state's rule row, or, for a state or territory without one (PR, GU...), an unsaved
    rule whose every flag is unknown: its verdicts are "undetermined", saying why."""
    rule = StateRule.objects.filter(state_code=state_code).first()
    return rule or _unrecorded_rule(state_code)


def _unrecorded_rule(state_code: str) -> StateRule:
    name = US_STATES.get(state_code, state_code)
    rule = StateRule(
        state_code=state_code, state_name=name, primary_foreclosure_process="",
        deficiency_regime="unknown", nonjudicial_bars_deficiency="unknown",
        purchase_money_owner_occupied_protected="unknown", fair_value_limit="unknown",
        notes=f"No deficiency rule is recorded for {name}.",
    )  # fmt: skip
    rule.unrecorded = True
    return rule


def figures_for(loan, event: LiquidationEvent, rule: StateRule) -> dict:
    """The debt snapshot as of the event date, the credit and the deficiency figures.

    A junior lien's foreclosure sale credits only what the bid left above the senior debt
    paid from it (calc.junior_credit); a sale that brings more than the whole debt leaves
    a surplus, recorded apart: it is not the holder's."""
    debt = payoff(loan, event.event_date)
    credited = calc.credited_amount(
        event.event_type,
        sale_price=event.sale_price,
        net_proceeds=event.net_proceeds,
        fair_market_value=event.fair_market_value,
    )
    junior_sale = event.event_type == calc.FORECLOSURE_SALE and (loan.lien_position or 1) > 1
    if junior_sale and event.foreclosed_by != ForeclosedBy.HOLDER and event.senior_debt is None:
        raise DeficiencyError(
            f"Loan {loan.loan_number} is a junior lien sold out by a senior's sale: enter the "
            "senior debt paid from the sale (from the trustee's or sheriff's report) to compute "
            "its credit."
        )
    if event.sold_out(loan.lien_position):
        credited = calc.junior_credit(credited, event.senior_debt)
    balance = calc.deficiency_balance(debt.total, credited)
    surplus = ZERO
    if event.event_type != calc.DEED_IN_LIEU:  # a sale's proceeds, not a value
        surplus = calc.surplus(credited, debt.total)
    fair_value = None
    if event.fair_market_value is not None and event.event_type != calc.DEED_IN_LIEU:
        value = event.fair_market_value
        if junior_sale and event.senior_debt is not None:
            value = calc.junior_credit(value, event.senior_debt)  # the equity above the senior
        fair_value = calc.fair_value_deficiency(debt.total, credited, value)
    # What the state's provisions let the holder recover: the fair-value deficiency where a
    # fair-value credit applies to this sale (to every sale, or only to one the creditor
    # bought, and to short sales only where the statute says so), at most what the holder
    # paid for the loan where a purchaser cap applies (NRS 40.459(3)(c), 40.4636(2)).
    state = loan.property_state
    decision = engine.decide(
        provisions_for(state)[state], event_facts(loan, event), timezone.localdate()
    )
    recoverable = balance
    if fair_value is not None and decision.fair_value is not None:
        recoverable = fair_value
    if decision.purchaser_cap is not None and loan.purchase_price is not None:
        recoverable = calc.capped(
            recoverable, purchaser_cap(loan, credited, event.fair_market_value)
        )
    _check_figures(debt, balance, fair_value, surplus)
    return {
        "debt_as_of": event.event_date,
        "principal": debt.principal,
        "deferred_principal": debt.deferred_principal,
        "interest": debt.interest,
        "interest_days": debt.days,
        "per_diem": debt.per_diem,
        "fees": debt.fees,
        "costs": debt.costs,
        "advances": debt.advances,
        "suspense": debt.suspense,
        "total_debt": debt.total,
        "credited": credited,
        "deficiency": balance,
        "fair_value_deficiency": fair_value,
        "recoverable": recoverable,
        "surplus": surplus,
    }


def purchaser_cap(loan, credited, fair_market_value) -> Decimal:
    """What a holder that bought the loan may recover at most (Nevada): for a junior lien,
    what it paid (NRS 40.4636(2)); otherwise what it paid less the greater of the fair market
    value and what the sale brought (NRS 40.459(3)(c)), never below zero. The statutes add
    interest from the sale (the junior: from the purchase) and reasonable costs, which are
    not counted here: the cap shown is the least the holder may recover under them."""
    paid = loan.purchase_price
    if (loan.lien_position or 1) > 1:
        return paid
    return max(paid - max(fair_market_value or ZERO, credited), ZERO)


def _check_figures(debt, balance, fair_value, surplus=ZERO) -> None:
    """Every computed figure must fit the 14-digit money columns, and the debt cannot be
    negative; refused with a message naming the figure, before anything is written.

    The negative debt is told first: it is the cause of every other figure's oddity."""
    if debt.total < ZERO:
        raise DeficiencyError(
            f"The total debt as of the event date would be {format_money(debt.total)}: the "
            f"loan's suspense funds ({format_money(debt.suspense)}) are more than what it owes. "
            "Correct the loan's figures before recording the liquidation."
        )
    computed = (
        ("The accrued interest as of the event date", debt.interest),
        ("The per diem", debt.per_diem),
        ("The total debt as of the event date", debt.total),
        ("The deficiency", balance),
        ("The fair-value deficiency", fair_value),
        ("The surplus above the debt", surplus),
    )
    for label, value in computed:
        if value is None:
            continue
        try:
            check_fits(value, label)
        except MoneyError as exc:
            raise DeficiencyError(str(exc)) from None


def provisions_for(*state_codes) -> dict[str, list[engine.Provision]]:
    """The provisions of these states as the engine reads them, per state (one query)."""
    found: dict[str, list[engine.Provision]] = {code: [] for code in state_codes}
    for provision in Provision.objects.filter(state_code__in=set(state_codes)):
        found[provision.state_code].append(provision.engine())
    return found


def event_facts(loan, event: LiquidationEvent, deficiency: Deficiency | None = None):
    """What the engine knows of a liquidation (deficiencies.provisions.Facts): the loan's
    facts, the event's, and the deficiency's proceedings when it is recorded."""
    bankruptcy = getattr(deficiency, "bankruptcy", None) if deficiency else None
    suit = getattr(deficiency, "suit", None) if deficiency else None
    judgment = getattr(deficiency, "judgment", None) if deficiency else None
    buyer = getattr(event, "creditor_is_purchaser", True if event.credit_bid else None)
    return engine.Facts(
        state_code=loan.property_state,
        state_name=US_STATES.get(loan.property_state, loan.property_state),
        event_type=event.event_type,
        event_date=event.event_date,
        process=event.sale_process or "",
        occupancy=loan.occupancy,
        purchase_money=yes_no(loan.purchase_money),
        seller_financed=loan.seller_financed,
        acquired_from_prior_holder=True if loan.purchase_price is not None else None,
        units=loan.units,
        property_type=loan.property_type,
        acreage=loan.acreage,
        natural_person_borrower=loan.natural_person_borrower,
        lender_financial_institution=loan.lender_financial_institution,
        loan_date=loan.origination_date,
        refinanced=yes_no(loan.refinanced),
        home_equity_loan=yes_no(loan.home_equity_loan),
        high_cost_loan=yes_no(loan.high_cost_loan),
        lien_position=loan.lien_position,
        senior_sale=event.sold_out(loan.lien_position),
        creditor_is_purchaser=buyer,
        lender_consented=getattr(event, "lender_consented_flag", None),
        borrower_elected=getattr(event, "borrower_elected_flag", None),
        confirmed_on=getattr(event, "confirmed_on", None),
        deed_delivered_on=getattr(event, "deed_delivered_on", None),
        certificate_on=getattr(event, "certificate_on", None),
        redemption_ends_on=getattr(event, "redemption_ends_on", None),
        default_on=loan.default_date,
        suit_filed_on=suit.filed_on if suit else None,
        judgment_granted_on=judgment.granted_on if judgment else None,
        judgment_expires_on=judgment.expires_on if judgment else None,
        bankruptcy_filed_on=bankruptcy.filed_on if bankruptcy else None,
        bankruptcy_ended_on=bankruptcy.dismissed_on if bankruptcy else None,
        discharged_on=bankruptcy.discharged_on if bankruptcy else None,
        chapter=bankruptcy.chapter if bankruptcy else None,
        answers=answers_for(deficiency) if deficiency else {},
    )


def answers_for(deficiency: Deficiency) -> dict:
    """Counsel's answers recorded for the deficiency ({condition: holds}); `refresh` loads
    them for many deficiencies in one query (`_answers`)."""
    cached = getattr(deficiency, "_answers", None)
    if cached is None:
        cached = dict(deficiency.answers.values_list("condition", "holds"))
        deficiency._answers = cached
    return cached


def facts_for(deficiency: Deficiency):
    return event_facts(deficiency.loan, deficiency.event, deficiency)


def _decision(deficiency: Deficiency, state_provisions, today: date):
    return engine.assess(
        state_provisions, facts_for(deficiency), status=deficiency.status,
        amount=deficiency.recoverable, balance=deficiency.deficiency, today=today,
    )  # fmt: skip


def assessment_for(deficiency: Deficiency, rule: StateRule | None = None, today=None):
    """The deficiency's verdict from its state's provisions (deficiencies.provisions.assess),
    with its reasons, each citing the section it rests on, and the dates the law sets."""
    state = deficiency.loan.property_state
    return _decision(deficiency, provisions_for(state)[state], today or timezone.localdate())


# The deadlines kept per deficiency, from the engine's dates.
DEADLINE_KINDS = {
    "filing": Deadline.Kind.FILING,
    "limitations": Deadline.Kind.LIMITATIONS,
    "judgment_expiry": Deadline.Kind.JUDGMENT_EXPIRY,
    "judgment_renewal": Deadline.Kind.JUDGMENT_RENEWAL,
    "enforcement_cutoff": Deadline.Kind.ENFORCEMENT_CUTOFF,
}


def _deadline_rows(deficiency: Deficiency, decision) -> list[Deadline]:
    if deficiency.status in CLOSED or decision.verdict in (engine.BARRED, engine.EXTINGUISHED):
        return []
    loan = deficiency.loan
    common = {
        "deficiency": deficiency,
        "portfolio_id": loan.portfolio_id,
        "state_code": loan.property_state,
        "loan_number": loan.loan_number,
    }
    suit = getattr(deficiency, "suit", None)
    judgment = getattr(deficiency, "judgment", None)
    earliest: dict[str, engine.Due] = {}
    for due in decision.dues:
        if due.kind in ("filing", "limitations") and suit:
            continue  # filed: those windows no longer run
        if due.kind == "judgment_renewal" and judgment and judgment.renewed_on:
            continue  # renewed: that window was met; the new expiry is the next date
        if due.kind not in earliest or due.due_on < earliest[due.kind].due_on:
            earliest[due.kind] = due
    rows = []
    for kind, due in earliest.items():
        if kind == "judgment_expiry" and judgment and judgment.expires_on:
            continue  # the date as entered wins (below)
        note = f"{due.note}. {due.citation}".strip().rstrip(".") + "."
        rows.append(Deadline(kind=DEADLINE_KINDS[kind], due_on=due.due_on, note=note, **common))
    if judgment and judgment.expires_on:
        rows.append(
            Deadline(
                kind=Deadline.Kind.JUDGMENT_EXPIRY,
                due_on=judgment.expires_on,
                note="Expiry date as entered; renew or enforce before it.",
                **common,
            )
        )
    return rows


# What a liquidated loan owes after its sale, read with the loan in the portfolio totals'
# query (portfolios.panels.AFTER_SALE): the Loan lookups, then the figure.
AFTER_SALE_FIELDS = (
    "deficiency__id", "deficiency__status", "deficiency__verdict", "deficiency__recoverable",
    "deficiency__recovered", "deficiency__judgment__amount",
    "deficiency__judgment__interest_rate", "deficiency__judgment__granted_on",
    "deficiency__judgment__lapses_on", "deficiency__judgment__principal_due",
    "deficiency__judgment__interest_accrued", "deficiency__judgment__balance_on",
    "deficiency__settled_for",
    "deficiency__bankruptcy__discharged_on",
)  # fmt: skip


def outstanding_from(values: dict, as_of: date, prefix: str = "deficiency__") -> Decimal:
    """Deficiency.outstanding_on from a row of values (the fields of AFTER_SALE_FIELDS, under
    `prefix`): the judgment with its interest to `as_of` (never past its lapse), else the
    recoverable estimate, less recovered; a settlement for less, what it still has to pay;
    $0.00 once satisfied."""
    status, recovered = values[f"{prefix}status"], values[f"{prefix}recovered"]
    if status == Status.SATISFIED:
        return ZERO
    if status == Status.SETTLED and values[f"{prefix}settled_for"] is not None:
        if values[f"{prefix}bankruptcy__discharged_on"]:
            return ZERO  # discharged: the borrower owes nothing more (11 U.S.C. § 524(a))
        return max(values[f"{prefix}settled_for"] - recovered, ZERO)
    amount = values[f"{prefix}judgment__amount"]
    if amount is None:
        claim = values[f"{prefix}recoverable"]
    else:
        claim = amount + calc.judgment_interest_to(
            amount, values[f"{prefix}judgment__interest_rate"],
            values[f"{prefix}judgment__granted_on"], as_of,
            principal_due=values[f"{prefix}judgment__principal_due"],
            accrued=values[f"{prefix}judgment__interest_accrued"],
            balance_on=values[f"{prefix}judgment__balance_on"],
            lapses_on=values[f"{prefix}judgment__lapses_on"],
        )  # fmt: skip
    return max(claim - recovered, ZERO)


def owed_after_sale(values: dict, as_of: date) -> Decimal | None:
    """Deficiency.owed_on from a loan's values (AFTER_SALE_FIELDS): what is outstanding
    (outstanding_from), $0.00 once closed, barred or extinguished except what a settlement for
    less still has to pay; None when no liquidation is recorded."""
    if values["deficiency__id"] is None:
        return None
    settled = (values["deficiency__status"] == Status.SETTLED
               and values["deficiency__settled_for"] is not None)  # fmt: skip
    if not settled and (
        values["deficiency__status"] in CLOSED or values["deficiency__verdict"] in NOT_RECOVERABLE
    ):
        return ZERO
    return outstanding_from(values, as_of)


def liquidated_on(loan) -> date | None:
    """The date of the loan's recorded liquidation (None: none is recorded)."""
    return (
        LiquidationEvent.objects.filter(loan_id=loan.pk)
        .values_list("event_date", flat=True)
        .first()
    )


def touch(*portfolio_ids) -> None:
    """Record that deficiencies of these portfolios changed (their summaries are stale, and
    so are their portfolio totals: a liquidated loan counts at what its sale left)."""
    ids = set(portfolio_ids)
    Portfolio.touch_loans(*ids)
    PortfolioStamp.objects.bulk_create(
        [PortfolioStamp(portfolio_id=pk) for pk in ids], ignore_conflicts=True
    )
    PortfolioStamp.objects.filter(pk__in=ids).update(changed_at=timezone.now())


def refresh(deficiencies, today: date | None = None) -> None:
    """Recompute the verdict and rebuild the deadlines of these deficiencies."""
    today = today or timezone.localdate()
    deficiencies = list(deficiencies)
    if not deficiencies:
        return
    states = {d.loan.property_state for d in deficiencies}
    by_state = provisions_for(*states)
    regime = dict(StateRule.objects.filter(state_code__in=states).values_list(
        "state_code", "deficiency_regime"))  # fmt: skip
    deadlines, lapsing = [], []
    answers: dict[int, dict] = {}
    for pk, text, holds in ConditionAnswer.objects.filter(
        deficiency__in=[d.pk for d in deficiencies]
    ).values_list("deficiency_id", "condition", "holds"):
        answers.setdefault(pk, {})[text] = holds
    for d in deficiencies:
        d._answers = answers.get(d.pk, {})
        state = d.loan.property_state
        decision = _decision(d, by_state[state], today)
        d.verdict, d.regime, d.assessed_on = decision.verdict, regime.get(state, ""), today
        deadlines.extend(_deadline_rows(d, decision))
        judgment = getattr(d, "judgment", None)
        if judgment is not None:
            expiry = next((x for x in decision.dues if x.kind == "judgment_expiry"), None)
            lapses_on = judgment.expires_on or (expiry.due_on if expiry else None)
            cutoffs = [x.due_on for x in decision.dues
                       if x.kind == "enforcement_cutoff" and not x.estimated]  # fmt: skip
            if cutoffs:  # no longer enforceable after it (Ohio R.C. 2329.08, Iowa Code 615.1)
                lapses_on = min([lapses_on, *cutoffs] if lapses_on else cutoffs)
            if judgment.lapses_on != lapses_on:
                judgment.lapses_on = lapses_on
                lapsing.append(judgment)
    Deficiency.objects.bulk_update(
        deficiencies, ["verdict", "regime", "assessed_on"], batch_size=500
    )
    Judgment.objects.bulk_update(lapsing, ["lapses_on"], batch_size=500)
    for judgment in lapsing:  # interest runs to the new lapse: the balance moves with it
        if judgment.balance_on is not None:
            rebalance(judgment.deficiency)
    Deadline.objects.filter(deficiency__in=[d.pk for d in deficiencies]).delete()
    Deadline.objects.bulk_create(deadlines, batch_size=1000)
    touch(*{d.portfolio_id for d in deficiencies})


def counsel_labels(state_code: str) -> set[str]:
    """The conditions of a state's provisions the app cannot read (their `other:` texts)."""
    return {
        engine.condition_label(token)
        for provision in provisions_for(state_code)[state_code]
        for token in provision.conditions
        if token.removeprefix("not:").startswith("other:")
    }


def counsel_conditions(deficiency: Deficiency, decision=None) -> list[str]:
    """The conditions of its state's provisions the app cannot read (`other:`) that bear on
    this deficiency: those the engine left to counsel, and those already answered that its
    state's provisions still ask (an answer kept from another state is not shown)."""
    decision = decision or assessment_for(deficiency)
    asked = counsel_labels(deficiency.loan.property_state)
    answered = {c for c in answers_for(deficiency) if c in asked}
    return sorted(set(decision.for_counsel) | answered)


def _visible(text: str) -> bool:
    """Whether a text has a character one can see (not only spaces or zero-width marks)."""
    return any(ch.isprintable() and not ch.isspace() for ch in text or "")


def answer_condition(*, deficiency: Deficiency, condition: str, holds: bool | None, note: str,
                     by, expected_version: int | None = None) -> Deficiency:  # fmt: skip
    """Record counsel's answer (holds or not; None clears it) to one condition left to
    counsel, with its basis; the deficiency is re-assessed at once. A stale page (someone
    answered meanwhile) is refused; a closed deficiency takes no answer."""
    with transaction.atomic():
        locked = _locked(deficiency, expected_version)
        if locked.status in CLOSED:
            raise DeficiencyError(
                f"This deficiency is {Status(locked.status).label.lower()}: its verdict no "
                "longer turns on counsel's answers. Nothing was recorded."
            )
        if condition not in counsel_conditions(locked):
            raise DeficiencyError(
                "That condition is not one this deficiency's provisions leave to counsel "
                "(the provisions may have changed): reload the page."
            )
        if holds is None:
            ConditionAnswer.objects.filter(deficiency=locked, condition=condition).delete()
            what = "cleared"
        else:
            if not _visible(note):
                raise DeficiencyError("Say on what basis (counsel's advice, the case file).")
            ConditionAnswer.objects.update_or_create(
                deficiency=locked, condition=condition,
                defaults={"holds": holds, "note": note.strip(), "answered_by": by},
            )  # fmt: skip
            what = "holds" if holds else "does not hold"
        basis = f" {note.strip()}" if (note or "").strip() else ""
        StatusChange.objects.create(
            deficiency=locked, from_status=locked.status, to_status=locked.status, changed_by=by,
            note=f"For counsel: “{condition[:200]}” — {what}.{basis}",
        )  # fmt: skip
        _bump(locked)
        locked._answers = None
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return locked


# --- what a settlement agreement does to the deficiency (settlements calls these) ------------

# settlements.models.Status.SIGNED (settlements imports this app, never the reverse).
AGREEMENT_SIGNED = "signed"


def agreement_refusal(deficiency: Deficiency, what: str) -> str:
    """Why a signed settlement agreement on the deficiency suspends this act of pursuit, or "":
    while the borrower performs it, the holder does not sue or enforce (a default restores
    the rights)."""
    live = deficiency.agreements.filter(status=AGREEMENT_SIGNED).values_list("number", flat=True)
    number = next(iter(live), None)
    if number is None:
        return ""
    return (
        f"Suspended: settlement agreement {number} is signed and in effect, so no {what} "
        "may be recorded while the borrower performs it. If the borrower defaults, mark the "
        "agreement defaulted: that restores the holder's rights."
    )


def forgiven_split(*, principal: Decimal, other: Decimal, credits: Decimal,
                   forgiven: Decimal) -> tuple[Decimal, Decimal]:  # fmt: skip
    """The forgiven amount's principal and the rest (interest, fees, costs): the claim is
    `principal` + `other`; what was credited or paid (`credits`) goes to interest, fees, costs
    and advances first, then principal, as most notes apply payments; the principal left
    unpaid is forgiven first."""
    principal_paid = max(credits - max(other, ZERO), ZERO)
    principal_unpaid = max(principal - principal_paid, ZERO)
    forgiven_principal = min(forgiven, principal_unpaid)
    return forgiven_principal, forgiven - forgiven_principal


def deficiency_forgiven_split(deficiency: Deficiency, day: date, received: Decimal,
                              forgiven: Decimal) -> tuple[Decimal, Decimal]:  # fmt: skip
    """forgiven_split for a deficiency on `day`: its claim is the debt at the sale (principal;
    interest, fees, costs and advances) plus, once judged, what the judgment adds and its
    interest; its credits are the sale's credit, any fair-value or purchaser's-cap reduction,
    the recoveries and `received`."""
    judgment = getattr(deficiency, "judgment", None)
    other = deficiency.total_debt - deficiency.principal
    if judgment is not None:
        other += judgment.amount - deficiency.recoverable + judgment.interest_to(day)
    credits = deficiency.total_debt - deficiency.recoverable + deficiency.recovered + received
    return forgiven_split(
        principal=deficiency.principal, other=other, credits=credits, forgiven=forgiven
    )


def settle_by_agreement(*, deficiency: Deficiency, received: Decimal, received_on: date,
                        agreement_number: str, by, paid: Decimal | None = None,
                        ) -> dict:  # fmt: skip
    """A completed settlement agreement settles the deficiency, in the caller's transaction:
    `received` (money not yet recorded on it) is recorded as a recovery (source: settlement),
    and what was still owed that day beyond it is waived, with a history row naming the
    agreement, what it paid in all (`paid`) and the forgiven amount (principal apart from
    interest, fees and costs). Paying all that was owed satisfies it instead; a written-off
    deficiency keeps its status, with the waiver in its history. Returns {"forgiven",
    "principal", "other", "as_of"}."""
    locked = _locked(deficiency)
    if locked.status in CLOSED and locked.status != Status.WRITTEN_OFF:
        label = Status(locked.status).label.lower()
        raise DeficiencyError(f"The deficiency is already {label}: nothing is left to settle.")
    owed = locked.outstanding_on(received_on)
    amount = min(received, owed)
    forgiven = max(owed - amount, ZERO)
    principal, other = deficiency_forgiven_split(locked, received_on, amount, forgiven)
    if amount > ZERO:
        add_recovery(
            deficiency=locked,
            recovery=Recovery(received_on=received_on, amount=amount,
                              source=Recovery.Source.SETTLEMENT,
                              note=f"Settlement agreement {agreement_number}."[:300]),
            by=by,
        )  # fmt: skip
    locked = _locked(deficiency)
    day = f"{received_on:%b} {received_on.day}, {received_on.year}"
    note = (
        f"Waived by settlement agreement {agreement_number}, completed on {day}: "
        f"{format_money(amount if paid is None else paid)} received under it, "
        f"{format_money(forgiven)} forgiven ({format_money(principal)} principal; "
        f"{format_money(other)} interest, fees and costs)."
    )
    if locked.status == Status.WRITTEN_OFF:
        StatusChange.objects.create(
            deficiency=locked, from_status=locked.status, to_status=locked.status,
            changed_by=by, note=note,
        )  # fmt: skip
        _bump(locked)
    elif locked.status not in CLOSED:
        _move(locked, Status.WAIVED, by, note)
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return {"forgiven": forgiven, "principal": principal, "other": other, "as_of": received_on}


def note_agreement_default(*, deficiency: Deficiency, agreement_number: str, by) -> None:
    """A defaulted agreement restores the rights it suspended: a history row says so."""
    locked = _locked(deficiency)
    StatusChange.objects.create(
        deficiency=locked, from_status=locked.status, to_status=locked.status, changed_by=by,
        note=f"Settlement agreement {agreement_number} defaulted: the holder's rights it "
             "suspended are restored.",
    )  # fmt: skip
    _bump(locked)


def rebalance(deficiency: Deficiency) -> None:
    """Recompute its judgment's balance from the payments received (to interest first), after
    a recovery, the judgment's entry or a change of its lapse."""
    judgment = Judgment.objects.filter(deficiency_id=deficiency.pk).first()
    if judgment is None:
        return
    payments = _payments(deficiency.pk)
    if payments:
        principal, accrued, last = _judgment_balance(judgment, payments)
        try:
            check_fits(principal, "The judgment's principal still due")
            check_fits(accrued, "The judgment's interest")
        except MoneyError as exc:
            raise DeficiencyError(f"{exc} Nothing was recorded.") from exc
    else:
        principal, accrued, last = None, None, None
    Judgment.objects.filter(pk=judgment.pk).update(
        principal_due=principal, interest_accrued=accrued, balance_on=last
    )
    if getattr(deficiency, "judgment", None) is not None:
        deficiency.judgment.principal_due = principal
        deficiency.judgment.interest_accrued = accrued
        deficiency.judgment.balance_on = last


def loans_changed(loan_ids) -> None:
    """Loans changed in bulk (a tape re-import): their deficiencies are re-assessed."""
    refresh(with_relations(Deficiency.objects.filter(loan_id__in=list(loan_ids))))


def loan_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """post_save of a Loan: its deficiency (if any) is re-assessed on its new facts."""
    if created or raw:
        return
    refresh(with_relations(Deficiency.objects.filter(loan_id=instance.pk)))


def with_relations(queryset):
    return queryset.select_related("loan", "event", "bankruptcy", "suit", "judgment")


def refresh_stale(queryset, today: date | None = None) -> int:
    """Refresh the verdicts not computed today (filing windows close as days pass)."""
    today = today or timezone.localdate()
    stale = list(
        with_relations(queryset.filter(Q(assessed_on__lt=today) | Q(assessed_on__isnull=True)))
    )
    refresh(stale, today)
    return len(stale)


def assessed_marker(portfolio_id: int, day: date) -> str:
    """The cache key saying this portfolio's deficiencies were assessed on `day`."""
    return f"assessed:{portfolio_id}:{day.isoformat()}"


def assess_today(portfolio_ids, today: date | None = None) -> set[int]:
    """Bring these portfolios' verdicts up to date once a day (a filing window closes, a
    judgment lapses as days pass): refresh those not assessed today, mark each portfolio
    assessed. Returns the ids of the portfolios whose deficiencies were refreshed (their
    totals moved). One query when all are current."""
    today = today or timezone.localdate()
    ids = set(portfolio_ids)
    if not ids:
        return set()
    # A marker per portfolio and day in the cache spares the query once it was checked.
    keys = {pk: assessed_marker(pk, today) for pk in ids}
    marked = cache.get_many(list(keys.values()))
    ids = {pk for pk in ids if keys[pk] not in marked}
    if not ids:
        return set()
    current = set(
        PortfolioStamp.objects.filter(pk__in=ids, assessed_on=today).values_list("pk", flat=True)
    )
    stale = ids - current
    cache.set_many({keys[pk]: True for pk in current}, timeout=26 * 3600)
    if not stale:
        return set()
    deficiencies = list(with_relations(
        Deficiency.objects.filter(portfolio_id__in=stale)
        .filter(Q(assessed_on__lt=today) | Q(assessed_on__isnull=True))
    ))  # fmt: skip
    refresh(deficiencies, today)
    refreshed = {d.portfolio_id for d in deficiencies}
    PortfolioStamp.objects.bulk_create(
        [PortfolioStamp(portfolio_id=pk) for pk in stale], ignore_conflicts=True
    )
    PortfolioStamp.objects.filter(pk__in=stale).update(assessed_on=today)
    cache.set_many({keys[pk]: True for pk in stale}, timeout=26 * 3600)
    return refreshed


def _locked(deficiency: Deficiency, expected_version: int | None = None) -> Deficiency:
    locked = with_relations(Deficiency.objects.select_for_update(of=("self",))).get(
        pk=deficiency.pk
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit()
    if locked.assessed_on != timezone.localdate():
        # Its verdict may have moved since (a window closed, a judgment lapsed): decide on
        # today's, not the stored one.
        refresh([locked])
        locked = with_relations(Deficiency.objects.select_for_update(of=("self",))).get(
            pk=deficiency.pk
        )
    return locked


def _bump(target: Deficiency, /, **fields) -> None:
    """Save `fields` (F() expressions allowed) and move the version on."""
    fields["version"] = F("version") + 1
    fields["updated_at"] = timezone.now()
    Deficiency.objects.filter(pk=target.pk).update(**fields)
    target.refresh_from_db()
    touch(target.portfolio_id)


def _move(deficiency: Deficiency, to: str, by, note: str, amount=None) -> None:
    if to not in TRANSITIONS[deficiency.status]:
        raise DeficiencyError(
            f"A deficiency that is “{Status(deficiency.status).label}” cannot become "
            f"“{Status(to).label}”."
        )
    StatusChange.objects.create(
        deficiency=deficiency, from_status=deficiency.status, to_status=to, changed_by=by,
        note=note, amount=amount,
    )  # fmt: skip
    deficiency.status = to
    _bump(deficiency, status=to)


def _refuse_if_extinguished(deficiency: Deficiency, what: str) -> None:
    if deficiency.status in EXTINGUISHED:
        raise DeficiencyError(
            f"This deficiency is {Status(deficiency.status).label.lower()}: it is extinguished "
            f"and accepts no {what}."
        )


# --- recording --------------------------------------------------------------------------------


def recorded_liquidation(loan) -> LiquidationEvent | None:
    """The loan's liquidation event as stored (a query: never the loan's cached relation,
    which a form's unsaved event already fills)."""
    return LiquidationEvent.objects.filter(loan_id=loan.pk).first()


def _refuse_while_an_agreement_is_signed(loan) -> None:
    """A liquidation recorded while a settlement agreement on the loan is signed would change
    the debt that agreement settles: complete, cancel or mark it defaulted first. (A short
    sale's own completion records its liquidation after the agreement completed.)"""
    number = (
        loan.agreements.filter(status=AGREEMENT_SIGNED).values_list("number", flat=True).first()
    )
    if number:
        raise DeficiencyError(
            f"Settlement agreement {number} on this loan is signed and in effect: complete it, "
            "cancel it or mark it defaulted before recording a liquidation. Nothing was saved."
        )


def _refuse_second_liquidation(loan) -> None:
    event = recorded_liquidation(loan)
    if event is None:
        return
    deficiency = Deficiency.objects.filter(event=event).first()
    raise AlreadyRecorded(
        "A liquidation is already recorded for this loan, so nothing was saved: "
        "open it to review or correct it.",
        deficiency.get_absolute_url() if deficiency else loan.get_absolute_url(),
    )


def record_liquidation(*, loan, event: LiquidationEvent, by) -> Deficiency:
    """Save a liquidation event and the deficiency it leaves, with its debt snapshot.

    One per loan: the loan row is locked while the existing one is looked for, and a clash
    with the unique constraint all the same (AlreadyRecorded) names the one recorded."""
    rule = rule_for(loan.property_state)
    with transaction.atomic():
        Loan.objects.select_for_update().filter(pk=loan.pk).values_list("pk").first()
        _refuse_second_liquidation(loan)
        _refuse_while_an_agreement_is_signed(loan)
        figures = figures_for(loan, event, rule)  # refused before anything is written
        try:
            # A savepoint: a clash rolls back these inserts only, then says which exists.
            with transaction.atomic():
                event.loan = loan
                event.created_by = by
                event.loan_status_before = loan.status
                event.save()
                deficiency = Deficiency.objects.create(
                    loan=loan, portfolio_id=loan.portfolio_id, event=event, **figures
                )
        except IntegrityError:
            _refuse_second_liquidation(loan)
            raise
        StatusChange.objects.create(
            deficiency=deficiency,
            from_status="",
            to_status=Status.OPEN,
            changed_by=by,
            note="Liquidation recorded.",
        )
        loan.status = "liquidated"
        loan.save(update_fields=["status", "version", "updated_at"])
        refresh(with_relations(Deficiency.objects.filter(pk=deficiency.pk)))
    deficiency.refresh_from_db()
    return deficiency


def update_liquidation(
    *, deficiency: Deficiency, event: LiquidationEvent, expected_version: int, by
):
    """Correct the event's facts and recompute the figures; refused on a stale version."""
    with transaction.atomic():
        locked = _locked(deficiency, expected_version)
        if locked.status != Status.OPEN or locked.recovered > 0:
            raise DeficiencyError(
                "Only an open deficiency with no recoveries can have its liquidation corrected."
            )
        rule = rule_for(locked.loan.property_state)
        figures = figures_for(locked.loan, event, rule)  # refused before anything is written
        event.save()
        _bump(locked, **figures)
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return locked


def change_status(
    *, deficiency: Deficiency, to: str, by, note: str = "", expected_version=None, amount=None
):
    """Move the status by hand. A write-off needs its reason (`note`); a settlement for less
    the amount agreed (`amount`, kept on the history row); Satisfied only once nothing is
    outstanding (a recovery that pays in full moves it there by itself)."""
    with transaction.atomic():
        locked = _locked(deficiency, expected_version)
        if to in TRANSITIONS[locked.status]:
            _check_ending(locked, to, note, amount)
        if to == Status.PURSUING:
            # Pursuing is an act against the stay while a case is open, and pointless
            # against a bar.
            refusal = (
                stay_refusal(locked)
                or barred_refusal(locked, "pursuit")
                or agreement_refusal(locked, "pursuit")
            )
            if refusal:
                raise DeficiencyError(refusal.replace("collection action", "pursuit"))
        _move(locked, to, by, note, amount=amount if to == Status.SETTLED else None)
        if to == Status.SETTLED:
            owed = locked.outstanding + locked.recovered  # the whole claim, as agreed from
            _bump(locked, settled_for=amount, released=max(owed - amount, ZERO))
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return locked


def ending_refusal(deficiency: Deficiency, to: str, note: str = "", amount=None):
    """Why this ending cannot be recorded as asked: (the field it concerns, the message), or
    None. The status form shows the message beside that field."""
    note = (note or "").strip()
    if to == Status.WRITTEN_OFF and not note:
        return "note", "Say why the deficiency is written off: a write-off needs its reason."
    if to == Status.SATISFIED and deficiency.outstanding > ZERO:
        return "to", (
            f"{format_money(deficiency.outstanding)} is still outstanding: record the recovery "
            "that pays it; a payment in full marks the deficiency satisfied."
        )
    if to == Status.SETTLED:
        owed = deficiency.outstanding + deficiency.recovered  # the whole claim
        if amount is None:
            return "amount", "Enter the amount the holder agreed to take."
        if amount <= ZERO:
            return "amount", "Enter an amount above $0.00."
        if amount >= owed:
            return "amount", (
                f"A settlement for less takes less than the {format_money(owed)} owed; "
                "a payment of the whole is recorded as a recovery."
            )
        if amount < deficiency.recovered:
            return "amount", (
                f"The amount agreed counts what was already recovered "
                f"({format_money(deficiency.recovered)}): enter at least that much."
            )
    return None


def _check_ending(deficiency: Deficiency, to: str, note: str, amount) -> None:
    refusal = ending_refusal(deficiency, to, note, amount)
    if refusal:
        raise DeficiencyError(refusal[1])


def record_suit(*, deficiency: Deficiency, suit: DeficiencySuit, by) -> Deficiency:
    with transaction.atomic():
        locked = _locked(deficiency)
        _refuse_if_extinguished(locked, "suit")
        stayed = stay_refusal(locked, suit=suit)
        if stayed:
            raise DeficiencyError(stayed)
        barred = barred_refusal(locked, "suit") or agreement_refusal(locked, "suit")
        if barred:
            raise DeficiencyError(barred)
        if locked.status == Status.OPEN:
            _move(locked, Status.PURSUING, by, "Pursuit started: suit filed.")
        if locked.status != Status.PURSUING:
            raise DeficiencyError("A suit can be recorded only on an open or pursued deficiency.")
        suit.deficiency = locked
        suit.save()
        _move(locked, Status.SUIT_FILED, by, f"Case {suit.case_number}, {suit.court}.")
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return locked


def record_judgment(*, deficiency: Deficiency, judgment: Judgment, by) -> Deficiency:
    with transaction.atomic():
        locked = _locked(deficiency)
        if locked.status != Status.SUIT_FILED:
            raise DeficiencyError("A judgment can be recorded only after the suit is filed.")
        if judgment.amount < locked.recovered:
            raise DeficiencyError("The judgment is smaller than what was already recovered.")
        judgment.deficiency = locked
        judgment.save()
        _move(locked, Status.JUDGMENT_GRANTED, by, f"Judgment for ${judgment.amount:,.2f}.")
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
        rebalance(locked)
    return locked


def renew_judgment(*, deficiency: Deficiency, renewed_on: date, expires_on: date, by):
    """Record a renewal the court granted: the judgment's expiry becomes the renewed one (its
    interest runs until then), with a history row; refused once the deficiency is closed."""
    with transaction.atomic():
        locked = _locked(deficiency)
        judgment = getattr(locked, "judgment", None)
        if judgment is None:
            raise DeficiencyError("Record the judgment first: there is nothing to renew.")
        if locked.status in CLOSED:
            label = Status(locked.status).label.lower()
            raise DeficiencyError(f"This deficiency is {label}: its judgment is not renewed here.")
        before = judgment.lapses_on
        # Checked again under the lock: another renewal may have been saved meanwhile.
        if before and expires_on <= before:
            raise DeficiencyError(
                f"The judgment already runs to {before:%b} {before.day}, {before.year} (a "
                "renewal saved a moment ago, perhaps by someone else): a renewal extends it. "
                "Nothing was saved."
            )
        if before and renewed_on > before:
            raise DeficiencyError(
                f"The judgment lapsed on {before:%b} {before.day}, {before.year}: a renewal is "
                "granted before the lapse. Nothing was saved."
            )
        if judgment.renewed_on and renewed_on < judgment.renewed_on:
            raise DeficiencyError(
                f"A later renewal is recorded (on {judgment.renewed_on:%b} "
                f"{judgment.renewed_on.day}, {judgment.renewed_on.year}). Nothing was saved."
            )
        judgment.renewed_on, judgment.expires_on = renewed_on, expires_on
        judgment.save(update_fields=["renewed_on", "expires_on"])
        was = f" (it was to lapse on {before:%b} {before.day}, {before.year})" if before else ""
        StatusChange.objects.create(
            deficiency=locked, from_status=locked.status, to_status=locked.status, changed_by=by,
            note=f"Judgment renewed on {renewed_on:%b} {renewed_on.day}, {renewed_on.year}; "
                 f"it now expires on {expires_on:%b} {expires_on.day}, {expires_on.year}{was}.",
        )  # fmt: skip
        _bump(locked)
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
        rebalance(locked)
    return locked


def _refuse_second_bankruptcy(deficiency: Deficiency) -> None:
    if Bankruptcy.objects.filter(deficiency_id=deficiency.pk).exists():
        raise AlreadyRecorded(
            "A bankruptcy is already recorded for this deficiency (saved a moment ago, "
            "perhaps by someone else), so nothing was saved: review it and edit it there.",
            deficiency.get_absolute_url() + "#bk-heading",
        )


def record_bankruptcy(*, deficiency: Deficiency, bankruptcy: Bankruptcy, by) -> Deficiency:
    """Save the borrower's bankruptcy (one per deficiency; a new one while another is
    recorded is refused with AlreadyRecorded); a discharge extinguishes the deficiency.

    The bankruptcy's facts are saved whatever the deficiency's status: when the status
    cannot become Discharged (it is already Waived, Satisfied...), it stays as it is and
    `discharge_refusal` says why."""
    with transaction.atomic():
        locked = _locked(deficiency)
        if bankruptcy.pk is None:
            _refuse_second_bankruptcy(locked)
        bankruptcy.deficiency = locked
        try:
            with transaction.atomic():
                bankruptcy.save()
        except IntegrityError:
            _refuse_second_bankruptcy(locked)
            raise
        if discharge_refusal(locked, bankruptcy):
            _bump(locked)
        elif bankruptcy.discharged_on and locked.status != Status.DISCHARGED:
            _move(
                locked,
                Status.DISCHARGED,
                by,
                f"Chapter {bankruptcy.chapter} discharge on {bankruptcy.discharged_on}.",
            )
        else:
            _bump(locked)
        refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return locked


def discharge_refusal(deficiency: Deficiency, bankruptcy: Bankruptcy) -> str:
    """Why a recorded discharge leaves the deficiency's status as it is ("" when it does
    not: no discharge, already discharged, or the move is allowed)."""
    if not bankruptcy.discharged_on or deficiency.status == Status.DISCHARGED:
        return ""
    if Status.DISCHARGED in TRANSITIONS[deficiency.status]:
        return ""
    label = Status(deficiency.status).label
    return f"The deficiency stays “{label}”: a “{label}” deficiency cannot be marked discharged."


STAY = "11 U.S.C. § 362(a)"


def stay_refusal(deficiency: Deficiency, recovery: Recovery | None = None, suit=None) -> str:
    """Why the automatic stay refuses this collection action (or, given one, this recovery
    or this suit), or "": while a bankruptcy case is filed and neither discharged nor
    dismissed, nothing may be collected outside the case, nor a suit begun (§ 362(a)(1),
    (6)). A distribution paid by the bankruptcy trustee is the case's own, and money
    received (or a suit filed) before the petition was not an act against the stay."""
    bankruptcy = getattr(deficiency, "bankruptcy", None)
    if bankruptcy is None or not bankruptcy.stays_collection:
        return ""
    what, allowed = "collection action", ""
    if recovery is not None:
        if recovery.source == Recovery.Source.TRUSTEE:
            return ""
        if recovery.received_on and recovery.received_on < bankruptcy.filed_on:
            return ""
        what = "recovery"
        allowed = (
            " Only a distribution paid by the bankruptcy trustee may be recorded (or money "
            "received before the case was filed)."
        )
    elif suit is not None:
        if suit.filed_on and suit.filed_on < bankruptcy.filed_on:
            return ""
        what = "suit"
        allowed = " A suit filed before the case may be recorded."
    filed = bankruptcy.filed_on
    return (
        f"Stayed: the Chapter {bankruptcy.chapter} case {bankruptcy.case_number} filed on "
        f"{filed:%b} {filed.day}, {filed.year} is open, and the automatic stay ({STAY}) bars "
        f"collecting the deficiency while it lasts: no {what} was recorded.{allowed} Record "
        "the case's dismissal or discharge in the Bankruptcy section when it comes."
    )


# Recoveries taken by enforcement: a barred deficiency may not be pursued by them.
ENFORCED = {Recovery.Source.GARNISHMENT, Recovery.Source.LEVY, Recovery.Source.LIEN}


def barred_refusal(deficiency: Deficiency, what: str, as_of: date | None = None) -> str:
    """Why a barred deficiency refuses this act of pursuit (a collection action, a suit, an
    enforced recovery, pursuing it), naming the reason and its section; "" otherwise. Decided
    on the assessment as of `as_of` (today; a recovery's own date: money levied while the
    judgment was enforceable is recorded after it lapsed), never on a stored verdict. A
    borrower's voluntary payment or a settlement is not pursuit and is accepted."""
    decision = assessment_for(deficiency, today=as_of)
    if decision.verdict != engine.BARRED:
        return ""
    why = next((r for r in decision.reasons if r.citation), decision.reasons[0])
    lapsed = str(why).startswith("The judgment expired")
    fix = (
        "Record the renewal if the court renewed the judgment before it lapsed."
        if lapsed
        else "If counsel concludes the bar does not apply, correct the loan's or the "
        "liquidation's facts (or the state's provision) first."
    )
    return f"The deficiency is barred: {str(why).rstrip('.')}. No {what} was recorded. {fix}"


def add_collection_action(*, deficiency: Deficiency, action: CollectionAction, by):
    with transaction.atomic():
        locked = _locked(deficiency)
        _refuse_if_extinguished(locked, "collection action")
        barred = barred_refusal(locked, "collection action") or agreement_refusal(
            locked, "collection action"
        )
        if barred:
            raise DeficiencyError(barred)
        if locked.status in (Status.SATISFIED, Status.WRITTEN_OFF):
            raise DeficiencyError("This deficiency is closed: no collection action can start.")
        stayed = stay_refusal(locked)
        if stayed:
            raise DeficiencyError(stayed)
        action.deficiency = locked
        action.save()
        if locked.status == Status.JUDGMENT_GRANTED:
            _move(locked, Status.COLLECTING, by, f"{action.get_kind_display()} started.")
        else:
            _bump(locked)
    return action


def add_recovery(*, deficiency: Deficiency, recovery: Recovery, by) -> Recovery:
    """Record money received; never more than what is outstanding, never against the
    automatic stay (stay_refusal). A recovery that pays the outstanding balance in full
    satisfies the deficiency at any open stage, with a history row naming it."""
    with transaction.atomic():
        locked = _locked(deficiency)
        if not locked.settlement_due:
            _refuse_if_extinguished(locked, "recovery")
        elif recovery.source in ENFORCED:
            raise DeficiencyError(
                "A settlement's payments are the borrower's: an enforced recovery (garnishment, "
                "levy, lien) is not one, and the settlement released the rest of the claim. "
                "Nothing was recorded."
            )
        if recovery.amount is None or recovery.amount <= ZERO:
            raise DeficiencyError("A recovery must be more than $0.00.")
        if recovery.source == Recovery.Source.TRUSTEE and not getattr(locked, "bankruptcy", None):
            raise DeficiencyError(
                "A distribution paid by the bankruptcy trustee needs the bankruptcy case: "
                "record it in the Bankruptcy section first."
            )
        stayed = stay_refusal(locked, recovery)
        if stayed:
            raise DeficiencyError(stayed)
        barred = recovery.source in ENFORCED and (
            barred_refusal(locked, "enforced recovery", as_of=recovery.received_on)
            or agreement_refusal(locked, "enforced recovery")
        )
        if barred:
            raise DeficiencyError(barred)
        if recovery.amount > locked.outstanding:
            raise DeficiencyError(_above_outstanding(locked, recovery.amount))
        _refuse_out_of_order(locked, recovery)
        try:
            check_fits(locked.recovered + recovery.amount, "The total recovered")
        except MoneyError as exc:
            raise DeficiencyError(f"{exc} Nothing was recorded.") from exc
        recovery.deficiency = locked
        recovery.recorded_by = by
        recovery.save()
        rebalance(locked)
        _bump(locked, recovered=F("recovered") + recovery.amount)
        if locked.outstanding == ZERO and locked.status in OPEN_STAGES:
            paid = (
                f"Paid in full by the recovery of {format_money(recovery.amount)} received on "
                f"{recovery.received_on:%b} {recovery.received_on.day}, "
                f"{recovery.received_on.year} ({recovery.get_source_display().lower()})."
            )
            _move(locked, Status.SATISFIED, by, paid)
            refresh(with_relations(Deficiency.objects.filter(pk=locked.pk)))
    return recovery


def _refuse_out_of_order(deficiency: Deficiency, recovery: Recovery) -> None:
    """A recovery dated before the liquidation is part of the payoff, not of the deficiency;
    a garnishment, levy or lien enforces a judgment, so it needs one, and comes on or after
    its entry; and with a judgment, the payments in date order may never pay more than was
    owed on the day each came (payments go to interest first)."""
    event_date = deficiency.event.event_date
    day = recovery.received_on
    if day < event_date:
        raise DeficiencyError(
            f"The recovery is dated before the {deficiency.event.get_event_type_display().lower()}"
            f" on {event_date:%b} {event_date.day}, {event_date.year}: money received before it "
            "paid the loan, not the deficiency. Nothing was recorded."
        )
    judgment = getattr(deficiency, "judgment", None)
    if recovery.source in ENFORCED:
        if judgment is None:
            raise DeficiencyError(
                f"A {recovery.get_source_display().lower()} enforces a judgment: record the "
                "judgment first (a voluntary payment needs none). Nothing was recorded."
            )
        if day < judgment.granted_on:
            granted = judgment.granted_on
            raise DeficiencyError(
                f"The {recovery.get_source_display().lower()} is dated before the judgment it "
                f"enforces (entered {granted:%b} {granted.day}, {granted.year}). Nothing was "
                "recorded."
            )
    if judgment is not None:
        recorded = _payments(deficiency.pk)
        payments = sorted([*recorded, (day, recovery.amount)], key=lambda p: p[0])
        principal, _accrued, _last = _judgment_balance(judgment, payments)
        if principal < ZERO:
            before = [p for p in recorded if p[0] <= day]
            then = judgment.amount + calc.judgment_interest_to(
                judgment.amount, judgment.interest_rate, judgment.granted_on, day,
                lapses_on=judgment.lapses_on, **_balance_of(judgment, before),
            ) - sum((p[1] for p in before), ZERO)  # fmt: skip
            raise DeficiencyError(
                f"{format_money(recovery.amount)} dated {day:%b} {day.day}, {day.year} pays more "
                f"than the judgment was owed then ({format_money(max(then, ZERO))} with its "
                "interest, after the payments recorded before it; each payment goes to interest "
                "first). Nothing was recorded."
            )


def _balance_of(judgment, payments) -> dict:
    """judgment_interest_to's balance arguments after `payments` (none: no balance)."""
    if not payments:
        return {}
    principal, accrued, last = _judgment_balance(judgment, payments)
    return {"principal_due": principal, "accrued": accrued, "balance_on": last}


def _judgment_balance(judgment, payments):
    """calc.judgment_balance for this judgment (its amount, rate, entry and lapse)."""
    return calc.judgment_balance(
        judgment.amount, judgment.interest_rate, judgment.granted_on, payments, judgment.lapses_on
    )


def _payments(deficiency_id) -> list:
    """The deficiency's recoveries as (received on, amount), in the order they came."""
    return list(
        Recovery.objects.filter(deficiency_id=deficiency_id)
        .order_by("received_on", "pk")
        .values_list("received_on", "amount")
    )


def _above_outstanding(deficiency: Deficiency, amount: Decimal) -> str:
    """Why a recovery above what is outstanding is refused, naming the figures."""
    judgment = getattr(deficiency, "judgment", None)
    owed = format_money(deficiency.outstanding)
    if deficiency.settlement_due is not None:
        return (
            f"{format_money(amount)} is more than the {owed} the settlement still has to pay "
            f"(settled for {format_money(deficiency.settled_for)} in all, less "
            f"{format_money(deficiency.recovered)} recovered); nothing was recorded."
        )
    if judgment is None:
        return f"{format_money(amount)} is more than the {owed} outstanding; nothing was recorded."
    interest = judgment.interest_today
    recovered = (
        f", less {format_money(deficiency.recovered)} recovered" if deficiency.recovered else ""
    )
    return (
        f"{format_money(amount)} is more than the {owed} outstanding (the judgment's "
        f"{format_money(judgment.amount)} plus {format_money(interest)} post-judgment interest "
        f"to today{recovered}); nothing was recorded."
    )


# --- state rules --------------------------------------------------------------------------------

RULE_FIELDS = [
    "primary_foreclosure_process",
    "deficiency_regime",
    "nonjudicial_bars_deficiency",
    "purchase_money_owner_occupied_protected",
    "fair_value_limit",
    "filing_deadline_days_after_sale",
    "filing_deadline_note",
    "statute_of_limitations_years",
    "notes",
    "source_urls",
]


def _apply(record, data: dict, fields) -> dict:
    """Set each of `fields` from `data` on the record; returns {field: [old, new]} changed."""
    changes = {}
    for name in fields:
        old, new = getattr(record, name), data.get(name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(record, name, new)
    return changes


def update_state_rule(*, rule: StateRule, data: dict, expected_version: int, by, note: str = ""):
    """Save an edited rule, keep every change (who, when, old and new), re-assess its state."""
    with transaction.atomic():
        locked = StateRule.objects.select_for_update().get(pk=rule.pk)
        if locked.version != expected_version:
            raise StaleEdit("state rule")
        changes = _apply(locked, data, RULE_FIELDS)
        if not changes:
            return locked, {}
        if locked.last_reviewed_by_counsel:
            # What counsel reviewed has changed: the mark goes (and the history says so).
            reviewed = f"{locked.last_reviewed_by_counsel.isoformat()} {locked.reviewed_by}"
            changes["reviewed by counsel"] = [reviewed.strip(), None]
            locked.last_reviewed_by_counsel, locked.reviewed_by = None, ""
        locked.version += 1
        locked.save()
        StateRuleChange.objects.create(rule=locked, changed_by=by, changes=changes, note=note)
        refresh(with_relations(Deficiency.objects.filter(loan__property_state=locked.state_code)))
    return locked, changes


PROVISION_FIELDS = (
    "kind", "events", "process", "conditions", "window_number", "window_unit", "trigger",
    "rate_percent", "effect_note", "citation", "source_urls", "confidence", "verified",
    "audit_note",
)  # fmt: skip


def update_provision(*, provision, data: dict, expected_version: int, by, note: str):
    """Save an edited provision with its history (who, when, old and new). What counsel
    reviewed has changed, so the review mark is cleared (and said so in the history)."""
    with transaction.atomic():
        locked = Provision.objects.select_for_update().get(pk=provision.pk)
        if locked.version != expected_version:
            raise StaleEdit("provision")
        changes = _apply(locked, data, PROVISION_FIELDS)
        if not changes:
            return locked, {}
        if locked.reviewed_on:
            reviewer = locked.reviewed_by.email if locked.reviewed_by else ""
            changes["reviewed by counsel"] = [
                f"{locked.reviewed_on.isoformat()} {reviewer}".strip(),
                None,
            ]
            locked.reviewed_by, locked.reviewed_on = None, None
        locked.version += 1
        locked.save()
        ProvisionChange.objects.create(provision=locked, changed_by=by, changes=changes, note=note)
        # Its state's deficiencies are decided by it: re-assess them now.
        refresh(with_relations(Deficiency.objects.filter(loan__property_state=locked.state_code)))
    return locked, changes


def review_provision(*, provision, expected_version: int, by, note: str = "") -> Provision:
    """Counsel (an attorney) marks the provision reviewed as it reads now."""
    from noteinvest.access import Role, has_role

    if not has_role(by, Role.ATTORNEY):
        raise DeficiencyError("Only an attorney can mark a provision reviewed by counsel.")
    with transaction.atomic():
        locked = Provision.objects.select_for_update().get(pk=provision.pk)
        if locked.version != expected_version:
            raise StaleEdit("provision")
        today = timezone.localdate()
        ProvisionChange.objects.create(
            provision=locked, changed_by=by, note=note or "Reviewed by counsel.",
            changes={"reviewed by counsel": [None, f"{today.isoformat()} {by.email}"]},
        )  # fmt: skip
        locked.reviewed_by, locked.reviewed_on = by, today
        locked.version += 1
        locked.save(update_fields=["reviewed_by", "reviewed_on", "version", "updated_at"])
    return locked


def review_state_rule(*, rule: StateRule, expected_version: int, by, note: str = ""):
    """Counsel (an attorney) marks the state's rule reviewed as it reads now: today's date
    and the attorney's name, with a history row. Only an attorney can set it; a staff edit
    clears it (update_state_rule)."""
    from noteinvest.access import Role, has_role

    if not has_role(by, Role.ATTORNEY):
        raise DeficiencyError("Only an attorney can mark a state rule reviewed by counsel.")
    with transaction.atomic():
        locked = StateRule.objects.select_for_update().get(pk=rule.pk)
        if locked.version != expected_version:
            raise StaleEdit("state rule")
        today = timezone.localdate()
        name = (by.get_full_name() or by.email)[:120]
        reviewer = f"{name} <{by.email}>" if name != by.email else by.email
        StateRuleChange.objects.create(
            rule=locked, changed_by=by, note=note or "Reviewed by counsel.",
            changes={"reviewed by counsel": [None, f"{today.isoformat()} {reviewer}"]},
        )  # fmt: skip
        locked.last_reviewed_by_counsel, locked.reviewed_by = today, reviewer[:200]
        locked.version += 1
        locked.save(
            update_fields=["last_reviewed_by_counsel", "reviewed_by", "version", "updated_at"]
        )
    return locked


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- the calendar link ----------------------------------------------------------------------------


def renew_calendar_link(user, token: str) -> CalendarFeed:
    """Give `user` a calendar link with this new token (the old one, if any, stops working).

    The user's row is locked while their feed is looked for, so two requests at once take
    turns; the feed row is updated in place rather than deleted and inserted again."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        feed = CalendarFeed.objects.filter(user_id=user.pk).first()
        if feed is None:
            try:
                with transaction.atomic():
                    return CalendarFeed.objects.create(user_id=user.pk, token=token)
            except IntegrityError:
                # Made at the same moment by another request: replace its token instead.
                feed = CalendarFeed.objects.filter(user_id=user.pk).first()
                if feed is None:
                    raise
        feed.token = token
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        return feed


def revoke_calendar_link(user) -> None:
    CalendarFeed.objects.filter(user_id=user.pk).delete()
