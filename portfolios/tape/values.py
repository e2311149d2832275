"""Parsers for tape cells: each turns a raw cell into a value or raises CellError.

Cells come as text (CSV) or as openpyxl values (XLSX: str, int, float, datetime). A
number from a spreadsheet is converted through its shortest decimal text, never by
float arithmetic, and more than two decimals in an amount is an error, never rounded.
"""

import re
import time
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from noteinvest import dates
from noteinvest.money import MoneyError, parse_amount
from noteinvest.text import has_control_characters, looks_like_formula
from portfolios.choices import (
    US_STATES,
    DayCount,
    ForeclosureProcess,
    LoanStatus,
    Occupancy,
    PropertyType,
    PurchaseMoney,
    ValueSource,
)

MAX_RATE = Decimal(50)

# Plausible dates per column (docs/input-limits/tapes.md). Later than these is a typo
# (0202 for 2020, 9999-12-31 as "no date") that would break interest and deadline math.
ORIGINATION_DATES = dates.HISTORICAL  # 1950-01-01 .. today
VALUE_DATES = dates.HISTORICAL
PAID_TO_DATES = dates.DateRange(
    earliest=dates.HISTORICAL.earliest,
    latest=lambda: dates.years_from(dates.today(), 1),
    latest_text="1 year from today",
)
ANY_DATE = dates.DateRange()  # 1900-01-01 .. 2199-12-31


class CellError(ValueError):
    """A cell that cannot be used; the message says what is wrong."""


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


def amount(raw) -> Decimal:
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
            raise CellError("is too large") from None
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


def rate(raw, *, percent_cell: bool = False) -> Decimal:
    """An annual rate in percent: '6.5', '6.5%', or a spreadsheet cell formatted as %."""
    text = _number_text(raw)
    had_sign = text.endswith("%")
    text = text.rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError("is not a rate (write 6.375 or 6.375%)") from None
    if not value.is_finite():
        raise CellError("is not a rate (write 6.375 or 6.375%)")
    if percent_cell:
        value = value * 100
    if value < 0:
        raise CellError("is negative")
    if value > MAX_RATE:
        raise CellError(f"is above {MAX_RATE}% a year, which no note in a tape carries")
    if 0 < value < 1 and not had_sign and not percent_cell:
        raise CellError(
            "looks like a fraction, not a percent: write 6.5 or 6.5% for six and a half percent"
        )
    if value.normalize().as_tuple().exponent < -4:
        raise CellError("has more than four decimal places")
    return value.quantize(Decimal("0.0001"))


_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_US_DASHED_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{2,4})", re.ASCII)  # 05-12-2006
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{2,4})", re.ASCII
)  # 1-Mar-2024
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
# Excel's day 0 is 1899-12-30 (its serials count the non-existent 1900-02-29). A bare
# number is read as a serial only between 1950-01-01 (18264) and 50 years from today.
_EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_FIRST = 18264
_TWO_DIGIT_YEAR = "has a two-digit year: write the year in full (03/01/2024)"
_NOT_A_DATE = "is not a date (use 2024-03-01 or 03/01/2024)"


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


def _calendar_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, timedelta | bool):
        raise CellError(_NOT_A_DATE)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise CellError("is a number, not a date (use 2024-03-01 or 03/01/2024)")
        raw = int(raw)
    text = str(raw).strip()
    if text.isdigit() and text.isascii():
        return _digits_date(text)
    head = text.split("T")[0].split(" ")[0]
    try:
        if match := _ISO_DATE.fullmatch(head):
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _US_DATE.fullmatch(head) or _US_DASHED_DATE.fullmatch(head)
        if match:
            if len(match[3]) != 4:
                raise CellError(_TWO_DIGIT_YEAR)
            return date(int(match[3]), int(match[1]), int(match[2]))
        if match := _DAY_MONTH_YEAR.fullmatch(text):
            month = _MONTHS.get(match[2].lower())
            if month is None:
                raise CellError(_NOT_A_DATE)
            if len(match[3]) != 4:
                raise CellError("has a two-digit year: write the year in full (1-Mar-2024)")
            return date(int(match[3]), month, int(match[1]))
    except ValueError as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError("is not a real calendar date") from None
    raise CellError(_NOT_A_DATE)


def _digits_date(text: str) -> date:
    """A date written as digits only: YYYYMMDD, YYYYMM or MMYYYY (a month means its first
    day), or an Excel serial number (a date cell saved to CSV as a number: 45352)."""
    if len(text) == 8:
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise CellError("is not a real calendar date (8 digits are read as YYYYMMDD)") from None
    if len(text) == 6:
        readings = {
            date(year, month, 1)
            for year, month in ((int(text[:4]), int(text[4:])), (int(text[2:]), int(text[:2])))
            if 1 <= month <= 12 and dates.EARLIEST.year <= year <= dates.LATEST.year
        }
        if len(readings) == 1:
            return readings.pop()
        if not readings:
            raise CellError("is not a month (6 digits are read as YYYYMM or MMYYYY)")
        raise CellError("could be read as YYYYMM or as MMYYYY: write the date in full")
    serial = int(text)
    last = (dates.years_from(dates.today(), 50) - _EXCEL_EPOCH).days
    if EXCEL_SERIAL_FIRST <= serial <= last:
        return _EXCEL_EPOCH + timedelta(days=serial)
    raise CellError(
        "is a number, not a date (an Excel date number is read between 18264, 1950-01-01,"
        " and 50 years from today)"
    )


def optional_date(raw, date_range: dates.DateRange = ANY_DATE) -> date | None:
    return None if is_blank(raw) else a_date(raw, date_range)


def origination_date(raw) -> date | None:
    return optional_date(raw, ORIGINATION_DATES)


def value_date(raw) -> date | None:
    return optional_date(raw, VALUE_DATES)


def paid_to_date(raw) -> date:
    return a_date(raw, PAID_TO_DATES)


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
    value = re.sub(r"\s+", " ", value).strip()
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


def zip_code(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = text(raw, max_length=10)
    if isinstance(raw, int | float) and value.isdigit() and len(value) < 5:
        value = value.zfill(5)  # Excel drops leading zeros: 2134 -> 02134
    if value and not re.fullmatch(r"\d{5}(-\d{4})?", value):
        raise CellError("is not a ZIP code (12345 or 12345-6789)")
    return value


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
    try:
        number = Decimal(_number_text(value if isinstance(raw, str) else raw))
    except InvalidOperation:
        number = None
    if (
        number is None
        or not number.is_finite()
        or number != number.to_integral()
        or number < 1
        or number > 9
    ):
        raise CellError("is not a lien position (1, 2, first, second, 1st lien)")
    return int(number)


def _key(value) -> str:
    return re.sub(r"[^a-z0-9+/]", "", str(value).lower())


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
