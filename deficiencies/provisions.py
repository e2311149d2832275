"""Whether and until when a deficiency can be pursued, read from the state's provisions.

A provision is one rule of a state's law (deficiencies/data/provisions/, reviewed by counsel
in the app): its `kind` (a bar, a fair-value credit, a filing window, a confirmation
requirement, a junior-lien rule, a purchaser cap, an enforcement cutoff, a judgment's
lifetime, renewal or interest, the limitation period on the note), the liquidation `events`
and foreclosure `process` it covers, the `conditions` that must all hold (a fixed vocabulary,
CONDITIONS below), a window as a number, a unit and a trigger, and its citation.

`decide(provisions, facts, today)` is pure. It keeps the provisions that cover the event,
checks each one's conditions against the facts (held, not held, or unknown: a fact the
loan or the event lacks), and decides:

- a bar whose conditions all hold: **barred**, naming the provision and its section;
- else a bar that may hold but for a missing fact: **undetermined**, naming the fact;
- else a filing window closed with no suit (its trigger's date known, no bankruptcy stay
  to extend it): **barred**; closed from an estimated trigger: **likely barred**;
- else any condition on recovering (fair-value credit, confirmation, window): **pursuable
  with conditions**; none: **pursuable**.

Every provision that decided something is explained in a sentence with its citation; those
whose conditions did not hold are listed as considered. It never guesses: this is decision
support, and every screen showing a decision says to confirm with an attorney licensed in
the state.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from noteinvest.dates import EARLIEST, LATEST, period_from

BARRED = "barred"
LIKELY_BARRED = "likely_barred"
CONDITIONAL = "conditional"
PURSUABLE = "pursuable"
EXTINGUISHED = "extinguished"
UNDETERMINED = "undetermined"

KINDS = (
    "bar", "fair_value_credit", "filing_window", "confirmation_required", "junior_lien_rule",
    "purchaser_cap", "enforcement_cutoff", "judgment_lifetime", "judgment_renewal",
    "judgment_interest", "limitation_period", "notice_required", "other",
)  # fmt: skip
EVENTS = ("foreclosure_sale", "short_sale", "deed_in_lieu")
PROCESSES = ("any", "judicial", "non_judicial")
UNITS = ("days", "months", "years")
TRIGGERS = (
    "sale", "confirmation", "deed_delivery", "certificate_of_title", "redemption_end",
    "judgment", "default", "acceleration", "closing",
)  # fmt: skip
# Provisions that decide or limit a recovery must cite the section they rest on.
DECISIVE = frozenset(KINDS) - {"other", "notice_required", "limitation_period"}
# A bankruptcy case extends a period that would end while it is open until 30 days after
# the stay ends (11 U.S.C. § 108(c)).
TOLL_AFTER_STAY = timedelta(days=30)
TOLLING = "11 U.S.C. § 108(c)"


# --- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the engine knows of one deficiency. None is "not known" (never "no")."""

    state_code: str
    state_name: str
    event_type: str
    event_date: date
    process: str = ""  # judicial / non_judicial for a foreclosure sale; "" unknown
    occupancy: str = "unknown"  # owner_occupied, non_owner_occupied, second_home, vacant
    purchase_money: bool | None = None
    seller_financed: bool | None = None
    # Counsel's answers to the conditions the app cannot read (an `other:` condition's text ->
    # whether it holds for this deficiency), recorded on the deficiency's page.
    answers: dict = field(default_factory=dict)
    # The holder bought the loan from a prior holder (a purchase price is recorded).
    acquired_from_prior_holder: bool | None = None
    units: int | None = None  # dwelling units, when known exactly
    property_type: str = ""  # portfolios.choices.PropertyType
    acreage: Decimal | None = None
    natural_person_borrower: bool | None = None
    lender_financial_institution: bool | None = None
    loan_date: date | None = None
    refinanced: bool | None = None
    home_equity_loan: bool | None = None
    high_cost_loan: bool | None = None
    lien_position: int = 1
    # A junior lien whose security a senior's sale wiped out (senior debt paid from the sale).
    senior_sale: bool = False
    creditor_is_purchaser: bool | None = None
    lender_consented: bool | None = None
    borrower_elected: bool | None = None
    # Dates that start windows, when recorded.
    confirmed_on: date | None = None
    deed_delivered_on: date | None = None
    certificate_on: date | None = None
    redemption_ends_on: date | None = None
    default_on: date | None = None
    accelerated_on: date | None = None
    # Proceedings.
    suit_filed_on: date | None = None
    judgment_granted_on: date | None = None
    judgment_expires_on: date | None = None  # as entered (the court's date wins)
    bankruptcy_filed_on: date | None = None
    bankruptcy_ended_on: date | None = None  # dismissed or closed without discharge
    discharged_on: date | None = None
    chapter: int | None = None


