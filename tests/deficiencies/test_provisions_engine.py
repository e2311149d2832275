"""Issue 10: the provisions engine (deficiencies/provisions.py) on provisions written as the
statutes read. Each test names the statute its provision stands for; the provisions here are
written in the test so the engine's logic is checked apart from the data's wording."""

from datetime import date
from decimal import Decimal

import pytest

from deficiencies import provisions as p
from noteinvest.dates import period_from

TODAY = date(2026, 11, 30)


def P(pid, kind, events="foreclosure_sale", process="any", conditions=(), **extra):  # noqa: N802
    return p.Provision(
        provision_id=pid, kind=kind, events=tuple(events.split(";")), process=process,
        conditions=tuple(conditions), effect_note=extra.pop("note", f"{pid} effect."),
        citation=extra.pop("citation", f"§ {pid}"), **extra,
    )  # fmt: skip


def F(**kw):  # noqa: N802
    base = dict(state_code="CA", state_name="California", event_type="foreclosure_sale",
                event_date=date(2026, 2, 1), process="judicial", occupancy="owner_occupied",
                property_type="single_family", purchase_money=False)  # fmt: skip
    base.update(kw)
    return p.Facts(**base)


# California: CCP 580d bars a deficiency after a trustee (non-judicial) sale; CCP 726(b)
# gives 3 months from a judicial sale to apply for one; CCP 580e bars one after a consented
# short sale of a 1-4 unit dwelling by a natural person.
CA = [
    P("CA-580d", "bar", process="non_judicial", citation="Cal. Civ. Proc. Code § 580d"),
    P("CA-726b", "filing_window", process="judicial", window_number=3, window_unit="months",
      trigger="sale", citation="Cal. Civ. Proc. Code § 726(b)"),
    P("CA-580e", "bar", events="short_sale",
      conditions=("lender_consented", "units_1_4", "natural_person_borrower"),
      citation="Cal. Civ. Proc. Code § 580e"),
]  # fmt: skip


def test_a_trustee_sale_in_california_is_barred_whatever_the_value():
    # CCP 580d: the bar does not depend on the bid or a BPO.
    decision = p.decide(CA, F(process="non_judicial"), TODAY)
    assert decision.verdict == p.BARRED
    assert str(decision.reasons[0]) == "CA-580d effect. (Cal. Civ. Proc. Code § 580d)"
    # The judicial-only window is not given to a trustee sale.
    assert decision.dues == []


def test_a_judicial_sale_gets_three_calendar_months_not_ninety_days():
    # CCP 726(b): a sale on Feb 1, 2026 -> May 1, 2026 (90 days would be May 2).
    decision = p.decide(CA, F(event_date=date(2026, 2, 1)), date(2026, 3, 1))
    assert decision.verdict == p.CONDITIONAL
    (due,) = decision.dues
    assert (due.kind, due.due_on, due.note) == (
        "filing",
        date(2026, 5, 1),
        "3 months from the sale",
    )
    assert due.citation == "Cal. Civ. Proc. Code § 726(b)"


@pytest.mark.parametrize(
    ("start", "number", "unit", "expected"),
    [(date(2026, 1, 31), 1, "months", date(2026, 2, 28)),
     (date(2024, 1, 31), 1, "months", date(2024, 2, 29)),
     (date(2025, 11, 30), 3, "months", date(2026, 2, 28)),
     (date(2026, 2, 28), 3, "months", date(2026, 5, 28)),
     (date(2024, 2, 29), 1, "years", date(2025, 2, 28)),
     (date(2026, 2, 1), 90, "days", date(2026, 5, 2))],
)  # fmt: skip
def test_windows_are_counted_on_the_calendar(start, number, unit, expected):
    assert period_from(start, number, unit) == expected


