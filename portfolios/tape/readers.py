"""Open a tape (CSV or XLSX bytes) and stream its rows without loading it whole.

`open_tape(name, data)` returns a Tape: its headers, an estimate of its row count, and
`rows()`, which yields (row_number, cells, percent_flags) with row numbers as the
spreadsheet shows them (the header is row 1).

An .xlsx file is a zip of XML files. Before openpyxl opens one, `check_zip` (zipcheck.py)
refuses a workbook whose parts would cost too much to read: a "zip bomb" of a few MB can
otherwise expand to GB of shared strings, which openpyxl holds in memory. Any error while
reading the workbook, at opening or on a later row (bad zip, malformed XML, a DOCTYPE or
entity, which defusedxml forbids), is the same refusal: "not a readable workbook", never a
server error.
"""

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from noteinvest.text import has_control_characters
from portfolios.tape import zipcheck
from portfolios.tape.columns import normalize
from portfolios.tape.values import Unsaved

MAX_BYTES = 64 * 1024 * 1024
"""A tape's file: a 200,000-loan CSV of 25 columns is about 41 MB. The import reads it a row
at a time (checked, then read again to be written), holding the file's bytes once."""
MAX_COLUMNS = 200
MAX_ROWS = 200_000
"""Loans per tape; docs/loan-tape.md. A bigger pool is imported in several tapes."""
EXCEL_ROWS = 1_048_576
"""Rows of an Excel sheet. A row tagged beyond it (r="2000000000") refuses the file."""

# Errors openpyxl, zipfile, zlib and (defused) ElementTree raise on a broken workbook.
# defusedxml's DTDForbidden/EntitiesForbidden are ValueErrors; ParseError is a SyntaxError.
_WORKBOOK_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, IndexError, OSError,
    EOFError, ValueError, TypeError, AttributeError, SyntaxError, NotImplementedError,
)  # fmt: skip
UNREADABLE = zipcheck.UNREADABLE


def _unreadable(exc: Exception) -> "TapeFileError":
    """The refusal for a workbook that fails to parse, saying what kind of damage it has."""
    from defusedxml import DefusedXmlException

    while exc.__cause__ is not None:  # openpyxl wraps parse errors in a ValueError
        exc = exc.__cause__
    if isinstance(exc, DefusedXmlException):
        why = "its XML declares a DOCTYPE or entities, which workbooks never need"
    elif isinstance(exc, SyntaxError):  # xml.etree.ElementTree.ParseError
        why = "its XML is malformed"
    elif isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        why = "the zip structure is damaged"
    else:
        why = "a part of it is missing or damaged"
    return TapeFileError(f"{UNREADABLE}: {why}. Save it again from Excel, or as CSV.")


class TapeFileError(ValueError):
    """The file as a whole cannot be read as a loan tape."""


@dataclass
class Tape:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    row_estimate: int | None
    _rows: callable = field(repr=False)
    _count_rows: callable = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list, list[bool]]]:
        return self._rows()

    def count_rows(self) -> int | None:
        """The row estimate of a sheet without <dimension>, counted on its raw XML (about a
        second for the largest sheet allowed): for the import's thread, not the upload."""
        return self._count_rows() if self._count_rows else self.row_estimate