# One-unit property types; 2-4 and 5+ have their own; land and commercial have no dwelling.
_ONE_UNIT = {"single_family", "condo", "townhouse", "pud", "co_op", "manufactured"}
_NO_DWELLING = {"land", "commercial"}


def _units(facts: Facts) -> tuple[int | None, int | None]:
    """The fewest and most dwelling units the facts allow (None: unknown)."""
    if facts.units:
        return facts.units, facts.units
    kind = facts.property_type
    if kind in _ONE_UNIT:
        return 1, 1
    if kind == "two_to_four":
        return 2, 4
    if kind == "multifamily":
        return 5, None
    if kind in _NO_DWELLING:
        return 0, 0
    return None, None


def _homestead(facts: Facts) -> bool | None:
    """A homestead is the borrower's principal residence: an owner-occupied property
    (a second home or a rental is not one)."""
    if facts.occupancy == "owner_occupied":
        return True
    if facts.occupancy in ("non_owner_occupied", "second_home", "vacant"):
        return False
    return None


# Each condition: (what it asks, how to read it from the facts: True, False or None).
def _units_between(low: int, high: int):
    def check(facts: Facts) -> bool | None:
        fewest, most = _units(facts)
        if fewest is None:
            return None
        if most is not None and low <= fewest and most <= high:
            return True
        if (most is not None and most < low) or fewest > high:
            return False
        return None  # 2-4 units when the rule asks for 1-2: the count decides

    return check


CONDITIONS: dict[str, tuple[str, object]] = {
    "owner_occupied": ("the borrower occupied the property", _homestead),
    "homestead": ("the property was the borrower's homestead", _homestead),
    "residential": (
        "the property is residential",
        lambda f: None if _units(f)[0] is None else _units(f)[0] > 0,
    ),
    "purchase_money": (
        "the loan paid for the property (purchase money)",
        lambda f: f.purchase_money,
    ),
    "seller_financed": ("the seller financed the purchase", lambda f: f.seller_financed),
    "acquired_from_prior_holder": (
        "the holder acquired the loan from a prior holder",
        lambda f: f.acquired_from_prior_holder,
    ),
    "units_1_4": ("the property has one to four dwelling units", _units_between(1, 4)),
    "single_family_or_duplex": (
        "the property is a one- or two-family dwelling",
        _units_between(1, 2),
    ),
    "natural_person_borrower": (
        "the borrower is a natural person",
        lambda f: f.natural_person_borrower,
    ),
    "lender_financial_institution": (
        "the lender is a financial institution",
        lambda f: f.lender_financial_institution,
    ),
    "refinanced": ("the loan refinanced an earlier loan", lambda f: f.refinanced),
    "home_equity_loan": ("the loan is a home-equity loan", lambda f: f.home_equity_loan),
    "high_cost_loan": ("the loan is a high-cost loan", lambda f: f.high_cost_loan),
    "junior_lien": ("the loan is a junior lien", lambda f: f.lien_position > 1),
    "sold_out_junior": (
        "a senior lienholder's sale wiped out the loan's security (a sold-out junior)",
        lambda f: f.lien_position > 1 and f.senior_sale,
    ),
    "creditor_is_purchaser": (
        "the foreclosing creditor bought at the sale",
        lambda f: f.creditor_is_purchaser,
    ),
    "lender_consented": (
        "the holder consented to the short sale in writing",
        lambda f: f.lender_consented,
    ),
    "borrower_elected": ("the borrower elected the protection", lambda f: f.borrower_elected),
    # A confirmation not yet recorded may still come: unknown, never "no".
    "sale_confirmed": ("the court confirmed the sale", lambda f: True if f.confirmed_on else None),
}
_ACREAGE = re.compile(r"acreage_le_(\d+(?:\.\d+)?)", re.ASCII)
_DATED = re.compile(r"(loan_on_or_after|loan_before):(\d{4}-\d{2}-\d{2})", re.ASCII)


def known_condition(token: str) -> bool:
    """Whether a condition token is in the vocabulary (negated with `not:` or not)."""
    token = token.removeprefix("not:")
    if match := _DATED.fullmatch(token):
        try:
            date.fromisoformat(match[2])
        except ValueError:
            return False  # 2099-13-45 is no date
        return True
    return (
        token in CONDITIONS
        or bool(_ACREAGE.fullmatch(token))
        or (token.startswith("other:") and len(token) > len("other:"))
    )