def test_a_closed_window_with_no_suit_bars_and_a_suit_in_time_keeps_it_open():
    late = p.decide(CA, F(event_date=date(2026, 2, 1)), date(2026, 5, 2))
    assert late.verdict == p.BARRED
    assert "The filing window ended on May 1, 2026 (3 months from the sale)" in str(late.reasons[0])
    in_time = p.decide(CA, F(suit_filed_on=date(2026, 4, 30)), date(2026, 6, 1))
    assert in_time.verdict == p.CONDITIONAL


def test_a_consented_short_sale_of_a_home_is_barred_and_a_missing_fact_is_named():
    # CCP 580e.
    facts = F(event_type="short_sale", process="", lender_consented=True,
              natural_person_borrower=True)  # fmt: skip
    assert p.decide(CA, facts, TODAY).verdict == p.BARRED
    unknown = p.decide(CA, F(event_type="short_sale", process="", lender_consented=True), TODAY)
    assert unknown.verdict == p.UNDETERMINED
    assert unknown.unknowns == ["the borrower is a natural person"]
    assert "It applies if the borrower is a natural person: record it" in str(unknown.reasons[0])
    commercial = F(event_type="short_sale", process="", lender_consented=True,
                   natural_person_borrower=False)  # fmt: skip
    decision = p.decide(CA, commercial, TODAY)
    assert decision.verdict == p.PURSUABLE
    assert "Does not apply: the borrower is a natural person — no." in str(decision.considered[0])


# Pennsylvania: 42 Pa.C.S. § 8103(a) limits the deficiency by fair value when the property
# is sold to the judgment creditor; a third-party buyer's price stands.
PA = [P("PA-8103a", "fair_value_credit", conditions=("creditor_is_purchaser",),
        citation="42 Pa.C.S. § 8103(a)")]  # fmt: skip


def test_fair_value_applies_only_when_the_creditor_buys_in_pennsylvania():
    third_party = p.decide(PA, F(state_code="PA", creditor_is_purchaser=False), TODAY)
    assert third_party.fair_value is None and third_party.verdict == p.PURSUABLE
    credit_bid = p.decide(PA, F(state_code="PA", creditor_is_purchaser=True), TODAY)
    assert credit_bid.fair_value.citation == "42 Pa.C.S. § 8103(a)"
    assert credit_bid.verdict == p.CONDITIONAL
    unknown = p.decide(PA, F(state_code="PA"), TODAY)
    assert unknown.unknowns == ["the foreclosing creditor bought at the sale"]
    assert (
        "A fair-value credit applies if the foreclosing creditor bought"
        in unknown.fair_value_unknown
    )


# Texas: Prop. Code § 51.003 (fair value) speaks of foreclosure sales only; Florida's
# § 702.06 reaches every deficiency decree, short sales included.
def test_a_short_sale_gets_fair_value_only_where_the_statute_reaches_it():
    tx = [P("TX-51.003", "fair_value_credit", citation="Tex. Prop. Code § 51.003")]
    fl = [P("FL-702.06", "fair_value_credit", events="foreclosure_sale;short_sale",
            citation="Fla. Stat. § 702.06")]  # fmt: skip
    short = dict(event_type="short_sale", process="")
    assert p.decide(tx, F(state_code="TX", **short), TODAY).fair_value is None
    assert p.decide(fl, F(state_code="FL", **short), TODAY).fair_value.citation == (
        "Fla. Stat. § 702.06"
    )


# Arizona: A.R.S. § 33-814(G) bars a deficiency after a trustee sale of 2.5 acres or less
# used as a one- or two-family dwelling.
AZ = [P("AZ-33-814G", "bar", process="non_judicial",
        conditions=("acreage_le_2.5", "single_family_or_duplex"),
        citation="Ariz. Rev. Stat. § 33-814(G)")]  # fmt: skip


