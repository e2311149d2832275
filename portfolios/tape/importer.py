"""Validate every row of a tape, one row at a time; writer.py then writes all or nothing.

`check_tape` parses and validates every cell and collects every problem (row number as
the spreadsheet shows it, the column's header, the value, what is wrong), holding no row
once read. For a tape with no problems, `CheckResult.rows()` reads the rows again for
`writer.apply_tape`, which writes them in one transaction, matching existing loans by
loan number, and reports how many were created, updated and unchanged.

Bounds (docs/loan-tape.md): at most MAX_ROWS loans per tape; the report keeps the first
MAX_PROBLEMS problems in full and a count per kind of problem for all of them.
"""

import calendar
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from noteinvest.text import has_control_characters, spelled_out
from portfolios.choices import LoanStatus, PropertyType
from portfolios.tape import values as v
from portfolios.tape.columns import BY_KEY, derives_paid_to, is_month_column, normalize
from portfolios.tape.readers import MAX_ROWS, Tape, TapeFileError, _letters

# Column key -> (parser, Loan field or None for borrower columns).
PARSERS: dict[str, Callable] = {
    "loan_number": v.loan_number,
    "borrower_name": lambda raw: v.required_text(raw, max_length=200),
    "co_borrower_name": lambda raw: v.text(raw, max_length=200),
    "mailing_address": lambda raw: v.text(raw, max_length=300),
    "mailing_address_2": lambda raw: v.text(raw, max_length=100),
    "mailing_city": lambda raw: v.text(raw, max_length=100),
    "mailing_state": lambda raw: v.state(raw) if not v.is_blank(raw) else "",
    "mailing_zip": v.zip_code,
    "borrower_email": lambda raw: v.text(raw, max_length=254),
    "borrower_phone": lambda raw: v.text(raw, max_length=30),
    "property_address": lambda raw: v.text(raw, max_length=200),
    "property_address_2": lambda raw: v.text(raw, max_length=100),
    "property_city": lambda raw: v.text(raw, max_length=100),
    "property_state": v.state,
    "property_zip": v.zip_code,
    "property_county": lambda raw: v.text(raw, max_length=100),
    "property_type": v.property_type,
    "occupancy": v.occupancy,
    "purchase_money": v.purchase_money,
    "lien_position": v.lien_position,
    "origination_date": v.origination_date,
    "original_balance": v.optional_amount,
    "upb": v.amount,
    "deferred_principal": v.amount_or_zero,  # part of the UPB, bearing no interest
    "note_rate": v.rate,
    "paid_to_date": v.paid_to_date,
    "next_due_date": v.paid_to_date,  # read as a paid-to date, then one month earlier
    "day_count": v.day_count,
    "fees": v.amount_or_zero,
    "costs": v.amount_or_zero,
    "escrow_advances": v.escrow_advances,
    "suspense": v.amount_or_zero,
    "purchase_price": v.optional_amount,
    "property_value": v.optional_amount,
    "value_date": v.value_date,
    "value_source": v.value_source,
    "foreclosure_process": v.foreclosure_process,
    "status": v.status,
    "units": v.units,
    "acreage": v.acreage,
    "borrower_type": v.borrower_type,
    "lender_type": v.lender_type,
    "home_equity_loan": v.home_equity_loan,
    "default_date": v.default_date,
    "security_instrument": v.security_instrument,
    "parcel_number": v.parcel_number,
    "recording_reference": v.recording_reference,
    "recording_book": v.recording_part,  # joined into the recording reference
    "recording_page": v.recording_part,
    "recorded_on": v.recorded_on,
}
# Columns whose blank cell is not said: the key is left out of the row, so a re-import keeps
# the stored value and a new loan gets the default (unknown).
KEPT_WHEN_BLANK = {
    "units", "acreage", "borrower_type", "lender_type", "home_equity_loan", "default_date",
    "security_instrument", "parcel_number", "recording_reference", "recorded_on",
    "recording_book", "recording_page",
}  # fmt: skip
BORROWER_KEYS = {
    "borrower_name",
    "co_borrower_name",
    "mailing_address",
    "borrower_email",
    "borrower_phone",
    "mailing_address_2",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
}
# Read, then joined to another column: never a column of the model.
JOINED_KEYS = {"next_due_date", "property_address_2", "recording_book", "recording_page"}
LOAN_KEYS = [k for k in PARSERS if k not in BORROWER_KEYS and k not in JOINED_KEYS]
LOAN_FIELD_KEYS = frozenset(LOAN_KEYS)
DERIVED_STATUS = "derived_status"
"""Key of a loan row's status derived from the paid-to date (no status column): given to
new loans only, never written over a stored status."""
DERIVED_TYPE = "derived_type"
"""Key of a loan row's property type decided by its units when the tape has no property-type
column: a new loan gets it, a stored loan only if its type is one units decide (single-
family, 2-4 units, multifamily), never a stored condo or PUD."""
KEEP_CO = "keep_co_borrowers"
"""Key of a loan row whose co-borrower cell is blank: stored co-borrowers are kept (a tape
never deletes a name; staff do, in the loan's form)."""
TRANSIENT = (DERIVED_STATUS, DERIVED_TYPE, KEEP_CO)
PROPERTY_ADDRESS_MAX = 200
MAILING_ADDRESS_MAX = 300
EMAIL_MAX = 254
MAX_PROBLEMS = 1000
"""Problems kept in full (shown, stored, downloadable); beyond them only counts per kind."""
MAX_KINDS = 200
CONTROL = "contains a control character (an invisible character such as NUL)"
DEFERRED_ABOVE_UPB = (
    "Deferred Principal is more than the UPB: the UPB must include the deferred "
    "(non-interest-bearing) principal, as Freddie Mac's Current Actual UPB does"
)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str
    kind: str = ""  # the message without its row-specific part, for counts per kind
    loan: str = ""  # the row's loan number, for a warning (the loan to check)

    def as_dict(self):
        shown = {"row": self.row, "column": self.column, "value": self.value}
        return {**shown, "message": self.message, **({"loan": self.loan} if self.loan else {})}


