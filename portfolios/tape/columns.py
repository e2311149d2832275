"""The canonical loan-tape columns, their aliases, and header matching.

Headers match regardless of case, spaces and punctuation ("Paid-To Date" = "paid to
date" = "PAID_TO_DATE"). A next-due column in any spelling ("Next Due Date",
nextPaymentDate, NXT_PMT_DUE_DT, "Due Date of Next Installment") is a different fact (the
next installment's due date, usually a month after the paid-to date) and is never taken for
any column, not even in the manual mapping; a last-payment (posting) date is never taken for
the paid-to date. The last paid installment's due date (Freddie's DDLPI, Fannie's
LAST_PAID_INSTALLMENT_DATE) is the paid-to date.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    aliases: tuple[str, ...] = ()
    help: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("loan_number", "Loan Number", True,
           ("Loan ID", "Loan No", "Loan #", "Loan Num", "Account Number", "Seller Loan Number",
            "Loan Sequence Number", "Loan Account", "Loan Account Number", "Account No"),
           "Unique within the portfolio; re-imports match loans by it."),
    Column("borrower_name", "Borrower Name", False,
           ("Borrower", "Primary Borrower", "Borrower 1 Name", "Borrower Full Name"),
           "Optional: without it each new loan's borrower is “not on the tape” until named on "
           "the loan (no agreement can be drafted before)."),
    Column("co_borrower_name", "Co-Borrower Name", False,
           ("Co-Borrower", "Coborrower", "Borrower 2 Name", "Second Borrower")),
    Column("mailing_address", "Mailing Address", False,
           ("Borrower Mailing Address", "Borrower Address", "Mailing Street",
            "Mailing Address 1", "Mailing Address Line 1", "Borrower Mailing Street")),
    Column("mailing_address_2", "Mailing Address Line 2", False,
           ("Mailing Address 2", "Mailing Unit", "Borrower Mailing Address 2",
            "Borrower Mailing Address Line 2", "Mailing Apt"),
           "Joined to the mailing address: “street, unit, city, ST ZIP”."),
    Column("mailing_city", "Mailing City", False, ("Borrower Mailing City", "Borrower City"),
           "Joined to the mailing address."),
    Column("mailing_state", "Mailing State", False,
           ("Borrower Mailing State", "Borrower State", "Mailing ST"),
           "Joined to the mailing address."),
    Column("mailing_zip", "Mailing ZIP", False,
           ("Mailing Zip Code", "Mailing Postal Code", "Borrower Mailing Zip", "Borrower Zip",
            "Borrower Zip Code", "Borrower Mailing Zip Code"),
           "Joined to the mailing address."),
    Column("borrower_email", "Borrower Email", False, ("Email", "E-mail", "Borrower E-mail")),
    Column("borrower_phone", "Borrower Phone", False, ("Phone", "Phone Number", "Home Phone")),
    Column("property_address", "Property Address", False,
           ("Address", "Property Street", "Street Address", "Collateral Address", "Prop Address",
            "Property Street Address", "Address 1", "Address Line 1", "Property Address 1",
            "Property Address Line 1")),
    Column("property_address_2", "Property Address Line 2", False,
           ("Address 2", "Address Line 2", "Property Address 2", "Street Address 2", "Unit",
            "Unit Number", "Apt", "Apartment", "Suite", "Apt/Unit", "Unit/Apt", "Prop Address 2",
            "Property Unit"),
           "Joined to the property address: “12 Main St, Unit 4”."),
    Column("property_city", "Property City", False, ("City", "Prop City")),
    Column("property_state", "Property State", True, ("State", "ST", "Prop State")),
    Column("property_zip", "Property ZIP", False,
           ("ZIP", "Zip Code", "Postal Code", "Prop Zip", "Property Zip Code",
            "Property Postal Code")),
    Column("property_county", "Property County", False, ("County",)),
    Column("property_type", "Property Type", False, ("Prop Type", "Collateral Type", "PROP")),
    Column("units", "Number of Units", False,
           ("Units", "NUM_UNIT", "Num Units", "No of Units", "Unit Count", "Number Units",
            "Property Units", "Units Count", "Dwelling Units"),
           "Stored as the dwelling units; decides single-family (1), 2–4 units or "
           "multifamily (5+) for those types. Blank keeps the stored count."),
    Column("occupancy", "Occupancy", False,
           ("Occupancy Status", "Occupancy Type", "OCC_STAT", "Occupancy Code")),
    Column("purchase_money", "Purchase Money", False,
           ("Purchase-Money", "Loan Purpose", "Purpose", "Purchase Money Loan")),
    Column("lien_position", "Lien Position", False, ("Lien", "Lien Pos")),
    Column("origination_date", "Origination Date", False,
           ("Orig Date", "Note Date", "Origination", "Funding Date")),
    Column("original_balance", "Original Balance", False,
           ("Original Loan Amount", "Orig Balance", "Original Principal Balance",
            "Original Amount", "Original UPB", "ORIG_UPB", "Original Loan Balance")),
    Column("upb", "UPB", True,
           ("Unpaid Principal Balance", "Current Balance", "Current UPB", "Principal Balance",
            "Current Principal Balance", "Current Actual UPB", "Unpaid Balance",
            "Current Unpaid Principal Balance")),
    Column("deferred_principal", "Deferred Principal", False,
           ("Current Non-Interest Bearing UPB", "Non-Interest Bearing UPB", "Current Deferred UPB",
            "Deferred UPB", "Deferred Principal Balance", "Deferred Balance",
            "Non-Interest Bearing Balance", "Non-Interest Bearing Principal",
            "Non-Interest Bearing Principal Balance", "Principal Forbearance Amount",
            "Principal Forbearance", "Forborne Principal", "NON_INT_UPB"),
           "The part of the UPB that bears no interest (principal deferred by a modification); "
           "part of the UPB, not added to it. Blank is 0."),
    Column("note_rate", "Note Rate", True,
           ("Rate", "Interest Rate", "Current Rate", "Current Interest Rate", "Note Rate %",
            "CURR_RATE", "Current Note Rate")),
    Column("paid_to_date", "Paid To Date", True,
           ("Interest Paid Through", "Paid Through Date", "Paid-Through Date", "Interest Paid To",
            "Paid Thru Date", "PTD", "Due Date of Last Paid Installment (DDLPI)",
            "Due Date of Last Paid Installment", "DDLPI", "LAST_PAID_INSTALLMENT_DATE",
            "Last Paid Installment Date", "Interest Paid To Date")),
    Column("next_due_date", "Next Due Date", False, (),
           "Only when the tape has no paid-to date: the paid-to date is derived from it, one "
           "month earlier (the same day, or the month's last day)."),
    Column("day_count", "Day Count", False,
           ("Day Count Convention", "Accrual Basis", "Interest Basis")),
    Column("fees", "Fees", False,
           ("Late Fees", "Accrued Late Fees", "Fees Due", "Late Charges", "Accrued Late Charges",
            "Late Charges Due", "Unpaid Late Charges", "Late Charge Balance")),
    Column("costs", "Costs", False,
           ("Corporate Advances", "Legal Costs", "Recoverable Costs", "Corporate Advance",
            "Corporate Advance Balance", "Corp Adv Balance")),
    Column("escrow_advances", "Escrow Advances", False,
           ("Escrow Advance", "Escrow Balance Advanced", "T&I Advances",
            "Tax and Insurance Advances", "Escrow Balance", "Impound Balance",
            "Escrow/Impound Balance", "Escrow Advance Balance")),
    Column("suspense", "Suspense", False,
           ("Suspense Balance", "Unapplied Funds", "Unapplied Balance", "Suspense Funds")),
    Column("purchase_price", "Loan Purchase Price", False,
           ("Purchase Price", "Allocated Purchase Price", "Bid Price", "Price Paid")),
    Column("property_value", "Property Value", False,
           ("Current Value", "BPO Value", "Value", "Latest Value", "Appraised Value")),
    Column("value_date", "Value Date", False, ("BPO Date", "Valuation Date", "Value As Of")),
    Column("value_source", "Value Source", False, ("Valuation Type", "Value Type")),
    Column("foreclosure_process", "Foreclosure Process", False,
           ("Foreclosure Type", "FC Type", "Judicial/Non-Judicial")),
    Column("status", "Status", False, ("Loan Status", "Performance Status", "Legal Status")),
    # Facts state statutes turn on: a blank cell is not said (the stored value is kept).
    Column("acreage", "Acreage", False,
           ("Acres", "Lot Size (Acres)", "Lot Acres", "lotSizeAcres", "Lot Size Acres"),
           "The lot size in acres (not square feet). Blank keeps the stored value."),
    Column("borrower_type", "Borrower Type", False,
           ("Borrower Entity Type", "Vesting Type"),
           "Natural person (Individual, Person) or entity (LLC, Corporation, Trust, "
           "Partnership). Blank keeps the stored value."),
    Column("lender_type", "Lender Type", False, ("Originator Type",),
           "Financial institution (Bank, Credit Union, Mortgage Company), seller "
           "(Seller Financed, Owner Financed) or other (Private, Individual). Blank keeps the "
           "stored value."),
    Column("home_equity_loan", "Home Equity Loan", False,
           ("Home Equity", "Texas a(6)", "Texas 50(a)(6)", "50(a)(6)", "Cash Out Home Equity",
            "Texas Home Equity", "TX a6"),
           "Y or N: a Texas home-equity loan (Tex. Const. art. XVI, § 50(a)(6)). Blank keeps "
           "the stored value."),
    Column("default_date", "Default Date", False, ("Date of Default",),
           "The date of default (never a first missed payment date). Blank keeps the stored "
           "date."),
    # The security instrument and its recording (portfolios.instruments): blank keeps the
    # stored value.
    Column("security_instrument", "Security Instrument", False,
           ("Security Instrument Type", "Instrument Type", "Lien Instrument",
            "Mortgage or Deed of Trust", "Mortgage/Deed of Trust", "Mortgage/DOT", "DOT/Mortgage",
            "Security Instrument Kind"),
           "Mortgage (MTG), Deed of Trust (DOT, Trust Deed) or Security Deed (Deed to Secure "
           "Debt): only where the loan's instrument differs from the state's customary one. "
           "Blank keeps the stored value (none: the state's customary instrument)."),
    Column("parcel_number", "Parcel Number", False,
           ("APN", "Parcel", "Parcel No", "Parcel ID", "Parcel Number (APN)",
            "Assessor Parcel Number", "Assessor's Parcel Number", "Tax Parcel Number",
            "Tax Parcel ID", "Property Index Number", "Folio Number"),
           "The assessor's parcel number as the county writes it, up to 64 characters. Blank "
           "keeps the stored value."),
    Column("recording_reference", "Recording Reference", False,
           ("Instrument Number", "Instrument No", "Recording Number", "Recording No",
            "Book/Page", "Book and Page", "Recording Book/Page",
            "Recorded Book/Page", "Recording Info", "Mortgage Instrument Number",
            "Deed of Trust Instrument Number", "Security Instrument Number"),
           "Book and page or the instrument number the county recorder gave the security "
           "instrument, up to 120 characters. Blank keeps the stored value."),
    Column("recording_book", "Recording Book", False,
           ("Recorded Book", "Mortgage Book", "Mtg Book", "Deed of Trust Book", "DOT Book",
            "Deed Book", "OR Book", "Official Records Book", "Liber"),
           "The book the instrument is recorded in, when the tape gives book and page in "
           "columns of their own: joined into the recording reference (“Book 1234, Page 56”)."),
    Column("recording_page", "Recording Page", False,
           ("Recorded Page", "Mortgage Page", "Mtg Page", "Deed of Trust Page", "DOT Page",
            "Deed Page", "OR Page", "Official Records Page"),
           "The page, joined into the recording reference after the book."),
    Column("recorded_on", "Recording Date", False,
           ("Recorded Date", "Date Recorded", "Record Date", "Mortgage Recording Date",
            "Deed of Trust Recording Date", "Security Instrument Recording Date",
            "Recordation Date"),
           "The date the security instrument was recorded, 1950-01-01 to today. Blank keeps "
           "the stored date."),
)  # fmt: skip

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)

# Headers that name a different fact and must never be matched to a column of ours: the
# next installment's due date in any spelling, recognised by meaning (a "next" word and a
# "due"/"payment"/"installment" word): Next Due Date, nextPaymentDate, NXT_PMT_DUE_DT,
# Due Date of Next Installment, Next Pay Date ... plus a bare "Due Date" and "NDD".
_NEXT = re.compile(r"next|nxt")
_DUE = re.compile(r"due|pay|pmt|pymt|inst")
NEVER_MATCH = {"duedate", "ndd", "nextdue", "nxtdue", "duedt", "dueday"}
# A due date without "next": Payment Due Date, Pmt Due, Due Dt, Installment Due Date,
# Current Due Date. A date an installment is due is the next one unless it says it was
# paid or is the last one (the DDLPI: "Due Date of Last Paid Installment").
_DUE_DATE = re.compile(r"due(date|dt|day)|(pay|pmt|pymt|payment|inst|installment)due")
_PAID_OR_LAST = re.compile(r"paid|last|lpi|past|prior")
# The date the last payment was received (posted): a posting date such as 03/03/2024, not
# the date interest is paid to. It is never the paid-to date. "Last paid installment"
# (Freddie's DDLPI, Fannie's LAST_PAID_INSTALLMENT_DATE) and "last paid to" are the
# paid-to date and are not caught; "Last Paid Date" (when the borrower last paid) is.
_LAST = re.compile(r"last|lst|latest|recent|prior")
_PAYMENT = re.compile(r"pay|pmt|pymt|received|rcvd|posted|posting|remit|lastpaid(?!inst|to|thr)")
_INSTALLMENT_PAID = re.compile(r"paidinst|ddlpi")


# A first (or any) missed payment's date is not the date of default: never the Default Date.
_MISSED_PAYMENT = re.compile(r"miss|firstpay|firstpmt|firstdelinq|delinquen")


def normalize(header) -> str:
    """'Paid-To Date ' -> 'paidtodate'; '%' survives as 'pct'."""
    text = str(header or "").lower().replace("%", "pct").replace("#", "number")
    return re.sub(r"[^a-z0-9]", "", text)


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.aliases):
        _LOOKUP.setdefault(normalize(_name), _column.key)


# Columns that hold a month by definition: the agencies' last paid installment (Freddie
# Mac's DDLPI as YYYYMM, Fannie Mae's LAST_PAID_INSTALLMENT_DATE as MMYYYY). Their digits
# are read as a month, never as an Excel date number.
_MONTH_COLUMNS = re.compile(r"ddlpi|lastpaidinstallment")


def is_month_column(header) -> bool:
    return bool(_MONTH_COLUMNS.search(normalize(header)))


def is_next_due_date(header) -> bool:
    """A header meaning the next installment's due date, whatever its spelling."""
    name = normalize(header)
    return (
        name in NEVER_MATCH
        or bool(_NEXT.search(name) and _DUE.search(name))
        or bool(_DUE_DATE.search(name) and not _PAID_OR_LAST.search(name))
    )


