"""Refuse an .xlsx whose parts would cost too much to read, before openpyxl opens it.

An .xlsx file is a zip of XML parts. openpyxl (read-only mode) streams a worksheet row by
row, but reads every other part it uses whole: the shared-strings table becomes a list of
every string, the styles, the workbook and the relationship parts become element trees.
A few MB of zip can expand to hundreds of MB of XML, and even a modest part can hold
millions of tiny strings or elements, each costing ~100 bytes of memory and ~10 µs.

What a part is comes from what the package declares, the way openpyxl finds it, never from
where the part sits in the zip (a shared-strings table stored as xl/worksheets/x.xml is
still a shared-strings table):

* shared strings: every Override in [Content_Types].xml with the sharedStrings content
  type (openpyxl reads the first; all are checked);
* worksheets: the targets of the workbook part's relationships of type worksheet
  (openpyxl finds a workbook's sheets through those relationships), unless the part is
  also something openpyxl reads whole;
* everything else: a small part.

Limits (numbers measured in docs/input-limits/tapes.md): declared sizes first, from the
zip's directory, with nothing inflated; then each part other than a worksheet is inflated
as a stream, 1 MB at a time, counting its strings, elements and attributes, so a part is
refused before openpyxl builds anything from it. Python's zipfile never yields more bytes
than a member's declared size, so the declared sizes bound what is inflated.
"""

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

MAX_ZIP_MEMBERS = 1000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024  # [Content_Types].xml, and the workbook's .rels
MAX_SHEET_BYTES = 256 * 1024 * 1024  # a worksheet: streamed row by row
MAX_STRINGS_BYTES = 32 * 1024 * 1024  # the shared-strings table: held whole, as a list
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # every other part (styles, workbook, theme, media)
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100  # uncompressed : compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_STRINGS = 300_000  # shared strings (<si> elements)
MAX_SHEET_HEAD = 100_000
"""Elements of a worksheet before its <dimension> or <sheetData>: openpyxl reads every
sheet that far when it opens a workbook, and keeps what it reads."""
MAX_XML_COST = 1_000_000
"""XML elements plus twice the attributes ("=" signs, over-counted) of all the parts read
whole: ~140 bytes of memory per element retained, ~300 per attribute."""
CHUNK = 1024 * 1024

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
WORKSHEET_REL = "/worksheet"  # ...officeDocument/2006/relationships/worksheet
WORKBOOK_TYPES = [  # openpyxl.reader.excel._find_workbook_part's order
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
]
CONTENT_TYPES = "[Content_Types].xml"
# Parts openpyxl reads whole by their fixed names (openpyxl.xml.constants).
FIXED_PARTS = {
    CONTENT_TYPES, "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
    "docProps/custom.xml", "xl/styles.xml", "xl/theme/theme1.xml", "xl/workbook.xml",
}  # fmt: skip
# XML whose text is ASCII-compatible, so counting b"<" and b"=" counts tags and attributes.
ASCII_COMPATIBLE = {
    "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1",
    "windows-1252", "cp1252",
}  # fmt: skip
_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_SHEET_HEAD_END = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:dimension|sheetData)[\s/>]")
# A shared string's start tag, with or without a namespace prefix: <si> <si ...> <x:si>.
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")

UNREADABLE = "The file is not a readable Excel workbook"
AS_CSV = "Save the tape as CSV (in Excel: File > Save As > CSV UTF-8) and import that."


