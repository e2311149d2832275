"""Assessments from the committed reference data, for every kind of state."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from deficiencies import rules
from deficiencies.rules import Facts, assess

CSV = Path(__file__).resolve().parents[2] / "deficiencies" / "data" / "state_deficiency_rules.csv"
ROWS = {row["state_code"]: row for row in csv.DictReader(CSV.open())}
TODAY = date(2026, 11, 29)


def rule(code, **overrides):
    row = dict(ROWS[code])
    for name in ("filing_deadline_days_after_sale", "statute_of_limitations_years"):
        row[name] = int(row[name]) if row[name] else None
    row.update(overrides)
    return SimpleNamespace(**row)


def facts(code, **overrides):
    values = dict(
        state_code=code, event_type="foreclosure_sale", event_date=date(2026, 10, 1),
        sale_process="non_judicial", occupancy="non_owner_occupied", purchase_money="no",
        deficiency=Decimal("50000.00"),
    )  # fmt: skip
    values.update(overrides)
    return Facts(**values)


@pytest.mark.parametrize("code", ["AK", "AZ", "CA", "MN", "MT", "OR", "WA"])
def test_prohibited_states_bar_a_deficiency_after_a_trustee_sale(code):
    result = assess(rule(code), facts(code), TODAY)
    assert result.verdict == rules.BARRED
    assert "bars a deficiency judgment after a non-judicial (trustee) sale" in result.reasons[0]


def test_north_dakota_bars_a_deficiency_on_an_owner_occupied_purchase_money_home():
    # ND forecloses by court action only: the protection, not the process, bars it.
    result = assess(
        rule("ND"),
        facts("ND", sale_process="judicial", occupancy="owner_occupied", purchase_money="yes"),
        TODAY,
    )
    assert result.verdict == rules.BARRED
    assert "owner-occupied purchase-money loan" in result.reasons[0]


def test_california_judicial_sale_of_a_purchase_money_home_is_barred():
    result = assess(rule("CA"), facts("CA", sale_process="judicial", occupancy="owner_occupied",
                                       purchase_money="yes"), TODAY)  # fmt: skip
    assert result.verdict == rules.BARRED


def test_california_judicial_sale_of_a_rental_refinance_has_conditions_and_a_window():
    result = assess(rule("CA"), facts("CA", sale_process="judicial"), TODAY)
    assert result.verdict == rules.CONDITIONAL
    # Oct 1, 2026 + 90 days = Dec 30, 2026
    assert result.filing_deadline == date(2026, 12, 30)
    assert result.filing_deadline_note.startswith("judicial foreclosure only")
    assert not result.window_closed


def test_restricted_state_with_a_window_still_open():
    result = assess(rule("NY"), facts("NY", sale_process="judicial"), TODAY)
    assert result.verdict == rules.CONDITIONAL
    assert result.filing_deadline == date(2026, 12, 30)
    assert "referee's deed" in result.filing_deadline_note
    assert any("File by Dec 30, 2026" in r for r in result.reasons)
    # NY has a 6-year general period: Oct 1, 2032.
    assert result.limitations_date == date(2032, 10, 1)


def test_restricted_state_after_the_window_closed_is_likely_barred():
    # Jun 1 + 90 days = Aug 30, 2026, before Nov 29.
    result = assess(
        rule("NY"), facts("NY", sale_process="judicial", event_date=date(2026, 6, 1)), TODAY
    )
    assert result.verdict == rules.LIKELY_BARRED
    assert result.window_closed
    assert "Aug 30, 2026" in " ".join(result.reasons)


def test_suit_filed_inside_the_window_keeps_it_pursuable():
    f = facts(
        "NY", sale_process="judicial", event_date=date(2026, 6, 1), suit_filed_on=date(2026, 8, 1)
    )
    result = assess(rule("NY"), f, TODAY)
    assert result.verdict == rules.CONDITIONAL
    assert not result.window_closed


def test_restricted_state_without_a_window():
    result = assess(rule("SC"), facts("SC", sale_process="judicial"), TODAY)
    assert result.verdict == rules.CONDITIONAL
    assert result.filing_deadline is None
    assert any("tied to the property's value" in r for r in result.reasons)


def test_conditional_bar_after_a_trustee_sale_is_only_likely():
    # Hawaii's non-judicial bar covers owner-occupants only: restricted, flag true.
    result = assess(rule("HI"), facts("HI"), TODAY)
    assert result.verdict == rules.LIKELY_BARRED


@pytest.mark.parametrize("code", ["IL", "KS", "VA", "WY"])
def test_permissive_states_allow_it(code):
    process = (
        "judicial" if ROWS[code]["primary_foreclosure_process"] == "judicial" else "non_judicial"
    )
    result = assess(rule(code), facts(code, sale_process=process), TODAY)
    assert result.verdict == rules.PURSUABLE


def test_permissive_state_with_a_limitations_period():
    result = assess(rule("AL"), facts("AL", event_date=date(2026, 1, 15)), TODAY)
    assert result.verdict == rules.PURSUABLE
    assert result.limitations_date == date(2032, 1, 15)


def test_limitations_period_run_out_is_likely_barred():
    result = assess(rule("AL"), facts("AL", event_date=date(2019, 1, 15)), TODAY)
    assert result.verdict == rules.LIKELY_BARRED
    assert "ended on Jan 15, 2025" in " ".join(result.reasons)


def test_unknown_nonjudicial_flag_is_undetermined_not_guessed():
    result = assess(rule("IA"), facts("IA"), TODAY)
    assert result.verdict == rules.UNDETERMINED
    assert result.unknowns == ["whether a non-judicial sale bars a deficiency"]


def test_unknown_occupancy_in_a_protecting_state_is_undetermined():
    result = assess(rule("NC"), facts("NC", occupancy="unknown", purchase_money="unknown"), TODAY)
    assert result.verdict == rules.UNDETERMINED
    assert result.unknowns == ["occupancy", "purchase-money status"]


def test_unknown_fair_value_treatment_is_said():
    result = assess(rule("MN"), facts("MN", sale_process="judicial"), TODAY)
    assert result.verdict == rules.CONDITIONAL
    assert any("limits the deficiency by fair value is not known" in r for r in result.reasons)


def test_unknown_regime_is_undetermined():
    result = assess(
        rule("IL", deficiency_regime="unknown"), facts("IL", sale_process="judicial"), TODAY
    )
    assert result.verdict == rules.UNDETERMINED


def test_missing_sale_process_is_undetermined():
    result = assess(rule("IL"), facts("IL", sale_process=""), TODAY)
    assert result.verdict == rules.UNDETERMINED


def test_a_discharge_extinguishes_it_in_any_state():
    for code in ("IL", "NY", "CA"):
        result = assess(rule(code), facts(code, discharged_on=date(2026, 11, 2), chapter=7), TODAY)
        assert result.verdict == rules.EXTINGUISHED
        assert "Chapter 7 bankruptcy discharge on Nov 2, 2026" in result.reasons[0]


def test_waiver_and_zero_deficiency_extinguish_it():
    assert assess(rule("IL"), facts("IL", status="waived"), TODAY).verdict == rules.EXTINGUISHED
    assert (
        assess(rule("IL"), facts("IL", deficiency=Decimal("0")), TODAY).verdict
        == rules.EXTINGUISHED
    )


def test_short_sale_is_undetermined_because_the_data_does_not_cover_it():
    result = assess(rule("IL"), facts("IL", event_type="short_sale"), TODAY)
    assert result.verdict == rules.UNDETERMINED
    assert "not after a short sale" in result.reasons[0]


def test_a_judgment_makes_it_pursuable():
    f = facts(
        "NY",
        sale_process="judicial",
        event_date=date(2026, 6, 1),
        judgment_granted_on=date(2026, 8, 20),
    )
    assert assess(rule("NY"), f, TODAY).verdict == rules.PURSUABLE


def test_no_filing_window_is_computed_for_a_deed_in_lieu():
    # Texas has a 2-year window after a foreclosure sale; a deed in lieu is not one.
    result = assess(rule("TX"), facts("TX", event_type="deed_in_lieu"), TODAY)
    assert result.filing_deadline is None
    assert result.verdict == rules.UNDETERMINED


@pytest.mark.parametrize(
    ("event_date", "days", "years"),
    [
        (date(9999, 12, 31), 90, 6),  # a sale date written straight to the database
        (date(1, 1, 1), 90, 6),
        (date(2026, 10, 1), 2**31 - 1, 32767),  # periods no form accepts, from old rows
        (date(2199, 12, 1), 90, 6),  # the deadlines would fall after 2199
    ],
)
def test_deadlines_that_cannot_be_computed_are_skipped_with_a_note(event_date, days, years):
    result = assess(
        rule("NY", filing_deadline_days_after_sale=days, statute_of_limitations_years=years),
        facts("NY", sale_process="judicial", event_date=event_date),
        TODAY,
    )
    assert result.filing_deadline is None
    assert result.limitations_date is None
    assert any(r.startswith("No filing deadline is computed") for r in result.reasons)
    assert any(r.startswith("No limitations estimate is computed") for r in result.reasons)
    assert result.verdict in (rules.CONDITIONAL, rules.PURSUABLE)


def test_deadlines_at_the_edge_of_the_range_are_still_computed():
    result = assess(rule("NY"), facts("NY", sale_process="judicial"), TODAY)
    assert result.filing_deadline == date(2026, 12, 30)
    assert not any(r.startswith("No ") for r in result.reasons)