def is_last_payment_date(header) -> bool:
    """A header meaning the date the last payment was received (a posting date)."""
    name = normalize(header)
    if _INSTALLMENT_PAID.search(name) or is_next_due_date(header):
        return False
    return bool(_LAST.search(name) and _PAYMENT.search(name))


def may_map(key: str, header) -> bool:
    """Whether `header` may stand for our column `key`, by hand or automatically: a next-due
    header only for Next Due Date (from which the paid-to date is derived); a last-payment
    (posting) date never for the paid-to date, nor for the next due date; the next due date
    never a header that names another date of ours ("Paid To Date")."""
    return not mapping_refusal(key, header)


def mapping_refusal(key: str, header) -> str:
    """Why `header` may not stand for our column `key` ("" when it may)."""
    if is_next_due_date(header):
        if key == "next_due_date":
            return ""
        return (
            f"“{header}” is the next due date, a different fact: it can only be the Next Due "
            "Date (the paid-to date is then derived from it)."
        )
    if key in ("paid_to_date", "next_due_date") and is_last_payment_date(header):
        return (
            f"“{header}” is the date the last payment was received, not the date interest is "
            "paid to nor the next due date."
        )
    if key == "default_date" and _MISSED_PAYMENT.search(normalize(header)):
        return (
            f"“{header}” is a missed payment's date, not the date of default: enter the "
            "default date the servicing records give, or leave the Default Date out."
        )
    if key == "next_due_date" and _LOOKUP.get(normalize(header)) not in (None, key):
        named = BY_KEY[_LOOKUP[normalize(header)]].label
        return f"“{header}” is the {named}, not the next due date."
    return ""