class WorkbookTooBig(ValueError):
    """The workbook is refused; the message says which part and why."""


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _localname(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_small(archive: zipfile.ZipFile, name: str):
    """Parse a small XML part (at most 1 MB) with defusedxml; None if the zip lacks it."""
    from defusedxml.ElementTree import fromstring

    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise WorkbookTooBig(
            f"{UNREADABLE}: its part {name[:80]!r} would expand to {_mb(info.file_size)} "
            f"(at most 1 MB). Save the tape again from Excel, or as CSV."
        )
    return fromstring(archive.read(info))


@dataclass(frozen=True)
class Parts:
    strings: set[str]  # shared-strings tables
    sheets: set[str]  # worksheets, streamed
    parsed: set[str]  # parts openpyxl parses whole as XML (not worksheets)


def classify(archive: zipfile.ZipFile) -> Parts:
    """What each part is, as openpyxl would find it."""
    root = _parse_small(archive, CONTENT_TYPES)
    if root is None:
        return Parts(set(), set(), set())  # openpyxl refuses a package without one
    overrides = [
        (el.get("PartName") or "", el.get("ContentType") or "")
        for el in root
        if _localname(el.tag) == "Override"
    ]
    # openpyxl drops the PartName's first character (the leading "/").
    strings = {part[1:] for part, kind in overrides if kind == SHARED_STRINGS_TYPE}
    workbook = "xl/workbook.xml"
    for kind in WORKBOOK_TYPES:
        found = [part for part, declared in overrides if declared == kind]
        if found:
            workbook = found[0][1:]
            break
    folder, base = posixpath.split(workbook)
    rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
    rels = _parse_small(archive, rels_name)
    targets: list[tuple[str, str]] = []  # (type, target as openpyxl resolves it)
    parent = posixpath.split(posixpath.dirname(rels_name))[0]
    for el in rels if rels is not None else []:
        if _localname(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = el.get("Target") or ""
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(parent, target))
        targets.append((el.get("Type") or "", target))
    # Chartsheets, external links, pivot caches...: parsed whole.
    others = {target for kind, target in targets if not kind.endswith(WORKSHEET_REL)}
    parsed = FIXED_PARTS | {workbook, rels_name} | others
    # A part is streamed as a worksheet only if nothing makes openpyxl read it whole.
    sheets = {
        target
        for kind, target in targets
        if kind.endswith(WORKSHEET_REL)
        and target not in parsed | strings
        and not target.endswith(".rels")
    }
    return Parts(strings, sheets, parsed)


def _limit(name: str, parts: Parts) -> int:
    if name in parts.strings:
        return MAX_STRINGS_BYTES
    if name in parts.sheets:
        return MAX_SHEET_BYTES
    return MAX_MEMBER_BYTES


def _check_encoding(name: str, head: bytes) -> None:
    """Counting tags by their bytes needs XML in an ASCII-compatible encoding."""
    start = head.removeprefix(b"\xef\xbb\xbf")
    declared = _DECLARED_ENCODING.match(start)
    if (
        start[:2] in (b"\xff\xfe", b"\xfe\xff")
        or b"\x00" in start[:4]
        or (declared and declared[1].decode().lower() not in ASCII_COMPATIBLE)
    ):
        raise WorkbookTooBig(
            f"{UNREADABLE}: its part {name[:80]!r} is not UTF-8 XML, as Excel writes it. "
            "Save the tape again from Excel, or as CSV."
        )


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, parts: Parts, spent: int) -> int:
    """Inflate a part 1 MB at a time, refusing it once it holds too many strings, or the
    parts read so far too many elements and attributes; returns the XML cost so far. Each
    chunk is cut before its last "<" (if near its end), so no start tag of a shared string
    is split between two chunks."""
    name = info.filename
    is_strings = name in parts.strings
    strings = 0
    pending = b""
    with archive.open(info) as stream:
        chunk = stream.read(CHUNK)
        if is_strings or name in parts.parsed or name.endswith((".xml", ".rels")):
            _check_encoding(name, chunk[:512])
        while True:
            data, pending = pending + chunk, b""
            if chunk:
                cut = data.rfind(b"<", max(len(data) - 256, 0))
                if cut > 0:
                    data, pending = data[:cut], data[cut:]
            spent += data.count(b"<") - data.count(b"</") + 2 * data.count(b"=")
            if is_strings:
                strings += len(_STRING_TAG.findall(data))
                if strings > MAX_STRINGS:
                    raise WorkbookTooBig(
                        f"The workbook holds more than {MAX_STRINGS:,} different texts (its "
                        f"shared strings, {name[:80]!r}): too many to read at once. {AS_CSV}"
                    )
            if spent > MAX_XML_COST:
                raise WorkbookTooBig(
                    f"{UNREADABLE}: its XML holds more elements and attributes than a loan "
                    f"tape needs (more than {MAX_XML_COST:,}, by part {name[:80]!r}). {AS_CSV}"
                )
            if not chunk:
                return spent
            chunk = stream.read(CHUNK)


def _scan_sheet_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a worksheet with too many elements before its <dimension> or <sheetData>."""
    name = info.filename
    elements = 0
    pending = b""
    with archive.open(info) as stream:
        chunk = stream.read(CHUNK)
        _check_encoding(name, chunk[:512])
        while chunk:
            data, pending = pending + chunk, b""
            end = _SHEET_HEAD_END.search(data)
            if end is None:
                cut = data.rfind(b"<", max(len(data) - 256, 0))
                if cut > 0:
                    data, pending = data[:cut], data[cut:]
            else:
                data = data[: end.start()]
            elements += data.count(b"<") - data.count(b"</")
            if elements > MAX_SHEET_HEAD:
                raise WorkbookTooBig(
                    f"{UNREADABLE}: its sheet {name[:80]!r} holds more than "
                    f"{MAX_SHEET_HEAD:,} XML elements before its cells. Save the tape again "
                    "from Excel, or as CSV."
                )
            if end is not None:
                return
            chunk = stream.read(CHUNK)


def check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would expand too far; raises WorkbookTooBig, or a
    zipfile/zlib/XML error for a damaged file (the caller's "not a readable workbook")."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise WorkbookTooBig(
                f"{UNREADABLE}: it holds {len(members)} files (at most {MAX_ZIP_MEMBERS})."
            )
        parts = classify(archive)
        total = 0
        for member in members:
            size = member.file_size
            total += size
            limit = _limit(member.filename, parts)
            ratio = size / max(member.compress_size, 1)
            if (
                size > limit
                or total > MAX_TOTAL_BYTES
                or (size > RATIO_FLOOR and ratio > MAX_RATIO)
            ):
                if member.filename in parts.strings:
                    raise WorkbookTooBig(
                        f"The workbook's shared strings (the texts of its cells, "
                        f"{member.filename[:80]!r}) would expand to {_mb(size)}, more than "
                        f"can be read at once (at most {_mb(MAX_STRINGS_BYTES)}). {AS_CSV}"
                    )
                raise WorkbookTooBig(
                    f"{UNREADABLE}: its part {member.filename[:80]!r} would expand to "
                    f"{_mb(size)}. Save the tape again from Excel, or as CSV."
                )
        spent = 0  # XML elements and attributes, over the parts read whole
        for member in members:
            if member.filename in parts.sheets:
                _scan_sheet_head(archive, member)
            elif not member.is_dir():
                spent = _scan(archive, member, parts, spent)
