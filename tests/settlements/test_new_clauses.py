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
    "Borrower's Representations": "no bankruptcy case is pending in which the Borrower is the debtor",
    "Time of the Essence": "Time is of the essence for every date and deadline in this agreement",
    "Borrower's Release of Claims": "This release covers the Loan only",
    "Payments Later Returned": "(11 U.S.C. §§ 547 and 548)",
    "Credit Reporting": "as 15 U.S.C. § 1681s-2(a) requires: after this agreement is performed, "
    "as paid in settlement for less than the full balance",
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
    assert "Borrower's Hardship" not in titles and "Debt Collector Notices" not in titles


def test_a_short_sale_carries_the_common_ones_and_reports_a_short_sale(loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    titles, words = _frozen_words(agreement, staff)
    for title in ("Time of the Essence", "Borrower's Release of Claims", "Payments Later Returned",
                  "Credit Reporting", "Severability", "Advice of Counsel"):  # fmt: skip
        assert title in titles
    assert "as settled through a short sale for less than the full balance" in words
    assert "Borrower's Representations" not in titles  # the sale has its own affidavit


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
    assert "Borrower's Hardship" in titles and "Debt Collector Notices" in titles
    assert (
        "cannot pay the Total Debt because of the following hardship: Lost my job in March 2026. "
        "The Borrower represents that this statement is true"
    ) in words
    assert "This communication is from a debt collector" in words
    assert "(15 U.S.C. § 1692e(11))" in words
    assert "not an attempt to collect the debt from the Borrower personally" in words


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