def test_arizona_bars_a_trustee_sale_only_of_a_small_one_or_two_family_dwelling():
    small = F(state_code="AZ", process="non_judicial", acreage=Decimal("0.25"))
    assert p.decide(AZ, small, TODAY).verdict == p.BARRED
    ranch = F(state_code="AZ", process="non_judicial", acreage=Decimal("40"))
    assert p.decide(AZ, ranch, TODAY).verdict == p.PURSUABLE
    fourplex = F(state_code="AZ", process="non_judicial", acreage=Decimal("0.3"), units=4)
    assert p.decide(AZ, fourplex, TODAY).verdict == p.PURSUABLE
    unknown = p.decide(AZ, F(state_code="AZ", process="non_judicial"), TODAY)
    assert (unknown.verdict, unknown.unknowns) == (
        p.UNDETERMINED, ["the property is 2.5 acres or less"]
    )  # fmt: skip
    two_to_four = F(state_code="AZ", process="non_judicial", acreage=Decimal("1"),
                    property_type="two_to_four")  # fmt: skip
    assert p.decide(AZ, two_to_four, TODAY).unknowns == [
        "the property is a one- or two-family dwelling"
    ]


def test_an_unrecorded_process_is_named_when_a_bar_depends_on_it():
    decision = p.decide(CA, F(process=""), TODAY)
    assert decision.verdict == p.UNDETERMINED
    assert decision.unknowns == ["the foreclosure process of the sale"]


def test_a_state_without_provisions_is_undetermined_saying_so():
    decision = p.decide([], F(state_code="PR", state_name="Puerto Rico"), TODAY)
    assert decision.verdict == p.UNDETERMINED
    assert decision.unknowns == ["the deficiency law of Puerto Rico"]


# 11 U.S.C. § 108(c): a period that would end during the case runs until 30 days after the
# stay ends.
def test_an_open_bankruptcy_extends_the_window_and_dismissal_ends_it_30_days_later():
    open_case = F(bankruptcy_filed_on=date(2026, 3, 1))
    decision = p.decide(CA, open_case, date(2026, 6, 1))
    assert decision.stayed and decision.dues == []
    assert decision.verdict == p.CONDITIONAL
    assert "extended while the bankruptcy case is open" in str(decision.reasons[0])
    dismissed = F(bankruptcy_filed_on=date(2026, 3, 1), bankruptcy_ended_on=date(2026, 8, 10))
    (due,) = p.decide(CA, dismissed, date(2026, 8, 11)).dues
    assert due.due_on == date(2026, 9, 9)
    assert "extended to 30 days after the stay ended on Aug 10, 2026" in due.note
    after = F(bankruptcy_filed_on=date(2026, 6, 1), bankruptcy_ended_on=date(2026, 7, 1))
    (due,) = p.decide(CA, after, TODAY).dues  # the window had ended before the filing
    assert due.due_on == date(2026, 5, 1)


def test_a_limitation_period_from_default_is_an_estimate_until_default_is_recorded():
    rows = [P("XX-lim", "limitation_period", events="foreclosure_sale;short_sale",
              window_number=6, window_unit="years", trigger="default")]  # fmt: skip
    (due,) = p.decide(rows, F(event_date=date(2018, 1, 15)), TODAY).dues
    assert (due.due_on, due.estimated) == (date(2024, 1, 15), True)
    decision = p.decide(rows, F(event_date=date(2018, 1, 15)), TODAY)
    assert decision.verdict == p.LIKELY_BARRED  # estimated: likely, not certain
    recorded = p.decide(rows, F(event_date=date(2018, 1, 15), default_on=date(2021, 3, 1)), TODAY)
    assert (recorded.dues[0].due_on, recorded.verdict) == (date(2027, 3, 1), p.PURSUABLE)


def test_a_judgment_lifetime_runs_from_entry():
    rows = [P("XX-life", "judgment_lifetime", window_number=10, window_unit="years",
              trigger="judgment"),
            P("XX-rate", "judgment_interest", rate_percent=Decimal("6"))]  # fmt: skip
    assert p.decide(rows, F(), TODAY).dues == []
    decision = p.decide(rows, F(judgment_granted_on=date(2026, 2, 28)), TODAY)
    assert [(d.kind, d.due_on) for d in decision.dues] == [("judgment_expiry", date(2036, 2, 28))]
    assert decision.judgment_rate == Decimal("6")


