"""Hostile and odd .xlsx files for tests, built in memory (no binaries in git).

Each starts from a real workbook (tests.portfolios.tapes.xlsx_bytes) and rewrites one of
its zip members, or adds one.
"""

import io
import re
import zipfile

from tests.portfolios.tapes import xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def rewrite(data: bytes, name: str, change) -> bytes:
    """The workbook with member `name` replaced by change(its text)."""
    parts = members(data)
    parts[name] = change(parts[name].decode()).encode()
    return rezip(parts)


def stale_dimension(header: list[str], rows: list[list], tag: str = "A1:F4") -> bytes:
    """A workbook whose <dimension> claims fewer cells than the sheet holds."""
    return rewrite(
        xlsx_bytes(header, rows),
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{tag}"/>', xml),
    )


def with_doctype(header: list[str], rows: list[list]) -> bytes:
    """The sheet's XML declares a DOCTYPE with an entity (defusedxml forbids both)."""
    return rewrite(
        xlsx_bytes(header, rows),
        SHEET,
        lambda xml: xml.replace(
            "<worksheet",
            '<!DOCTYPE worksheet [<!ENTITY boom "boom">]><worksheet',
            1,
        ),
    )


def with_undefined_entity(header: list[str], rows: list[list]) -> bytes:
    """A cell of the sheet's XML holds &nope;, an entity defined nowhere."""
    return rewrite(
        xlsx_bytes(header, rows),
        SHEET,
        lambda xml: re.sub(r"(<is><t>|<v>)", r"\1&nope;", xml, count=1),
    )


def bomb(header: list[str], rows: list[list], *, megabytes: int = 200) -> bytes:
    """A real workbook whose sharedStrings.xml inflates to `megabytes` MB of repeated text.

    Written in 1 MB chunks through the zip's deflate stream, so building it never holds
    the expanded text; the file itself is about 1/1000 of that.
    """
    parts = members(xlsx_bytes(header, rows))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in parts.items():
            if name != "xl/sharedStrings.xml":
                archive.writestr(name, body)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * (1024 * 1024 - 15) + b"</t></si>"
            for _ in range(megabytes):
                member.write(chunk)
            member.write(b"</sst>")
    return out.getvalue()


STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def with_shared_strings(
    header: list[str], rows: list[list], pieces, *, part: str = "xl/sharedStrings.xml",
    head: bytes = SST, tail: bytes = b"</sst>",
) -> bytes:  # fmt: skip
    """A real workbook with a shared-strings table at `part`, declared as one in
    [Content_Types].xml (openpyxl finds it there, wherever it sits). Its body is written
    piece by piece through the zip's deflate stream, so a big one is never held whole."""
    parts = members(xlsx_bytes(header, rows))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{part}" ContentType="{STRINGS_TYPE}"/></Types>'.encode()
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in parts.items():
            if name != part:
                archive.writestr(name, body)
        with archive.open(part, "w", force_zip64=True) as member:
            member.write(head)
            for piece in pieces:
                member.write(piece)
            member.write(tail)
    return out.getvalue()


def strings(count: int, *, tag: bytes = b"si", seed: int = 1):
    """`count` shared strings of six random letters (they compress about 4:1, like text)."""
    import base64
    import random

    letters = base64.b32encode(random.Random(seed).randbytes(4 * count + 8))
    for start in range(0, count, 10_000):
        yield b"".join(
            b"<%s><t>%s</t></%s>" % (tag, letters[i * 6 : i * 6 + 6], tag)
            for i in range(start, min(start + 10_000, count))
        )


def padded_strings(megabytes: int):
    """About `megabytes` MB of shared strings compressing ~50:1 (under the ratio cap): 1 MB
    of random text, then two-letter strings."""
    import base64
    import random

    yield b"<si><t>" + base64.b64encode(random.Random(2).randbytes(750_000)) + b"</t></si>"
    unit = b"<si><t>ab</t></si>" * 50_000
    for _ in range(megabytes * 1024 * 1024 // len(unit)):
        yield unit
