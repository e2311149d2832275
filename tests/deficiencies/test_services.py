"""Recording liquidations and moving deficiencies through their workflow."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from deficiencies import services
from deficiencies.calculations import judgment_interest
from deficiencies.models import (
    TRANSITIONS,
    Bankruptcy,
    CollectionAction,
    Deadline,
    DeficiencySuit,
    Judgment,
    Recovery,
    StateRule,
    Status,
)
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db
D = Decimal


def test_liquidation_snapshots_the_debt_as_of_the_sale(deficiency, loan):
    # Jan 1 -> Oct 1, 2026 under 30/360 = 270 days: 200,000 x 6% x 270 / 360 = 9,000.00
    # total debt 200,000 + 9,000 + 500 fees = 209,500.00; credited 150,000 -> 59,500.00
    assert deficiency.debt_as_of == date(2026, 10, 1)
    assert deficiency.interest_days == 270
    assert deficiency.interest == D("9000.00")
    assert deficiency.total_debt == D("209500.00")
    assert deficiency.credited == D("150000.00")
    assert deficiency.deficiency == D("59500.00")
    assert deficiency.recoverable == D("59500.00")
    assert deficiency.status == Status.OPEN
    assert deficiency.verdict == "conditional"  # NY: restricted, 90-day window open on Nov 29
    loan.refresh_from_db()
    assert loan.status == "liquidated"
    assert list(deficiency.history.values_list("to_status", flat=True)) == ["open"]


def test_fair_value_state_uses_the_fair_value_figure(loan, staff):
    d = record_sale(loan, staff, fair_market_value=D("180000.00"), value_date=date(2026, 9, 15))
    # 209,500 - max(150,000, 180,000) = 29,500.00
    assert d.fair_value_deficiency == D("29500.00")
    assert d.deficiency == D("59500.00")
    assert d.recoverable == D("29500.00")


def test_permissive_state_keeps_the_plain_figure_even_with_a_value(portfolio, staff):
    loan = make_loan(portfolio, "IL-1", property_state="IL")
    d = record_sale(loan, staff, fair_market_value=D("180000.00"), value_date=date(2026, 9, 15))
    assert d.fair_value_deficiency == D("29500.00")
    assert d.recoverable == D("59500.00")


def test_filing_window_becomes_a_deadline(deficiency):
    (deadline,) = Deadline.objects.filter(deficiency=deficiency, kind="filing")
    assert deadline.due_on == date(2026, 12, 30)
    # N.Y. RPAPL § 1371(2): 90 days from the deed's delivery, estimated from the sale.
    assert "90 days from delivery of the deed (estimated from the foreclosure sale" in deadline.note
    assert "RPAPL § 1371" in deadline.note
    assert Deadline.objects.get(deficiency=deficiency, kind="limitations").due_on == date(
        2032, 10, 1
    )


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_transition_is_allowed_or_refused_by_the_table(deficiency, staff, start, target):
    type(deficiency).objects.filter(pk=deficiency.pk).update(status=start)
    deficiency.refresh_from_db()
    if target == Status.SATISFIED and target in TRANSITIONS[start]:
        # Satisfied by hand only once nothing is outstanding (a payment in full moves it).
        with pytest.raises(services.DeficiencyError, match="still outstanding"):
            services.change_status(deficiency=deficiency, to=target, by=staff, note="test")
        type(deficiency).objects.filter(pk=deficiency.pk).update(recovered=F("recoverable"))
        deficiency.refresh_from_db()
    if target in TRANSITIONS[start]:
        services.change_status(
            deficiency=deficiency, to=target, by=staff, note="test", amount=D("1000.00")
        )
        deficiency.refresh_from_db()
        assert deficiency.status == target
        assert deficiency.history.last().from_status == start
        # The amount agreed is kept for a settlement only.
        assert deficiency.history.last().amount == (D("1000.00") if target == "settled" else None)
    else:
        with pytest.raises(services.DeficiencyError, match="cannot become"):
            services.change_status(deficiency=deficiency, to=target, by=staff)
        deficiency.refresh_from_db()
        assert deficiency.status == start


def test_a_stale_status_change_is_refused(deficiency, staff):
    services.change_status(
        deficiency=deficiency, to="pursuing", by=staff, expected_version=deficiency.version
    )
    with pytest.raises(services.StaleEdit):
        services.change_status(
            deficiency=deficiency, to="waived", by=staff, expected_version=deficiency.version
        )
    deficiency.refresh_from_db()
    assert deficiency.status == "pursuing"


def judgment_path(deficiency, staff, amount="59500.00"):
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(
            court="Supreme Court",
            county="Monroe",
            case_number="E2026-1",
            filed_on=date(2026, 10, 20),
        ),
        by=staff,
    )
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(
            granted_on=date(2026, 11, 10),
            amount=D(amount),
            interest_rate=D("9"),
            expires_on=date(2046, 11, 10),
        ),
        by=staff,
    )
    services.add_collection_action(
        deficiency=deficiency,
        action=CollectionAction(kind="wage_garnishment", started_on=date(2026, 11, 15)),
        by=staff,
    )
    deficiency.refresh_from_db()
    return deficiency


def test_suit_judgment_collection_and_two_recoveries_to_satisfied(deficiency, staff):
    d = judgment_path(deficiency, staff, amount="1000.00")
    assert d.status == "collecting"
    assert [h.to_status for h in d.history.all()] == [
        "open", "pursuing", "suit_filed", "judgment_granted", "collecting",
    ]  # fmt: skip
    services.add_recovery(
        deficiency=d,
        recovery=Recovery(received_on=date(2026, 11, 20), amount=D("400.00"), source="garnishment"),
        by=staff,
    )
    d.refresh_from_db()
    # The judgment's post-judgment interest (9 %, simple, from Nov 10) counts in what is owed;
    # the $400 paid on Nov 20 goes to the 10 days' interest first ($2.47), the rest
    # ($397.53) to principal, which then bears the interest: $602.47 from Nov 20.
    first = judgment_interest(D("1000.00"), D("9"), date(2026, 11, 10), date(2026, 11, 20))
    assert first == D("2.47")
    principal = D("1000.00") - (D("400.00") - first)
    owed = principal + judgment_interest(
        principal, D("9"), date(2026, 11, 20), timezone.localdate()
    )
    assert d.outstanding == owed
    # Paid in full on Nov 27: what was owed that day (principal and 7 days' interest).
    on_27 = principal + judgment_interest(principal, D("9"), date(2026, 11, 20), date(2026, 11, 27))
    with pytest.raises(services.DeficiencyError, match="pays more than the judgment was owed then"):
        services.add_recovery(
            deficiency=d,
            recovery=Recovery(received_on=date(2026, 11, 27), amount=on_27 + D("0.01"),
                              source="garnishment"),
            by=staff,
        )  # fmt: skip
    services.add_recovery(
        deficiency=d,
        recovery=Recovery(received_on=date(2026, 11, 27), amount=on_27, source="garnishment"),
        by=staff,
    )
    d.refresh_from_db()
    assert d.outstanding == D("0.00")
    assert d.status == "satisfied"
    assert not Deadline.objects.filter(deficiency=d).exists()


def test_recoveries_never_exceed_what_is_outstanding(deficiency, staff):
    with pytest.raises(services.DeficiencyError, match="more than the \\$59,500.00 outstanding"):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(
                received_on=date(2026, 11, 20), amount=D("59500.01"), source="payment"
            ),
            by=staff,
        )
    assert not Recovery.objects.exists()
    deficiency.refresh_from_db()
    assert deficiency.recovered == D("0.00")


def test_extinguished_deficiency_accepts_no_action_and_no_recovery(deficiency, staff):
    services.change_status(deficiency=deficiency, to="waived", by=staff)
    with pytest.raises(services.DeficiencyError, match="extinguished and accepts no recovery"):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(received_on=date(2026, 11, 20), amount=D("1"), source="payment"),
            by=staff,
        )
    with pytest.raises(services.DeficiencyError, match="accepts no collection action"):
        services.add_collection_action(
            deficiency=deficiency,
            action=CollectionAction(kind="bank_levy", started_on=date(2026, 11, 20)),
            by=staff,
        )
    assert not Recovery.objects.exists() and not CollectionAction.objects.exists()


def test_a_discharge_extinguishes_the_deficiency(deficiency, staff):
    services.record_bankruptcy(
        deficiency=deficiency,
        bankruptcy=Bankruptcy(
            chapter=7,
            case_number="26-10001",
            district="W.D.N.Y.",
            filed_on=date(2026, 7, 1),
            discharged_on=date(2026, 10, 15),
        ),
        by=staff,
    )
    deficiency.refresh_from_db()
    assert deficiency.status == "discharged"
    assert deficiency.verdict == "extinguished"
    assert not Deadline.objects.filter(deficiency=deficiency).exists()


def test_a_discharge_after_judgment_also_extinguishes_it(deficiency, staff):
    d = judgment_path(deficiency, staff)
    services.record_bankruptcy(
        deficiency=d,
        bankruptcy=Bankruptcy(
            chapter=13,
            case_number="26-2",
            district="W.D.N.Y.",
            filed_on=date(2026, 11, 16),
            discharged_on=date(2026, 11, 28),
        ),
        by=staff,
    )
    d.refresh_from_db()
    assert d.status == "discharged"


def test_judgment_needs_a_suit_first(deficiency, staff):
    with pytest.raises(services.DeficiencyError, match="only after the suit is filed"):
        services.record_judgment(
            deficiency=deficiency,
            judgment=Judgment(granted_on=date(2026, 11, 1), amount=D("1")),
            by=staff,
        )
    assert not Judgment.objects.exists()


def test_liquidation_cannot_be_recorded_twice(deficiency, loan, staff):
    with pytest.raises(services.DeficiencyError, match="already recorded"):
        record_sale(loan, staff)


def test_correcting_the_liquidation_recomputes_and_checks_the_version(deficiency, staff):
    event = deficiency.event
    event.sale_price = D("160000.00")
    services.update_liquidation(
        deficiency=deficiency, event=event, expected_version=deficiency.version, by=staff
    )
    deficiency.refresh_from_db()
    assert deficiency.deficiency == D("49500.00")
    event.sale_price = D("100.00")
    with pytest.raises(services.StaleEdit):
        services.update_liquidation(
            deficiency=deficiency, event=event, expected_version=deficiency.version - 1, by=staff
        )
    deficiency.refresh_from_db()
    assert deficiency.deficiency == D("49500.00")


def test_editing_a_state_rule_keeps_history_and_reassesses(deficiency, staff):
    rule = StateRule.objects.get(state_code="NY")
    data = {name: getattr(rule, name) for name in services.RULE_FIELDS}
    data.update(
        deficiency_regime="permissive",
        filing_deadline_days_after_sale=None,
    )
    rule, changes = services.update_state_rule(
        rule=rule, data=data, expected_version=rule.version, by=staff, note="Counsel review"
    )
    assert changes["deficiency_regime"] == ["restricted", "permissive"]
    assert changes["filing_deadline_days_after_sale"] == [90, None]
    change = rule.changes.get()
    assert change.changed_by == staff and change.note == "Counsel review"
    deficiency.refresh_from_db()
    # The verdict comes from the provisions, not from the flat rule's summary.
    assert deficiency.verdict == "conditional"
    assert Deadline.objects.filter(deficiency=deficiency, kind="filing").exists()
    with pytest.raises(services.StaleEdit):
        services.update_state_rule(
            rule=rule, data=data, expected_version=rule.version - 1, by=staff
        )


def test_editing_a_provision_reassesses_its_state(deficiency, staff):
    from deficiencies.models import Provision

    window = Provision.objects.get(provision_id="NY-1371-motion-window")
    data = {name: getattr(window, name) for name in services.PROVISION_FIELDS}
    data.update(kind="other", window_number=None, window_unit="", trigger="")
    services.update_provision(
        provision=window, data=data, expected_version=window.version, by=staff, note="Test"
    )
    deficiency.refresh_from_db()
    assert not Deadline.objects.filter(deficiency=deficiency, kind="filing").exists()


def test_stale_verdicts_are_refreshed_when_the_day_turns(deficiency):
    type(deficiency).objects.filter(pk=deficiency.pk).update(assessed_on=date(2026, 1, 1))
    assert services.refresh_stale(type(deficiency).objects.all(), today=date(2027, 2, 1)) == 1
    deficiency.refresh_from_db()
    # Feb 1, 2027 is past the Dec 30, 2026 window.
    assert deficiency.verdict == "likely_barred"


def test_a_loan_edit_reassesses_its_deficiency_at_once(staff, portfolio):
    # Cal. Civ. Proc. Code § 580d bars a deficiency after a trustee's sale; a loan whose
    # state is corrected to Texas (Tex. Prop. Code § 51.003: a fair-value credit, no bar) is
    # re-assessed on save, its deadlines with it.
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "CA-TX", property_state="CA")
    deficiency = record_sale(loan, staff, process="non_judicial")
    assert deficiency.verdict == "barred" and not deficiency.deadlines.exists()
    loan.property_state = "TX"
    loan.save()
    deficiency.refresh_from_db()
    assert deficiency.verdict != "barred"
    assert deficiency.deadlines.filter(kind="filing").exists()


def test_a_tape_reimport_reassesses_the_deficiencies_of_the_loans_it_changed(staff, portfolio):
    # A sold loan re-imported as a Texas loan (Tex. Prop. Code § 51.003: no bar) after its
    # California trustee's sale (Cal. Civ. Proc. Code § 580d: barred): re-assessed at once.
    import csv
    import io

    from portfolios.services import process_tape
    from portfolios.tape.columns import auto_map
    from portfolios.tape.readers import open_tape
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "CA-T", property_state="CA")
    deficiency = record_sale(loan, staff, process="non_judicial")
    assert deficiency.verdict == "barred"
    out = io.StringIO()
    csv.writer(out).writerows([
        ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date",
         "Origination Date"],
        ["CA-T", "Borrower CA-T", "TX", "200,000.00", "6", "2026-01-01", "2010-05-01"],
    ])  # fmt: skip
    tape = open_tape("tape.csv", out.getvalue().encode())
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert outcome.problems == []
    deficiency.refresh_from_db()
    assert deficiency.verdict != "barred"