def _count_kind(kinds: Counter, problem: Problem, other: str, times: int = 1) -> None:
    kind = problem.kind or problem.message
    if kind in kinds or len(kinds) < MAX_KINDS:
        kinds[kind] += times
    else:
        kinds[other] += times


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS
    problem_count: int = 0  # all of them
    kinds: Counter = field(default_factory=Counter)  # kind -> count, over all of them
    row_count: int = 0
    # Values imported with a caveat (a rounded amount, a partial ZIP): never a refusal.
    warnings: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS
    warning_count: int = 0
    warning_kinds: Counter = field(default_factory=Counter)
    # How the tape as a whole was read ("rates read as fractions"), one sentence each.
    notes: list[str] = field(default_factory=list)
    # Keys any row's loan gives (TRANSIENT ones included): the columns a write compares.
    fields: frozenset = frozenset()
    _read_again: Callable | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problem_count and self.row_count > 0

    def rows(self) -> Iterator[tuple[dict, tuple]]:
        """The checked tape's loans, (loan fields, borrowers) each, read from the file again
        one row at a time (never held all at once), with the whole columns' readings."""
        if not self.ok or self._read_again is None:
            raise ValueError("Only a checked tape without problems has rows to write.")
        return self._read_again()

    def add(self, problem: Problem, times: int = 1) -> None:
        """`times`: the same problem on that many rows, the first of which is shown."""
        self.problem_count += times
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        _count_kind(self.kinds, problem, "Other problems", times)

    def warn(self, warning: Problem, times: int = 1) -> None:
        self.warning_count += times
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(warning)
        _count_kind(self.warning_kinds, warning, "Other warnings", times)


def _shown(raw) -> str:
    """A cell's value as the report shows it: at most 80 characters, control characters
    spelled out (\\x00), so the report can be stored (PostgreSQL's JSON refuses NUL) and read."""
    if raw is None:
        return ""
    text = raw.isoformat() if isinstance(raw, date) else str(raw)
    text = text if len(text) <= 80 else text[:77] + "..."
    return spelled_out(text)


@dataclass
class _Listed:
    """The first MAX_PROBLEMS of some rows (what a report can show of them) and how many."""

    first: list = field(default_factory=list)
    count: int = 0

    def add(self, item) -> None:
        self.count += 1
        if len(self.first) < MAX_PROBLEMS:
            self.first.append(item)


