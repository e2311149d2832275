"""Riders (issue 12): free text staff add to one agreement, printed as a rider, shown as such
in the redline, and approved by the reviewing attorney before the agreement can be."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from settlements import clauses, services
from settlements.models import Rider, Status
from tests.factories import make_loan, make_user
from tests.settlements.test_parties import pdf_words

pytestmark = pytest.mark.django_db

TITLE = "Access to the Property"
BODY = "The Borrower will give the Holder's inspector access to the Property once before closing.\n\nThe inspection costs the Borrower nothing."


def _riders_url(agreement):
    return reverse("settlements:edit", args=[agreement.pk, "riders"])


def _form(agreement, rows=(), **extra):
    """The riders step's POST: existing riders first, then one new row."""
    riders = list(agreement.riders.all())
    data = {
        "version": agreement.version,
        "rider-TOTAL_FORMS": str(len(riders) + 1),
        "rider-INITIAL_FORMS": str(len(riders)),
        "rider-MIN_NUM_FORMS": "0",
        "rider-MAX_NUM_FORMS": "10",
    }
    for n, r in enumerate(riders):
        data.update({f"rider-{n}-id": str(r.pk), f"rider-{n}-agreement": str(agreement.pk),
                     f"rider-{n}-title": r.title, f"rider-{n}-body": r.body})  # fmt: skip
    n = len(riders)
    data.update({f"rider-{n}-title": "", f"rider-{n}-body": ""})
    for key, value in rows:
        data[key] = value
    data.update(extra)
    return data


def _add(client, agreement, title=TITLE, body=BODY):
    n = agreement.riders.count()
    return client.post(
        _riders_url(agreement),
        _form(agreement, [(f"rider-{n}-title", title), (f"rider-{n}-body", body)]),
    )


@pytest.fixture
def with_rider(client, draft, staff):
    client.force_login(staff)
    response = _add(client, draft)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    return draft


def test_staff_add_a_rider_and_the_document_prints_it_as_a_rider(with_rider, staff):
    rider = with_rider.riders.get()
    assert (rider.title, rider.added_by, rider.is_approved) == (TITLE, staff, False)
    version = services.freeze_version(agreement=with_rider, by=staff)
    titles = [t for t, _ in clauses.sections(version.terms)]
    assert titles[-1] == f"Rider: {TITLE}"  # after every clause, before the signatures
    n = len(titles)
    assert (
        f"\n{n}. Rider: {TITLE}\nThis rider is part of this agreement. Where it conflicts with "
        "another section, this rider controls.\nThe Borrower will give the Holder's inspector"
    ) in version.text
    words = pdf_words(bytes(version.pdf))
    assert f"{n}. Rider: {TITLE}" in words
    assert "The inspection costs the Borrower nothing." in words


def test_the_redline_shows_an_added_rider_as_a_rider(client, draft, staff):
    from settlements.redline import compare

    before = services.freeze_version(agreement=draft, by=staff)
    client.force_login(staff)
    _add(client, draft)
    after = services.freeze_version(agreement=draft, by=staff)
    inserted = " ".join(
        text
        for para in compare(before.text, after.text).paragraphs
        for op, text in para
        if op == "ins"
    )
    assert f"Rider: {TITLE}" in inserted


def test_the_agreement_cannot_be_approved_until_the_attorney_approves_the_rider(
    client, with_rider, staff, attorney
):
    services.submit_for_review(agreement=with_rider, reviewer=attorney, by=staff)
    client.force_login(attorney)
    page = client.get(with_rider.get_absolute_url()).content.decode()
    assert "awaiting an attorney's approval" in page and "Approve this rider" in page
    response = client.post(
        reverse("settlements:approve", args=[with_rider.pk]),
        {"version": Rider.objects.get().agreement.version},
        follow=True,
    )
    assert f"Approve each rider first, or request changes: “{TITLE}” is not approved" in (
        response.content.decode()
    )
    with_rider.refresh_from_db()
    assert with_rider.status == Status.IN_REVIEW
    rider = with_rider.riders.get()
    client.post(reverse("settlements:approve_rider", args=[with_rider.pk, rider.pk]))
    rider.refresh_from_db()
    assert rider.approved_by == attorney and rider.approved_at is not None
    client.post(
        reverse("settlements:approve", args=[with_rider.pk]), {"version": with_rider.version}
    )
    with_rider.refresh_from_db()
    assert with_rider.status == Status.APPROVED