def condition(token: str, facts: Facts) -> tuple[bool | None, str]:
    """(held, what it asks). Held is None when a fact is missing (or an `other:` condition
    the app cannot evaluate)."""
    negated = token.startswith("not:")
    token = token.removeprefix("not:")
    if token in CONDITIONS:
        label, read = CONDITIONS[token]
        held = read(facts)
    elif match := _ACREAGE.fullmatch(token):
        limit = Decimal(match[1])
        label = f"the property is {match[1]} acres or less"
        held = None if facts.acreage is None else facts.acreage <= limit
    elif match := _DATED.fullmatch(token):
        day = date.fromisoformat(match[2])
        after = match[1] == "loan_on_or_after"
        label = f"the loan was made {'on or after' if after else 'before'} {_d(day)}"
        if facts.loan_date is None:
            held = None
        else:
            held = facts.loan_date >= day if after else facts.loan_date < day
    elif token.startswith("other:"):
        label = token.removeprefix("other:").strip()
        held = facts.answers.get(label)
    else:
        raise ValueError(f"Unknown condition {token!r}")
    if negated:
        label = NEGATED.get(token, f"not: {label}")
        held = None if held is None else not held
    return held, label


# How a negated condition reads ("not:sale_confirmed").
NEGATED = {
    "sale_confirmed": "the court has not confirmed the sale",
    "refinanced": "the loan did not refinance an earlier loan",
    "junior_lien": "the loan is a first lien",
    "sold_out_junior": "the holder's own sale (not a senior's) ended the security",
    "borrower_elected": "the borrower did not elect the protection",
    "purchase_money": "the loan did not pay for the property",
    "creditor_is_purchaser": "a third party bought at the sale",
    "owner_occupied": "the borrower did not occupy the property",
    "homestead": "the property was not the borrower's homestead",
}


# --- provisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provision:
    provision_id: str
    kind: str
    events: tuple[str, ...]
    process: str = "any"
    conditions: tuple[str, ...] = ()
    window_number: int | None = None
    window_unit: str = ""
    trigger: str = ""
    rate_percent: Decimal | None = None
    effect_note: str = ""
    citation: str = ""
    confidence: str = ""
    verified: bool = False

    @property
    def window(self) -> str:
        if not self.window_number:
            return ""
        unit = self.window_unit if self.window_number != 1 else self.window_unit.rstrip("s")
        return f"{self.window_number} {unit}"

    @property
    def window_text(self) -> str:
        """'3 months from the sale'."""
        return f"{self.window} from {trigger_label(self.trigger)}" if self.window else ""

    @classmethod
    def from_text(cls, row: dict) -> "Provision":
        """A provision from its written form (a data file's row, a stored provision's
        fields): ;-separated events and conditions, numbers as text or numbers."""

        def split(text) -> tuple[str, ...]:
            return tuple(t.strip() for t in (text or "").split(";") if t.strip())

        number, rate = row.get("window_number"), row.get("rate_percent")
        return cls(
            provision_id=row["provision_id"], kind=row["kind"], events=split(row["events"]),
            process=row.get("process") or "any", conditions=split(row.get("conditions")),
            window_number=int(number) if number not in (None, "") else None,
            window_unit=row.get("window_unit") or "", trigger=row.get("trigger") or "",
            rate_percent=Decimal(str(rate)) if rate not in (None, "") else None,
            effect_note=row.get("effect_note") or "", citation=row.get("citation") or "",
            confidence=row.get("confidence") or "",
            verified=row.get("verified") in (True, "yes"),
        )  # fmt: skip

    def covers(self, facts: Facts) -> bool | None:
        """Whether it covers this event and process (None: the process is not recorded)."""
        if facts.event_type not in self.events:
            return False
        if self.process == "any":
            return True
        if facts.event_type != "foreclosure_sale":
            return False  # a rule for one foreclosure process covers sales only
        if not facts.process:
            return None
        return self.process == facts.process


@dataclass(frozen=True)
class Reason:
    text: str
    citation: str = ""
    provision_id: str = ""

    def __str__(self):
        return f"{self.text} ({self.citation})" if self.citation else self.text


@dataclass(frozen=True)
class Due:
    """A date the law sets: a filing deadline, a limitations date, a judgment's expiry..."""

    kind: str  # filing, limitations, judgment_expiry, judgment_renewal, enforcement_cutoff
    due_on: date
    note: str
    citation: str = ""
    estimated: bool = False  # from a stand-in trigger (the sale for default)