@dataclass
class _ColumnReading:
    """What the whole column must decide after every row is read: rates written as
    fractions, ZIPs masked to their first three digits. Counts, and the first rows of each
    kind: never every row."""

    # Plain rates (no % sign) below 1 and above 0: (row, header, shown, value).
    fraction_rates: _Listed = field(default_factory=_Listed)
    # Those above the highest rate once read as fractions: (row, header, shown).
    fractions_too_high: _Listed = field(default_factory=_Listed)
    whole_rates: int = 0  # plain rates of 1 or more
    # ZIPs ending in 00: (row, header, shown, partial ZIP, loan number of a kept row or "").
    zips_ending_00: _Listed = field(default_factory=_Listed)
    other_zips: int = 0  # full ZIPs not ending in 00
    blank_status: int = 0

    @property
    def rates_are_fractions(self) -> bool:
        return bool(self.fraction_rates.count) and not self.whole_rates

    @property
    def zips_are_masked(self) -> bool:
        return bool(self.zips_ending_00.count) and not self.other_zips


class _RowReader:
    """Reads one row of a tape: each mapped cell parsed and checked, then the row's own
    checks across its cells. The check reads every row with it, and the write reads them
    again with it (the same values, as the file and `today` are the same)."""

    def __init__(self, tape, mapping, *, today, default_day_count, columns):
        index: dict[str, list[int]] = {}
        for i, h in enumerate(tape.headers):
            if h:
                index.setdefault(h, []).append(i)
        self.chosen = {h: i for h, i in (columns or {}).items() if i in index.get(h, ())}
        self.derived = derives_paid_to(mapping)
        # Each column's last parser and the values it gave for cells already read (a
        # state, a status, a date is written on many rows): see _parsed.
        self.columns = [
            (key, header, index[header], _parser(key, header), {})
            for key, header in mapping.items()
            if key != "next_due_date" or self.derived  # a paid-to column: next due not read
        ]
        self.derive_status = "status" not in mapping
        self.mapping = mapping
        self.today = today
        self.default_day_count = default_day_count

    def read(self, number: int, cells: list, percent: list, reading: _ColumnReading, *,
             checked: bool = False):  # fmt: skip
        """(parsed values, problems, warnings, fraction rate or None, ZIP ending in 00 or
        None); the column counts go to `reading`. `checked`: the row was read without a
        problem before, so the checks that only find problems are not run again."""
        required = ("upb", "note_rate", "paid_to_date", "next_due_date")
        mapping, chosen = self.mapping, self.chosen
        parsed, problems, warnings = {}, [], []
        fraction = zip_00 = None
        for key, header, where, parse, seen in self.columns:
            i = where[0]
            raw = cells[i] if i < len(cells) else None
            try:
                if len(where) > 1:
                    i, raw = _one_copy(where, cells, chosen.get(header))
                if isinstance(raw, v.Unsaved):
                    raise v.CellError(v.UNSAVED)
                if (
                    isinstance(raw, str)
                    and not raw.isprintable()  # fast path: most cells are printable
                    and has_control_characters(raw, allow_breaks=True)
                ):
                    raise v.CellError(CONTROL)
                if key == "day_count" and v.is_blank(raw):
                    value = self.default_day_count
                elif key == "status" and v.is_blank(raw):
                    reading.blank_status += 1
                    continue  # derived from the paid-to date, as without a status column
                elif key in required and v.is_blank(raw):
                    raise v.CellError("is empty")
                elif key == "note_rate":
                    value, plain = v.rate_as_written(
                        raw, percent_cell=i < len(percent) and percent[i]
                    )
                    if plain and 0 < value < 1:
                        fraction = (number, header, _shown(raw), value)
                    else:
                        reading.whole_rates += plain and value >= 1
                        if value.normalize().as_tuple().exponent < -4:
                            raise v.CellError("has more than four decimal places")
                        value = value.quantize(RATE_PLACES)
                else:
                    value = _parsed(parse, raw, seen)
                    if value is None and key in KEPT_WHEN_BLANK:
                        continue  # not said: the stored value is kept
                    if isinstance(value, v.Read):
                        label = BY_KEY[key].label
                        warnings.append(
                            (header, _shown(raw), f"{label} {value.warning}",
                             f"{label} {value.kind or value.warning}")
                        )  # fmt: skip
                        value = value.value
                    elif key == "property_zip" and value:
                        if v.masked_zip(value):
                            zip_00 = (number, header, _shown(raw))
                        else:
                            reading.other_zips += 1
            except v.CellError as exc:
                message = f"{BY_KEY[key].label} {exc}"
                kind = f"{BY_KEY[key].label} {exc.kind}" if isinstance(exc, _Differs) else message
                problems.append(Problem(number, header, _shown(raw), message, kind))
                continue
            parsed[key] = value
        if self.derived and "next_due_date" in parsed:
            parsed["paid_to_date"] = one_period_before(parsed.pop("next_due_date"))
        if not checked:
            problems.extend(_zips_fit_states(number, parsed, mapping))
        problems.extend(_join_addresses(number, parsed, mapping))
        problems.extend(_join_recording(number, parsed, mapping))
        problems.extend(_apply_units(number, parsed, mapping))
        if (self.derive_status or "status" not in parsed) and parsed.get("paid_to_date"):
            parsed[DERIVED_STATUS] = status_from_paid_to(parsed["paid_to_date"], self.today)
        if not checked:
            problems.extend(_cross_checks(number, parsed, mapping, self.today))
        return parsed, problems, warnings, fraction, zip_00


