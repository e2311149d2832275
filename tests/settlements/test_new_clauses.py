"""The clauses the library added (issue 12), read back from the PDF, and the variants chosen
for a state and its security instrument."""

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements import clauses, library, services
from settlements.terms import terms_for
from tests.factories import clause_edit
from tests.settlements.test_parties import pdf_words

pytestmark = pytest.mark.django_db

# Each new clause: its title and words that must be in the PDF, with the law it rests on.
DPO_CLAUSES = {
    "Borrower's Representations": "does not intend to file one before the Settlement Amount is paid",
    "Time of the Essence": "Time is of the essence for every date and deadline in this agreement",
    "Borrower's Release of Claims": "This release covers the Loan only",
    "Payments Later Returned": "(11 U.S.C. §§ 547 and 548)",
    "Credit Reporting": "it will report it accurately and completely (15 U.S.C. § 1681s-2(a)): "
    "after this agreement is performed, as paid in settlement for less than the full balance",
    "If the Borrower Is or Was in Bankruptcy": "(11 U.S.C. §§ 362(a) and 524(a)(2))",
    "Successors and Assigns": "If the Holder transfers the Loan before this agreement is performed",
    "Foreclosure While the Agreement Is Performed": "will postpone any foreclosure sale already",
    "Escrow, Refunds and Insurance": "Any balance in the Loan's escrow account",
    "Severability": "the rest of it stays in effect",
    "Advice of Counsel": "reviewed by a lawyer of the Borrower's choice",
}


def _frozen_words(agreement, staff) -> tuple[list[str], str]:
    version = services.freeze_version(agreement=agreement, by=staff)
    return [t for t, _ in clauses.sections(version.terms)], pdf_words(bytes(version.pdf))


def test_a_dpo_carries_the_clauses_note_investors_dpos_carry(draft, staff):
    titles, words = _frozen_words(draft, staff)
    for title, phrase in DPO_CLAUSES.items():
        assert title in titles
        assert phrase in words, title
    # In the order a DPO reads: representations after the payment, the release of claims and
    # the clawback after the default, the credit reporting after the tax notice.
    order = [titles.index(t) for t in ("Settlement Payment", "Borrower's Representations",
             "Acceptance Deadline", "Time of the Essence", "Waiver of the Remaining Balance",
             "Default and Cure", "Borrower's Release of Claims", "Payments Later Returned",
             "Tax Notice: Forgiven Debt and IRS Form 1099-C", "Credit Reporting", "Notices")]  # fmt: skip
    assert order == sorted(order)
    # Neither the hardship nor the debt-collector notices: not asked for.
    assert "Borrower's Hardship" not in titles and "Debt Collector Notice" not in titles


