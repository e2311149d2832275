"""Parties as people sign (issue 12): names as signed, each borrower's notice address, the
holder's signatory with a "By:" line, and a notices clause with every party's address."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portfolios.models import Borrower
from settlements import clauses, services
from settlements.terms import as_signed, terms_for
from tests.factories import make_loan

pytestmark = pytest.mark.django_db


def pdf_words(data: bytes) -> str:
    """The PDF's words in reading order, without the running header and footer that a page
    break puts between a paragraph's words."""
    words = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    )
    return re.sub(
        r" ?Loan \S+ Agreement SA-\d{4}-\d{4} · version \d+ Page \d+ of \d+ ?", " ", words
    )


@pytest.fixture
def loan(portfolio):
    portfolio.holder_legal_name = "Riverside Note Fund I, LLC"
    portfolio.holder_address = "100 Main St, Suite 400\nAlbany, NY 12207"
    portfolio.save()
    loan = make_loan(portfolio, "PTY-1", property_address="12 Oak St", property_city="Albany",
                     property_zip="12203")  # fmt: skip
    first = loan.borrowers.get()
    first.name, first.mailing_address = "Kowalczyk, Thomas J.", "PO Box 77, Troy, NY 12180"
    first.email = "tk@example.com"
    first.save()
    Borrower.objects.create(loan=loan, name="Pat Partner", position=2)
    return loan


@pytest.fixture
def draft(loan, staff):
    return services.start_draft(loan=loan, kind="dpo", by=staff)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _post(agreement, **changes):
    first, second = agreement.loan.borrowers.order_by("position")
    data = {
        "version": agreement.version, "holder_name": "Riverside Note Fund I, LLC",
        "holder_address": "100 Main St, Suite 400\nAlbany, NY 12207",
        "holder_notice_email": "notices@riverside.example",
        "holder_signatory_name": "Dana Reyes", "holder_signatory_title": "Managing Member",
        "agreement_date": str(timezone.localdate()), "governing_state": "NY",
        f"name_{first.pk}": "Thomas J. Kowalczyk",
        f"notice_address_{first.pk}": "PO Box 77\nTroy, NY 12180",
        f"name_{second.pk}": "Pat Partner",
        f"notice_address_{second.pk}": "9 Elm Rd, Schenectady, NY 12305",
    }  # fmt: skip
    data.update({k.format(first=first.pk): v for k, v in changes.items()})
    return reverse("settlements:edit", args=[agreement.pk, "parties"]), data


@pytest.mark.parametrize(
    ("tape", "signed"),
    [
        ("Kowalczyk, Thomas J.", "Thomas J. Kowalczyk"),
        ("Ruiz,  Ana , Jr.", "Ana Ruiz Jr."),
        ("Pat Partner", "Pat Partner"),
        ("Cher,", "Cher,"),
        ("", ""),
    ],
)
def test_the_name_as_signed_is_proposed_first_last(tape, signed):
    assert as_signed(tape) == signed


def test_the_step_shows_the_tape_spelling_beside_the_proposed_name_and_prefilled_addresses(
    staff_client, draft
):
    first, second = draft.loan.borrowers.order_by("position")
    response = staff_client.get(reverse("settlements:edit", args=[draft.pk, "parties"]))
    form = response.context["form"]
    assert form[f"name_{first.pk}"].value() == "Thomas J. Kowalczyk"
    assert "Kowalczyk, Thomas J." in form.fields[f"name_{first.pk}"].help_text
    assert "Kowalczyk, Thomas J." in response.content.decode()
    # The mailing address, else the property's.
    assert form[f"notice_address_{first.pk}"].value() == "PO Box 77, Troy, NY 12180"
    assert form[f"notice_address_{second.pk}"].value() == "12 Oak St, Albany, NY 12203"


def test_names_addresses_and_the_signatory_reach_the_pdf(staff_client, draft, staff):
    url, data = _post(draft)
    assert staff_client.post(url, data).status_code == 302
    draft.refresh_from_db()
    # The agreement, not the loan, holds the name as signed.
    assert draft.loan.borrowers.get(position=1).name == "Kowalczyk, Thomas J."
    text = pdf_words(bytes(services.freeze_version(agreement=draft, by=staff).pdf))
    assert "and Thomas J. Kowalczyk and Pat Partner (together and each" in text
    assert "Thomas J. Kowalczyk, Borrower" in text
    assert "Kowalczyk, Thomas J." not in text
    # The holder's signature block.
    assert "Riverside Note Fund I, LLC, Holder By:" in text
    assert "Name: Dana Reyes" in text and "Title: Managing Member" in text
    # The notices clause: how, when, and every party's address.
    assert "Notices Every notice under this agreement must be in writing" in text
    assert "three business days after it is mailed" in text
    assert (
        "To the Holder, Riverside Note Fund I, LLC: 100 Main St, Suite 400, Albany, NY 12207; "
        "e-mail: notices@riverside.example." in text
    )
    assert (
        "To the Borrower Thomas J. Kowalczyk: PO Box 77, Troy, NY 12180; e-mail: tk@example.com."
        in text
    )
    assert "To the Borrower Pat Partner: 9 Elm Rd, Schenectady, NY 12305." in text


