"""Parsers for tape cells: each turns a raw cell into a value or raises CellError.

Cells come as text (CSV) or as openpyxl values (XLSX: str, int, float, datetime). A
number from a spreadsheet is converted through its shortest decimal text, never by
float arithmetic. More than two decimals in an amount typed as text is an error; in a
spreadsheet's number cell (a formula's result such as 1234.5678) it is rounded half-up to
the cent and the rounding is reported as a warning.

A parser that reads a value with a caveat (rounded, a partial ZIP) returns `Read(value,
warning)`; the importer stores the value and lists the warning (row, column, what was
read), without refusing the tape.
"""

import re
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from noteinvest import dates
from noteinvest.money import MAX_AMOUNT, MoneyError, parse_amount
from noteinvest.text import has_control_characters, looks_like_formula
from portfolios.choices import (
    US_STATES,
    BorrowerType,
    DayCount,
    ForeclosureProcess,
    LenderType,
    LoanStatus,
    Occupancy,
    PropertyType,
    PurchaseMoney,
    ValueSource,
    YesNoUnknown,
)
from portfolios.instruments import InstrumentKind

MAX_RATE = Decimal(50)

# Plausible dates per column (docs/input-limits/tapes.md). Later than these is a typo
# (0202 for 2020, 9999-12-31 as "no date") that would break interest and deadline math.
ORIGINATION_DATES = dates.HISTORICAL  # 1950-01-01 .. today
VALUE_DATES = dates.HISTORICAL
DEFAULT_DATES = dates.HISTORICAL
PAID_TO_DATES = dates.DateRange(
    earliest=dates.HISTORICAL.earliest,
    latest=lambda: dates.years_from(dates.today(), 1),
    latest_text="1 year from today",
)
ANY_DATE = dates.DateRange()  # 1900-01-01 .. 2199-12-31


class CellError(ValueError):
    """A cell that cannot be used; the message says what is wrong."""


class Unsaved:
    """A workbook cell holding a formula without the value it computes: the file was
    written by a program that does not calculate (a script, some exports), or saved with
    calculation off. Read as blank it would be silently wrong, so it is reported."""

    __slots__ = ("formula",)

    def __init__(self, formula: str):
        self.formula = formula or ""

    def __str__(self) -> str:
        return f"={self.formula}" if self.formula else "(a shared formula)"

    def __repr__(self) -> str:
        return f"Unsaved({self.formula!r})"


UNSAVED = (
    "is a formula without a saved value: open the file in Excel and save it again (Excel "
    "saves the value of each formula), or paste the column as values"
)


@dataclass(frozen=True)
class Read:
    """A value read with a caveat the importer reports as a warning (never a refusal).
    `kind` is the warning without its row-specific part, for counts per kind."""

    value: object
    warning: str
    kind: str = ""


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _number_text(raw) -> str:
    """Exact text of a numeric cell: 1234.5 -> '1234.5' (shortest round-trip form)."""
    if isinstance(raw, bool):
        raise CellError("is a true/false value, not a number")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        text = repr(raw)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text
    return str(raw).strip()


CENT = Decimal("0.01")


def amount(raw) -> Decimal | Read:
    """An amount of money. A spreadsheet number cell with more than two decimals (a
    formula's result) is rounded half-up to the cent and returned as a `Read` with the
    warning; typed text with more than two decimals is refused."""
    if isinstance(raw, float) and not isinstance(raw, bool):
        exact = Decimal(_number_text(raw))
        if exact.is_finite() and exact.as_tuple().exponent < -2:
            rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
            value = amount(format(rounded, "f"))
            return Read(
                value,
                f"was {_number_text(raw)} in the spreadsheet: rounded half-up to {value:,.2f}",
                "was rounded half-up to the cent (the spreadsheet cell had more than two decimals)",
            )
    try:
        return parse_amount(_number_text(raw))
    except MoneyError as exc:
        message = str(exc)
        if "more than two decimal" in message:
            raise CellError(
                "has more than two decimal places (amounts are never rounded)"
            ) from None
        if "negative" in message:
            raise CellError("is negative") from None
        if "larger than" in message:
            raise CellError(f"is larger than ${MAX_AMOUNT:,}") from None
        raise CellError("is not an amount of money") from None