@pytest.mark.parametrize(
    "token", ["owner_occupied", "not:purchase_money", "acreage_le_2.5", "acreage_le_40",
              "loan_on_or_after:2009-10-01", "loan_before:2014-07-16", "other:anything"],
)  # fmt: skip
def test_the_condition_vocabulary(token):
    assert p.known_condition(token)


@pytest.mark.parametrize("token", ["owner", "acreage_le_x", "loan_on_or_after:2009", "other:"])
def test_unknown_conditions_are_refused(token):
    assert not p.known_condition(token)


def test_dated_and_negated_conditions():
    # NRS 40.455(3): loans made on or after Oct 1, 2009.
    assert p.condition("loan_on_or_after:2009-10-01", F(loan_date=date(2010, 1, 1)))[0] is True
    assert p.condition("loan_on_or_after:2009-10-01", F(loan_date=date(2009, 9, 30)))[0] is False
    assert p.condition("loan_on_or_after:2009-10-01", F())[0] is None
    assert p.condition("not:refinanced", F(refinanced=True))[0] is False
    assert p.condition("homestead", F(occupancy="second_home"))[0] is False


# --- figures: a junior lien, a surplus, a purchaser's cap -----------------------------------


def test_a_junior_is_credited_only_the_surplus_above_the_senior_debt():
    from deficiencies import calculations as calc

    # The case: a $60,953 second, $190,000 senior debt, a $210,000 bid.
    credit = calc.junior_credit(Decimal("210000.00"), Decimal("190000.00"))
    assert credit == Decimal("20000.00")
    assert calc.deficiency_balance(Decimal("60953.00"), credit) == Decimal("40953.00")
    # Sold out: the bid does not reach the senior debt.
    assert calc.junior_credit(Decimal("150000.00"), Decimal("190000.00")) == Decimal("0")
    # A bid paying both: the surplus above the junior's debt is not the holder's.
    credit = calc.junior_credit(Decimal("260000.00"), Decimal("190000.00"))
    assert calc.deficiency_balance(Decimal("60953.00"), credit) == Decimal("0")
    assert calc.surplus(credit, Decimal("60953.00")) == Decimal("9047.00")


def test_a_purchaser_of_the_debt_is_capped_at_what_it_paid():
    from deficiencies import calculations as calc

    # A cap (NRS 40.459(3)(c), 40.4636(2)): the deficiency recovered is at most the cap.
    assert calc.capped(Decimal("80000.00"), Decimal("35000.00")) == Decimal("35000.00")
    assert calc.capped(Decimal("20000.00"), Decimal("35000.00")) == Decimal("20000.00")
    assert calc.capped(Decimal("20000.00"), None) == Decimal("20000.00")


def test_a_window_from_a_later_trigger_is_estimated_from_the_sale_until_it_is_recorded():
    # N.Y. RPAPL § 1371(2): 90 days from delivery of the deed.
    ny = [P("NY-1371-2", "filing_window", process="judicial", window_number=90,
            window_unit="days", trigger="deed_delivery", citation="N.Y. RPAPL § 1371(2)")]  # fmt: skip
    (due,) = p.decide(ny, F(state_code="NY", event_date=date(2026, 3, 2)), TODAY).dues
    assert (due.due_on, due.estimated) == (date(2026, 5, 31), True)
    assert (
        "estimated from the foreclosure sale: record the date of delivery of the deed" in due.note
    )
    late = p.decide(ny, F(state_code="NY", event_date=date(2026, 3, 2)), date(2026, 6, 1))
    assert late.verdict == p.LIKELY_BARRED  # the deed may have come later
    recorded = F(state_code="NY", event_date=date(2026, 3, 2), deed_delivered_on=date(2026, 4, 1))
    (due,) = p.decide(ny, recorded, TODAY).dues
    assert (due.due_on, due.estimated) == (date(2026, 6, 30), False)
    assert p.decide(ny, recorded, date(2026, 7, 1)).verdict == p.BARRED