def test_without_a_signatory_the_holder_block_leaves_blanks_to_fill(draft, staff):
    text = pdf_words(bytes(services.freeze_version(agreement=draft, by=staff).pdf))
    assert "By:" in text and "Name: ____" in text and "Title: ____" in text
    # Proposed name and prefilled address, without visiting the step.
    assert "To the Borrower Thomas J. Kowalczyk: PO Box 77, Troy, NY 12180" in text


def test_terms_record_what_the_version_was_rendered_from(staff_client, draft):
    url, data = _post(draft)
    staff_client.post(url, data)
    draft.refresh_from_db()
    terms = terms_for(draft, version_number=1)
    assert terms["borrowers"][0]["name"] == "Kowalczyk, Thomas J."
    assert terms["borrowers"][0]["signing_name"] == "Thomas J. Kowalczyk"
    assert terms["borrowers"][0]["notice_address"] == "PO Box 77\nTroy, NY 12180"
    assert terms["holder_signatory"] == {"name": "Dana Reyes", "title": "Managing Member"}


def test_a_version_frozen_before_keeps_its_sections(draft):
    """Terms frozen before this change have no signatory nor notice addresses: they render
    as they did, without a notices clause, naming the borrower as the tape spelled it."""
    terms = terms_for(draft, version_number=1)
    del terms["holder_signatory"], terms["holder_notice_email"]
    for b in terms["borrowers"]:
        del b["signing_name"], b["notice_address"], b["email"]
    titles = [t for t, _ in clauses.sections(terms)]
    assert clauses.NOTICES_TITLE not in titles
    assert "Kowalczyk, Thomas J." in clauses.sections(terms)[0][1][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name_{first}": "Thomas\x07Kowalczyk"}, "name_{first}"),
        ({"name_{first}": "Thomas\nKowalczyk"}, "name_{first}"),
        ({"name_{first}": "T" * 201}, "name_{first}"),
        ({"notice_address_{first}": "PO Box 77\x1b[31m"}, "notice_address_{first}"),
        ({"notice_address_{first}": "x" * 501}, "notice_address_{first}"),
        ({"holder_signatory_name": "Dana\x1bReyes"}, "holder_signatory_name"),
        ({"holder_signatory_title": "M" * 101}, "holder_signatory_title"),
        ({"holder_notice_email": "not an address"}, "holder_notice_email"),
    ],
)
def test_the_step_refuses_control_characters_and_overlong_values_beside_the_field(
    staff_client, draft, changes, field
):
    first = draft.loan.borrowers.get(position=1)
    url, data = _post(draft, **changes)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    name = field.format(first=first.pk)
    form = response.context["form"]
    assert name in form.errors
    typed = data[name]
    assert form[name].value() == typed  # re-displayed as typed
    draft.refresh_from_db()
    assert draft.parties == [] and draft.holder_signatory_name == ""


def test_signature_blocks_come_from_the_terms(draft):
    terms = terms_for(draft, version_number=1)
    blocks = clauses.signatures(terms)
    assert [b["label"] for b in blocks] == [
        "Thomas J. Kowalczyk, Borrower", "Pat Partner, Borrower", "Riverside Note Fund I, LLC, Holder"
    ]  # fmt: skip
    assert blocks[-1]["by"] and blocks[-1]["name"].startswith("Name: ____")
    # Terms frozen before the signatory was recorded keep their holder block.
    del terms["holder_signatory"]
    assert clauses.signatures(terms)[-1] == {
        "label": "Riverside Note Fund I, LLC, Holder — by its authorized signatory",
        "by": False,
        "lines": ["Name and title", "Date"],
    }


def test_the_service_refuses_an_overlong_name_as_signed(draft, staff):
    from settlements.forms import PartiesForm

    url, data = _post(draft)
    form = PartiesForm(data, instance=draft)
    assert form.is_valid(), form.errors
    form.instance.parties[0]["name"] = "T" * 201  # past the form, the service still refuses
    with pytest.raises(services.AgreementError, match="name as signed"):
        services.save_terms(form=form, expected_version=draft.version, by=staff, step="parties")


def test_the_live_preview_shows_the_unsaved_names_and_addresses(staff_client, draft):
    url, data = _post(draft, **{"name_{first}": "Tom Kowalczyk"})
    response = staff_client.post(reverse("settlements:preview", args=[draft.pk, "parties"]), data)
    page = response.content.decode()
    assert "Tom Kowalczyk and Pat Partner" in page
    assert "To the Borrower Pat Partner: 9 Elm Rd, Schenectady, NY 12305." in page
    draft.refresh_from_db()
    assert draft.parties == []  # nothing saved
