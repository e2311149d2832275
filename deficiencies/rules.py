"""Whether and until when a deficiency can be pursued, from the state's rule row.

`assess(rule, facts, today)` is pure: it reads a StateRule (or anything with its field
names) and the facts of one deficiency and returns an Assessment: a verdict, the
reasons as sentences, the filing deadline estimate with its note, and a limitations
estimate where the data has one. It never guesses: where a fact or a flag it needs is
unknown, the verdict is "undetermined" and the reasons say which.

This is decision support, not legal advice: every screen that shows a verdict also
shows the rule, its sources, and says to confirm with an attorney licensed in the state.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from noteinvest.dates import EARLIEST, LATEST

BARRED = "barred"
LIKELY_BARRED = "likely_barred"
CONDITIONAL = "conditional"
PURSUABLE = "pursuable"
EXTINGUISHED = "extinguished"
UNDETERMINED = "undetermined"

EXTINGUISHING_STATUSES = {
    "waived": "The deficiency was waived.",
    "time_barred": "The deficiency was recorded as time-barred.",
    "barred_by_law": "The deficiency was recorded as barred by law.",
}


@dataclass(frozen=True)
class Facts:
    state_code: str
    event_type: str  # foreclosure_sale, short_sale, deed_in_lieu
    event_date: date
    sale_process: str = ""  # judicial / non_judicial (foreclosure sales)
    occupancy: str = "unknown"  # owner_occupied, non_owner_occupied, vacant, unknown
    purchase_money: str = "unknown"  # yes, no, unknown
    deficiency: Decimal = Decimal("0")
    status: str = "open"
    discharged_on: date | None = None
    chapter: int | None = None
    suit_filed_on: date | None = None
    judgment_granted_on: date | None = None


@dataclass
class Assessment:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    filing_deadline: date | None = None
    filing_deadline_note: str = ""
    window_closed: bool = False
    limitations_date: date | None = None
    unknowns: list[str] = field(default_factory=list)


def _d(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 -> Feb 28
        return day.replace(year=day.year + years, day=28)


def _plausible(compute) -> date | None:
    """The computed date, or None when it overflows or falls outside EARLIEST..LATEST."""
    try:
        day = compute()
    except (OverflowError, ValueError):
        return None
    return day if EARLIEST <= day <= LATEST else None


def _deadlines(rule, facts: Facts) -> tuple[date | None, date | None, list[str]]:
    """The filing deadline and the limitations estimate, with a note for each one that
    cannot be computed (a date or a period outside what the app can compute with)."""
    notes = []
    filing = None
    days = rule.filing_deadline_days_after_sale
    if days:
        filing = _plausible(lambda: facts.event_date + timedelta(days=days))
        if filing is None:
            notes.append(
                f"No filing deadline is computed: {days} days after the sale date as recorded "
                f"falls outside {EARLIEST.year}–{LATEST.year}. Check the sale date and the rule."
            )
    limitations = None
    years = rule.statute_of_limitations_years
    if years:
        limitations = _plausible(lambda: add_years(facts.event_date, years))
        if limitations is None:
            notes.append(
                f"No limitations estimate is computed: {years} years after the sale date as "
                f"recorded falls outside {EARLIEST.year}–{LATEST.year}. Check the sale date "
                "and the rule."
            )
    return filing, limitations, notes


def assess(rule, facts: Facts, today: date) -> Assessment:
    name = rule.state_name
    filing, limitations, notes = _deadlines(rule, facts)
    result = Assessment(
        verdict=UNDETERMINED,
        filing_deadline=filing,
        filing_deadline_note=rule.filing_deadline_note,
        limitations_date=limitations,
    )
    reasons = result.reasons
    reasons.extend(notes)

    # 1. What ends the borrower's liability whatever the state.
    if facts.discharged_on:
        chapter = f"Chapter {facts.chapter} " if facts.chapter else ""
        result.verdict = EXTINGUISHED
        reasons.append(
            f"A {chapter}bankruptcy discharge on {_d(facts.discharged_on)} ended the "
            "borrower's personal liability for the deficiency."
        )
        return result
    if facts.status in EXTINGUISHING_STATUSES:
        result.verdict = EXTINGUISHED
        reasons.append(EXTINGUISHING_STATUSES[facts.status])
        return result
    if facts.deficiency <= 0:
        result.verdict = EXTINGUISHED
        reasons.append("The credited amount covers the total debt: there is no deficiency.")
        return result
    if facts.judgment_granted_on:
        result.verdict = PURSUABLE
        reasons.append(
            f"A deficiency judgment was granted on {_d(facts.judgment_granted_on)}; "
            "it is enforced until paid or until it expires."
        )
        return result

    # A state or territory without a rule row (services.rule_for): nothing to assess with.
    if getattr(rule, "unrecorded", False):
        result.unknowns.append(f"a deficiency rule for {name}")
        reasons.append(
            f"No deficiency rule is recorded for {name}: add one to get a verdict, and confirm "
            "with counsel licensed there."
        )
        return result

    # 2. The data covers deficiencies after a foreclosure sale only: its filing windows
    # run from a sale, so none is computed for a short sale or a deed in lieu.
    if facts.event_type != "foreclosure_sale":
        result.filing_deadline = None
        kind = "short sale" if facts.event_type == "short_sale" else "deed in lieu"
        result.unknowns.append("the law on deficiencies after a " + kind)
        reasons.append(
            f"The state data covers deficiencies after a foreclosure sale, not after a {kind}; "
            f"whether {name} allows one here, and what the borrower signed about it, must be "
            "checked by counsel."
        )
        return result

    process = facts.sale_process
    regime = rule.deficiency_regime
    verdict = None

    # 3. A non-judicial sale that bars the deficiency.
    if process == "non_judicial":
        bar = rule.nonjudicial_bars_deficiency
        if bar == "true":
            if regime == "prohibited":
                verdict = BARRED
                reasons.append(
                    f"{name} bars a deficiency judgment after a non-judicial (trustee) sale of "
                    "the typical residential property."
                )
            else:
                verdict = LIKELY_BARRED
                reasons.append(
                    f"{name} bars a deficiency after a non-judicial sale for some borrowers; "
                    "the bar is conditional (read the notes)."
                )
        elif bar == "unknown":
            result.unknowns.append("whether a non-judicial sale bars a deficiency")
            reasons.append(
                "The sources do not settle whether a non-judicial sale bars a deficiency "
                f"in {name}."
            )
            return result
    elif not process:
        result.unknowns.append("the foreclosure process of the sale")
        reasons.append("The sale's foreclosure process (judicial or non-judicial) is not recorded.")
        return result

    # 4. Purchase-money and owner-occupied protection.
    if verdict is None and rule.purchase_money_owner_occupied_protected == "true":
        owner = facts.occupancy == "owner_occupied"
        purchase = facts.purchase_money == "yes"
        occupancy_unknown = facts.occupancy == "unknown"
        purchase_unknown = facts.purchase_money == "unknown"
        if owner or purchase:
            both = owner and purchase
            verdict = BARRED if (both and regime == "prohibited") else LIKELY_BARRED
            what = (
                "an owner-occupied purchase-money loan"
                if both
                else ("an owner-occupied home" if owner else "a purchase-money loan")
            )
            reasons.append(
                f"{name} protects borrowers from a deficiency on {what}; this loan is one"
                + ("." if verdict == BARRED else ", though the protection is narrower than "
                   "its name (read the notes).")
            )  # fmt: skip
        elif occupancy_unknown or purchase_unknown:
            missing = [
                n for n, unknown in (("occupancy", occupancy_unknown),
                                     ("purchase-money status", purchase_unknown)) if unknown
            ]  # fmt: skip
            result.unknowns.extend(missing)
            reasons.append(
                f"{name} protects purchase-money and/or owner-occupied loans, and this loan's "
                f"{' and '.join(missing)} is unknown: record it to get a verdict."
            )
            return result

    # 5. The regime.
    if verdict is None:
        if regime == "prohibited":
            verdict = CONDITIONAL
            reasons.append(
                f"{name} bars the common residential case, but its bars do not reach this "
                f"sale ({'judicial' if process == 'judicial' else 'non-judicial'} process, "
                "occupancy and purchase-money status as recorded); a deficiency needs the "
                "conditions in the notes."
            )
        elif regime == "restricted":
            verdict = CONDITIONAL
            reasons.append(f"{name} allows a deficiency judgment only under conditions.")
        elif regime == "permissive":
            verdict = PURSUABLE
            reasons.append(f"{name} allows a deficiency judgment under ordinary procedure.")
        else:
            result.unknowns.append("the state's deficiency regime")
            reasons.append(f"The sources conflict on {name}'s deficiency regime.")
            return result
        fair_value = rule.fair_value_limit
        if fair_value == "true":
            reasons.append(
                "The deficiency is tied to the property's value (see the notes for how), so the "
                "fair-value figure is the recoverable estimate when a value is known."
            )
        elif fair_value == "unknown":
            reasons.append(f"Whether {name} limits the deficiency by fair value is not known.")

    # 6. Time: the filing window and the limitations period.
    if verdict in (CONDITIONAL, PURSUABLE):
        if filing:
            filed_in_time = facts.suit_filed_on and facts.suit_filed_on <= filing
            if filed_in_time:
                reasons.append(f"Suit was filed on {_d(facts.suit_filed_on)}, inside the window.")
            elif today > filing:
                result.window_closed = True
                verdict = LIKELY_BARRED
                reasons.append(
                    f"The estimated filing deadline, {_d(filing)} "
                    f"({rule.filing_deadline_days_after_sale} days after the sale), has passed "
                    "with no suit recorded. The trigger may not be the sale: read the note."
                )
            else:
                reasons.append(
                    f"File by {_d(filing)} (estimate: {rule.filing_deadline_days_after_sale} "
                    "days after the sale; the trigger may differ, read the note)."
                )
        if limitations and not facts.suit_filed_on:
            if today > limitations:
                verdict = LIKELY_BARRED
                reasons.append(
                    f"The general limitations period ({rule.statute_of_limitations_years} years, "
                    f"estimated from the sale) ended on {_d(limitations)}."
                )
            else:
                reasons.append(
                    f"Limitations estimate: {_d(limitations)} "
                    f"({rule.statute_of_limitations_years} years from the sale; the period may "
                    "run from default or acceleration instead)."
                )
    result.verdict = verdict
    return result