# O.C.G.A. § 44-14-161: no deficiency after a power-of-sale foreclosure unless the creditor
# reports the sale to the court within 30 days and the court confirms it.
GA = [
    P("GA-161a", "confirmation_required", process="non_judicial", window_number=30,
      window_unit="days", trigger="sale", citation="O.C.G.A. § 44-14-161(a)"),
    P("GA-161b", "bar", process="non_judicial", conditions=("not:sale_confirmed",),
      citation="O.C.G.A. § 44-14-161(b)-(c)"),
]  # fmt: skip


def test_a_georgia_sale_needs_its_confirmation_recorded_then_counts_it():
    pending = p.decide(GA, F(state_code="GA", process="non_judicial"), date(2026, 2, 10))
    assert pending.verdict == p.UNDETERMINED
    assert pending.unknowns == ["the court has not confirmed the sale"]
    (due,) = pending.dues
    assert (due.kind, due.due_on) == ("filing", date(2026, 3, 3))  # 30 days from Feb 1
    confirmed = F(state_code="GA", process="non_judicial", confirmed_on=date(2026, 2, 20))
    decision = p.decide(GA, confirmed, date(2026, 4, 1))
    assert decision.verdict == p.CONDITIONAL
    assert decision.dues == []
    assert "The sale was confirmed on Feb 20, 2026." in str(decision.reasons)


# Mass. Gen. Laws c. 244 § 17A: a note whose mortgage a prior mortgage's sale wiped out must be
# sued on within 2 years of that sale.
def test_a_sold_out_juniors_own_window_is_a_deadline():
    ma = [P("MA-17A-junior", "junior_lien_rule", process="non_judicial",
            conditions=("junior_lien",), window_number=2, window_unit="years", trigger="sale",
            citation="Mass. Gen. Laws c. 244 § 17A")]  # fmt: skip
    junior = F(state_code="MA", process="non_judicial", lien_position=2)
    decision = p.decide(ma, junior, TODAY)
    assert [(d.kind, d.due_on) for d in decision.dues] == [("filing", date(2028, 2, 1))]
    assert decision.verdict == p.CONDITIONAL
    first = p.decide(ma, F(state_code="MA", process="non_judicial"), TODAY)
    assert first.dues == [] and first.verdict == p.PURSUABLE


def test_once_suit_is_filed_the_filing_and_limitation_dates_are_no_longer_shown():
    rows = [*CA, P("XX-lim", "limitation_period", window_number=4, window_unit="years",
                   trigger="default")]  # fmt: skip
    before = p.assess(rows, F(), status="open", amount=Decimal("10"), today=date(2026, 3, 1))
    assert {d.kind for d in before.dues} == {"filing", "limitations"}
    filed = F(suit_filed_on=date(2026, 4, 1))
    after = p.assess(rows, filed, status="suit_filed", amount=Decimal("10"), today=date(2026, 5, 1))
    assert after.dues == []


# --- found by a review: a judgment, a sold-out junior, a typed expiry, a bad date ---------------

CA_BAR = [P("CA-580d", "bar", process="non_judicial", conditions=("not:sold_out_junior",),
            citation="Cal. Civ. Proc. Code § 580d")]  # fmt: skip


def test_a_judgment_does_not_make_a_barred_deficiency_pursuable():
    facts = F(process="non_judicial", suit_filed_on=date(2026, 3, 1),
              judgment_granted_on=date(2026, 6, 1))  # fmt: skip
    decision = p.assess(CA_BAR, facts, status="judgment_granted", amount=Decimal("10"),
                        today=TODAY)  # fmt: skip
    assert decision.verdict == p.BARRED
    assert "have counsel review the judgment" in str(decision.reasons)