def optional_amount(raw) -> Decimal | None:
    return None if is_blank(raw) else amount(raw)


# A dash for nothing, as accounting formats write zero: "$ -", "-", "$-" (spaces and a
# no-break space around it allowed). Read here only, for amounts where blank means zero;
# noteinvest.money.parse_amount keeps refusing it.
_DASH_ZERO = re.compile(r"\$?\s*[-\u2013\u2014]\s*")


def _is_dash_zero(raw) -> bool:
    return isinstance(raw, str) and _DASH_ZERO.fullmatch(raw.strip()) is not None


def amount_or_zero(raw) -> Decimal:
    """Fees, costs, advances, suspense: blank or a dash ("$ -") is zero."""
    return Decimal("0.00") if is_blank(raw) or _is_dash_zero(raw) else amount(raw)


def _signed_amount(raw) -> tuple[Decimal, bool]:
    """An amount and whether it was written negative: -1,234.50, (1,234.50), $-1,234.50,
    -$1,234.50 or a negative number cell; blank or a dash is zero."""
    if is_blank(raw) or _is_dash_zero(raw):
        return Decimal("0.00"), False
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        return amount_or_zero(-raw if raw < 0 else raw), raw < 0
    text, negative = str(raw).strip(), False
    if text.startswith("(") and text.endswith(")"):
        text, negative = text[1:-1].strip(), True
    if text.startswith("-"):
        if negative:
            raise CellError("is not an amount of money")
        text, negative = text[1:].lstrip(), True
    elif text.startswith(("$-", "$ -")):
        text, negative = "$" + text[1:].lstrip().removeprefix("-").lstrip(), True
    return amount(text), negative


def escrow_advances(raw) -> Decimal:
    """Escrow (impound) advances, stored as a positive amount the borrower owes. A column of
    advances may write them with a minus sign (-1,234.50 or (1,234.50)): the size is the
    advance."""
    return _signed_amount(raw)[0]


def escrow_balance(raw) -> Decimal:
    """The advance an escrow (impound) *balance* shows: a servicer's export gives the balance,
    negative when the servicer advanced taxes and insurance (its size is the advance), zero
    or positive when it holds the borrower's funds (no advance)."""
    value, negative = _signed_amount(raw)
    return value if negative else Decimal("0.00")


_NOT_A_RATE = "is not a rate (write 6.375 or 6.375%)"
_PLAIN_NUMBER = re.compile(r"\d+(\.\d*)?|\.\d+", re.ASCII)
_WHOLE_NUMBER = re.compile(r"\d+(\.0*)?", re.ASCII)


def rate_as_written(raw, *, percent_cell: bool = False) -> tuple[Decimal, bool]:
    """A rate cell's number and whether it is *plain* (no % sign, not a cell formatted as
    a percentage): a plain number below 1 may be a fraction (0.06375 for 6.375 %), which
    only the whole column can tell (importer.check_tape). Checked here: a number, not
    negative, at most 50 % when it says percent, at most 6 decimals."""
    text = _number_text(raw)
    had_sign = text.endswith("%")
    text = text.rstrip("%").strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        # ASCII digits and one point only: not ٦ (Arabic-Indic), 1e2, -0, NaN.
        raise CellError("is negative" if text.startswith("-") else _NOT_A_RATE)
    value = Decimal(text)
    if percent_cell:
        value = value * 100
    if value < 0:
        raise CellError("is negative")
    if value > MAX_RATE:
        raise CellError(f"is above {MAX_RATE}% a year, which no mortgage note carries")
    plain = not (had_sign or percent_cell)
    places = 6 if plain and value < 1 else 4  # a fraction carries two more places
    if value.normalize().as_tuple().exponent < -places:
        raise CellError(f"has more than {'six' if places == 6 else 'four'} decimal places")
    return value, plain


