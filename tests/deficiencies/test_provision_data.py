"""Issue 10: the state provisions as audited (deficiencies/data/provisions/*.csv) can be read,
cover all 51 jurisdictions, and every decisive provision reaches its effect in the engine
when its conditions hold and not when one of them fails. Each case's id is its provision
id, and its citation is in the failure message: the statute each test stands for."""

import dataclasses
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from deficiencies import provisions as engine
from deficiencies.reference import provision_rows
from portfolios.choices import US_STATES

ROWS = provision_rows()
JURISDICTIONS = {code for code in US_STATES if code not in {"PR", "GU", "VI", "AS", "MP"}}


def test_every_row_can_be_read():
    problems = [(r["_where"], r["provision_id"], engine.row_problems(r)) for r in ROWS]
    assert [p for p in problems if p[2]] == []


def test_ids_are_unique_and_every_jurisdiction_has_provisions():
    ids = Counter(r["provision_id"] for r in ROWS)
    assert [i for i, n in ids.items() if n > 1] == []
    states = Counter(r["state_code"] for r in ROWS)
    assert set(states) == JURISDICTIONS
    assert [s for s, n in states.items() if n < 2] == []


def test_confidence_and_verification_agree():
    # Verified means the statute text was read in the audit: never a low-confidence row.
    wrong = [r["provision_id"] for r in ROWS
             if r["verified"] == "yes" and r["confidence"] == "low"]  # fmt: skip
    assert wrong == []
    assert {r["verified"] for r in ROWS} <= {"yes", "no"}


def test_every_decisive_provision_cites_a_section():
    uncited = [r["provision_id"] for r in ROWS
               if r["kind"] in engine.DECISIVE and not any(ch.isdigit() for ch in r["citation"])]  # fmt: skip
    assert uncited == []


# --- each decisive provision, in the engine ---------------------------------------------------

EVENT_DAY = date(2026, 3, 2)
TODAY = date(2026, 3, 10)


def _provision(row) -> engine.Provision:
    return engine.Provision.from_text(row)


def _setting(token: str, hold: bool) -> dict | None:
    """The facts that make a condition hold (or fail); None for one the app cannot read."""
    if token.startswith("not:"):
        return _setting(token[4:], not hold)
    flags = {"purchase_money", "seller_financed", "natural_person_borrower", "refinanced",
             "lender_financial_institution", "home_equity_loan", "high_cost_loan",
             "creditor_is_purchaser", "lender_consented", "borrower_elected"}  # fmt: skip
    if token in flags:
        return {token: hold}
    if token in ("owner_occupied", "homestead"):
        return {"occupancy": "owner_occupied" if hold else "non_owner_occupied"}
    if token == "residential":
        return (
            {"property_type": "single_family"} if hold else {"property_type": "land", "units": None}
        )
    if token == "units_1_4":
        return {"units": 1 if hold else 12}
    if token == "single_family_or_duplex":
        return {"units": 1 if hold else 4}
    if token == "sale_confirmed":  # recorded, or not yet: never "refused"
        return {"confirmed_on": EVENT_DAY} if hold else None
    if token == "sold_out_junior":
        return {"lien_position": 2, "senior_sale": True} if hold else {"lien_position": 1}
    if token == "junior_lien":
        return {"lien_position": 2 if hold else 1}
    if token.startswith("acreage_le_"):
        limit = Decimal(token.removeprefix("acreage_le_"))
        return {"acreage": limit if hold else limit + 1}
    if token.startswith(("loan_on_or_after:", "loan_before:")):
        day = date.fromisoformat(token.split(":", 1)[1])
        after = token.startswith("loan_on_or_after:")
        return {"loan_date": day if hold == after else day - timedelta(days=1)}
    return None  # other:...


def _facts(row, provision, hold_all=True, failing=None) -> engine.Facts | None:
    process = provision.process if provision.process != "any" else "judicial"
    event = provision.events[0]
    facts = engine.Facts(
        state_code=row["state_code"], state_name=US_STATES[row["state_code"]], event_type=event,
        event_date=EVENT_DAY, process=process if event == "foreclosure_sale" else "",
        occupancy="non_owner_occupied", property_type="single_family", units=1,
        purchase_money=False, confirmed_on=EVENT_DAY, deed_delivered_on=EVENT_DAY,
        certificate_on=EVENT_DAY, redemption_ends_on=EVENT_DAY, default_on=EVENT_DAY,
        accelerated_on=EVENT_DAY, natural_person_borrower=True,
    )  # fmt: skip
    for token in provision.conditions:
        setting = _setting(token, hold=token != failing)
        if setting is None:
            return None
        facts = dataclasses.replace(facts, **setting)
    return facts


DECIDING = [r for r in ROWS if r["kind"] in ("bar", "fair_value_credit", "filing_window",
                                             "confirmation_required", "purchaser_cap")]  # fmt: skip


def _reached(decision, provision) -> bool:
    pid = provision.provision_id
    if provision.kind == "bar":
        return decision.verdict == engine.BARRED
    if provision.kind == "fair_value_credit":
        return decision.fair_value is not None and decision.fair_value.provision_id == pid
    if provision.kind == "confirmation_required":
        return any(r.provision_id == pid for r in decision.reasons)
    if provision.kind == "purchaser_cap":
        return decision.purchaser_cap is not None
    # A filing window: a deadline from its trigger, or a reason naming what to record.
    return bool(decision.dues) or any(r.provision_id == pid for r in decision.reasons)


