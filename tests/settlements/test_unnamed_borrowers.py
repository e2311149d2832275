"""Issue 9: a loan whose borrower is "not on the tape" (imported without names) cannot have
an agreement drafted, generated or submitted until staff name the borrower on the loan."""

import pytest
from django.urls import reverse

from portfolios.models import Borrower
from settlements import clauses, documents, services
from settlements.models import Agreement, AgreementVersion
from tests.factories import draft_agreement
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Borrower names: not on the tape. An agreement names every borrower as a party, so none "
    "can be drafted until each borrower&#x27;s name is entered on the loan."
)


@pytest.fixture
def unnamed(loan):
    """The loan as a tape without names leaves it: one borrower, no name."""
    loan.borrowers.update(name="")
    return loan


def start(client, loan, kind="dpo"):
    return client.post(reverse("settlements:start", args=[loan.pk]), {"kind": kind}, follow=True)


def test_drafting_is_refused_until_the_borrower_is_named_in_the_loan_form(client, staff, unnamed):
    client.force_login(staff)
    edit_url = reverse("portfolios:loan_edit", args=[unnamed.pk])
    page = client.get(unnamed.get_absolute_url()).text
    assert "Draft a DPO agreement" not in page  # the panel says why instead
    assert REFUSAL in page
    assert f'href="{edit_url}"' in page

    for kind in ("dpo", "short_sale"):
        response = start(client, unnamed, kind)
        assert response.redirect_chain[-1][0] == unnamed.get_absolute_url()
        messages = [str(m) for m in response.context["messages"]]
        assert len(messages) == 1
        assert messages[0].startswith(REFUSAL)  # escaped once, then marked safe
        assert f'<a href="{edit_url}" class="alert-link">' in messages[0]
        assert f'<a href="{edit_url}" class="alert-link">' in response.text  # a link, not text
    assert not Agreement.objects.exists()

    data = loan_post_data(unnamed, **{"borrowers-0-name": "Maria Lopez"})
    data.update(property_state=unnamed.property_state)
    assert client.post(edit_url, data).status_code == 302
    assert "Draft a DPO agreement" in client.get(unnamed.get_absolute_url()).text
    response = start(client, unnamed)
    agreement = Agreement.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "settlements:edit", args=[agreement.pk, "parties"]
    )
    assert "Maria Lopez" in response.text  # in the preview beside the form


def test_a_co_borrower_without_a_name_blocks_drafting_too(staff, loan):
    Borrower.objects.create(loan=loan, position=2, name="")
    with pytest.raises(services.BorrowersNotNamed, match="not on the tape"):
        services.start_draft(loan=loan, kind="dpo", by=staff)


def test_no_version_is_frozen_with_a_blank_party(staff, attorney, loan):
    agreement = draft_agreement(loan, staff)
    loan.borrowers.update(name="")  # however it came about, the document never says ""
    with pytest.raises(services.BorrowersNotNamed):
        services.freeze_version(agreement=agreement, by=staff)
    with pytest.raises(services.AgreementError, match="Every borrower is named"):
        services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    assert not AgreementVersion.objects.exists()
    check = next(c for c in services.checks_for(agreement) if c.label == "Every borrower is named")
    assert not check.ok
    assert "1 not named (not on the tape): enter the names in the loan's form" in check.detail


def test_a_draft_preview_shows_a_visible_blank_for_an_unnamed_party(client, staff, loan):
    agreement = draft_agreement(loan, staff)
    loan.borrowers.update(name="")
    terms = services.terms_for(agreement, version_number=1)
    html = documents.render_terms_html(terms)
    assert f"{clauses.UNNAMED_PARTY}, Borrower" in html.replace("&#x27;", "'")
    parties = clauses.sections(terms)[0][1][0]
    assert f"and {clauses.UNNAMED_PARTY} (together and each" in parties
    client.force_login(staff)
    page = client.get(reverse("settlements:edit", args=[agreement.pk, "parties"])).text
    assert "Not on the tape</span> (Borrower)" in page
