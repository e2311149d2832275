"""Small real PDFs for the signed-copy tests: made with pypdf, or written by hand."""

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

# A filled rectangle: the least a page can draw (no font or other resource needed).
DRAWING = b"0 0 1 rg 72 72 200 100 re f\n"


def pdf_bytes(pages: int = 1, password: str | None = None, content: bytes = DRAWING) -> bytes:
    """A PDF of `pages` US-letter pages, each drawing `content` (b"": blank pages)."""
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        if content:
            stream = DecodedStreamObject()
            stream.set_data(content)
            page[NameObject("/Contents")] = writer._add_object(stream)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stream(data: bytes, flate: bool = False) -> bytes:
    """A stream object's body (dictionary and data), optionally Flate-compressed."""
    if flate:
        data = zlib.compress(data)
        return b"<</Length %d/Filter/FlateDecode>>stream\n%s\nendstream" % (len(data), data)
    return b"<</Length %d>>stream\n%s\nendstream" % (len(data), data)


def hand_pdf(objects: dict[int, bytes], *, after_eof: bytes = b"\n") -> bytes:
    """A PDF written by hand: object 1 is the catalog; a correct cross-reference table."""
    out = b"%PDF-1.4\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets.get(number, 0)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF" % (size, xref)
    return out + after_eof


def one_page(page: bytes, *, pages_extra: bytes = b"", more: dict | None = None, **kw) -> bytes:
    """A one-page hand-written PDF: `page` is object 3's dictionary, `pages_extra` goes into
    the page tree's dictionary (an inherited MediaBox), `more` adds objects from 4 on."""
    objects = {
        1: b"<</Type/Catalog/Pages 2 0 R>>",
        2: b"<</Type/Pages/Count 1/Kids[3 0 R]%s>>" % pages_extra,
        3: page,
        **(more or {}),
    }
    return hand_pdf(objects, **kw)