SEEN_MAX = 2048
"""Distinct cells a column remembers the value of: what a column of states, statuses or
dates repeats; a column of loan numbers or balances fills it once and parses the rest."""
_UNSEEN = object()


def _parsed(parse: Callable, raw, seen: dict):
    """parse(raw), remembered for a text cell: the parsers are pure (a date's allowed range
    moves with the calendar, not within an import), and their values immutable. A cell
    refused is not remembered (its error is raised each time)."""
    if type(raw) is not str:
        return parse(raw)
    value = seen.get(raw, _UNSEEN)
    if value is _UNSEEN:
        value = parse(raw)
        if len(seen) < SEEN_MAX:
            seen[raw] = value
    return value


def check_tape(
    tape: Tape,
    mapping: dict[str, str],
    *,
    today: date,
    default_day_count: str,
    progress: Callable[[int], None] | None = None,
    columns: dict[str, int] | None = None,
) -> CheckResult:
    """Parse and validate every row; collect every problem, not only the first, and every
    warning (a value read with a caveat).

    Rows are read one at a time and none is kept: what the whole tape decides (duplicate
    loan numbers, rates written as fractions, masked ZIPs) is kept as counts and a set of
    loan numbers. A tape without problems is read again to be written (`result.rows()`).

    `columns`: for a header the tape repeats, the copy to read where its copies differ
    (chosen in the mapping step); where they agree or all but one are blank, the filled
    copy is read (_one_copy), whichever it is.
    """
    reader = _RowReader(
        tape, mapping, today=today, default_day_count=default_day_count, columns=columns
    )
    result = CheckResult()
    reading = _ColumnReading()
    first_row_of: dict[str, int] = {}
    keys: set[str] = set()
    for number, cells, percent in tape.rows():
        if all(v.is_blank(c) for c in cells):
            continue
        result.row_count += 1
        if result.row_count > MAX_ROWS:
            raise TapeFileError(
                f"The tape has more than {MAX_ROWS:,} loans: split it into several tapes."
            )
        parsed, problems, warnings, fraction, zip_00 = reader.read(number, cells, percent, reading)
        loan_no = parsed.get("loan_number")
        if loan_no is not None:
            first = first_row_of.setdefault(loan_no, number)
            if first != number:
                problems.append(
                    Problem(number, mapping["loan_number"], _shown(loan_no),
                            f"Loan Number is a duplicate of row {first}",
                            "Loan Number is a duplicate of an earlier row")
                )  # fmt: skip
        for problem in problems:
            result.add(problem)
        for header, shown, message, kind in warnings:
            result.warn(Problem(number, header, shown, message, kind, loan_no or ""))
        # A row is kept (written) only while the tape is still clean.
        kept = not result.problem_count
        if kept:
            keys.update(parsed)
        if fraction:
            reading.fraction_rates.add(fraction)
            if v.percent_from_fraction(fraction[3]) > v.MAX_RATE:
                reading.fractions_too_high.add(fraction[:3])
        if zip_00:
            partial = v.masked_zip(parsed["property_zip"] if kept else zip_00[2]) or zip_00[2]
            reading.zips_ending_00.add((*zip_00, partial, loan_no if kept else ""))
        if progress and result.row_count % 250 == 0:
            progress(result.row_count)
    del first_row_of
    _read_whole_columns(result, reading, mapping)
    if result.ok:
        result.fields = frozenset(
            {k for k in keys if k in LOAN_FIELD_KEYS} | (keys & {DERIVED_STATUS, DERIVED_TYPE})
        )
        result._read_again = lambda: _loan_rows(tape, reader, reading, result.row_count)
    if progress:
        progress(result.row_count)
    return result