def percent_from_fraction(value: Decimal) -> Decimal:
    """0.06375 -> 6.3750 (a rate column written as fractions)."""
    return (value * 100).quantize(Decimal("0.0001"))


def rate(raw, *, percent_cell: bool = False) -> Decimal:
    """An annual rate in percent: '6.5', '6.5%', or a spreadsheet cell formatted as %. A
    plain number below 1 alone is ambiguous (0.5 % or a fraction?) and refused; a tape whose
    whole rate column is below 1 is read as fractions by the importer."""
    value, plain = rate_as_written(raw, percent_cell=percent_cell)
    if 0 < value < 1 and plain:
        percent = f"{percent_from_fraction(value).normalize():f}"
        raise CellError(
            f"looks like a fraction, not a percent: for {percent} % write {percent} or "
            f"{percent}% (for {value:f} % a year, write {value:f}%)"
        )
    if value.normalize().as_tuple().exponent < -4:
        raise CellError("has more than four decimal places")
    return value.quantize(Decimal("0.0001"))


def a_date(raw, date_range: dates.DateRange = ANY_DATE) -> date:
    value = _calendar_date(raw)
    low, high = _bounds(date_range)
    if not low <= value <= high:
        raise CellError(f"must be {date_range.describe()}")
    return value


_bounds_memo: dict[dates.DateRange, tuple[float, tuple[date, date]]] = {}


def _bounds(date_range: dates.DateRange) -> tuple[date, date]:
    """The range's bounds, worked out at most once a second (a tape has 3 dates a row)."""
    now = time.monotonic()
    memo = _bounds_memo.get(date_range)
    if memo is None or now - memo[0] > 1:
        memo = _bounds_memo[date_range] = (now, date_range.bounds())
    return memo[1]


def _calendar_date(raw, *, month_only: bool = False) -> date:
    try:
        return dates.read_date(raw, month_only=month_only)
    except dates.DateError as exc:
        raise CellError(str(exc)) from None


def optional_date(raw, date_range: dates.DateRange = ANY_DATE) -> date | None:
    return None if is_blank(raw) else a_date(raw, date_range)


def origination_date(raw) -> date | None:
    return optional_date(raw, ORIGINATION_DATES)


def value_date(raw) -> date | None:
    return optional_date(raw, VALUE_DATES)


def default_date(raw) -> date | None:
    """The date of default; blank is not said (None: a stored date is kept)."""
    return optional_date(raw, DEFAULT_DATES)


def paid_to_date(raw) -> date:
    return a_date(raw, PAID_TO_DATES)


def paid_to_month(raw) -> date:
    """A paid-to date from a column of months by definition (DDLPI): see read_date."""
    value = _calendar_date(raw, month_only=True)
    low, high = _bounds(PAID_TO_DATES)
    if not low <= value <= high:
        raise CellError(f"must be {PAID_TO_DATES.describe()}")
    return value


_STATE_NAMES = {name.lower(): code for code, name in US_STATES.items()}
_STATE_NAMES.update(
    {
        "washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC",
        "virgin islands": "VI", "us virgin islands": "VI", "united states virgin islands": "VI",
        "commonwealth of puerto rico": "PR", "northern marianas": "MP",
        "commonwealth of the northern mariana islands": "MP",
    }
)  # fmt: skip


def state(raw) -> str:
    text = str(raw).strip()
    if text.upper() in US_STATES:
        return text.upper()
    code = _STATE_NAMES.get(re.sub(r"\s+", " ", text.lower()))
    if code:
        return code
    raise CellError("is not a US state (use a two-letter code such as CA, or the full name)")


