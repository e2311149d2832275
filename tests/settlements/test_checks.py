"""The review checklist's checks can fail: each is made to fail here on purpose (issue 11).

The figures are recomputed from the loan or the deficiency, never from one another; what
the document says (the waiver, the senior lender's approval) is read from its rendered text.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from deficiencies.models import Deficiency, DeficiencySuit, Judgment
from deficiencies.services import record_judgment, record_suit
from portfolios.payoff import payoff
from settlements import clauses, services
from settlements.models import Agreement, AgreementVersion, ClauseVersion, Installment
from tests.factories import clause_edit, make_loan, record_sale

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


def check(agreement, start: str) -> services.Check:
    """The one check whose label starts with `start` (the agreement read afresh)."""
    fresh = Agreement.objects.get(pk=agreement.pk)
    (found,) = [c for c in services.checks_for(fresh) if c.label.startswith(start)]
    return found


def test_a_consistent_draft_passes_every_check(draft):
    assert services.problems(Agreement.objects.get(pk=draft.pk)) == []


def test_the_snapshot_lines_must_add_up_to_the_total(draft):
    assert check(draft, "The debt's lines add up").ok
    Agreement.objects.filter(pk=draft.pk).update(interest=F("interest") + 1)
    assert not check(draft, "The debt's lines add up").ok
    # The total itself still is the loan's payoff.
    assert check(draft, "The total debt is the loan's payoff").ok


def test_the_total_must_be_the_loans_payoff_on_the_good_through_date(draft, loan):
    expected = payoff(loan, draft.good_through).total
    assert draft.good_through == today() and draft.total_debt == expected
    # Lines and total moved together (they still add up), but not what the loan gives.
    Agreement.objects.filter(pk=draft.pk).update(
        interest=F("interest") + 100, total_debt=F("total_debt") + 100
    )
    assert check(draft, "The debt's lines add up").ok
    failed = check(draft, "The total debt is the loan's payoff")
    assert not failed.ok and f"{expected:,.2f}" in failed.detail
    # The document's waiver is the stored total less the amount: no longer the loan's.
    assert not check(draft, "Amount waived + amount received").ok


def test_waived_plus_received_uses_the_installments_and_the_waiver_as_written(draft):
    assert check(draft, "Amount waived + amount received").ok
    due = today() + timedelta(days=40)
    Installment.objects.create(agreement=draft, due_on=due, amount=D("100000.00"))
    Installment.objects.create(agreement=draft, due_on=due, amount=D("49000.00"))
    failed = check(draft, "Amount waived + amount received")
    assert not failed.ok and "+ 149,000.00" in failed.detail


def test_the_waiver_section_is_read_from_the_rendered_document(draft):
    assert check(draft, "The waiver section is present").ok
    # A library edit that drops the operative words (the editor refuses it; written here
    # straight to the database): the check reads the document and fails.
    clause_edit("dpo-waiver", body="{waiver_figures}\n\nThe Holder may forgive the rest.")
    failed = check(draft, "The waiver section is present")
    assert not failed.ok and "missing from the document" in failed.detail


def test_the_per_diem_is_the_loans(draft, loan):
    # 200,000 x 6% / 360 = 33.33 a day (30/360).
    assert draft.per_diem == payoff(loan, today()).per_diem == D("33.33")
    assert check(draft, "The per diem is the loan's").ok
    Agreement.objects.filter(pk=draft.pk).update(per_diem=D("0.00"))
    assert not check(draft, "The per diem is the loan's").ok


def test_dpo_dates_in_order(draft):
    label = "Dates are in order"
    assert check(draft, label).ok  # expiry in 30 days, lump sum in 45
    # The offer expires after the payment it asks for.
    Agreement.objects.filter(pk=draft.pk).update(offer_expires_on=today() + timedelta(days=50))
    failed = check(draft, label)
    assert not failed.ok and "the first payment" in failed.detail
    # Installments: the acceptance deadline must come before the first one.
    Agreement.objects.filter(pk=draft.pk).update(
        offer_expires_on=today() + timedelta(days=20), lump_sum_due=None
    )
    Installment.objects.create(agreement=draft, due_on=today() + timedelta(days=10), amount=D("1"))
    Installment.objects.create(
        agreement=draft, due_on=today() + timedelta(days=60), amount=D("149999")
    )
    assert not check(draft, label).ok
    Installment.objects.filter(agreement=draft).update(due_on=today() + timedelta(days=25))
    assert check(draft, label).ok
    # An acceptance deadline already past.
    Agreement.objects.filter(pk=draft.pk).update(offer_expires_on=today() - timedelta(days=1))
    assert "the acceptance deadline" in check(draft, label).detail


@pytest.fixture
def short_sale(loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    agreement.minimum_net_proceeds = D("150000.00")
    agreement.save()
    return agreement


@pytest.mark.parametrize(
    ("listing", "offer", "closing", "ok"),
    [
        (14, 30, 120, True),
        (40, 30, 120, False),  # listed after the acceptance deadline
        (14, 130, 120, False),  # the offer expires after the closing deadline
        (14, 14, 14, False),  # closing on the listing day
    ],
)
def test_short_sale_dates_in_order(short_sale, listing, offer, closing, ok):
    Agreement.objects.filter(pk=short_sale.pk).update(
        listing_signed_by=today() + timedelta(days=listing),
        offer_expires_on=today() + timedelta(days=offer),
        closing_deadline=today() + timedelta(days=closing),
    )
    assert check(short_sale, "Dates are in order").ok is ok


def test_a_junior_liens_short_sale_needs_the_senior_lenders_approval(portfolio, staff):
    portfolio.holder_address = "1 Fund Way, Albany, NY 12207"
    portfolio.save()
    junior = make_loan(portfolio, "JR-1", lien_position=2)
    agreement = services.start_draft(loan=junior, kind="short_sale", by=staff)
    agreement.minimum_net_proceeds = D("150000.00")
    agreement.save()
    label = "A junior lien's short sale"
    failed = check(agreement, label)
    assert not failed.ok and "enter the senior lienholder" in failed.detail
    Agreement.objects.filter(pk=agreement.pk).update(senior_lienholder="First Bank, N.A.")
    assert check(agreement, label).ok
    # The clause itself, read from the document: without it the check fails.
    clause_edit("senior-approval", active=False)
    assert not check(agreement, label).ok
    ClauseVersion.objects.filter(key="senior-approval").order_by("number").last().delete()
    text = services._document_text(Agreement.objects.get(pk=agreement.pk))
    assert "First Bank, N.A. (the “Senior Lienholder”)" in text
    assert clauses.SENIOR_APPROVAL in text


def test_a_first_liens_short_sale_has_no_senior_approval(short_sale):
    labels = [c.label for c in services.checks_for(short_sale)]
    assert not any(label.startswith("A junior lien's") for label in labels)
    assert clauses.SENIOR_TITLE not in services._document_text(short_sale)


def test_the_short_sale_form_asks_a_junior_lien_for_its_senior_lienholder(client, staff, portfolio):
    junior = make_loan(portfolio, "JR-2", lien_position=2)
    agreement = services.start_draft(loan=junior, kind="short_sale", by=staff)
    client.force_login(staff)
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    soon = today() + timedelta(days=30)
    data = {
        "version": agreement.version, "minimum_net_proceeds": "150000.00",
        "listing_signed_by": str(today() + timedelta(days=14)), "offer_forward_days": "3",
        "closing_deadline": str(today() + timedelta(days=120)), "relocation_amount": "0",
        "offer_expires_on": str(soon), "senior_lienholder": "",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "senior_lienholder" in response.context["form"].errors
    data["senior_lienholder"] = "First Bank, N.A."
    assert client.post(url, data).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).senior_lienholder == "First Bank, N.A."


# --- after a liquidation: the claim on the deficiency page ------------------------------------


def test_a_fair_value_deficiency_is_settled_at_the_claim_the_deficiency_page_shows(loan, staff):
    # N.Y. RPAPL § 1371(2): 209,500 - max(150,000, 180,000) = 29,500.00, not 59,500.00.
    deficiency = record_sale(
        loan, staff, fair_market_value=D("180000.00"), value_date=date(2026, 9, 15)
    )
    assert deficiency.deficiency == D("59500.00")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.total_debt == deficiency.outstanding_on(today()) == D("29500.00")
    assert agreement.per_diem == D("0.00")  # no judgment: nothing accrues after the sale
    agreement.settlement_amount = D("10000.00")
    agreement.payment_method = "wire"
    agreement.save()
    assert services.problems(Agreement.objects.get(pk=agreement.pk)) == []
    text = services._document_text(agreement)
    assert "fair market value at the sale, $180,000.00" in text and "($29,500.00) as of" in text
    # Nothing accrues after the sale here: the default clause does not add interest.
    assert "the rest of the Total Debt stays due" in text
    assert "RPAPL § 1371" in text  # the provision the limit rests on
    # The plain deficiency where the fair-value figure applies: the checks say so.
    Agreement.objects.filter(pk=agreement.pk).update(total_debt=D("59500.00"))
    failed = check(agreement, "The total debt is the loan's payoff")
    assert not failed.ok and "the claim on the deficiency page" in failed.detail
    assert "29,500.00" in failed.detail
    assert not check(agreement, "Amount waived + amount received").ok


def test_a_judgments_interest_is_the_per_diem(loan, staff):
    deficiency = record_sale(loan, staff, on=today() - timedelta(days=200))
    record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="C-1",
                            filed_on=today() - timedelta(days=100)),
        by=staff,
    )  # fmt: skip
    record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=today() - timedelta(days=30), amount=D("36500.00"),
                          interest_rate=D("9")),
        by=staff,
    )  # fmt: skip
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    # 36,500 x 9% / 365 = 9.00 a day; 30 days of it so far.
    assert agreement.per_diem == D("9.00")
    assert agreement.total_debt == deficiency.outstanding_on(today()) == D("36770.00")
    assert check(agreement, "The per diem is the loan's").ok
    Agreement.objects.filter(pk=agreement.pk).update(per_diem=D("0.00"))
    assert not check(agreement, "The per diem is the loan's").ok


def test_a_barred_deficiency_cannot_be_drafted(portfolio, staff):
    # Cal. Civ. Proc. Code § 580d: no deficiency after a trustee's (non-judicial) sale.
    loan = make_loan(portfolio, "CA-1", property_state="CA")
    deficiency = record_sale(loan, staff, process="non_judicial")
    assert deficiency.verdict == "barred"
    with pytest.raises(services.AgreementError, match="is barred .* cannot be settled as a debt"):
        services.start_draft(loan=loan, kind="dpo", by=staff)
    assert not Agreement.objects.exists()


def test_an_agreement_whose_deficiency_became_barred_is_not_frozen(
    loan, staff, attorney, monkeypatch
):
    record_sale(loan, staff)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("20000.00")
    agreement.payment_method = "wire"
    agreement.save()
    assert check(agreement, "The deficiency may still be collected").ok
    # The verdict changes after the draft (a window closed, a provision was corrected).
    import deficiencies.services

    real = deficiencies.services.assessment_for

    def barred(deficiency, rule=None, today=None):
        decision = real(deficiency, rule, today)
        decision.verdict = "barred"
        return decision

    monkeypatch.setattr(deficiencies.services, "assessment_for", barred)
    failed = check(agreement, "The deficiency may still be collected")
    assert not failed.ok and "cannot be settled as a debt still owed" in failed.detail
    with pytest.raises(services.AgreementError, match="barred"):
        services.submit_for_review(
            agreement=Agreement.objects.get(pk=agreement.pk), reviewer=attorney, by=staff
        )
    # No PDF was made: nothing says the rest "stays due" on a barred debt.
    assert not AgreementVersion.objects.exists()


# --- the installments' form ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-100.00", "&#x27;-100.00&#x27; is negative."),
        ("0.00", "An installment must be more than $0.00."),
    ],
)
def test_a_negative_or_zero_installment_gets_a_message_beside_the_field(
    client, staff, draft, typed, message
):
    client.force_login(staff)
    due = str(today() + timedelta(days=40))
    rest = str(D("150000.00") - D(typed))
    data = {"version": draft.version, "inst-TOTAL_FORMS": "2", "inst-INITIAL_FORMS": "0",
            "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "1000",
            "inst-0-due_on": due, "inst-0-amount": typed,
            "inst-1-due_on": due, "inst-1-amount": rest}  # fmt: skip
    response = client.post(reverse("settlements:edit", args=[draft.pk, "payments"]), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "amount" in formset.forms[0].errors and not formset.forms[1].errors
    # Beside the field (crispy's invalid-feedback of that input), with what was typed.
    at = response.text.index('id="id_inst-0-amount"')
    assert message in response.text[at : at + 1500]
    assert f'value="{typed}"' in response.text
    assert not Installment.objects.exists()


def test_a_draft_reads_the_deficiency_afresh_not_the_loans_cached_one(loan, staff):
    from deficiencies.models import Recovery
    from deficiencies.services import add_recovery, change_status

    deficiency = record_sale(loan, staff, on=today() - timedelta(days=30))
    assert loan.deficiency.recovered == D("0.00")  # the loan object now caches it
    change_status(deficiency=deficiency, to="pursuing", by=staff)
    add_recovery(
        deficiency=Deficiency.objects.get(pk=deficiency.pk),
        recovery=Recovery(received_on=today(), amount=D("1000.00"), source="payment"),
        by=staff,
    )
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    fresh = Deficiency.objects.get(pk=deficiency.pk)
    assert fresh.recovered == D("1000.00")
    assert agreement.total_debt == fresh.outstanding_on(today())
    assert check(agreement, "The total debt is the loan's payoff").ok


def test_the_agreement_page_shows_the_good_through_date_and_per_diem(client, staff, draft):
    client.force_login(staff)
    page = client.get(draft.get_absolute_url()).text
    good = f"{today():%b} {today().day}, {today().year}"
    assert f"Total debt as of {good} (good-through date)" in page
    assert "Per diem after that date" in page and "$33.33" in page
    assert f"Amount waived as of {good}" in page


def _terms_post(client, agreement, **fields):
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    return client.post(url, {"version": agreement.version, **fields})


def test_the_dpo_form_refuses_a_lump_sum_due_before_the_offer_expires(client, staff, draft):
    client.force_login(staff)
    fields = {"settlement_amount": "150000.00", "payment_method": "wire",
              "payment_instructions": "", "lien_release_days": "30", "cure_days": "15",
              "offer_expires_on": str(today() + timedelta(days=30)),
              "lump_sum_due": str(today() + timedelta(days=20))}  # fmt: skip
    response = _terms_post(client, draft, **fields)
    assert response.status_code == 200
    assert "before the offer expires" in str(response.context["form"].errors["lump_sum_due"])
    fields["lump_sum_due"] = str(today() + timedelta(days=30))
    assert _terms_post(client, draft, **fields).status_code == 302


@pytest.mark.parametrize(
    ("offer", "message"), [(10, "before the listing"), (130, "by the closing")]
)
def test_the_short_sale_form_keeps_the_offer_between_listing_and_closing(
    client, staff, short_sale, offer, message
):
    client.force_login(staff)
    fields = {"minimum_net_proceeds": "150000.00", "offer_forward_days": "3",
              "relocation_amount": "0", "listing_signed_by": str(today() + timedelta(days=14)),
              "closing_deadline": str(today() + timedelta(days=120)),
              "offer_expires_on": str(today() + timedelta(days=offer))}  # fmt: skip
    response = _terms_post(client, short_sale, **fields)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["offer_expires_on"])


def test_the_amount_waived_follows_the_rule_the_waiver_states(draft, short_sale):
    # DPO: total + 33.33 a day after the good-through date, less the settlement amount.
    good = draft.good_through
    on_time = services.amount_waived_on(draft, good, D("150000.00"))
    assert on_time == draft.total_debt - D("150000.00")
    late = services.amount_waived_on(draft, good + timedelta(days=10), D("150000.00"))
    assert late == on_time + D("333.30")
    # A short sale closing above its minimum: the waiver shrinks by what came above it.
    floor = services.amount_waived_on(short_sale, good, D("150000.00"))
    above = services.amount_waived_on(short_sale, good, D("165000.00"))
    assert floor - above == D("15000.00")
    assert services.amount_waived_on(short_sale, good, D("999999.00")) == D("0.00")


def test_a_blank_left_in_the_document_is_named_before_review(draft):
    label = "No blank is left to fill in the document"
    assert check(draft, label).ok
    # The loan's recording is unknown: the release of the mortgage cannot name it.
    draft.loan.recording_reference, draft.loan.recorded_on = "", None
    draft.loan.save()
    failed = check(Agreement.objects.get(pk=draft.pk), label)
    assert not failed.ok
    assert failed.detail.startswith("Still blank: [recording reference to be set].")


def test_a_dpo_paid_after_the_filing_window_closes_is_flagged_for_counsel(portfolio, staff):
    """Pennsylvania: 6 months from the deed's delivery (42 Pa.C.S. § 5522(b)(2)); a DPO whose
    last payment falls after it would leave the holder nothing to sue on after a default."""
    from deficiencies.models import Deadline

    portfolio.holder_address = "1 Fund Way, Philadelphia, PA 19103"
    portfolio.save()
    loan = make_loan(portfolio, "PA-1", property_state="PA", property_zip="19103")
    record_sale(loan, staff, on=today() - timedelta(days=20), price="120000.00")
    window = Deadline.objects.get(kind=Deadline.Kind.FILING).due_on
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    Agreement.objects.filter(pk=agreement.pk).update(
        settlement_amount=D("10000.00"), payment_method="wire", lump_sum_due=window - timedelta(1)
    )
    label = "The deficiency's filing window stays open until the last payment"
    assert check(Agreement.objects.get(pk=agreement.pk), label).ok
    Agreement.objects.filter(pk=agreement.pk).update(lump_sum_due=window + timedelta(1))
    agreement = Agreement.objects.get(pk=agreement.pk)
    flagged = check(agreement, label)
    assert not flagged.ok and flagged.warn
    assert "42 Pa.C.S. § 5522(b)(2)" in flagged.detail
    assert "Confirm with an attorney licensed in the state." in flagged.detail
    # A warning: it does not stop the draft going to review.
    assert not any(
        p.startswith("The deficiency's filing window") for p in services.problems(agreement)
    )
    # Once the suit is filed, the window is met.
    suit = DeficiencySuit(court="Court of Common Pleas", case_number="1", filed_on=today())
    record_suit(deficiency=agreement.deficiency, suit=suit, by=staff)
    labels = [c.label for c in services.checks_for(Agreement.objects.get(pk=agreement.pk))]
    assert label not in labels


def test_a_required_clause_left_out_of_the_document_is_named(draft):
    label = "Every required clause is in the document"
    assert check(draft, label).ok
    # Written straight to the database (the editor refuses it): a field only a short sale
    # fills would drop the tax notice out of every DPO.
    clause_edit("tax-notice", body="Reported by {buyer}.")
    failed = check(Agreement.objects.get(pk=draft.pk), label)
    assert not failed.ok
    assert failed.detail.startswith("Left out: “Tax Notice: Forgiven Debt and IRS Form 1099-C”.")