def _loan_rows(tape: Tape, reader: _RowReader, reading: _ColumnReading, expected: int):
    """The loans of a checked tape, read again: what check_tape read, with the whole
    columns' readings applied (fractions as percents, masked ZIPs as partial ZIPs)."""
    fractions, masked = reading.rates_are_fractions, reading.zips_are_masked
    counts = _ColumnReading()  # the column counts were taken by the check
    read = 0
    for number, cells, percent in tape.rows():
        if all(v.is_blank(c) for c in cells):
            continue
        read += 1
        parsed, problems, _warnings, fraction, zip_00 = reader.read(
            number, cells, percent, counts, checked=True
        )
        if problems or read > expected:
            raise RuntimeError(f"Row {number} read differently the second time.")
        loan, borrowers = _split(parsed, reader.mapping)
        if fraction and fractions:
            loan["note_rate"] = v.percent_from_fraction(fraction[3])
        if zip_00 and masked:
            loan["property_zip"] = v.masked_zip(loan["property_zip"])
        yield loan, borrowers
    if read != expected:
        raise RuntimeError(f"The tape had {read:,} rows the second time, not {expected:,}.")


RATE_PLACES = Decimal("0.0001")
FRACTION_MIXED = (
    "looks like a fraction, not a percent, while other rates in the column are percents: "
    "write 6.5 or 6.5% for six and a half percent"
)


def _read_whole_columns(result: CheckResult, reading: _ColumnReading, mapping: dict) -> None:
    """Decide what only the whole column can tell, once every row is read.

    Rates: a plain rate below 1 is a fraction (0.06375 = 6.375 %) when every plain rate in
    the column is below 1, and a problem when others are percents (6.375). ZIPs: when every
    full ZIP in the column ends in 00 (agency data masks the last two digits: 01600), each
    is kept as the partial ZIP 016XX with a warning.

    Only the first MAX_PROBLEMS rows of each are at hand (a report shows no more): the rest
    are counted.
    """
    header = mapping.get("note_rate", "")
    fractions = reading.fraction_rates
    if fractions.count and reading.whole_rates:
        message = f"Note Rate {FRACTION_MIXED}"
        for number, where, shown, _value in fractions.first:
            result.add(Problem(number, where, shown, message, message))
        if rest := fractions.count - len(fractions.first):
            result.add(Problem(*fractions.first[-1][:3], message, message), times=rest)
    elif fractions.count:
        too_high = reading.fractions_too_high
        message = f"Note Rate is above {v.MAX_RATE}% a year once read as a fraction"
        for number, where, shown in too_high.first:
            result.add(Problem(number, where, shown, message, message))
        if rest := too_high.count - len(too_high.first):
            result.add(Problem(*too_high.first[-1], message, message), times=rest)
        number, _where, shown, value = fractions.first[0]
        result.notes.append(
            f"Note Rate read as fractions: every rate in “{header}” is below 1, so "
            f"{shown} is {v.percent_from_fraction(value).normalize():f} % a year "
            f"(row {number})."
        )
    zips = reading.zips_ending_00
    if zips.count and not reading.other_zips:
        kind = "Property ZIP is masked (every ZIP in the column ends in 00): kept as partial"
        for number, where, shown, partial, loan_no in zips.first:
            message = (
                f"Property ZIP is masked (every ZIP in the column ends in 00): kept as the "
                f"partial ZIP {partial}"
            )
            result.warn(Problem(number, where, shown, message, kind, loan_no))
        if rest := zips.count - len(zips.first):
            result.warn(Problem(0, "", "", kind, kind), times=rest)
        result.notes.append(
            f"Property ZIP read as masked: every ZIP in “{mapping['property_zip']}” ends in "
            "00, as agency data masks the last two digits, so each is kept as a partial ZIP "
            "(its first three digits) and flagged on the loan."
        )
    if reading.blank_status:
        result.notes.append(
            f"Status was blank on {reading.blank_status:,} row(s): each new loan among them "
            "gets a status derived from its paid-to date (performing when the next "
            "installment is less than 30 days past due, non-performing otherwise); a loan "
            "already in the portfolio keeps its status."
        )