def text(raw, *, max_length: int) -> str:
    """One line of text. Line breaks and tabs (a quoted CSV cell may hold them) are folded
    to a space; any other control character (NUL, escape...) is refused."""
    value = "" if raw is None else _number_text(raw) if isinstance(raw, int | float) else str(raw)
    if not value.isprintable() and has_control_characters(value, allow_breaks=True):
        raise CellError("contains a control character (an invisible character such as NUL)")
    value = " ".join(value.split())  # runs of white space as one space (re's \s, faster)
    if len(value) > max_length:
        raise CellError(f"is longer than {max_length} characters")
    return value


def required_text(raw, *, max_length: int) -> str:
    value = text(raw, max_length=max_length)
    if not value:
        raise CellError("is empty")
    return value


def loan_number(raw) -> str:
    if isinstance(raw, str) and has_control_characters(raw):
        raise CellError("contains a control character (line break, tab or NUL)")
    if isinstance(raw, str) and looks_like_formula(raw.lstrip(" ")):
        raise CellError("starts with =, +, -, @ or a tab, which a spreadsheet runs as a formula")
    value = required_text(raw, max_length=50)
    # Checked again once every kind of white space is gone (a no-break or ideographic space
    # before "=" would otherwise hide the formula).
    if looks_like_formula(value):
        raise CellError("starts with =, +, -, @ or a tab, which a spreadsheet runs as a formula")
    # A spreadsheet may turn 100234 into 100234.0; the loan number is the integer.
    if isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    return value


_ZIP = re.compile(r"\d{5}(-\d{4})?", re.ASCII)
# A 3-digit ZIP prefix, as agency loan-level data gives it (Fannie Mae: 752), or masked
# (016XX, 016**). Kept as "016XX": the full ZIP is not on the tape.
_ZIP_PREFIX = re.compile(r"(\d{1,3})(?:[Xx*_]{2}|--)?", re.ASCII)
PARTIAL_ZIP = re.compile(r"\d{3}XX", re.ASCII)
FIRST_ZIP_PREFIX = 5  # 005 (Holtsville, NY) is the lowest ZIP prefix in use
PARTIAL_ZIP_KIND = (
    "is a 3-digit ZIP prefix (the full ZIP is not on the tape): kept as a partial ZIP"
)


def partial_zip(prefix: str) -> str:
    """'16' -> '016XX': a 3-digit prefix (a leading zero a spreadsheet dropped restored)."""
    return prefix.zfill(3) + "XX"