def test_changing_a_riders_words_clears_its_approval(client, with_rider, staff, attorney):
    services.submit_for_review(agreement=with_rider, reviewer=attorney, by=staff)
    rider = with_rider.riders.get()
    services.approve_rider(agreement=with_rider, rider_pk=rider.pk, by=attorney)
    services.request_changes(agreement=with_rider, note="Shorten the rider.", by=attorney)
    with_rider.refresh_from_db()
    client.force_login(staff)
    # Saved unchanged: the approval stays.
    assert client.post(_riders_url(with_rider), _form(with_rider)).status_code == 302
    rider.refresh_from_db()
    assert rider.is_approved
    with_rider.refresh_from_db()
    response = client.post(
        _riders_url(with_rider), _form(with_rider, [("rider-0-body", "Access once.")])
    )
    assert response.status_code == 302
    rider.refresh_from_db()
    assert rider.body == "Access once." and not rider.is_approved


def test_only_the_reviewing_attorney_approves_a_rider(client, with_rider, staff, attorney, loan):
    services.submit_for_review(agreement=with_rider, reviewer=attorney, by=staff)
    rider = with_rider.riders.get()
    url = reverse("settlements:approve_rider", args=[with_rider.pk, rider.pk])
    client.force_login(staff)
    assert client.post(url).status_code == 403
    from noteinvest.access import Role

    other = make_user(Role.ATTORNEY, email="other-attorney@example.com")
    client.force_login(other)
    assert client.post(url).status_code == 404  # not theirs to see
    rider.refresh_from_db()
    assert not rider.is_approved
    # A rider of another agreement, through this agreement's URL: 404.
    second = make_loan(loan.portfolio, "SL-2")
    another = services.start_draft(loan=second, kind="dpo", by=staff)
    stray = Rider.objects.create(agreement=another, title="X", body="Y", added_by=staff)
    client.force_login(attorney)
    assert (
        client.post(
            reverse("settlements:approve_rider", args=[with_rider.pk, stray.pk])
        ).status_code
        == 404
    )


def test_a_rider_without_text_or_title_is_refused_beside_the_field(client, draft, staff):
    client.force_login(staff)
    response = client.post(
        _riders_url(draft), _form(draft, [("rider-0-title", "Keys"), ("rider-0-body", "")])
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[0].errors["body"] == ["Write the rider's text, or clear its title."]
    assert 'value="Keys"' in response.content.decode()  # what was typed is kept
    response = client.post(
        _riders_url(draft),
        _form(draft, [("rider-0-title", "Keys\x07"), ("rider-0-body", "x" * 5001)]),
    )
    errors = response.context["formset"].forms[0].errors
    assert "title" in errors and "body" in errors
    assert not Rider.objects.exists()


def test_a_rider_in_the_step_is_read_back_by_staff_only(client, with_rider, owner):
    client.force_login(owner)
    assert client.get(_riders_url(with_rider)).status_code in (403, 404)


def test_a_browsers_line_breaks_still_make_paragraphs(client, draft, staff):
    client.force_login(staff)
    _add(client, draft, body="First paragraph.\r\n\r\nSecond paragraph.")
    version = services.freeze_version(agreement=draft, by=staff)
    title, paragraphs = clauses.sections(version.terms)[-1]
    assert paragraphs[1:] == ["First paragraph.", "Second paragraph."]


def test_a_long_unbroken_reference_wraps_instead_of_running_off_the_page(client, draft, staff):
    """A wire reference or URL with no space (attack review): every character is printed."""
    token = "REF" + "A1B2C3D4E5" * 12 + "END"
    client.force_login(staff)
    _add(client, draft, body=f"Quote {token} on the wire.")
    version = services.freeze_version(agreement=draft, by=staff)
    lines = [
        line
        for page in PdfReader(io.BytesIO(bytes(version.pdf))).pages
        for line in page.extract_text().splitlines()
    ]
    # Wrapped onto several lines within the margins (one line would run off the page), and
    # every character printed.
    assert not any(token in line for line in lines)
    assert token in "".join("".join(lines).split())


def test_the_agreements_page_query_count_does_not_grow_with_its_riders(client, draft, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)
    Rider.objects.create(agreement=draft, title="One", body="One.", added_by=staff)
    client.get(draft.get_absolute_url())
    with CaptureQueriesContext(connection) as one:
        client.get(draft.get_absolute_url())
    for n in range(6):
        Rider.objects.create(agreement=draft, title=f"R{n}", body="More.", added_by=staff)
    with CaptureQueriesContext(connection) as seven:
        page = client.get(draft.get_absolute_url()).content.decode()
    assert page.count('data-testid="rider"') == 7
    assert len(seven.captured_queries) == len(one.captured_queries)