def _zips_fit_states(number: int, parsed: dict, mapping: dict) -> list[Problem]:
    problems = []
    for zip_key, state_key in (
        ("property_zip", "property_state"),
        ("mailing_zip", "mailing_state"),
    ):
        value, state = parsed.get(zip_key), parsed.get(state_key)
        if value and state and not v.zip_fits_state(value, state):
            label = BY_KEY[zip_key].label
            message = f"{label} {v.zip_state_message(value, state)}"
            kind = f"{label} starts with 0, which no ZIP in its state does"
            problems.append(Problem(number, mapping[zip_key], value, message, kind))
    return problems


def _apply_units(number: int, parsed: dict, mapping: dict) -> list[Problem]:
    """A units column decides between single-family, 2-4 units and multifamily (5+): the
    agency "SF" with 2 units is a 2-4 unit property, the marketplace's "Multi-Family" with
    6 units is multifamily. Other property types (condo, PUD, co-op...) keep their type.
    A type that cannot have that many units is a problem."""
    units = parsed.get("units")  # stored, and deciding the type
    if units is None:
        return []
    if "property_type" not in mapping:
        parsed[DERIVED_TYPE] = _type_by_units(units)
        return []
    kind = parsed.get("property_type", PropertyType.SINGLE_FAMILY)
    if kind not in BY_UNITS:
        return []
    by_units = _type_by_units(units)
    if (kind == PropertyType.SINGLE_FAMILY and units > 4) or (
        kind != PropertyType.SINGLE_FAMILY and units == 1
    ):
        label = PropertyType(kind).label
        message = f"Number of Units is {units}, which a property typed “{label}” cannot have"
        kind_text = "Number of Units does not fit the Property Type"
        return [Problem(number, mapping["units"], str(units), message, kind_text)]
    parsed["property_type"] = by_units
    return []


BY_UNITS = {PropertyType.SINGLE_FAMILY, PropertyType.TWO_TO_FOUR, PropertyType.MULTIFAMILY}


def _type_by_units(units: int) -> str:
    if units == 1:
        return PropertyType.SINGLE_FAMILY
    return PropertyType.TWO_TO_FOUR if units <= 4 else PropertyType.MULTIFAMILY


def is_escrow_balance(header) -> bool:
    """An escrow/impound *balance* (servicer exports: negative when the servicer advanced,
    positive when it holds the borrower's funds), not an amount advanced."""
    name = normalize(header)
    return "balance" in name and "advance" not in name


def _parser(key: str, header: str) -> Callable:
    if key == "escrow_advances" and is_escrow_balance(header):
        return v.escrow_balance
    if key == "paid_to_date" and is_month_column(header):
        return v.paid_to_month
    return PARSERS[key]


def one_period_after(paid_to: date) -> date:
    """The next due date a paid-to date implies: one month later, the same day or the
    month's last day."""
    year, month = (paid_to.year, paid_to.month + 1) if paid_to.month < 12 else (
        paid_to.year + 1, 1)  # fmt: skip
    return date(year, month, min(paid_to.day, calendar.monthrange(year, month)[1]))


DELINQUENT_AFTER_DAYS = 30