def read_zip(raw) -> str:
    """A ZIP as typed or as a tape holds it: 12345, 12345-6789, 2134 (a leading zero a
    spreadsheet dropped: 02134), or a 3-digit prefix / masked ZIP (752, 016XX, 016**,
    kept as the partial ZIP 016XX). Blank is "". Raises CellError otherwise."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = text(raw, max_length=10)
    if not value or _ZIP.fullmatch(value):
        return value
    if value.isdigit() and value.isascii() and len(value) == 4:
        return value.zfill(5)  # Excel drops leading zeros: 2134 -> 02134
    if (match := _ZIP_PREFIX.fullmatch(value)) and (len(match[1]) == 3 or match[0].isdigit()):
        if int(match[1]) < FIRST_ZIP_PREFIX:
            raise CellError(f"is not a ZIP prefix (none is below {FIRST_ZIP_PREFIX:03d})")
        return partial_zip(match[1])
    raise CellError("is not a ZIP code (12345, 12345-6789, or a 3-digit prefix such as 016)")


def zip_code(raw) -> str | Read:
    """A tape's ZIP cell (read_zip); a prefix or masked ZIP comes back as a `Read` with a
    warning, so the import says the ZIP is partial."""
    value = read_zip(raw)
    if PARTIAL_ZIP.fullmatch(value):
        return Read(
            value,
            f"{PARTIAL_ZIP_KIND.removesuffix('a partial ZIP')}the partial ZIP {value}",
            PARTIAL_ZIP_KIND,
        )
    return value


def masked_zip(value: str) -> str | None:
    """A 5-digit ZIP whose last two digits are zeros (01600), which agency data writes for
    a masked ZIP: its partial form (016XX), else None. Only a whole column of such ZIPs is
    read as masked (importer.check_tape); one real ZIP ending in 00 is kept."""
    if len(value) == 5 and value.endswith("00") and value.isdigit():
        return partial_zip(value[:3])
    return None


# ZIPs starting with 0 are New England's, New Jersey's, Puerto Rico's and the Virgin
# Islands' (and two of New York's: 005 Holtsville, 06390 Fishers Island). A 4-digit ZIP
# is read with its lost leading zero; in another state that reading is wrong (a typo such
# as 7870 for 78701), so it is refused, not guessed.
ZERO_ZIP_STATES = frozenset({"CT", "MA", "ME", "NH", "NJ", "NY", "PR", "RI", "VT", "VI"})


def zip_fits_state(zip_code: str, state: str) -> bool:
    """False for a ZIP starting with 0 in a state none of whose ZIPs does."""
    return not (zip_code.startswith("0") and state not in ZERO_ZIP_STATES)


def zip_state_message(zip_code: str, state: str) -> str:
    return (
        f"{zip_code} starts with 0, which no ZIP in {state} does (a 4-digit ZIP is read with "
        "its lost leading zero): check the ZIP and the state"
    )


def units(raw) -> int | None:
    """The number of dwelling units (1 to 9,999); blank is unknown (None)."""
    if is_blank(raw):
        return None
    text = _number_text(raw)
    if not _WHOLE_NUMBER.fullmatch(text):
        raise CellError("is not a number of units (1, 2, 3 ...)")
    number = Decimal(text)
    if not 1 <= number <= 9999:
        raise CellError("must be between 1 and 9,999 units")
    return int(number)


def units_misfit(units: int, kind: str) -> str:
    """Why a number of dwelling units does not fit a property type ("" when it does), for
    the types units decide: single-family 1, 2-4 units 2 to 4, multifamily 5 or more."""
    if kind == PropertyType.SINGLE_FAMILY and units != 1:
        return f"A single-family property has 1 dwelling unit, not {units}"
    if kind == PropertyType.TWO_TO_FOUR and not 2 <= units <= 4:
        return f"A 2-4 unit property has 2 to 4 dwelling units, not {units}"
    if kind == PropertyType.MULTIFAMILY and units < 5:
        return f"A multifamily (5+ units) property has 5 or more dwelling units, not {units}"
    return ""


_LIEN_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_LIEN_SUFFIX = re.compile(r"\s*(lien|mortgage|position|lien position)$")


def lien_position(raw) -> int:
    """1, 2, `first`, `1st`, `First Lien`, `2nd Mortgage`, `Second`..."""
    if is_blank(raw):
        return 1
    value = re.sub(r"\s+", " ", str(raw).strip().lower())
    value = _LIEN_SUFFIX.sub("", value) or value
    if value in _LIEN_WORDS:
        return _LIEN_WORDS[value]
    text = _number_text(value if isinstance(raw, str) else raw)
    number = Decimal(text) if _WHOLE_NUMBER.fullmatch(text) else None
    if number is None or number < 1 or number > 9:
        raise CellError("is not a lien position (1, 2, first, second, 1st lien)")
    return int(number)


_NOT_KEY = re.compile(r"[^a-z0-9+/]")


def _key(value) -> str:
    return _NOT_KEY.sub("", str(value).lower())


def _choice_parser(field: str, choices, synonyms: dict[str, str], *, blank=None):
    table = {_key(v): v for v in choices.values}
    table.update({_key(label): v for v, label in choices.choices})
    table.update({_key(k): v for k, v in synonyms.items()})
    accepted = ", ".join(label for _, label in choices.choices)

    def parse(raw):
        if is_blank(raw):
            if blank is None:
                raise CellError("is empty")
            return blank
        value = table.get(_key(raw))
        if value is None:
            raise CellError(f"is not a known {field} (accepted: {accepted})")
        return value

    return parse


# Agency and servicer codes (Freddie Mac and Fannie Mae loan-level data, servicer exports,
# the marketplace's standard tape) beside the usual tape words: docs/loan-tape.md.
occupancy = _choice_parser(
    "occupancy",
    Occupancy,
    {
        "owner": "owner_occupied", "oo": "owner_occupied", "primary": "owner_occupied",
        "primary residence": "owner_occupied", "owner occ": "owner_occupied",
        "p": "owner_occupied", "principal residence": "owner_occupied",
        "investor": "non_owner_occupied", "investment": "non_owner_occupied",
        "investment property": "non_owner_occupied", "i": "non_owner_occupied",
        "non owner": "non_owner_occupied", "noo": "non_owner_occupied",
        "rental": "non_owner_occupied", "tenant occupied": "non_owner_occupied",
        "s": "second_home", "2nd home": "second_home", "secondary": "second_home",
        "secondary residence": "second_home", "vacation home": "second_home",
        "unk": "unknown", "u": "unknown",
    },
    blank=Occupancy.UNKNOWN,
)  # fmt: skip
purchase_money = _choice_parser(
    "purchase-money value",
    PurchaseMoney,
    {
        "y": "yes", "true": "yes", "1": "yes", "purchase": "yes", "p": "yes",
        "n": "no", "false": "no", "0": "no", "refinance": "no", "refi": "no",
        "cash out": "no", "cashout refi": "no", "cash out refinance": "no",
        "refinance cash out": "no", "c": "no", "rate/term": "no", "rate term": "no",
        "rate/term refinance": "no", "rate and term refinance": "no",
        "no cash out refinance": "no", "refinance no cash out": "no", "limited cash out": "no",
        "refinance not specified": "no", "r": "no", "unk": "unknown", "u": "unknown",
    },
    blank=PurchaseMoney.UNKNOWN,
)  # fmt: skip
day_count = _choice_parser(
    "day-count convention",
    DayCount,
    {
        "act/365": "actual/365", "a/365": "actual/365", "actual/365 fixed": "actual/365",
        "act/360": "actual/360", "a/360": "actual/360",
        "30/360 us": "30/360", "bond basis": "30/360", "30e/360": None,
    },
)  # fmt: skip
foreclosure_process = _choice_parser(
    "foreclosure process",
    ForeclosureProcess,
    {
        "nonjudicial": "non_judicial", "non judicial": "non_judicial",
        "power of sale": "non_judicial", "trustee": "non_judicial", "trustee sale": "non_judicial",
        "court": "judicial", "unk": "unknown",
    },
    blank=ForeclosureProcess.UNKNOWN,
)  # fmt: skip
# A bankruptcy is read as non-performing: a filing stays all collection (11 U.S.C. 362), and
# a loan has no bankruptcy status of its own (the filing is recorded on a deficiency).
status = _choice_parser(
    "status",
    LoanStatus,
    {
        "npl": "non_performing", "nonperforming": "non_performing", "default": "non_performing",
        "delinquent": "non_performing", "rpl": "performing", "reperforming": "performing",
        "current": "performing", "foreclosure": "in_foreclosure", "fc": "in_foreclosure",
        "active foreclosure": "in_foreclosure", "foreclosure pending": "in_foreclosure",
        "bankruptcy": "non_performing", "bk": "non_performing", "in bankruptcy": "non_performing",
        "active bankruptcy": "non_performing", "bankrupt": "non_performing",
        "chapter 7": "non_performing", "chapter 13": "non_performing",
        "ch 7": "non_performing", "ch 13": "non_performing", "bk7": "non_performing",
        "bk13": "non_performing", "real estate owned": "reo", "owned real estate": "reo",
        "paid in full": "paid_off", "pif": "paid_off", "paidoff": "paid_off",
    },
)  # fmt: skip
# "Multi-Family" is the marketplace's only choice for 2-4 units: multifamily (5+ units) only
# when the cell says 5+.
property_type = _choice_parser(
    "property type",
    PropertyType,
    {
        "sfr": "single_family", "sfd": "single_family", "single family": "single_family",
        "single family residence": "single_family", "sf": "single_family",
        "single family detached": "single_family", "condominium": "condo", "co": "condo",
        "cp": "co_op", "coop": "co_op", "cooperative": "co_op", "pu": "pud", "pud": "pud",
        "planned unit development": "pud",
        "townhome": "townhouse", "duplex": "two_to_four", "triplex": "two_to_four",
        "fourplex": "two_to_four", "quadplex": "two_to_four", "2-4 family": "two_to_four",
        "2-4 unit": "two_to_four", "2-4": "two_to_four", "2 to 4 units": "two_to_four",
        "2-4 units": "two_to_four", "multi family": "two_to_four", "multifamily": "two_to_four",
        "multi-family 2-4": "two_to_four", "multifamily 2-4 units": "two_to_four",
        "mobile home": "manufactured", "mobile": "manufactured", "mh": "manufactured",
        "5+ units": "multifamily", "5+ unit": "multifamily", "multifamily 5+": "multifamily",
        "multi family 5+": "multifamily", "multifamily 5+ units": "multifamily",
        "lot": "land", "vacant land": "land", "mixed use": "commercial",
    },
    blank=PropertyType.SINGLE_FAMILY,
)  # fmt: skip
_value_source = _choice_parser(
    "value source",
    ValueSource,
    {"broker price opinion": "bpo", "automated valuation": "avm", "appraised": "appraisal"},
)


def value_source(raw) -> str:
    return "" if is_blank(raw) else _value_source(raw)


# --- facts state statutes turn on (deficiencies.provisions.CONDITIONS) -------------------
# Blank is None: "not said", so a re-import keeps the stored value and a new loan stays
# unknown (importer.KEPT_WHEN_BLANK).

MAX_ACREAGE = Decimal(100_000)
ACRE_PLACES = Decimal("0.001")
_ACRES_WORD = re.compile(r"\s*(acres?|ac\.?)$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?", re.ASCII)


def acreage(raw) -> Decimal | Read | None:
    """A lot size in acres: `0.25`, `2.5 acres`, `1,250 ac`, from 0 to 100,000, to the
    thousandth of an acre. A spreadsheet number cell with more decimals (a formula's result,
    square feet / 43,560) is rounded half-up to the thousandth with a warning; typed text
    with more decimals is refused. Blank is not said (None)."""
    if is_blank(raw):
        return None
    text = _ACRES_WORD.sub("", _number_text(raw)).strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        if text.startswith("-"):
            raise CellError("is negative")
        raise CellError("is not a number of acres (write 0.25 or 2.5)")
    value = Decimal(text)
    if value > MAX_ACREAGE:
        raise CellError(
            f"is more than {MAX_ACREAGE:,} acres (the lot size is in acres, not square feet)"
        )
    if value.normalize().as_tuple().exponent < -3:
        if not isinstance(raw, float):
            raise CellError("has more than three decimal places (a thousandth of an acre)")
        rounded = value.quantize(ACRE_PLACES, rounding=ROUND_HALF_UP)
        return Read(
            rounded,
            f"was {text} in the spreadsheet: rounded half-up to {rounded:f} acres",
            "was rounded half-up to the thousandth of an acre (the spreadsheet cell had more "
            "than three decimals)",
        )
    return value.quantize(ACRE_PLACES)


def _not_said_when_blank(parse):
    def read(raw):
        return None if is_blank(raw) else parse(raw)

    return read


borrower_type = _not_said_when_blank(
    _choice_parser(
        "borrower type",
        BorrowerType,
        {
            "individual": "natural_person", "individuals": "natural_person",
            "person": "natural_person", "natural person": "natural_person",
            "natural persons": "natural_person", "consumer": "natural_person",
            # Vestings that name people: husband and wife, a single or married man or woman.
            "husband and wife": "natural_person", "married couple": "natural_person",
            "married man": "natural_person", "married woman": "natural_person",
            "single man": "natural_person", "single woman": "natural_person",
            "unmarried man": "natural_person", "unmarried woman": "natural_person",
            "llc": "entity", "limited liability company": "entity", "corporation": "entity",
            "corp": "entity", "inc": "entity", "trust": "entity", "partnership": "entity",
            "limited partnership": "entity", "lp": "entity", "llp": "entity",
            "business": "entity", "company": "entity", "entity": "entity",
            "unk": "unknown", "u": "unknown",
        },
    )
)  # fmt: skip
lender_type = _not_said_when_blank(
    _choice_parser(
        "lender type",
        LenderType,
        {
            "bank": "financial_institution", "credit union": "financial_institution",
            "mortgage company": "financial_institution", "savings bank": "financial_institution",
            "savings and loan": "financial_institution", "savings & loan": "financial_institution",
            "thrift": "financial_institution",
            "financial institution": "financial_institution", "institutional":
            "financial_institution",
            "seller": "seller", "seller financed": "seller", "seller financing": "seller",
            "owner financed": "seller", "owner financing": "seller", "seller carryback": "seller",
            "private": "other", "private lender": "other", "individual": "other",
            "hard money": "other", "other": "other", "unk": "unknown", "u": "unknown",
        },
    )
)  # fmt: skip
_YES_NO = {
    "y": "yes", "true": "yes", "1": "yes", "n": "no", "false": "no", "0": "no",
    "unk": "unknown", "u": "unknown",
}  # fmt: skip
home_equity_loan = _not_said_when_blank(_choice_parser("yes/no value", YesNoUnknown, _YES_NO))


# --- the security instrument and its recording (portfolios.instruments) -----------------
# Blank is None, "not said": a re-import keeps the stored value (importer.KEPT_WHEN_BLANK).

RECORDING_DATES = dates.HISTORICAL
PARCEL_MAX, RECORDING_REFERENCE_MAX = 64, 120


def _reference(raw, *, max_length: int) -> str | None:
    """A parcel or instrument number as written: a spreadsheet number cell that is a whole
    number is that number (20190123456, not 20190123456.0)."""
    if is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return text(raw, max_length=max_length) or None


def parcel_number(raw) -> str | None:
    """The assessor's parcel number (APN), one line, up to 64 characters."""
    return _reference(raw, max_length=PARCEL_MAX)


def recording_reference(raw) -> str | None:
    """Book and page or instrument number as recorded, one line, up to 120 characters."""
    return _reference(raw, max_length=RECORDING_REFERENCE_MAX)


RECORDING_PART_MAX = 60


def recording_part(raw) -> str | None:
    """A recording book or page from a column of its own, one line, up to 60 characters."""
    return _reference(raw, max_length=RECORDING_PART_MAX)


def recorded_on(raw) -> date | None:
    """The security instrument's recording date, 1950-01-01 to today."""
    return optional_date(raw, RECORDING_DATES)


security_instrument = _not_said_when_blank(
    _choice_parser(
        "security instrument",
        InstrumentKind,
        {
            "mtg": "mortgage", "mort": "mortgage", "mortgage deed": "mortgage",
            "dot": "deed_of_trust", "deed of trust": "deed_of_trust",
            "trust deed": "deed_of_trust", "td": "deed_of_trust",
            "security deed": "security_deed", "deed to secure debt": "security_deed",
            "dsd": "security_deed",
        },
    )
)  # fmt: skip