def detect_kind(name: str, data: bytes) -> str:
    lower = (name or "").lower()
    if data[:4] == b"PK\x03\x04":
        if lower.endswith((".xlsx", ".xlsm")) or not lower.endswith(".csv"):
            return "xlsx"
        raise TapeFileError(
            "The file is named .csv but is a zip/Excel file: save it as CSV or name it .xlsx."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TapeFileError(
            "Excel 97-2003 (.xls) files are not supported: save the tape as .xlsx or CSV."
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise TapeFileError("The file is named .xlsx but is not an Excel workbook.")
    sample = data[:65536]
    # Binary files are full of NUL bytes; a text tape may hold a stray one in a cell, which
    # is then reported as that cell's error.
    if sample.count(b"\x00") > len(sample) // 100:
        raise TapeFileError("The file is neither CSV text nor an Excel .xlsx workbook.")
    if lower.endswith((".csv", ".txt")) or not lower:
        return "csv"
    raise TapeFileError("Only CSV (.csv) and Excel (.xlsx) loan tapes can be imported.")


def open_tape(name: str, data: bytes) -> Tape:
    if not data or data.isspace():  # (strip() would copy the file)
        raise TapeFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise TapeFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    kind = detect_kind(name, data)
    tape = _open_xlsx(data) if kind == "xlsx" else _open_csv(data)
    _check_headers(tape.headers)
    tape.headers[:] = same_spelling(tape.headers)
    return tape


def same_spelling(headers: list[str]) -> list[str]:
    """Headers that match as one ("UPB" and "upb", "Paid-To Date" and "Paid To Date") are one
    header listed twice: each takes the first one's spelling, so their copies are compared
    cell by cell (and a choice asked where they differ) instead of one being dropped."""
    first: dict[str, str] = {}
    out = []
    for header in headers:
        key = normalize(header)
        out.append(first.setdefault(key, header) if key else header)
    return out


def _header(value) -> str:
    """A header as shown and matched: line breaks and runs of spaces folded to one space."""
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise TapeFileError("The first row has no column headers.")
    if len(headers) > MAX_COLUMNS:
        raise TapeFileError(
            f"The tape has {len(headers)} columns; at most {MAX_COLUMNS} can be read."
        )
    for index, header in enumerate(headers):
        if not header:
            continue
        if has_control_characters(header):
            raise TapeFileError(
                f"The column header in column {_letters(index)} contains a control character "
                "(an invisible character such as NUL): remove it."
            )
        if len(header) > 200:
            raise TapeFileError(
                f"The column header in column {_letters(index)} is longer than 200 characters."
            )
        # A header listed twice is read (the marketplace's template does it): the importer
        # takes the copy with a value and reports a row where the copies differ.


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's column name."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


CHUNK = 64 * 1024


def _encoding(data: bytes) -> str:
    """UTF-8 (a BOM skipped) when the whole file is, else cp1252 (Excel on Windows saves CSV
    in it): checked a MB at a time, never decoding the file whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), CHUNK):
            decoder.decode(view[start : start + CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _text(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The file as text, decoded as it is read: no copy of the file is made. Lines end at
    "\n" only, as in a str read whole (csv reads a "\r" itself)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, newline="\n")


def _open_csv(data: bytes) -> Tape:
    encoding = _encoding(data)
    try:
        dialect = csv.Sniffer().sniff(_text(data, encoding).read(8192), delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(_text(data, encoding), dialect)
    try:
        headers = [_header(h) for h in next(reader)]
    except StopIteration:
        raise TapeFileError("The file is empty.") from None
    except csv.Error as exc:
        raise TapeFileError(f"The file is not valid CSV: {exc}.") from None
    estimate = max(data.count(b"\n") - 1, 0)

    def rows():
        reader = csv.reader(_text(data, encoding), dialect)
        next(reader)
        try:
            for cells in reader:
                flags = [False] * len(cells)
                yield reader.line_num, cells, flags
        except csv.Error as exc:
            raise TapeFileError(f"Row {reader.line_num} is not valid CSV: {exc}.") from None

    return Tape("csv", headers, estimate, rows)


def check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would cost too much to read (zipcheck.py), before
    openpyxl opens it."""
    try:
        zipcheck.check_zip(data)
    except zipcheck.WorkbookTooBig as exc:
        raise TapeFileError(str(exc)) from None
    except _WORKBOOK_ERRORS as exc:
        raise _unreadable(exc) from None


EXCEL_COLUMNS = 16_384
"""Cells of an Excel row: a row of more refuses the file (each would be held at once)."""
MAX_HELD_ELEMENTS = 200_000
"""XML elements held at once while a sheet is read: one row and what its cells contain
(16,384 cells of a few elements each), or one part of the sheet outside its rows."""


def _tagged_rows(sheet) -> Iterator[tuple[int, list]]:
    """Each <row> of a read-only sheet in file order: (its r="..." number, its cells).

    openpyxl's iter_rows drops a row whose number is not above the previous one (r="2"
    twice, r="1" after the header, r="-5") and yields a blank row for every number skipped
    (r="2000000000" would mean two billion), so rows are read here, and a number out of
    order or beyond Excel's last row refuses the file: a loan never vanishes.

    openpyxl's parser also keeps every element it has read that is not a row or a setting
    it knows (a sheet of millions of <a/> is GB of memory): this one drops each element of
    the sheet once read and holds at most MAX_HELD_ELEMENTS at once.
    """
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    data_tag = f"{{{SHEET_MAIN_NS}}}sheetData"
    workbook = sheet.parent
    parser = WorkSheetParser(
        None, sheet._shared_strings, data_only=workbook.data_only, epoch=workbook.epoch,
        date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
    )  # fmt: skip
    previous = held = 0
    parents = []
    with sheet._get_source() as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                parents.append(element)
                held += 1
                if held > MAX_HELD_ELEMENTS:
                    raise TapeFileError(
                        f"{UNREADABLE}: part of its sheet holds more than "
                        f"{MAX_HELD_ELEMENTS:,} XML elements. Save it again from Excel, or "
                        "as CSV."
                    )
                continue
            parents.pop()
            if element.tag == ROW_TAG:
                number = _row_number(element, previous)
                if number < 1 or number <= previous:
                    after = f"after row {previous:,}" if previous else "as its first row"
                    raise TapeFileError(
                        f'The sheet numbers its rows out of order: a row tagged r="{number}" '
                        f"comes {after}, so that row would be lost. Save the tape again from "
                        "Excel, or as CSV."
                    )
                if number > EXCEL_ROWS:
                    raise TapeFileError(
                        f"The sheet has rows beyond row {EXCEL_ROWS:,}, the last one Excel has."
                    )
                if len(element) > EXCEL_COLUMNS:
                    raise TapeFileError(
                        f"Row {number:,} of the sheet has more than {EXCEL_COLUMNS:,} cells, "
                        "the most Excel has."
                    )
                previous = parser.row_counter = number
                parser.col_counter = 0
                cells = []
                for c in element:
                    cell = parser.parse_cell(c)
                    # A formula without its saved value is reported, not read as blank.
                    if cell["value"] is None and (formula := c.find(FORMULA_TAG)) is not None:
                        cell["value"] = Unsaved(formula.text)
                    cells.append(ReadOnlyCell(sheet, **cell))
            # Drop what is read: the sheet's own children and those of its <sheetData>.
            if len(parents) == 1 or (len(parents) == 2 and parents[1].tag == data_tag):
                held -= sum(1 for _ in element.iter())
                parents[-1].remove(element)
            if element.tag == ROW_TAG:
                yield number, cells


def _row_number(row, previous: int) -> int:
    """A <row>'s number as openpyxl reads it: r="7" (or "7.0"), else the one after the last."""
    tag = row.get("r")
    if tag is None:
        return previous + 1
    try:
        return int(tag)
    except ValueError:
        pass
    try:
        value = Decimal(tag)
    except ArithmeticError:
        raise ValueError(f"{tag} is not a valid row number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"{tag} is not a valid row number")
    return int(value)


def _load_workbook(data: bytes):
    """openpyxl.load_workbook(read_only=True, data_only=True), except that a sheet is sized
    only from a <dimension> before its <sheetData>, never by reading its rows.

    openpyxl sizes every sheet of a read-only workbook when it opens it, looking for the
    sheet's <dimension> with a parser that, for a sheet without one, runs to the end of its
    rows and keeps an emptied element for each: the upload request spent 6-11 s and 340 MB
    on a 0.93 MB sheet of 4,000,000 empty rows. The elements before <sheetData> are
    bounded by check_zip (MAX_SHEET_HEAD); the size is only the progress estimate.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self):
            with self._get_source() as source:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == DATA_TAG:
                        return  # no <dimension> before the rows: unsized
                    if element.tag == DIMENSION_TAG:
                        size = SheetDimension.from_tree(element).boundaries
                        self._min_column, self._min_row, self._max_column, self._max_row = size
                        return

    class Reader(ExcelReader):
        def read_worksheets(self):  # ExcelReader's, for read-only mode, with Sheet
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _count_row_tags(data: bytes, sheet_path: str) -> int:
    """<row> start tags in a sheet's XML (namespace prefixes aside: an estimate), less the
    header's, read a MB at a time."""
    count, tail = 0, b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet_path) as stream:
        while chunk := stream.read(1024 * 1024):
            buffer = tail + chunk
            count += buffer.count(b"<row ") + buffer.count(b"<row>") + buffer.count(b"<row/")
            tail = buffer[-4:]  # a tag cut by the chunk's end is counted with the next
    return max(count - 1, 0)


def _open_xlsx(data: bytes) -> Tape:
    check_zip(data)
    try:
        workbook = _load_workbook(data)
        sheet = workbook.worksheets[0]
        # Read-only mode trusts the sheet's <dimension> tag, which some writers leave stale
        # (A1:F4 on a sheet of 10 loans would read 3): keep it only as the progress estimate.
        estimate = (sheet.max_row - 1) if sheet.max_row else None
        rows = _tagged_rows(sheet)
        try:
            first = next(rows, None)
        finally:
            rows.close()
    except TapeFileError:
        raise
    except _WORKBOOK_ERRORS as exc:
        raise _unreadable(exc) from None
    if first is None:
        raise TapeFileError("The file is empty.")
    number, cells = first
    header_row = [None] * (max((c.column for c in cells), default=0) if number == 1 else 0)
    for cell in header_row and cells:
        header_row[cell.column - 1] = cell.value
    headers = [_header(h) for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    width = max(len(headers), 1)

    def rows():
        try:
            for number, row in _tagged_rows(sheet):
                if number == 1:
                    continue  # the header row
                cells, flags = [None] * width, [False] * width
                for cell in row:
                    if 1 <= cell.column <= width:
                        cells[cell.column - 1] = cell.value
                        flags[cell.column - 1] = "%" in (cell.number_format or "")
                yield number, cells, flags
        except TapeFileError:
            raise
        except _WORKBOOK_ERRORS as exc:
            raise _unreadable(exc) from None

    if estimate is None:  # unsized: counted by the import's thread if it wants a figure
        path = sheet._worksheet_path
        return Tape("xlsx", headers, None, rows, lambda: _count_row_tags(data, path))
    return Tape("xlsx", headers, estimate, rows)
