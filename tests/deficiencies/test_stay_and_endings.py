"""The automatic stay of an open bankruptcy case (11 U.S.C. § 362(a)), chapters 7 to 13,
and the workflow's endings: written off with a reason, settled for less, waived or
discharged from the later stages, and a payment in full satisfying any open stage."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from deficiencies import services
from deficiencies.models import (
    CLOSED,
    EXTINGUISHED,
    TRANSITIONS,
    Bankruptcy,
    CollectionAction,
    Deficiency,
    DeficiencySuit,
    Recovery,
    Status,
)
from tests.deficiencies.test_services import judgment_path

pytestmark = pytest.mark.django_db
D = Decimal


def recovery_post(amount="1000.00", source="payment", received_on="2026-11-20"):
    return {
        "recovery-received_on": received_on,
        "recovery-amount": amount,
        "recovery-source": source,
    }


def action_post():
    return {"action-kind": "bank_levy", "action-started_on": "2026-11-20", "action-state": "active"}


def bankruptcy_post(chapter="13", **dates):
    data = {"bk-chapter": chapter, "bk-case_number": "26-20417", "bk-district": "W.D.N.Y.",
            "bk-filed_on": "2026-11-01"}  # fmt: skip
    data.update({f"bk-{k}": v for k, v in dates.items()})
    return data


def file_case(client, deficiency, **dates):
    response = client.post(
        reverse("deficiencies:bankruptcy", args=[deficiency.pk]), bankruptcy_post(**dates)
    )
    assert response.status_code == 302, response.content.decode()[:3000]


# --- the automatic stay ---------------------------------------------------------------------


def test_an_open_case_stays_a_recovery_with_the_reason_beside_the_form(client, staff, deficiency):
    # 11 U.S.C. § 362(a)(6): no act to collect a pre-petition claim while the case is open.
    client.force_login(staff)
    file_case(client, deficiency)
    page = client.get(deficiency.get_absolute_url()).text
    assert "Stayed: a bankruptcy case is open" in page
    assert "11 U.S.C. § 362(a)" in page
    response = client.post(reverse("deficiencies:recovery", args=[deficiency.pk]), recovery_post())
    assert response.status_code == 400
    refusal = " ".join(response.context["recovery_form"].non_field_errors())
    assert "the automatic stay (11 U.S.C. § 362(a)) bars collecting" in refusal
    assert "no recovery was recorded" in refusal
    assert 'value="1000.00"' in response.text  # what was typed is shown again
    assert not Recovery.objects.exists()
    deficiency.refresh_from_db()
    assert deficiency.recovered == D("0.00")


def test_an_open_case_stays_a_collection_action(client, staff, deficiency):
    # 11 U.S.C. § 362(a)(6): a levy or garnishment is an act to collect.
    d = judgment_path(deficiency, staff)
    client.force_login(staff)
    file_case(client, d)
    response = client.post(reverse("deficiencies:action", args=[d.pk]), action_post())
    assert response.status_code == 400
    refusal = " ".join(response.context["action_form"].non_field_errors())
    assert "11 U.S.C. § 362(a)" in refusal and "no collection action was recorded" in refusal
    assert CollectionAction.objects.filter(deficiency=d).count() == 1  # the one before the case


def suit_post(filed_on):
    return {"suit-court": "Supreme Court", "suit-county": "Monroe", "suit-case_number": "E26-9",
            "suit-filed_on": filed_on}  # fmt: skip


def test_an_open_case_stays_a_suit_filed_after_it(client, staff, deficiency):
    # 11 U.S.C. § 362(a)(1): no judicial proceeding against the debtor may begin.
    client.force_login(staff)
    file_case(client, deficiency)
    assert "cannot be recorded while it lasts" in client.get(deficiency.get_absolute_url()).text
    response = client.post(
        reverse("deficiencies:suit", args=[deficiency.pk]), suit_post("2026-11-05")
    )
    assert response.status_code == 400
    refusal = " ".join(response.context["suit_form"].non_field_errors())
    assert "11 U.S.C. § 362(a)" in refusal and "no suit was recorded" in refusal
    deficiency.refresh_from_db()
    assert deficiency.status == "open" and not hasattr(deficiency, "suit")
    # A suit filed before the petition is a fact to record (the case stays its pursuit).
    response = client.post(
        reverse("deficiencies:suit", args=[deficiency.pk]), suit_post("2026-10-20")
    )
    assert response.status_code == 302
    deficiency.refresh_from_db()
    assert deficiency.status == "suit_filed"


def test_the_trustees_distribution_is_recorded_while_the_case_is_open(client, staff, deficiency):
    # A distribution under the plan is the case's own, not an act against the stay (§ 362(a)).
    client.force_login(staff)
    file_case(client, deficiency)
    response = client.post(
        reverse("deficiencies:recovery", args=[deficiency.pk]),
        recovery_post(amount="2500.00", source="trustee"),
    )
    assert response.status_code == 302
    deficiency.refresh_from_db()
    assert deficiency.recovered == D("2500.00")
    page = client.get(deficiency.get_absolute_url()).text
    assert "Paid by the bankruptcy trustee (a distribution in the case)" in page


def test_money_received_before_the_petition_is_not_stayed(deficiency, staff):
    # The stay reaches acts after the petition (§ 362(a)); a payment made before it may be
    # recorded late.
    services.record_bankruptcy(
        deficiency=deficiency,
        bankruptcy=Bankruptcy(chapter=7, case_number="26-1", district="W.D.N.Y.",
                              filed_on=date(2026, 11, 1)),
        by=staff,
    )  # fmt: skip
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 10, 25), amount=D("100.00"), source="payment"),
        by=staff,
    )
    deficiency.refresh_from_db()
    assert deficiency.recovered == D("100.00")


def test_a_trustees_distribution_needs_the_case_recorded(client, staff, deficiency):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:recovery", args=[deficiency.pk]), recovery_post(source="trustee")
    )
    assert response.status_code == 400
    assert "needs the bankruptcy case" in response.text
    assert not Recovery.objects.exists()


def test_a_dismissal_lifts_the_stay(client, staff, deficiency):
    # A dismissal ends the stay (11 U.S.C. § 362(c)(2)(B)): collection may resume.
    client.force_login(staff)
    file_case(client, deficiency)
    file_case(client, deficiency, dismissed_on="2026-11-25")
    page = client.get(deficiency.get_absolute_url()).text
    assert "Stayed: a bankruptcy case is open" not in page
    response = client.post(reverse("deficiencies:recovery", args=[deficiency.pk]), recovery_post())
    assert response.status_code == 302
    assert (
        client.post(reverse("deficiencies:action", args=[deficiency.pk]), action_post()).status_code
        == 302
    )
    deficiency.refresh_from_db()
    assert deficiency.recovered == D("1000.00") and deficiency.actions.count() == 1


@pytest.mark.parametrize("chapter", ["7", "11", "12", "13"])
def test_every_chapter_can_be_recorded(client, staff, deficiency, chapter):
    client.force_login(staff)
    file_case(client, deficiency, chapter=chapter)
    case = Bankruptcy.objects.get(deficiency=deficiency)
    assert case.chapter == int(chapter)
    assert f"Chapter {chapter}, case 26-20417" in client.get(deficiency.get_absolute_url()).text


def test_the_verdict_says_stayed_while_the_case_is_open(client, staff, deficiency):
    client.force_login(staff)
    file_case(client, deficiency, chapter="11")
    assessment = services.assessment_for(Deficiency.objects.get(pk=deficiency.pk))
    assert assessment.stayed


# --- the workflow's endings -----------------------------------------------------------------


def status_post(deficiency, to, **more):
    data = {"to": to, "version": deficiency.version, "note": "", "amount": ""}
    data.update(more)
    return data


@pytest.mark.parametrize("start", [Status.SUIT_FILED, Status.JUDGMENT_GRANTED, Status.COLLECTING])
def test_the_later_stages_can_end_every_way(start):
    for ending in (Status.WRITTEN_OFF, Status.WAIVED, Status.SETTLED, Status.DISCHARGED):
        assert ending in TRANSITIONS[start]
    assert Status.SETTLED in EXTINGUISHED and Status.SETTLED in CLOSED
    assert TRANSITIONS[Status.SETTLED] == ()


def test_a_write_off_from_collecting_keeps_its_reason(client, staff, deficiency):
    d = judgment_path(deficiency, staff)
    client.force_login(staff)
    page = client.get(d.get_absolute_url())
    offered = dict(page.context["status_form"].fields["to"].choices)
    assert {"written_off", "waived", "settled", "discharged"} <= set(offered)
    assert "satisfied" not in offered  # $59,500.00 is outstanding
    reason = "Judgment debtor has no wages or assets; levy returned nulla bona."
    response = client.post(
        reverse("deficiencies:status", args=[d.pk]), status_post(d, "written_off", note=reason)
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == "written_off"
    last = d.history.last()
    assert (last.from_status, last.to_status, last.note) == ("collecting", "written_off", reason)
    assert not d.deadlines.exists()


def test_a_write_off_without_a_reason_is_refused_beside_the_note(client, staff, deficiency):
    d = judgment_path(deficiency, staff)
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:status", args=[d.pk]), status_post(d, "written_off", note="  ")
    )
    assert response.status_code == 400
    assert "a write-off needs its reason" in " ".join(
        response.context["status_form"].errors["note"]
    )
    assert "a write-off needs its reason" in response.text
    d.refresh_from_db()
    assert d.status == "collecting"
    # The service refuses it as well, whatever calls it.
    with pytest.raises(services.DeficiencyError, match="needs its reason"):
        services.change_status(deficiency=d, to="written_off", by=staff)


def test_settled_for_less_from_judgment_granted(client, staff, deficiency):
    d = judgment_path(deficiency, staff)
    Deficiency.objects.filter(pk=d.pk).update(status="judgment_granted")
    d.refresh_from_db()
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:status", args=[d.pk]),
        status_post(d, "settled", amount="$12,500.00", note="Lump sum; release signed."),
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == "settled" and d.extinguished
    assert d.verdict == "extinguished"
    last = d.history.last()
    assert last.amount == D("12500.00") and last.from_status == "judgment_granted"
    page = client.get(d.get_absolute_url()).text
    assert "Settled for less" in page and "for $12,500.00" in page
    assert "The deficiency was settled." in page
    assert not d.deadlines.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("", "Enter the amount the holder agreed to take."),
     ("CLAIM", "A settlement for less takes less than the {claim} owed")],
)  # fmt: skip
def test_a_settlement_needs_an_amount_below_the_claim_beside_its_field(
    client, staff, deficiency, amount, message
):
    from noteinvest.money import format_money

    d = judgment_path(deficiency, staff)
    # What is owed: the judgment with its post-judgment interest to today.
    claim = d.claim
    amount = f"{claim:.2f}" if amount == "CLAIM" else amount
    message = message.format(claim=format_money(claim))
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:status", args=[d.pk]), status_post(d, "settled", amount=amount)
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["status_form"].errors["amount"])
    d.refresh_from_db()
    assert d.status == "collecting"


def test_a_payment_in_full_while_pursuing_satisfies_it(client, staff, deficiency):
    client.force_login(staff)
    services.change_status(deficiency=deficiency, to="pursuing", by=staff)
    response = client.post(
        reverse("deficiencies:recovery", args=[deficiency.pk]),
        recovery_post(amount="59,500.00", received_on="2026-11-20"),
    )
    assert response.status_code == 302
    deficiency.refresh_from_db()
    assert deficiency.status == "satisfied" and deficiency.outstanding == D("0.00")
    last = deficiency.history.last()
    assert (last.from_status, last.to_status) == ("pursuing", "satisfied")
    assert last.note == (
        "Paid in full by the recovery of $59,500.00 received on Nov 20, 2026 (borrower payment)."
    )
    assert not deficiency.deadlines.exists()


@pytest.mark.parametrize("start", ["open", "suit_filed", "judgment_granted"])
def test_a_payment_in_full_satisfies_every_open_stage(deficiency, staff, start):
    Deficiency.objects.filter(pk=deficiency.pk).update(status=start)
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 11, 20), amount=D("59500.00"), source="payment"),
        by=staff,
    )
    deficiency.refresh_from_db()
    assert deficiency.status == "satisfied"
    assert deficiency.history.last().note.startswith("Paid in full by the recovery of $59,500.00")


def test_a_partial_payment_leaves_the_stage_as_it_is(deficiency, staff):
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 11, 20), amount=D("59499.99"), source="payment"),
        by=staff,
    )
    deficiency.refresh_from_db()
    assert deficiency.status == "open" and deficiency.outstanding == D("0.01")


def test_the_trustees_payment_in_full_satisfies_it_during_the_case(deficiency, staff):
    services.record_bankruptcy(
        deficiency=deficiency,
        bankruptcy=Bankruptcy(chapter=13, case_number="26-3", district="W.D.N.Y.",
                              filed_on=date(2026, 11, 1)),
        by=staff,
    )  # fmt: skip
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 11, 20), amount=D("59500.00"), source="trustee"),
        by=staff,
    )
    deficiency.refresh_from_db()
    assert deficiency.status == "satisfied"


# --- a barred deficiency is not pursued (found by a review) ----------------------------------


@pytest.fixture
def barred(portfolio, staff):
    # Cal. Civ. Proc. Code § 580d: no deficiency after a trustee sale.
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "CA-BAR", property_state="CA")
    deficiency = record_sale(loan, staff, process="non_judicial")
    assert deficiency.verdict == "barred"
    return deficiency


def test_a_barred_deficiency_refuses_actions_suits_enforced_recoveries_and_pursuit(
    client, staff, barred
):
    client.force_login(staff)
    response = client.post(reverse("deficiencies:action", args=[barred.pk]), action_post())
    assert "The deficiency is barred" in response.content.decode()
    assert "Cal. Civ. Proc. Code § 580d" in response.content.decode()
    assert not barred.actions.exists()
    garnished = client.post(reverse("deficiencies:recovery", args=[barred.pk]),
                            recovery_post(source="garnishment"))  # fmt: skip
    assert "No enforced recovery was recorded" in garnished.content.decode()
    with pytest.raises(services.DeficiencyError, match="No suit was recorded"):
        services.record_suit(
            deficiency=barred, by=staff,
            suit=DeficiencySuit(court="Superior Court", case_number="1", filed_on=date(2026, 11, 2)),
        )  # fmt: skip
    with pytest.raises(services.DeficiencyError, match="No pursuit was recorded"):
        services.change_status(deficiency=barred, to="pursuing", by=staff)
    barred.refresh_from_db()
    assert (barred.status, barred.recovered) == ("open", D("0.00"))


def test_a_barred_deficiency_still_takes_a_voluntary_payment(staff, barred):
    services.add_recovery(
        deficiency=barred, by=staff,
        recovery=Recovery(received_on=date(2026, 11, 20), amount=D("100.00"), source="payment"),
    )  # fmt: skip
    barred.refresh_from_db()
    assert barred.recovered == D("100.00")


def test_an_open_case_refuses_pursuit(client, staff, deficiency):
    client.force_login(staff)
    file_case(client, deficiency)
    with pytest.raises(services.DeficiencyError, match="Stayed"):
        services.change_status(deficiency=deficiency, to="pursuing", by=staff)


def test_a_settlement_for_less_takes_its_payments_and_no_more(client, staff, deficiency):
    # 59,500 owed; 5,000 recovered; settled for 20,000 in all: 15,000 still due under it.
    from django.utils import timezone

    from deficiencies.models import Recovery

    today = timezone.localdate().isoformat()
    client.force_login(staff)
    client.post(reverse("deficiencies:recovery", args=[deficiency.pk]),
                recovery_post(amount="5000.00", received_on=today))  # fmt: skip
    deficiency.refresh_from_db()
    too_low = client.post(
        reverse("deficiencies:status", args=[deficiency.pk]),
        status_post(deficiency, "settled", amount="4000.00"),
    )
    assert "counts what was already recovered ($5,000.00)" in " ".join(
        too_low.context["status_form"].errors["amount"]
    )
    response = client.post(
        reverse("deficiencies:status", args=[deficiency.pk]),
        status_post(deficiency, "settled", amount="20,000.00", note="Paid over three months."),
    )
    assert response.status_code == 302
    d = Deficiency.objects.get(pk=deficiency.pk)
    assert d.status == "settled" and d.settled_for == D("20000.00")
    assert d.outstanding == D("15000.00") and d.owed == D("15000.00")
    # A payment under the settlement is recorded, the loan owes the rest of it.
    ok = client.post(reverse("deficiencies:recovery", args=[d.pk]),
                     recovery_post(amount="6000.00", received_on=today))  # fmt: skip
    assert ok.status_code == 302
    d = Deficiency.objects.get(pk=d.pk)
    assert d.recovered == D("11000.00") and d.outstanding == D("9000.00")
    assert "$9,000.00" in client.get(d.loan.get_absolute_url()).text
    page = client.get(d.get_absolute_url()).text
    assert "$9,000.00 is still due under the settlement" in page
    assert "Record a payment under the settlement" in page
    # More than the settlement still has to pay is refused, naming the figures.
    above = client.post(reverse("deficiencies:recovery", args=[d.pk]),
                        recovery_post(amount="9000.01", received_on=today))  # fmt: skip
    assert above.status_code == 400
    assert "more than the $9,000.00 the settlement still has to pay" in above.text
    assert Recovery.objects.filter(deficiency=d).count() == 2
    # Paid: nothing is owed, and a further payment is refused as extinguished.
    client.post(reverse("deficiencies:recovery", args=[d.pk]),
                recovery_post(amount="9000.00", received_on=today))  # fmt: skip
    d = Deficiency.objects.get(pk=d.pk)
    assert d.outstanding == D("0.00") and d.owed == D("0.00")
    with pytest.raises(services.DeficiencyError, match="extinguished"):
        services.add_recovery(
            deficiency=d,
            recovery=Recovery(received_on=timezone.localdate(), amount=D("1.00"), source="payment"),
            by=staff,
        )


def test_a_settlement_takes_no_enforced_recovery_and_a_discharge_ends_what_it_still_owed(
    client, staff, owner, deficiency
):
    # 59,500 owed; settled for 20,000 in all: 39,500 released, 20,000 due under it.
    from django.utils import timezone

    from deficiencies.models import Bankruptcy, Recovery

    today = timezone.localdate()
    services.change_status(deficiency=deficiency, to="settled", by=staff, amount=D("20000.00"))
    d = Deficiency.objects.get(pk=deficiency.pk)
    assert (d.settled_for, d.released, d.settlement_due) == (
        D("20000.00"),
        D("39500.00"),
        D("20000.00"),
    )
    with pytest.raises(services.DeficiencyError, match="an enforced recovery"):
        services.add_recovery(
            deficiency=d,
            recovery=Recovery(received_on=today, amount=D("100.00"), source="garnishment"),
            by=staff,
        )
    client.force_login(owner)
    totals = client.get(reverse("deficiencies:portfolio", args=[d.portfolio_id])).context["totals"]
    assert totals["extinguished"] == D("39500.00") and totals["settlements"] == D("20000.00")
    # A Chapter 7 discharge afterwards: the borrower owes nothing more (11 U.S.C. § 524(a)).
    services.record_bankruptcy(
        deficiency=d,
        bankruptcy=Bankruptcy(chapter="7", case_number="26-1", district="W.D.N.Y.",
                              filed_on=today, discharged_on=today),
        by=staff,
    )  # fmt: skip
    d = services.with_relations(Deficiency.objects).get(pk=d.pk)
    assert d.settlement_due is None and d.outstanding == D("0.00") and d.owed == D("0.00")
    with pytest.raises(services.DeficiencyError, match="extinguished"):
        services.add_recovery(
            deficiency=d,
            recovery=Recovery(received_on=today, amount=D("100.00"), source="payment"),
            by=staff,
        )
    totals = client.get(reverse("deficiencies:portfolio", args=[d.portfolio_id])).context["totals"]
    assert totals["settlements"] == D("0.00") and totals["total"] == D("0.00")
