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
    return engine.Provision(
        provision_id=row["provision_id"], kind=row["kind"],
        events=tuple(e for e in row["events"].split(";") if e), process=row["process"] or "any",
        conditions=tuple(c.strip() for c in row["conditions"].split(";") if c.strip()),
        window_number=int(row["window_number"]) if row["window_number"] else None,
        window_unit=row["window_unit"], trigger=row["trigger"],
        rate_percent=Decimal(row["rate_percent"]) if row["rate_percent"] else None,
        effect_note=row["effect_note"], citation=row["citation"],
    )  # fmt: skip


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