@dataclass
class Decision:
    verdict: str
    reasons: list[Reason] = field(default_factory=list)
    considered: list[Reason] = field(default_factory=list)  # covered, conditions not met
    unknowns: list[str] = field(default_factory=list)  # facts that would decide
    for_counsel: list[str] = field(default_factory=list)  # conditions the app cannot record
    dues: list[Due] = field(default_factory=list)
    fair_value: Reason | None = None  # the fair-value credit that applies
    fair_value_unknown: str = ""  # why it may or may not apply
    purchaser_cap: Reason | None = None
    confirmation_needed: Reason | None = None
    judgment_rate: Decimal | None = None
    judgment_rate_reason: Reason | None = None
    stayed: bool = False  # an open bankruptcy case stays collection


def _d(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _split(provision: Provision, missing: list[str]) -> tuple[list[str], list[str]]:
    """(facts the user can record, conditions only counsel can weigh) among `missing`."""
    counsel = {
        condition(token, _NO_FACTS)[1] for token in provision.conditions
        if token.removeprefix("not:").startswith("other:")
    }  # fmt: skip
    return [m for m in missing if m not in counsel], [m for m in missing if m in counsel]


def _what_to_do(recordable: list[str], counsel: list[str]) -> str:
    if recordable and counsel:
        return "record the facts asked, and counsel decides the rest, to get a verdict"
    if counsel:
        return "the app does not record this; counsel decides whether it holds"
    return "record it to get a verdict"


def _note_missing(decision: "Decision", provision: Provision, missing: list[str]) -> str:
    """Add what is missing to the decision (facts to record, conditions for counsel) and say
    what to do about it."""
    recordable, counsel = _split(provision, missing)
    decision.unknowns.extend(m for m in recordable if m not in decision.unknowns)
    decision.for_counsel.extend(m for m in counsel if m not in decision.for_counsel)
    return _what_to_do(recordable, counsel)


def _held(provision: Provision, facts: Facts) -> tuple[bool | None, list[str], list[str]]:
    """(all hold, the conditions not met, the facts missing)."""
    unmet, missing = [], []
    for token in provision.conditions:
        held, label = condition(token, facts)
        if held is False:
            unmet.append(label)
        elif held is None:
            missing.append(label)
    if unmet:
        return False, unmet, missing
    return (None if missing else True), unmet, missing


_TRIGGER_DATES = {
    "sale": ("the sale", "event_date"),
    "closing": ("the closing", "event_date"),
    "confirmation": ("the court's confirmation of the sale", "confirmed_on"),
    "deed_delivery": ("delivery of the deed", "deed_delivered_on"),
    "certificate_of_title": ("the certificate of title", "certificate_on"),
    "redemption_end": ("the end of the redemption period", "redemption_ends_on"),
    "judgment": ("entry of the judgment", "judgment_granted_on"),
    "default": ("the default", "default_on"),
    "acceleration": ("the acceleration", "accelerated_on"),
}


# Triggers that come after the sale (a confirmation, the deed, the certificate of title, the
# end of redemption): until their date is recorded, a window is estimated from the sale, which
# ends it no later than the law does (an early, safe estimate). Default and acceleration come
# before the sale: estimated from it, the window ends later than the law's, so a limitation
# estimate is only ever "likely".
_ESTIMATED_FROM_EVENT = {
    "confirmation", "deed_delivery", "certificate_of_title", "redemption_end", "default",
    "acceleration",
}  # fmt: skip


def trigger_label(trigger: str) -> str:
    """How a window's trigger reads: 'the sale', 'delivery of the deed', or other: text."""
    if trigger.startswith("other:"):
        return trigger.removeprefix("other:").strip()
    return _TRIGGER_DATES.get(trigger, (trigger or "the sale",))[0]


_NO_FACTS = Facts(state_code="", state_name="", event_type="", event_date=date.min)


def condition_label(token: str) -> str:
    """A condition in words, whatever the facts ("the borrower is a natural person")."""
    return condition(token, _NO_FACTS)[1]


def _trigger(provision: Provision, facts: Facts) -> tuple[date | None, str, bool]:
    """(the trigger's date, what it is, estimated)."""
    trigger = provision.trigger
    if trigger.startswith("other:"):
        return None, trigger.removeprefix("other:").strip(), False
    what, attribute = _TRIGGER_DATES.get(trigger, (trigger or "the sale", "event_date"))
    day = getattr(facts, attribute)
    if day is None and trigger in _ESTIMATED_FROM_EVENT:
        return facts.event_date, what, True
    return day, what, False


def _period_end(start: date, provision: Provision) -> date | None:
    try:
        day = period_from(start, provision.window_number, provision.window_unit)
    except (OverflowError, ValueError):
        return None
    return day if EARLIEST <= day <= LATEST else None


def _tolled(due: date, facts: Facts) -> tuple[date | None, str]:
    """A period that would end while a bankruptcy case is open runs until 30 days after the
    stay ends (11 U.S.C. § 108(c)): (the new end, or None while the case is open; a note)."""
    filed = facts.bankruptcy_filed_on
    if not filed or due < filed:
        return due, ""
    ended = facts.discharged_on or facts.bankruptcy_ended_on
    if ended is None:
        return None, "extended while the bankruptcy case is open, to 30 days after the stay ends"
    if due <= ended:
        return max(due, ended + TOLL_AFTER_STAY), (
            f"extended to 30 days after the stay ended on {_d(ended)}"
        )
    return due, ""


def decide(provisions: list[Provision], facts: Facts, today: date) -> Decision:
    """The verdict, its reasons and the dates the law sets (see the module's docstring)."""
    decision = Decision(verdict=UNDETERMINED)
    name = facts.state_name
    if not provisions:
        decision.unknowns.append(f"the deficiency law of {name}")
        decision.reasons.append(
            Reason(f"No provisions are recorded for {name}: add them to get a verdict, and "
                   "confirm with counsel licensed there.")
        )  # fmt: skip
        return decision
    decision.stayed = bool(
        facts.bankruptcy_filed_on and not (facts.discharged_on or facts.bankruptcy_ended_on)
    )

    covering, process_unknown = [], []
    for provision in provisions:
        covered = provision.covers(facts)
        if covered:
            covering.append(provision)
        elif covered is None and provision.kind == "bar":
            process_unknown.append(provision)

    bars_hold, bars_unknown = [], []
    restrictions = False
    for provision in covering:
        held, unmet, missing = _held(provision, facts)
        reason = Reason(provision.effect_note, provision.citation, provision.provision_id)
        if held is False:
            decision.considered.append(
                Reason(f"{provision.effect_note} Does not apply: {'; '.join(unmet)} — no.",
                       provision.citation, provision.provision_id)
            )  # fmt: skip
            continue
        kind = provision.kind
        if kind == "bar":
            (bars_hold if held else bars_unknown).append((provision, missing))
        elif kind == "fair_value_credit":
            restrictions = True
            if held:
                decision.fair_value = reason
            else:
                todo = _note_missing(decision, provision, missing)
                decision.fair_value_unknown = (
                    f"A fair-value credit applies if {', and '.join(missing)} "
                    f"({provision.citation}): {todo}."
                )
        elif kind == "confirmation_required" and held:
            restrictions = True
            if provision.window_number and not facts.confirmed_on:
                _add_due(decision, provision, facts)  # the time to seek confirmation
            if facts.confirmed_on:
                decision.reasons.append(
                    Reason(f"{provision.effect_note} The sale was confirmed on "
                           f"{_d(facts.confirmed_on)}.", provision.citation, provision.provision_id)
                )  # fmt: skip
            else:
                decision.confirmation_needed = reason
                decision.reasons.append(
                    Reason(f"{provision.effect_note} No confirmation is recorded yet.",
                           provision.citation, provision.provision_id)
                )  # fmt: skip
        elif kind == "purchaser_cap" and held:
            decision.purchaser_cap = reason
            decision.reasons.append(reason)
        elif kind == "junior_lien_rule" and held:
            if provision.window_number:  # a sold-out junior's own window to sue
                restrictions = True
                _add_due(decision, provision, facts)
            else:
                decision.reasons.append(reason)
        elif kind == "judgment_interest" and held:
            decision.judgment_rate = provision.rate_percent
            decision.judgment_rate_reason = reason
        elif kind in CONDITIONAL_DUES and held is None and provision.window_number:
            # A window whose conditions are not all known: kept as a possible date (missing
            # it costs the claim), with what decides it, never as a sure bar.
            todo = _note_missing(decision, provision, missing)
            restrictions |= kind in ("filing_window", "confirmation_required")
            _add_due(decision, provision, facts, if_=", and ".join(missing))
            decision.reasons.append(
                Reason(f"{provision.effect_note} It applies if {', and '.join(missing)}: "
                       f"{todo}.", provision.citation, provision.provision_id)
            )  # fmt: skip
        elif kind in ("filing_window", "limitation_period", "judgment_lifetime",
                      "judgment_renewal", "enforcement_cutoff") and held:  # fmt: skip
            restrictions |= kind == "filing_window"
            _add_due(decision, provision, facts)
        elif held and kind in ("notice_required", "other"):
            decision.considered.append(reason)

    # 1. Bars.
    if bars_hold:
        decision.verdict = BARRED
        for provision, _missing in bars_hold:
            decision.reasons.insert(
                0, Reason(provision.effect_note, provision.citation, provision.provision_id)
            )
        return decision
    unconfirmed = _confirmation_lapsed(decision, bars_unknown, facts, today)
    if unconfirmed and not process_unknown:
        # Georgia's kind of rule: no deficiency unless the sale is confirmed, and the time to
        # ask for confirmation passed with none recorded.
        decision.verdict = LIKELY_BARRED
        decision.reasons.insert(0, unconfirmed)
        return decision
    if bars_unknown or process_unknown:
        for provision, missing in bars_unknown:
            todo = _note_missing(decision, provision, missing)
            decision.reasons.insert(
                0,
                Reason(f"{provision.effect_note} It applies if {', and '.join(missing)}: "
                       f"{todo}.", provision.citation, provision.provision_id),
            )  # fmt: skip
        if process_unknown:
            decision.unknowns.append("the foreclosure process of the sale")
            decision.reasons.insert(
                0,
                Reason("The sale's foreclosure process (judicial or non-judicial) is not "
                       f"recorded, and {name} bars some deficiencies by process.",
                       "; ".join(p.citation for p in process_unknown)),
            )  # fmt: skip
        decision.verdict = UNDETERMINED
        return decision

    # 2. Windows that closed with no suit, and enforcement cutoffs that passed.
    verdict = CONDITIONAL if restrictions else PURSUABLE
    cutoff = _cutoff_passed(decision, today)
    if cutoff:
        verdict = BARRED if not cutoff[1] else LIKELY_BARRED
        decision.reasons.insert(0, cutoff[0])
    for due in decision.dues:
        if due.kind not in ("filing", "limitations") or facts.suit_filed_on:
            continue
        if today > due.due_on and not decision.stayed:
            barred = due.kind == "filing" and not due.estimated
            verdict = BARRED if barred else LIKELY_BARRED
            decision.reasons.insert(
                0,
                Reason(f"The {'filing window' if due.kind == 'filing' else 'limitations period'}"
                       f" ended on {_d(due.due_on)} ({due.note}) with no suit recorded.",
                       due.citation),
            )  # fmt: skip
    if facts.suit_filed_on:
        decision.reasons.append(Reason(f"Suit was filed on {_d(facts.suit_filed_on)}."))
    if verdict == PURSUABLE:
        decision.reasons.append(
            Reason(f"None of {name}'s recorded provisions bars or limits this deficiency: it "
                   "is pursued under ordinary procedure.")
        )  # fmt: skip
    decision.verdict = verdict
    return decision


# Windows kept as possible dates while their conditions are not all known.
CONDITIONAL_DUES = (
    "filing_window",
    "limitation_period",
    "enforcement_cutoff",
    "confirmation_required",
)


def _cutoff_passed(decision: Decision, today: date) -> tuple[Reason, bool] | None:
    """(why, estimated) when an enforcement cutoff (Ohio R.C. 2329.08, Iowa Code 615.1) has
    passed: no deficiency judgment can be enforced after it; None otherwise."""
    passed = [d for d in decision.dues if d.kind == "enforcement_cutoff" and today > d.due_on]
    if not passed:
        return None
    due = min(passed, key=lambda d: d.due_on)
    return (
        Reason(f"The enforcement cutoff passed on {_d(due.due_on)} ({due.note}): a deficiency "
               "judgment can no longer be enforced.", due.citation),
        due.estimated,
    )  # fmt: skip


def _confirmation_lapsed(decision: Decision, bars_unknown, facts: Facts, today: date):
    """A Reason when the only open question of the bars is whether the court confirmed the
    sale, and the time to seek a confirmation ended with none recorded; else None."""
    if facts.confirmed_on or not bars_unknown:
        return None
    label = NEGATED["sale_confirmed"]
    if any(missing != [label] for _p, missing in bars_unknown):
        return None
    if decision.confirmation_needed is None:
        return None
    window = decision.confirmation_needed.citation
    due = next(
        (d for d in decision.dues if d.kind == "filing" and d.citation == window), None
    )  # fmt: skip
    if due is None or today <= due.due_on:
        return None
    return Reason(
        f"No confirmation of the sale is recorded, and the time to seek one ended on "
        f"{_d(due.due_on)} ({due.note}): without it no deficiency may be had. Record the "
        "confirmation if the court confirmed the sale.",
        window,
    )


_DUE_KINDS = {
    "filing_window": "filing",
    "confirmation_required": "filing",
    "junior_lien_rule": "filing",
    "limitation_period": "limitations",
    "judgment_lifetime": "judgment_expiry",
    "judgment_renewal": "judgment_renewal",
    "enforcement_cutoff": "enforcement_cutoff",
}


def _add_due(decision: Decision, provision: Provision, facts: Facts, if_: str = "") -> None:
    """Add the provision's window as a date the law sets. `if_`: the conditions not yet
    known on which it depends (the date is then kept as an estimate, never a sure bar)."""
    kind = _DUE_KINDS[provision.kind]
    if not provision.window_number:
        decision.reasons.append(
            Reason(provision.effect_note, provision.citation, provision.provision_id)
        )
        return
    start, what, estimated = _trigger(provision, facts)
    if start is None:
        if kind.startswith("judgment") or kind == "enforcement_cutoff":
            return  # no judgment yet: nothing runs
        todo = (
            "the app does not record that date, so counsel computes this deadline"
            if provision.trigger.startswith("other:")
            else "record its date to compute the deadline"
        )
        decision.reasons.append(
            Reason(f"{provision.effect_note} It runs {provision.window} from {what}: {todo}.",
                   provision.citation, provision.provision_id)
        )  # fmt: skip
        return
    end = _period_end(start, provision)
    if end is None:
        decision.reasons.append(
            Reason(f"No date is computed for {provision.window} from {what} ({_d(start)}): it "
                   f"falls outside {EARLIEST.year}–{LATEST.year}.", provision.citation)
        )  # fmt: skip
        return
    note = f"{provision.window} from {what}"
    if estimated:
        event = facts.event_type.replace("_", " ")
        note += f" (estimated from the {event}: record the date of {what})"
    if if_:
        note += f"; it applies if {if_}"
        estimated = True
    if kind in ("filing", "limitations"):
        tolled, toll_note = _tolled(end, facts)
        if tolled is None:
            decision.reasons.append(
                Reason(f"{provision.effect_note} Its end ({_d(end)}) is {toll_note}.",
                       f"{provision.citation}; {TOLLING}", provision.provision_id)
            )  # fmt: skip
            return
        if toll_note:
            note = f"{note}; {toll_note}"
            end = tolled
    decision.dues.append(Due(kind, end, note, provision.citation, estimated))


# --- checking a provision as written (the data files, the edit form) -------------------------

CONFIDENCES = ("high", "medium", "low")


def row_problems(row: dict) -> list[tuple[str, str]]:
    """What is wrong with a provision written as text (a CSV row or a form's data): a list of
    (field, sentence); [] when it can be read."""
    problems = []
    kind = row.get("kind", "")
    if kind not in KINDS:
        problems.append(("kind", f"“{kind}” is not one of {', '.join(KINDS)}"))
    events = [e for e in (row.get("events") or "").split(";") if e]
    if not events or any(e not in EVENTS for e in events):
        problems.append(("events", f"events must be ;-separated from {', '.join(EVENTS)}"))
    if row.get("process", "any") not in PROCESSES:
        problems.append(("process", f"process must be one of {', '.join(PROCESSES)}"))
    for token in (c.strip() for c in (row.get("conditions") or "").split(";") if c.strip()):
        if not known_condition(token):
            problems.append(("conditions", f"“{token}” is not in the conditions' vocabulary"))
    number, unit = str(row.get("window_number") or "").strip(), row.get("window_unit") or ""
    trigger = row.get("trigger") or ""
    if number:
        if not number.isdigit() or int(number) < 1:
            problems.append(("window_number", "a window is a whole number of 1 or more"))
        if unit not in UNITS:
            problems.append(("window_unit", f"a window's unit is one of {', '.join(UNITS)}"))
        if trigger not in TRIGGERS and not (trigger.startswith("other:") and trigger[6:].strip()):
            problems.append(
                ("trigger", f"a window's trigger is one of {', '.join(TRIGGERS)} or other:<text>")
            )
    elif unit:
        problems.append(("window_number", "a window unit is given without its number"))
    rate = str(row.get("rate_percent") or "").strip()
    if rate:
        try:
            value = Decimal(rate)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= 50:
            problems.append(("rate_percent", "a rate is a percentage between 0 and 50"))
    if kind in DECISIVE and not (row.get("citation") or "").strip():
        problems.append(("citation", f"a {kind} provision must cite the section it rests on"))
    if not (row.get("effect_note") or "").strip():
        problems.append(("effect_note", "say what the provision does"))
    if row.get("confidence") and row["confidence"] not in CONFIDENCES:
        problems.append(("confidence", f"confidence is one of {', '.join(CONFIDENCES)}"))
    return problems


# --- a deficiency's verdict: its status and its record first, then the provisions -------------

ENDED_BY_STATUS = {
    "waived": "The deficiency was waived.",
    "time_barred": "The deficiency was recorded as time-barred.",
    "barred_by_law": "The deficiency was recorded as barred by law.",
    "settled": "The deficiency was settled.",
}


def assess(provisions: list[Provision], facts: Facts, *, status: str, amount: Decimal,
           today: date, balance: Decimal | None = None) -> Decision:  # fmt: skip
    """A recorded deficiency's verdict: a discharge, a waiver or a zero balance extinguishes
    it whatever the state's law; a judgment is pursued until it expires; otherwise the
    provisions decide (`decide`)."""
    if facts.discharged_on:
        chapter = f"Chapter {facts.chapter} " if facts.chapter else ""
        return Decision(
            verdict=EXTINGUISHED,
            reasons=[Reason(f"A {chapter}bankruptcy discharge on {_d(facts.discharged_on)} ended "
                            "the borrower's personal liability for the deficiency.",
                            "11 U.S.C. § 524(a)")],
        )  # fmt: skip
    if status in ENDED_BY_STATUS:
        return Decision(verdict=EXTINGUISHED, reasons=[Reason(ENDED_BY_STATUS[status])])
    # `balance`: the debt less what the sale credited; `amount`: what is recoverable (after
    # a fair-value credit, a purchaser's cap). A credit that covers the debt leaves nothing;
    # a fair-value credit that does is weighed after the bars (a barred deficiency is barred
    # whatever the value).
    if (amount if balance is None else balance) <= 0:
        return Decision(
            verdict=EXTINGUISHED,
            reasons=[Reason("The credited amount covers the total debt: there is no deficiency.")],
        )
    decision = decide(provisions, facts, today)
    if amount <= 0 and decision.verdict != BARRED:
        limit = decision.purchaser_cap or decision.fair_value
        what = "the fair-value credit" if limit is decision.fair_value else "the purchaser's cap"
        decision.verdict = EXTINGUISHED
        decision.dues = []  # nothing to recover: no date to keep
        decision.reasons.insert(
            0, Reason(f"With {what}, nothing is recoverable: the deficiency the sale left "
                      f"(${balance:,.2f}) is covered.", limit.citation if limit else ""),
        )  # fmt: skip
        return decision
    if facts.suit_filed_on or facts.judgment_granted_on:
        # Filed: the windows to file and the limitation period no longer run.
        decision.dues = [d for d in decision.dues if d.kind not in ("filing", "limitations")]
    if facts.judgment_granted_on and facts.judgment_expires_on:
        # The expiry the court's judgment states wins over the statute's default lifetime.
        decision.dues = [d for d in decision.dues if d.kind != "judgment_expiry"]
        decision.dues.append(
            Due("judgment_expiry", facts.judgment_expires_on, "as entered from the judgment")
        )
    cut = _cutoff_passed(decision, today) is not None  # decide() said so already
    if facts.judgment_granted_on and cut:
        pass
    elif facts.judgment_granted_on and decision.verdict == BARRED:
        # A statute bars it: a judgment recorded here does not make it pursuable.
        decision.reasons.append(
            Reason(f"A judgment is recorded (granted on {_d(facts.judgment_granted_on)}), but "
                   "the provision above bars the deficiency: have counsel review the judgment "
                   "before collecting on it.")
        )  # fmt: skip
    elif facts.judgment_granted_on:
        expiry = next((d for d in decision.dues if d.kind == "judgment_expiry"), None)
        if expiry and today > expiry.due_on:
            decision.verdict = BARRED
            decision.reasons.insert(
                0, Reason(f"The judgment expired on {_d(expiry.due_on)} ({expiry.note}).",
                          expiry.citation),
            )  # fmt: skip
        else:
            decision.verdict = PURSUABLE
            until = f" until {_d(expiry.due_on)}" if expiry else ""
            decision.reasons.insert(
                0, Reason(f"A deficiency judgment was granted on "
                          f"{_d(facts.judgment_granted_on)}; it is enforceable{until}."),
            )  # fmt: skip
    if decision.stayed and decision.verdict not in (BARRED, EXTINGUISHED):
        decision.reasons.insert(
            0, Reason(f"A bankruptcy case filed on {_d(facts.bankruptcy_filed_on)} is open: the "
                      "automatic stay bars collecting the deficiency while it lasts.",
                      "11 U.S.C. § 362(a)"),
        )  # fmt: skip
    return decision