# Columns read only as a part of another (joined to it): without that column they have
# nothing to join, and alone they would replace it (a unit line taken for the street).
JOINED_TO = {
    "property_address_2": "property_address",
    "mailing_address_2": "mailing_address",
    "mailing_city": "mailing_address",
    "mailing_state": "mailing_address",
    "mailing_zip": "mailing_address",
}


def parts_without_base(mapping: dict[str, str]) -> list[str]:
    """Joined columns mapped without the column they are joined to."""
    return [k for k, base in JOINED_TO.items() if k in mapping and base not in mapping]


def joined_refusal(key: str) -> str:
    base = BY_KEY[JOINED_TO[key]].label
    return (
        f"{BY_KEY[key].label} is joined to the {base}: choose the tape's {base} column too, "
        "or leave this one out."
    )


def derives_paid_to(mapping: dict[str, str]) -> bool:
    """The paid-to date is derived from the next due date: the tape has no paid-to column."""
    return "paid_to_date" not in mapping and "next_due_date" in mapping


def not_imported(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """The tape's headers whose columns are not read, each once (a header may be repeated);
    a next-due column is not read when the tape has a paid-to column."""
    read = {h for k, h in mapping.items() if k != "next_due_date" or derives_paid_to(mapping)}
    return [h for h in dict.fromkeys(headers) if h and h not in read]


def read_headers(mapping: dict[str, str]) -> set[str]:
    """The headers an import reads under `mapping` (a next-due column only when the paid-to
    date is derived from it)."""
    return {h for k, h in mapping.items() if k != "next_due_date" or derives_paid_to(mapping)}


def unmapped_columns(mapping: dict[str, str]) -> list[str]:
    """Our columns without a header (Next Due Date only while there is no paid-to column:
    otherwise it is not read)."""
    return [
        c.key
        for c in COLUMNS
        if c.key not in mapping and not (c.key == "next_due_date" and "paid_to_date" in mapping)
    ]


def unmatched_headers(headers: list[str], mapping: dict[str, str], ignored=()) -> list[str]:
    """The tape's headers not read that could stand for one of our unmapped columns, less
    those the seller's saved mapping leaves out (`ignored`): the mapping step offers them."""
    free = unmapped_columns(mapping)
    left_out = set(ignored)
    return [
        h
        for h in not_imported(headers, mapping)
        if h not in left_out and any(may_map(key, h) for key in free)
    ]


def derived_note(mapping: dict[str, str]) -> str:
    """How the import reads the paid-to date when it is derived, else ""."""
    if not derives_paid_to(mapping):
        return ""
    return (
        f"Paid To Date derived from “{mapping['next_due_date']}”: one month before the next "
        "due date (the tape has no paid-to column)."
    )


def deferred_note(mapping: dict[str, str]) -> str:
    """How the import reads a deferred principal column, else ""."""
    if "deferred_principal" not in mapping:
        return ""
    return (
        f"Deferred Principal read from “{mapping['deferred_principal']}” as the part of the UPB "
        f"(“{mapping.get('upb', 'UPB')}”) that bears no interest, as Freddie Mac's Current "
        "Actual UPB includes its Non-Interest Bearing UPB: a tape whose UPB leaves the deferred "
        "amount out must have it added to the UPB before importing."
    )


def status_note(mapping: dict[str, str]) -> str:
    """How the import sets a loan's status when the tape has no status column, else ""."""
    if "status" in mapping:
        return ""
    return (
        "Status derived from the paid-to date (the tape has no status column): performing "
        "when the next installment (one month after the paid-to date) is less than 30 days "
        "past due on the import date, non-performing otherwise. Only new loans get it; a "
        "loan already in the portfolio keeps its status. Loans in foreclosure, bankruptcy "
        "or REO cannot be told from the tape: set their status by hand."
    )


def names_note(mapping: dict[str, str], unnamed: int) -> str:
    """What the import says when the tape has no borrower-name column, else "".
    `unnamed`: the tape's loans left without a named borrower."""
    if "borrower_name" in mapping:
        return ""
    if not unnamed:
        return "Borrower names: not on the tape — the names already entered on its loans were kept."
    loans = "1 loan has" if unnamed == 1 else f"{unnamed:,} loans have"
    return (
        f"Borrower names: not on the tape — {loans} no named borrower; enter them on each "
        "loan before drafting an agreement."
    )


def auto_map(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """Map our column keys to the tape's headers.

    A saved mapping for the seller wins where its header is present in this tape; the
    rest is matched by name and alias. Returns {column key: header}.
    """
    present = {h for h in headers if h}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key, header in (saved or {}).items():
        if key in BY_KEY and header in present and may_map(key, header):
            mapping[key] = header
            used.add(header)
    for header in headers:
        if not header or header in used:
            continue
        key = "next_due_date" if is_next_due_date(header) else _LOOKUP.get(normalize(header))
        if key and key not in mapping and may_map(key, header):
            mapping[key] = header
            used.add(header)
    if "paid_to_date" in mapping:
        mapping.pop("next_due_date", None)  # a paid-to column: the next due date is not used
    for key in parts_without_base(mapping):
        del mapping[key]  # nothing to join it to: not imported, said in the result
    return mapping


def missing_required(mapping: dict[str, str]) -> list[str]:
    """Required columns without a header; the paid-to date may be derived from the next
    due date."""
    return [
        key
        for key in REQUIRED
        if key not in mapping and not (key == "paid_to_date" and derives_paid_to(mapping))
    ]