def status_from_paid_to(paid_to: date, today: date) -> str:
    """A loan's status when the tape has none: performing while the next installment (one
    month after the paid-to date) is less than 30 days past due, non-performing otherwise
    (30 days or more delinquent)."""
    days_past_due = (today - one_period_after(paid_to)).days
    if days_past_due < DELINQUENT_AFTER_DAYS:
        return LoanStatus.PERFORMING
    return LoanStatus.NON_PERFORMING


def _joined(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def _join_addresses(number: int, parsed: dict, mapping: dict) -> list[Problem]:
    """A second address line is appended to the street ("12 Main St, Unit 4"); a mailing
    address's unit, city, state and ZIP columns are joined to it as one line
    ("street, unit, city, ST ZIP"). Returns a problem when the joined line is too long."""
    problems = []
    unit = parsed.pop("property_address_2", "")
    if unit:
        street = _joined(parsed.get("property_address") or "", unit)
        if len(street) > PROPERTY_ADDRESS_MAX:
            message = (
                f"Property Address with its second line is longer than "
                f"{PROPERTY_ADDRESS_MAX} characters"
            )
            header = mapping.get("property_address") or mapping["property_address_2"]
            problems.append(Problem(number, header, _shown(street), message, message))
        else:
            parsed["property_address"] = street
    parts = [parsed.pop(k, "") for k in ("mailing_address_2", "mailing_city")]
    region = " ".join(p for p in (parsed.pop("mailing_state", ""), parsed.pop("mailing_zip", ""))
                      if p)  # fmt: skip
    if any(parts) or region:
        line = _joined(parsed.get("mailing_address") or "", *parts, region)
        if len(line) > MAILING_ADDRESS_MAX:
            message = (
                f"Mailing Address with its unit, city, state and ZIP is longer than "
                f"{MAILING_ADDRESS_MAX} characters"
            )
            header = mapping.get("mailing_address") or mapping.get("mailing_city", "")
            problems.append(Problem(number, header, _shown(line), message, message))
        else:
            parsed["mailing_address"] = line
    return problems


def _join_recording(number: int, parsed: dict, mapping: dict) -> list[Problem]:
    """A recording book and page in columns of their own are joined into the recording
    reference ("Book 1234, Page 56", after an instrument number the row also gives); a
    bare number is named ("1234" is "Book 1234"), a cell with words is kept as written
    ("OR Book 1234"). Returns a problem when the joined reference is too long."""
    parts = [
        f"{word} {text}" if text[:1].isdigit() else text
        for key, word in (("recording_book", "Book"), ("recording_page", "Page"))
        if (text := parsed.pop(key, None))
    ]
    if not parts:
        return []
    reference = _joined(parsed.get("recording_reference") or "", *parts)
    if len(reference) > v.RECORDING_REFERENCE_MAX:
        message = (
            f"Recording Reference with its book and page is longer than "
            f"{v.RECORDING_REFERENCE_MAX} characters"
        )
        header = mapping.get("recording_book") or mapping["recording_page"]
        return [Problem(number, header, _shown(reference), message, message)]
    parsed["recording_reference"] = reference
    return []


def one_period_before(next_due: date) -> date:
    """The paid-to date a next due date implies: one month earlier, the same day or the
    month's last day (next due 2024-03-31 -> paid to 2024-02-29)."""
    year, month = (next_due.year, next_due.month - 1) if next_due.month > 1 else (
        next_due.year - 1, 12)  # fmt: skip
    return date(year, month, min(next_due.day, calendar.monthrange(year, month)[1]))


class _Differs(v.CellError):
    """Two copies of a repeated header hold different values."""

    kind = "differs between two columns headed alike"


def _one_copy(where: list[int], cells: list, chosen: int | None = None) -> tuple[int, object]:
    """The value of a header the tape lists more than once: the copies must agree, or all
    but one be blank; where they differ, the `chosen` copy (picked in the mapping step) is
    read, else it is a problem. Returns (column index, value)."""
    filled = []
    for i in where:
        raw = cells[i] if i < len(cells) else None
        if not v.is_blank(raw):
            filled.append((i, raw))
    if not filled:
        return where[0], cells[where[0]] if where[0] < len(cells) else None

    def same(raw):
        return raw.strip() if isinstance(raw, str) else raw

    first = same(filled[0][1])
    for i, raw in filled[1:]:
        if same(raw) != first:
            if chosen is not None:
                return chosen, cells[chosen] if chosen < len(cells) else None
            raise _Differs(
                f"differs between columns {_letters(filled[0][0])} and {_letters(i)}, both "
                f"headed alike (“{_shown(filled[0][1])}” and “{_shown(raw)}”): delete or "
                "rename the wrong column"
            )
    return filled[0]


REPEAT_SAMPLES = 5
"""Rows shown per repeated header whose copies differ, in the mapping step."""


def differing_copies(tape: Tape, headers) -> dict[str, dict]:
    """Headers (of `headers`) the tape repeats whose copies differ on some row, read in one
    pass over the rows: {header: {"columns": [index, ...], "rows": rows that differ,
    "samples": [[row number, [each copy's value]], ...]}}, the first REPEAT_SAMPLES rows.
    Copies that agree, or all but one blank, are not a difference (as _one_copy reads them).
    """
    where: dict[str, list[int]] = {}
    for i, h in enumerate(tape.headers):
        if h in headers:
            where.setdefault(h, []).append(i)
    where = {h: ix for h, ix in where.items() if len(ix) > 1}
    found: dict[str, dict] = {}
    if not where:
        return found
    for seen, (number, cells, _percent) in enumerate(tape.rows(), start=1):
        if seen > MAX_ROWS:  # check_tape refuses the tape; no need to read further here
            break
        for header, ix in where.items():
            try:
                _one_copy(ix, cells)
            except _Differs:
                entry = found.setdefault(header, {"columns": ix, "rows": 0, "samples": []})
                entry["rows"] += 1
                if len(entry["samples"]) < REPEAT_SAMPLES:
                    values = [_shown(cells[i] if i < len(cells) else None) for i in ix]
                    entry["samples"].append([number, values])
    return found


def _cross_checks(number: int, parsed: dict, mapping: dict, today: date) -> list[Problem]:
    problems = []

    def add(key, message):
        header = mapping.get(key)
        if header is None and key == "paid_to_date":  # derived from the next due date
            header = mapping["next_due_date"]
            message = message.replace("Paid To Date", "Paid To Date (derived from Next Due Date)")
        problems.append(Problem(number, header, _shown(parsed[key]), message, message))

    # Origination and value dates are bounded by today in their parsers (values.py).
    paid_to, origination = parsed.get("paid_to_date"), parsed.get("origination_date")
    if paid_to and paid_to > today:
        add("paid_to_date", "Paid To Date is in the future")
    if paid_to and origination and paid_to < origination:
        add("paid_to_date", "Paid To Date is before the Origination Date")
    if parsed.get("default_date") and origination and parsed["default_date"] < origination:
        add("default_date", "Default Date is before the Origination Date")
    deferred, upb = parsed.get("deferred_principal"), parsed.get("upb")
    if deferred and upb is not None and deferred > upb:
        add("deferred_principal", DEFERRED_ABOVE_UPB)
    email = parsed.get("borrower_email")
    if email and ("@" not in email or " " in email):
        add("borrower_email", "Borrower Email is not an e-mail address")
    return problems


def _split(parsed: dict, mapping: dict) -> tuple[dict, tuple]:
    loan = {k: parsed[k] for k in LOAN_KEYS if k in parsed}
    for key in (DERIVED_STATUS, DERIVED_TYPE):
        if key in parsed:
            loan[key] = parsed[key]
    if "co_borrower_name" in mapping and not parsed.get("co_borrower_name"):
        loan[KEEP_CO] = True
    contact = {
        "mailing_address": parsed.get("mailing_address"),
        "email": parsed.get("borrower_email"),
        "phone": parsed.get("borrower_phone"),
    }
    # No name column: None, so a stored name is kept and a new loan's borrower is blank
    # ("not on the tape").
    borrowers = [{"position": 1, "name": parsed.get("borrower_name"), **contact}]
    if parsed.get("co_borrower_name"):
        borrowers.append(
            {"position": 2, "name": parsed["co_borrower_name"],
             "mailing_address": contact["mailing_address"], "email": None, "phone": None}
        )  # fmt: skip
    return loan, tuple(borrowers)
