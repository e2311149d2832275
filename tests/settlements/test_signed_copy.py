"""The signed copy must be a readable PDF (issue 8 item 18); PDFs are never cached."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from settlements import services
from settlements.models import SignedCopy, Status
from tests.factories import make_loan
from tests.settlements.pdfs import DRAWING, hand_pdf, one_page, pdf_bytes, stream

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


# --- round 2, finding C: what only looks like a PDF ------------------------------------------------

BOX = b"/MediaBox[0 0 612 792]"
DRAWS = {4: stream(DRAWING)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # The attacker's file: one page, no MediaBox, no content, HTML after the %%EOF.
        (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 1"
            b"/Kids[3 0 R]>>endobj\n3 0 obj<</Type/Page>>endobj\ntrailer<</Root 1 0 R>>\n"
            b"startxref\n0\n%%EOF\n<html><script>alert(1)</script></html>",
            "nothing may follow its last %%EOF",
        ),
        (pdf_bytes() + b"<html></html>", "nothing may follow its last %%EOF"),
        (one_page(b"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", more=DRAWS), "no usable page size"),
        (
            one_page(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 0 792]/Contents 4 0 R>>", more=DRAWS),
            "no usable page size",
        ),
        (
            one_page(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612]/Contents 4 0 R>>", more=DRAWS),
            "no usable page size",
        ),
        (one_page(b"<</Type/Page/Parent 2 0 R" + BOX + b">>"), "pages are empty"),
        (
            one_page(b"<</Type/Page/Parent 2 0 R" + BOX + b"/Contents 4 0 R>>",
                     more={4: stream(b"  \n\r\n ")}),
            "pages are empty",
        ),
        (
            one_page(b"<</Type/Page/Parent 2 0 R" + BOX + b"/Contents 4 0 R>>",
                     more={4: stream(b"\n\n", flate=True)}),
            "pages are empty",
        ),
        (pdf_bytes(pages=2, content=b""), "pages are empty"),
    ],
    ids=["attackers-file", "html-after-eof", "no-mediabox", "zero-width", "three-numbers",
         "no-contents", "blank-contents", "blank-flate-contents", "blank-pypdf-pages"],
)  # fmt: skip
def test_what_only_looks_like_a_pdf_is_refused(client, staff, sent, data, message):
    client.force_login(staff)
    response = _upload(client, sent, data)
    assert response.status_code == 200
    assert message in str(response.context["upload_form"].errors["file"])
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert not SignedCopy.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        # The MediaBox inherited from the page tree, a Flate-compressed content stream.
        one_page(
            b"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>",
            pages_extra=BOX,
            more={4: stream(DRAWING, flate=True)},
        ),
        # Contents as an array: an empty stream, then one that draws.
        one_page(
            b"<</Type/Page/Parent 2 0 R" + BOX + b"/Contents[4 0 R 5 0 R]>>",
            more={4: stream(b""), 5: stream(DRAWING)},
        ),
        # White space (including the NULs some writers pad with) after the %%EOF.
        pdf_bytes() + b"\r\n\x00\x00  \n",
        # A blank page, then one that draws (one page with content is enough).
        hand_pdf(
            {
                1: b"<</Type/Catalog/Pages 2 0 R>>",
                2: b"<</Type/Pages/Count 2/Kids[3 0 R 4 0 R]" + BOX + b">>",
                3: b"<</Type/Page/Parent 2 0 R>>",
                4: b"<</Type/Page/Parent 2 0 R/Contents 5 0 R>>",
                5: stream(DRAWING),
            }
        ),
    ],
    ids=["inherited-box-flate", "contents-array", "whitespace-after-eof", "blank-then-drawn"],
)
def test_a_real_pdf_written_in_other_legal_ways_is_accepted(client, staff, sent, data):
    client.force_login(staff)
    assert _upload(client, sent, data).status_code == 302
    sent.refresh_from_db()
    assert sent.status == Status.SIGNED
    assert bytes(SignedCopy.objects.get().pdf) == data


def test_an_incremental_update_after_the_first_eof_is_accepted(client, staff, sent):
    """A signing service appends its signature as an incremental update: a new section,
    after the first %%EOF, that ends with its own %%EOF."""
    from pypdf import PdfWriter

    original = pdf_bytes()
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Title": "Signed"})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(original) and data.count(b"%%EOF") == 2
    client.force_login(staff)
    assert _upload(client, sent, data).status_code == 302
    assert SignedCopy.objects.exists()


def test_the_approved_version_pdf_from_weasyprint_is_accepted(sent):
    pdf = bytes(sent.versions.get().pdf)
    services.check_signed_pdf(pdf)  # no error


# --- second attack: decompression inside content streams ------------------------------------


def _blank_pages_then_a_drawing(blank_pages: int, filters: bytes, body: bytes) -> bytes:
    """`blank_pages` pages whose content stream decodes (through `filters`) to spaces, then
    one page that draws a line."""
    objects = {1: b"<</Type/Catalog/Pages 2 0 R>>"}
    kids = []
    number = 3
    for _ in range(blank_pages):
        objects[number] = b"<</Type/Page/Parent 2 0 R/Contents %d 0 R>>" % (number + 1)
        objects[number + 1] = b"<</Length %d/Filter%s>>stream\n%s\nendstream" % (
            len(body), filters, body)  # fmt: skip
        kids.append(number)
        number += 2
    objects[number] = b"<</Type/Page/Parent 2 0 R/Contents %d 0 R>>" % (number + 1)
    objects[number + 1] = stream(b"0 0 m 100 100 l S")
    kids.append(number)
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[2] = b"<</Type/Pages/Count %d/Kids[%s]/MediaBox[0 0 612 792]>>" % (len(kids), refs)
    return hand_pdf(objects)


def test_a_content_stream_bomb_is_peeked_at_not_inflated():
    import tracemalloc
    import zlib

    # The attacker's file: 70 MB of spaces, Flate twice, 253 bytes a page (1 GB held before).
    twice = zlib.compress(zlib.compress(b" " * 70_000_000, 9), 9)
    data = _blank_pages_then_a_drawing(15, b"[/FlateDecode/FlateDecode]", twice)
    assert len(data) < 10_000
    tracemalloc.start()
    services.check_signed_pdf(data)  # the last page draws: accepted, cheaply
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_blank_pages_beyond_the_documents_decoding_budget_are_refused():
    import zlib

    body = zlib.compress(b" " * 200_000, 9)
    data = _blank_pages_then_a_drawing(300, b"/FlateDecode", body)  # 300 x 64 kB > 16 MB
    with pytest.raises(services.AgreementError, match="blank for more than 16 MB"):
        services.check_signed_pdf(data)


def test_the_file_is_not_read_for_an_agreement_that_cannot_take_it(client, staff, sent):
    client.force_login(staff)
    stale = sent.version - 1
    response = _upload(client, sent, b"not even a pdf")
    assert "must be a PDF" in response.text
    response = client.post(
        reverse("settlements:signed", args=[sent.pk]),
        {"version": stale, "file": SimpleUploadedFile("x.pdf", b"not even a pdf")},
        follow=True,
    )
    assert "Someone else changed this agreement" in response.text


def test_the_signed_copy_field_offers_pdfs(client, staff, sent):
    client.force_login(staff)
    page = client.get(sent.get_absolute_url()).text
    (field,) = re.findall(r'<input type="file" name="file"[^>]*>', page)
    assert 'accept=".pdf"' in field
