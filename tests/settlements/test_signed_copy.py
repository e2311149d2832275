"""The signed copy must be a readable PDF (issue 8 item 18); PDFs are never cached."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from settlements import services
from settlements.models import SignedCopy, Status
from tests.factories import make_loan
from tests.settlements.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(portfolio, staff, attorney):
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    agreement = services.start_draft(loan=make_loan(portfolio, "SC-1"), kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("100000.00")
    agreement.payment_method = "wire"
    agreement.save()
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    services.approve(agreement=agreement, by=attorney)
    services.mark_sent(agreement=agreement, by=staff)
    agreement.refresh_from_db()
    return agreement


def _upload(client, agreement, data, name="signed.pdf"):
    return client.post(
        reverse("settlements:signed", args=[agreement.pk]),
        {"version": agreement.version, "file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 signed", "not a readable PDF"),
        (pdf_bytes()[:200], "not a readable PDF"),  # cut short
        (b"%PDF-1.4\n" + b"\x00garbage" * 100, "not a readable PDF"),
        (pdf_bytes(password="secret"), "encrypted or password-protected"),
        (pdf_bytes(pages=0), "has no pages"),
        (b"GIF89a", "must be a PDF file"),
    ],
)
def test_what_is_not_a_readable_pdf_is_refused_beside_the_field(client, staff, sent, data, message):
    client.force_login(staff)
    response = _upload(client, sent, data)
    assert response.status_code == 200
    assert message in str(response.context["upload_form"].errors["file"])
    assert message in response.text
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert not SignedCopy.objects.exists()


def test_a_readable_pdf_is_stored_and_served_privately(client, staff, owner, sent):
    data = pdf_bytes(pages=2)
    client.force_login(staff)
    assert _upload(client, sent, data).status_code == 302
    sent.refresh_from_db()
    assert sent.status == Status.SIGNED
    client.force_login(owner)
    response = client.get(reverse("settlements:signed_pdf", args=[sent.pk]))
    assert response.content == data
    assert response["Content-Type"] == "application/pdf"
    cache = response["Cache-Control"]
    assert "private" in cache and "no-store" in cache


def test_version_pdfs_are_served_privately(client, owner, attorney, staff, sent):
    for user in (owner, staff):
        client.force_login(user)
        response = client.get(reverse("settlements:pdf", args=[sent.pk, 1]))
        assert response.status_code == 200
        cache = response["Cache-Control"]
        assert "private" in cache and "no-store" in cache


def test_a_refusal_on_a_page_that_moved_on_is_shown_as_a_message(client, staff, sent):
    """Two people at once: the agreement was marked signed meanwhile; the second upload's
    refusal cannot be shown beside a form the page no longer has."""
    client.force_login(staff)
    stale_version = sent.version
    assert _upload(client, sent, pdf_bytes()).status_code == 302
    response = client.post(
        reverse("settlements:signed", args=[sent.pk]),
        {"version": stale_version, "file": SimpleUploadedFile("again.pdf", pdf_bytes())},
        follow=True,
    )
    assert response.status_code == 200
    assert "Someone else changed this agreement" in response.text
    assert SignedCopy.objects.count() == 1