@pytest.mark.parametrize("row", DECIDING, ids=[r["provision_id"] for r in DECIDING])
def test_a_provision_reaches_its_effect_when_its_conditions_hold(row):
    provision = _provision(row)
    facts = _facts(row, provision)
    # A condition the facts cannot make hold: an "other:" one, or a sale's confirmation not
    # yet recorded (it may still come).
    pending = dataclasses.replace(_facts_any(row, provision), confirmed_on=None)
    decision = engine.decide([provision], facts or pending, TODAY)
    if facts is None:
        # A condition only counsel can weigh ("other:"): a bar is then undetermined.
        if provision.kind == "bar":
            assert decision.verdict == engine.UNDETERMINED, row["citation"]
        return
    assert _reached(decision, provision), (row["citation"], decision)


def _facts_any(row, provision):
    evaluable = tuple(c for c in provision.conditions if _setting(c, True) is not None)
    return _facts(row, dataclasses.replace(provision, conditions=evaluable))


FAILABLE = [(r, c) for r in DECIDING for c in r["conditions"].split(";")
            if c.strip() and _setting(c.strip(), False) is not None]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "token"), FAILABLE, ids=[f"{r['provision_id']}-{t.strip()}" for r, t in FAILABLE]
)
def test_a_provision_does_not_apply_when_a_condition_fails(row, token):
    provision = _provision(row)
    facts = _facts(row, provision, failing=token.strip())
    if facts is None:
        pytest.skip("another condition is for counsel to weigh")
    if engine.condition(token.strip(), facts)[0] is not False:
        pytest.skip("another condition reads the same fact (owner-occupied and homestead)")
    decision = engine.decide([provision], facts, TODAY)
    assert not _reached(decision, provision), row["citation"]
    assert any(r.provision_id == provision.provision_id for r in decision.considered), row[
        "citation"
    ]


# --- per state: a provision's effect reached, and one that does not apply ---------------------

REACHABLE = ("bar", "fair_value_credit", "filing_window", "confirmation_required",
             "purchaser_cap", "limitation_period", "judgment_lifetime", "enforcement_cutoff")  # fmt: skip
JUDGMENT_DUES = {"judgment_lifetime": "judgment_expiry", "enforcement_cutoff": "enforcement_cutoff"}


def _state_rows(state):
    return [r for r in ROWS if r["state_code"] == state and r["kind"] in REACHABLE]


def _effect(decision, provision) -> bool:
    kind = {"limitation_period": "limitations", "filing_window": "filing", **JUDGMENT_DUES}.get(
        provision.kind
    )
    if kind:
        return any(d.kind == kind and d.citation == provision.citation for d in decision.dues)
    return _reached(decision, provision)


def _reach(row, provision, everything) -> bool:
    """Whether the state's provisions, on facts that make this one hold, reach its effect.
    A bar whose condition only counsel can weigh ("other:") reaches "undetermined"."""
    facts = _facts(row, provision)
    if provision.kind in JUDGMENT_DUES and facts is not None:
        facts = dataclasses.replace(facts, judgment_granted_on=EVENT_DAY)
    if facts is None:
        if provision.kind != "bar":
            return False
        pending = dataclasses.replace(_facts_any(row, provision), confirmed_on=None)
        return engine.decide([provision], pending, TODAY).verdict == engine.UNDETERMINED
    return _effect(engine.decide(everything, facts, TODAY), provision)


@pytest.mark.parametrize("state", sorted(JURISDICTIONS))
def test_each_state_reaches_a_provisions_effect_and_shows_one_not_applying(state):
    rows = _state_rows(state)
    everything = [_provision(r) for r in ROWS if r["state_code"] == state]
    reached = [r for r in rows if _reach(r, _provision(r), everything)]
    assert reached, f"no provision of {state} reaches its effect"

    for row in rows:
        provision = _provision(row)
        failable = [c for c in provision.conditions if _setting(c, False) is not None]
        if failable:
            facts = _facts(row, provision, failing=failable[0])
            if facts is not None and engine.condition(failable[0], facts)[0] is False:
                decision = engine.decide([provision], facts, TODAY)
                assert not _effect(decision, provision), row["citation"]
                assert any(r.provision_id == provision.provision_id for r in decision.considered)
                return
        facts = _facts(row, provision)
        if facts is None:
            continue
        if provision.process != "any" and "foreclosure_sale" in provision.events:
            other = "non_judicial" if provision.process == "judicial" else "judicial"
            facts = dataclasses.replace(facts, event_type="foreclosure_sale", process=other)
            assert not _effect(engine.decide([provision], facts, TODAY), provision), row["citation"]
            return
        missing = [e for e in engine.EVENTS if e not in provision.events]
        if missing:
            facts = dataclasses.replace(facts, event_type=missing[0], process="")
            assert not _effect(engine.decide([provision], facts, TODAY), provision), row["citation"]
            return
        if provision.kind in JUDGMENT_DUES:
            # No judgment entered: its lifetime or cutoff does not run.
            assert not _effect(engine.decide([provision], facts, TODAY), provision), row["citation"]
            return
    # A state whose provisions apply to every case (DE, RI: ordinary procedure): the limitation
    # period bars only once it has run.
    for row in rows:
        provision = _provision(row)
        if provision.kind == "limitation_period" and provision.trigger in (
            "default",
            "acceleration",
        ):
            facts = _facts(row, provision)
            (due,) = engine.decide([provision], facts, TODAY).dues
            assert engine.decide([provision], facts, due.due_on).verdict == engine.PURSUABLE
            later = due.due_on + timedelta(days=1)
            assert engine.decide([provision], facts, later).verdict == engine.LIKELY_BARRED
            return
    pytest.fail(f"no provision of {state} has a condition, process, event or trigger to fail")