def test_a_short_sale_carries_the_common_ones_and_reports_a_short_sale(loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    titles, words = _frozen_words(agreement, staff)
    for title in ("Time of the Essence", "Borrower's Release of Claims", "Credit Reporting",
                  "Severability", "Advice of Counsel", "Successors and Assigns"):  # fmt: skip
        assert title in titles
    assert "as settled through a short sale for less than the full balance" in words
    assert "Borrower's Representations" not in titles  # the sale has its own affidavit
    # No revival of a loan a short sale paid off (Cal. Code Civ. Proc. § 580e forbids it there).
    assert "Payments Later Returned" not in titles


def _parties_post(agreement, **extra):
    data = {
        "version": agreement.version,
        "holder_name": agreement.holder_name,
        "holder_address": agreement.holder_address,
        "holder_notice_email": "",
        "holder_signatory_name": "Dana Reyes",
        "holder_signatory_title": "Manager",
        "agreement_date": str(timezone.localdate()),
        "governing_state": agreement.governing_state,
    }
    for b in agreement.loan.borrowers.all():
        data[f"name_{b.pk}"] = "Ann Borrower"
        data[f"notice_address_{b.pk}"] = "12 Oak St, Albany, NY 12203"
    data.update(extra)
    return reverse("settlements:edit", args=[agreement.pk, "parties"]), data


def test_the_hardship_and_the_debt_collector_notices_come_from_the_parties_step(
    client, draft, staff
):
    client.force_login(staff)
    url, data = _parties_post(
        draft, hardship="Lost my job in March 2026.", holder_is_debt_collector="on"
    )
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.holder_is_debt_collector and draft.hardship == "Lost my job in March 2026."
    titles, words = _frozen_words(draft, staff)
    assert "Borrower's Hardship" in titles
    # On the first page, right after the parties.
    assert titles.index("Debt Collector Notice") == titles.index("Parties and Loan") + 1
    assert (
        "cannot pay the Total Debt because of the following hardship: Lost my job in March 2026. "
        "The Borrower represents that this statement is true"
    ) in words
    assert "This communication is from a debt collector" in words
    assert "(15 U.S.C. § 1692e(11))" in words


def test_an_overlong_hardship_is_refused_beside_the_field(client, draft, staff):
    client.force_login(staff)
    url, data = _parties_post(draft, hardship="x" * 1001)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "hardship" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.hardship == ""


def _terms(state, instrument, **extra):
    return {"kind": "dpo", "governing_state": state, "security": {"kind": instrument},
            "liquidation": None, "installments": [], "lien_position": 1, **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("state", "instrument", "key"),
    [
        ("CA", "deed_of_trust", "release-of-lien-deed-of-trust-ca"),
        ("OR", "deed_of_trust", "release-of-lien-deed-of-trust"),
        ("NY", "mortgage", "release-of-lien-mortgage-ny"),
        ("OH", "mortgage", "release-of-lien-mortgage"),
        ("GA", "security_deed", "release-of-lien-security-deed"),
        ("OH", "", "release-of-lien"),  # the instrument unknown: the general wording
    ],
)
def test_the_release_clause_is_the_variant_for_the_state_and_instrument(state, instrument, key):
    chosen = library.choose(library.current_entries(), _terms(state, instrument))
    releases = [e["key"] for e in chosen if e["slot"] == "release-of-lien"]
    assert releases == [key]


def test_a_clause_taken_out_of_use_leaves_new_drafts_but_not_frozen_versions(draft, staff):
    frozen = services.freeze_version(agreement=draft, by=staff)
    clause_edit("severability", active=False)
    terms = terms_for(draft, version_number=2)
    assert "Severability" not in [t for t, _ in clauses.sections(terms)]
    assert "Severability" in [t for t, _ in clauses.sections(frozen.terms)]


def test_a_deed_of_trust_state_gets_the_reconveyance_and_the_recording(portfolio, staff):
    from tests.factories import make_loan

    portfolio.holder_legal_name, portfolio.holder_address = "West Fund LLC", "1 Bay St, Oakland"
    portfolio.save()
    loan = make_loan(portfolio, "CA-1", property_state="CA", property_city="Sacramento",
                     property_zip="95814", property_county="Sacramento",
                     parcel_number="006-0123-045")  # fmt: skip
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    titles, words = _frozen_words(agreement, staff)
    assert "Reconveyance of the Deed of Trust" in titles and "Release of the Lien" not in titles
    assert (
        "secured by a deed of trust recorded on May 3, 2010 as Instrument No. 2010-CA-1 in the "
        "land records of Sacramento County, California (the “Security Instrument”) on the "
        "property at 12 Oak St, Sacramento, CA 95814 (parcel number 006-0123-045)"
    ) in words
    assert "as Cal. Civ. Code § 2941(b)(1) requires" in words
    assert "mortgage or deed of trust" not in words  # the state's instrument, not both


def test_a_mortgage_state_gets_the_satisfaction_and_new_yorks_statute(draft, staff):
    titles, words = _frozen_words(draft, staff)
    assert "Satisfaction of the Mortgage" in titles
    assert "as N.Y. Real Prop. Acts. Law § 1921(1) requires" in words
    assert "secured by a mortgage recorded on May 3, 2010 as Instrument No. 2010-SL-1" in words


def test_a_property_already_sold_is_named_as_what_once_secured_the_loan(loan, staff):
    from tests.factories import record_sale

    record_sale(loan, staff, price="120000.00")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.deficiency is not None
    _, words = _frozen_words(agreement, staff)
    assert "once secured by a mortgage recorded on May 3, 2010" in words
    assert "was sold at a foreclosure sale on" in words and "no longer secures the Loan" in words
    assert "the Holder will record a" not in words  # nothing left to release: a confirmation


def test_texas_gets_a_release_of_lien_within_its_statutory_deadline(portfolio, staff):
    from settlements.models import Agreement
    from tests.factories import make_loan

    portfolio.holder_address = "1 Main St, Austin, TX 78701"
    portfolio.save()
    loan = make_loan(portfolio, "TX-1", property_state="TX", property_city="Austin",
                     property_zip="78701", property_county="Travis")  # fmt: skip
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    titles, words = _frozen_words(agreement, staff)
    assert "Release of Lien" in titles and "Reconveyance of the Deed of Trust" not in titles
    assert (
        "Within 30 days after the final payment clears, and in any case within 60 days after the "
        "Holder receives the correct payoff (Tex. Fin. Code § 343.108), the Holder will sign a "
        "release of the lien of its deed of trust"
    ) in words
    assert "trustee" not in words
    label = "The lien is released within the state's deadline"
    passed = [c for c in services.checks_for(agreement) if c.label == label]
    assert passed and passed[0].ok
    Agreement.objects.filter(pk=agreement.pk).update(lien_release_days=90)
    (failed,) = [c for c in services.checks_for(Agreement.objects.get(pk=agreement.pk))
                 if c.label == label]  # fmt: skip
    assert not failed.ok
    assert failed.detail == (
        "90 days; Tex. Fin. Code § 343.108 allows 60 days after the Holder receives the correct "
        "payoff: shorten the release period in the terms."
    )


def test_a_state_without_a_release_statute_on_file_has_no_deadline_check(portfolio, staff):
    from tests.factories import make_loan

    loan = make_loan(portfolio, "OR-1", property_state="OR", property_zip="97201")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    labels = [c.label for c in services.checks_for(agreement)]
    assert "The lien is released within the state's deadline" not in labels
    assert clauses.release_deadlines().keys() >= {"CA", "NY", "TX", "GA", "OH"}


def test_a_deed_in_lieu_is_a_conveyance_of_the_property_not_a_deed_of_it():
    import json
    from pathlib import Path

    documents = json.loads((Path(__file__).parent / "data" / "legacy_documents.json").read_text())
    terms = next(d["terms"] for d in documents if d["terms"].get("liquidation"))
    terms["liquidation"] = {**terms["liquidation"], "event": "deed in lieu"}
    assert "The deed in lieu of the Property on" in clauses._amount_owed(terms)  # as frozen
    terms["clauses"] = []  # drafted with the clause library
    assert "The conveyance of the Property by deed in lieu of foreclosure on" in (
        clauses._amount_owed(terms)
    )


# --- the state, instrument and liquidation variants, read back from the PDF ---------------------


def _state_loan(portfolio, number, state, city, county, zip_code, **extra):
    from tests.factories import make_loan

    portfolio.holder_legal_name, portfolio.holder_address = "Fund LLC", "1 Fund Way, Albany, NY"
    portfolio.save()
    return make_loan(portfolio, number, property_state=state, property_city=city,
                     property_county=county, property_zip=zip_code, **extra)  # fmt: skip


def _dpo_words(loan, staff) -> tuple[list[str], str]:
    return _frozen_words(services.start_draft(loan=loan, kind="dpo", by=staff), staff)


CIVIL_CODE_1542 = (
    "the Borrower waives the benefit of California Civil Code section 1542, which provides: "
    "“A general release does not extend to claims that the creditor or releasing party does "
    "not know or suspect to exist in his or her favor at the time of executing the release"
)


def test_california_releases_claims_with_the_civil_code_1542_waiver(portfolio, draft, staff):
    loan = _state_loan(portfolio, "CA-2", "CA", "Fresno", "Fresno", "93701")
    titles, words = _dpo_words(loan, staff)
    assert titles.count("Borrower's Release of Claims") == 1  # the variant, not both
    assert "This release covers the Loan only" in words
    assert CIVIL_CODE_1542 in words
    assert "would have materially affected his or her settlement with the debtor" in words
    # New York's release of claims has no California waiver.
    titles, words = _frozen_words(draft, staff)
    assert titles.count("Borrower's Release of Claims") == 1
    assert "This release covers the Loan only" in words and "1542" not in words


def test_a_deficiency_gets_the_collection_standstill_not_the_foreclosure_one(
    portfolio, draft, staff
):
    from tests.factories import make_loan, record_sale

    titles, words = _frozen_words(draft, staff)  # the property still secures the loan
    assert "Foreclosure While the Agreement Is Performed" in titles
    assert "Collection While the Agreement Is Performed" not in titles
    assert "will not otherwise collect the deficiency" not in words

    sold = make_loan(portfolio, "SL-2")
    record_sale(sold, staff, price="120000.00")
    after = services.start_draft(loan=sold, kind="dpo", by=staff)
    assert after.deficiency is not None
    titles, words = _frozen_words(after, staff)
    assert "Collection While the Agreement Is Performed" in titles
    assert "Foreclosure While the Agreement Is Performed" not in titles
    assert (
        "While the Borrower is not in default under this agreement, the Holder will not "
        "otherwise collect the deficiency or enforce a deficiency judgment."
    ) in words
    assert "such as a timely motion or suit for a deficiency judgment" in words
    assert "the Holder will withdraw or satisfy what it filed" in words
    assert "will postpone any foreclosure sale already" not in words


def test_georgia_cancels_its_security_deed_and_a_recorded_mortgage_there_is_satisfied(
    portfolio, staff
):
    deed = _state_loan(portfolio, "GA-1", "GA", "Atlanta", "Fulton", "30303")
    titles, words = _dpo_words(deed, staff)
    assert "Cancellation of the Security Deed" in titles
    assert "Release of the Mortgage" not in titles and "Release of the Lien" not in titles
    assert (
        "Within 30 days after the final payment clears, and in any case within 60 days after "
        "the Loan is paid, the Holder will cancel its security deed recorded on May 3, 2010 as "
        "Instrument No. 2010-GA-1 of record in the land records of Fulton County, Georgia, as "
        "O.C.G.A. § 44-14-3(b) requires"
    ) in words
    assert "secured by a security deed recorded on May 3, 2010" in words
    # A Georgia loan recorded as a mortgage: the mortgage's satisfaction, not a cancellation.
    mortgage = _state_loan(portfolio, "GA-2", "GA", "Atlanta", "Fulton", "30303",
                           security_instrument="mortgage")  # fmt: skip
    titles, words = _dpo_words(mortgage, staff)
    assert "Release of the Mortgage" in titles
    assert "Cancellation of the Security Deed" not in titles and "security deed" not in words


def test_a_mortgage_state_without_its_own_variant_gets_the_general_mortgage_release(
    portfolio, draft, staff
):
    loan = _state_loan(portfolio, "OH-1", "OH", "Columbus", "Franklin", "43215")
    titles, words = _dpo_words(loan, staff)
    assert "Release of the Mortgage" in titles and "Satisfaction of the Mortgage" not in titles
    assert (
        "Within 30 days after the final payment clears, and in any case within 90 days after "
        "the Loan is paid (Ohio Rev. Code § 5301.36), the Holder will record a satisfaction of "
        "its mortgage recorded on May 3, 2010 as Instrument No. 2010-OH-1 in the land records "
        "of Franklin County, Ohio, pay the recording fee"
    ) in words
    assert "is payment in full of the Loan" in words
    assert "N.Y. Real Prop. Acts. Law" not in words and "trustee" not in words
    # New York, a mortgage state with its own statute, does not get the general wording.
    titles, _ = _frozen_words(draft, staff)
    assert "Release of the Mortgage" not in titles and "Satisfaction of the Mortgage" in titles


def test_a_deed_of_trust_state_without_its_own_variant_gets_the_general_reconveyance(
    portfolio, staff
):
    loan = _state_loan(portfolio, "OR-2", "OR", "Portland", "Multnomah", "97201")
    titles, words = _dpo_words(loan, staff)
    assert "Reconveyance of the Deed of Trust" in titles and "Release of the Lien" not in titles
    assert (
        "Within 30 days after the final payment clears, the Holder, as beneficiary, will "
        "deliver to the trustee of its deed of trust recorded on May 3, 2010 as Instrument No. "
        "2010-OR-2 a request for full reconveyance with the documents the trustee needs, and "
        "will see that a deed of reconveyance is recorded in the land records of Multnomah "
        "County, Oregon"
    ) in words
    assert "The Holder pays the trustee's and the recording fees" in words
    # California's variant is not used outside California.
    assert "Cal. Civ. Code § 2941" not in words and "satisfaction of its mortgage" not in words


def test_an_unknown_instrument_gets_the_general_release_of_the_lien(portfolio, staff):
    loan = _state_loan(portfolio, "PR-1", "PR", "San Juan", "", "00901")
    assert loan.instrument().instrument is None  # a territory: no customary instrument
    titles, words = _dpo_words(loan, staff)
    assert "Release of the Lien" in titles
    assert not {"Release of the Mortgage", "Reconveyance of the Deed of Trust",
                "Cancellation of the Security Deed"} & set(titles)  # fmt: skip
    assert (
        "Within 30 days after the final payment clears, the Holder will record a release or "
        "satisfaction of its mortgage or deed of trust on the Property"
    ) in words


def test_a_dpo_warns_against_wire_fraud_and_a_short_sale_does_not(loan, draft, staff):
    warning = (
        "Before sending a wire transfer, the Borrower will confirm the instructions by "
        "telephone with the Holder at a number the Borrower already has, not one given in an "
        "e-mail. The Holder never changes its payment instructions by e-mail, and a payment "
        "sent to an account the Holder did not confirm does not count until the Holder "
        "receives it."
    )
    titles, words = _frozen_words(draft, staff)
    assert "Settlement Payment" in titles and warning in words
    sale = services.start_draft(loan=loan, kind="short_sale", by=staff)
    titles, words = _frozen_words(sale, staff)
    assert "Settlement Payment" not in titles and "wire transfer" not in words


# The short sale's release of the lien, one variant per instrument (and Texas's): words only
# that variant has.
SHORT_SALE_RELEASES = {
    "Release of the Lien": "the Holder will deliver a release of its mortgage or deed of trust",
    "Release of the Mortgage": "the Holder will deliver a satisfaction of its mortgage",
    "Reconveyance of the Deed of Trust": "a request for full reconveyance",
    "Cancellation of the Security Deed": "the Holder will deliver a cancellation of its security",
    "Release of Lien": "the Holder will sign a release of the lien of its deed of trust",
}


@pytest.mark.parametrize(
    ("state", "city", "county", "zip_code", "title", "words"),
    [
        ("PR", "San Juan", "", "00901", "Release of the Lien",
         "On closing and receipt of at least the Minimum Net Proceeds, the Holder will deliver "
         "a release of its mortgage or deed of trust on the Property for recording at closing, "
         "or record one within 30 days after it."),
        ("NY", "Albany", "Albany", "12203", "Release of the Mortgage",
         "the Holder will deliver a satisfaction of its mortgage recorded on May 3, 2010 as "
         "Instrument No. 2010-SS-NY to the closing agent for recording at closing in the land "
         "records of Albany County, New York, or record one within 30 days after closing, and "
         "in any case within 30 days after the Loan is paid (N.Y. Real Prop. Acts. Law "
         "§ 1921(1))."),
        ("OR", "Portland", "Multnomah", "97201", "Reconveyance of the Deed of Trust",
         "the Holder, as beneficiary, will deliver to the trustee of its deed of trust recorded "
         "on May 3, 2010 as Instrument No. 2010-SS-OR a request for full reconveyance, and will "
         "see that a deed of reconveyance is recorded in the land records of Multnomah County, "
         "Oregon within 30 days after closing."),
        ("GA", "Atlanta", "Fulton", "30303", "Cancellation of the Security Deed",
         "the Holder will deliver a cancellation of its security deed recorded on May 3, 2010 "
         "as Instrument No. 2010-SS-GA to the closing agent for recording at closing in the "
         "land records of Fulton County, Georgia, or cancel it of record within 30 days after "
         "closing (O.C.G.A. § 44-14-3(b))."),
        ("TX", "Austin", "Travis", "78701", "Release of Lien",
         "the Holder will sign a release of the lien of its deed of trust recorded on May 3, "
         "2010 as Instrument No. 2010-SS-TX and deliver it to the closing agent for filing at "
         "closing in the real property records of Travis County, Texas, or file it within 30 "
         "days after closing, and in any case within 60 days after the Holder receives the "
         "correct payoff (Tex. Fin. Code § 343.108)."),
    ],
)  # fmt: skip
def test_a_short_sale_releases_the_lien_in_its_instruments_words(
    portfolio, staff, state, city, county, zip_code, title, words
):
    loan = _state_loan(portfolio, f"SS-{state}", state, city, county, zip_code)
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    titles, text = _frozen_words(agreement, staff)
    text = text.replace("2010-SS- ", "2010-SS-")  # a line may break after the hyphen
    assert [t for t in titles if t in SHORT_SALE_RELEASES] == [title]
    assert words in text
    for other, phrase in SHORT_SALE_RELEASES.items():
        assert (phrase in text) is (other == title), other
