"""Open a tape (CSV or XLSX bytes) and stream its rows without loading it whole.

`open_tape(name, data)` returns a Tape: its headers, an estimate of its row count, and
`rows()`, which yields (row_number, cells, percent_flags) with row numbers as the
spreadsheet shows them (the header is row 1).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024


class TapeFileError(ValueError):
    """The file as a whole cannot be read as a loan tape."""


@dataclass
class Tape:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    row_estimate: int | None
    _rows: callable = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list, list[bool]]]:
        return self._rows()


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
    if b"\x00" in data[:65536]:
        raise TapeFileError("The file is neither CSV text nor an Excel .xlsx workbook.")
    if lower.endswith((".csv", ".txt")) or not lower:
        return "csv"
    raise TapeFileError("Only CSV (.csv) and Excel (.xlsx) loan tapes can be imported.")


def open_tape(name: str, data: bytes) -> Tape:
    if not data or not data.strip():
        raise TapeFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise TapeFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    kind = detect_kind(name, data)
    tape = _open_xlsx(data) if kind == "xlsx" else _open_csv(data)
    _check_headers(tape.headers)
    return tape


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise TapeFileError("The first row has no column headers.")
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        if header in seen:
            raise TapeFileError(
                f"The column header “{header}” appears twice (columns {_letters(seen[header])} "
                f"and {_letters(index)}): rename one."
            )
        seen[header] = index


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's column name."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in cp1252.
        return data.decode("cp1252", errors="replace")


def _open_csv(data: bytes) -> Tape:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise TapeFileError("The file is empty.") from None
    except csv.Error as exc:
        raise TapeFileError(f"The file is not valid CSV: {exc}.") from None
    estimate = max(text.count("\n") - 1, 0)

    def rows():
        reader = csv.reader(io.StringIO(text), dialect)
        next(reader)
        try:
            for cells in reader:
                flags = [False] * len(cells)
                yield reader.line_num, cells, flags
        except csv.Error as exc:
            raise TapeFileError(f"Row {reader.line_num} is not valid CSV: {exc}.") from None

    return Tape("csv", headers, estimate, rows)


def _open_xlsx(data: bytes) -> Tape:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TapeFileError(f"The Excel file cannot be read ({exc.__class__.__name__}).") from None
    sheet = workbook.worksheets[0]
    header_row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    if header_row is None:
        raise TapeFileError("The file is empty.")
    headers = ["" if h is None else str(h).strip() for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    estimate = (sheet.max_row - 1) if sheet.max_row else None

    def rows():
        for row in sheet.iter_rows(min_row=2):
            cells, flags, number = [], [], None
            for cell in row:
                if number is None and getattr(cell, "row", None):
                    number = cell.row
                cells.append(cell.value)
                flags.append("%" in (getattr(cell, "number_format", "") or ""))
            if number is not None:
                yield number, cells, flags

    return Tape("xlsx", headers, estimate, rows)