def test_a_junior_sold_out_by_a_senior_trustee_sale_is_not_barred_by_580d():
    # Cal. Civ. Proc. Code § 580d protects against the deed of trust sold, not a sold-out junior.
    sold_out = F(process="non_judicial", lien_position=2, senior_sale=True)
    assert p.decide(CA_BAR, sold_out, TODAY).verdict == p.PURSUABLE
    own_sale = F(process="non_judicial", lien_position=2, senior_sale=False)
    assert p.decide(CA_BAR, own_sale, TODAY).verdict == p.BARRED
    held, label = p.condition("not:sold_out_junior", own_sale)
    assert (held, label) == (True, "the holder's own sale (not a senior's) ended the security")


def test_the_expiry_the_judgment_states_wins_over_the_statutes_lifetime():
    rows = [P("XX-life", "judgment_lifetime", window_number=10, window_unit="years",
              trigger="judgment")]  # fmt: skip
    facts = F(judgment_granted_on=date(2026, 7, 1), judgment_expires_on=date(2026, 11, 15))
    decision = p.assess(rows, facts, status="collecting", amount=Decimal("10"), today=TODAY)
    assert [(d.kind, d.due_on) for d in decision.dues] == [("judgment_expiry", date(2026, 11, 15))]
    assert decision.verdict == p.BARRED
    assert "The judgment expired on Nov 15, 2026" in str(decision.reasons[0])


def test_a_condition_dated_on_no_calendar_day_is_refused():
    assert not p.known_condition("loan_on_or_after:2099-13-45")
    assert p.row_problems({"kind": "other", "events": "short_sale", "effect_note": "x",
                           "conditions": "loan_on_or_after:2099-13-45"}) == [
        ("conditions", "“loan_on_or_after:2099-13-45” is not in the conditions' vocabulary")
    ]  # fmt: skip


def test_a_negated_condition_reads_as_a_sentence():
    assert p.condition("not:sale_confirmed", F())[1] == "the court has not confirmed the sale"
    assert p.condition("not:refinanced", F(refinanced=False)) == (
        True, "the loan did not refinance an earlier loan"
    )  # fmt: skip


# --- what the app cannot record is for counsel, never "record it" -----------------------------


def test_a_condition_the_app_cannot_record_is_left_to_counsel_not_asked_for():
    # 735 ILCS 5/15-1508(e): no personal deficiency without personal (or abode) service or an
    # appearance, a fact the app does not record.
    bar = P("IL-1508e", "bar", citation="735 ILCS 5/15-1508(e)",
            conditions=("natural_person_borrower", "other:mortgagor neither served nor appeared"))  # fmt: skip
    facts = F(state_code="IL", state_name="Illinois")
    decision = p.decide([bar], facts, TODAY)
    assert decision.verdict == p.UNDETERMINED
    assert decision.unknowns == ["the borrower is a natural person"]
    assert decision.for_counsel == ["mortgagor neither served nor appeared"]
    assert "record the facts asked, and counsel decides the rest" in str(decision.reasons[0])
    # With the borrower's type recorded, only counsel's condition is left: no "record it".
    decision = p.decide([bar], F(state_code="IL", natural_person_borrower=True), TODAY)
    assert decision.unknowns == []
    assert decision.for_counsel == ["mortgagor neither served nor appeared"]
    reason = str(decision.reasons[0])
    assert "the app does not record this; counsel decides whether it holds" in reason
    assert "record it" not in reason


def test_a_window_from_a_date_the_app_does_not_record_is_for_counsel():
    # O.C.G.A. § 9-3-24: runs from the day the obligation became due, not recorded here.
    period = P("GA-x", "limitation_period", window_number=6, window_unit="years",
               trigger="other:date the obligation became due and payable",
               citation="O.C.G.A. § 9-3-24")  # fmt: skip
    reasons = " ".join(str(r) for r in p.decide([period], F(state_code="GA"), TODAY).reasons)
    assert "the app does not record that date, so counsel computes this deadline" in reasons
    assert "record its date" not in reasons


# --- found by counsel's review: cutoffs, confirmations and windows that depend on a fact -------


IA_CUTOFF = P("IA-615.1", "enforcement_cutoff", window_number=2, window_unit="years",
              trigger="sale", conditions=("owner_occupied",), citation="Iowa Code § 615.1")  # fmt: skip


def test_an_enforcement_cutoff_that_passed_bars_even_a_granted_judgment():
    # Iowa Code § 615.1: a judgment on a mortgage of the owner's home is void two years after
    # the sale (here Feb 1, 2026 -> Feb 1, 2028).
    judged = F(state_code="IA", judgment_granted_on=date(2026, 6, 1))
    before = p.assess([IA_CUTOFF], judged, status="judgment_granted", amount=Decimal("10"),
                      today=date(2028, 2, 1))  # fmt: skip
    assert before.verdict == p.PURSUABLE
    after = p.assess([IA_CUTOFF], judged, status="judgment_granted", amount=Decimal("10"),
                     today=date(2028, 2, 2))  # fmt: skip
    assert after.verdict == p.BARRED
    assert "The enforcement cutoff passed on Feb 1, 2028" in str(after.reasons[0])
    assert after.reasons[0].citation == "Iowa Code § 615.1"
    # Without a judgment, none can be enforced after it either.
    plain = p.decide([IA_CUTOFF], F(state_code="IA"), date(2028, 2, 2))
    assert plain.verdict == p.BARRED
    # A rented property: the cutoff does not apply.
    rented = p.decide(
        [IA_CUTOFF], F(state_code="IA", occupancy="non_owner_occupied"), date(2028, 2, 2)
    )
    assert rented.verdict == p.PURSUABLE


GA = [
    P("GA-conf", "confirmation_required", process="non_judicial", window_number=30,
      window_unit="days", trigger="sale", citation="O.C.G.A. § 44-14-161(a)"),
    P("GA-bar", "bar", process="non_judicial", conditions=("not:sale_confirmed",),
      citation="O.C.G.A. § 44-14-161(a)"),
]  # fmt: skip


def test_georgia_without_a_confirmation_after_its_30_days_is_likely_barred():
    # O.C.G.A. § 44-14-161(a): no deficiency after a power-of-sale foreclosure unless the sale
    # is reported to the court within 30 days and confirmed. Sale Feb 1, 2026 -> Mar 3.
    facts = F(state_code="GA", process="non_judicial")
    assert p.decide(GA, facts, date(2026, 3, 3)).verdict == p.UNDETERMINED
    late = p.decide(GA, facts, date(2026, 3, 4))
    assert late.verdict == p.LIKELY_BARRED
    assert "the time to seek one ended on Mar 3, 2026" in str(late.reasons[0])
    confirmed = p.decide(GA, F(state_code="GA", process="non_judicial",
                               confirmed_on=date(2026, 2, 20)), date(2026, 3, 4))  # fmt: skip
    assert confirmed.verdict == p.CONDITIONAL


def test_a_window_whose_condition_is_unknown_is_kept_as_a_possible_date_never_a_sure_bar():
    # 42 Pa.C.S. § 5522(b)(2): a petition for a deficiency judgment within 6 months, where the
    # creditor bought the property. Who bought is not recorded: the date is kept, estimated.
    window = P("PA-5522", "filing_window", window_number=6, window_unit="months",
               trigger="sale", conditions=("creditor_is_purchaser",),
               citation="42 Pa.C.S. § 5522(b)(2)")  # fmt: skip
    facts = F(state_code="PA", creditor_is_purchaser=None)
    decision = p.decide([window], facts, date(2026, 3, 1))
    assert [(d.kind, d.due_on, d.estimated) for d in decision.dues] == [
        ("filing", date(2026, 8, 1), True)
    ]
    assert "it applies if the foreclosing creditor bought at the sale" in decision.dues[0].note
    assert "record it" in " ".join(str(r) for r in decision.reasons)
    after = p.decide([window], facts, date(2026, 8, 2))
    assert after.verdict == p.LIKELY_BARRED  # not barred: whether it applies is not known
    bought = p.decide([window], F(state_code="PA", creditor_is_purchaser=True), date(2026, 8, 2))
    assert bought.verdict == p.BARRED
