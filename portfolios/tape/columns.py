"""The canonical loan-tape columns, their aliases, and header matching.

Headers match regardless of case, spaces and punctuation ("Paid-To Date" = "paid to
date" = "PAID_TO_DATE"). A "Next Due Date" column is a different fact (the next
installment's due date, usually a month after the paid-to date) and is never taken
for the paid-to date, not even in the manual mapping.
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
           ("Loan ID", "Loan No", "Loan #", "Loan Num", "Account Number", "Seller Loan Number"),
           "Unique within the portfolio; re-imports match loans by it."),
    Column("borrower_name", "Borrower Name", True,
           ("Borrower", "Primary Borrower", "Borrower 1 Name", "Borrower Full Name")),
    Column("co_borrower_name", "Co-Borrower Name", False,
           ("Co-Borrower", "Coborrower", "Borrower 2 Name", "Second Borrower")),
    Column("mailing_address", "Mailing Address", False,
           ("Borrower Mailing Address", "Borrower Address")),
    Column("borrower_email", "Borrower Email", False, ("Email", "E-mail", "Borrower E-mail")),
    Column("borrower_phone", "Borrower Phone", False, ("Phone", "Phone Number", "Home Phone")),
    Column("property_address", "Property Address", False,
           ("Address", "Property Street", "Street Address", "Collateral Address")),
    Column("property_city", "Property City", False, ("City",)),
    Column("property_state", "Property State", True, ("State", "ST", "Prop State")),
    Column("property_zip", "Property ZIP", False, ("ZIP", "Zip Code", "Postal Code", "Prop Zip")),
    Column("property_county", "Property County", False, ("County",)),
    Column("property_type", "Property Type", False, ("Prop Type", "Collateral Type")),
    Column("occupancy", "Occupancy", False, ("Occupancy Status", "Occupancy Type")),
    Column("purchase_money", "Purchase Money", False,
           ("Purchase-Money", "Loan Purpose", "Purpose", "Purchase Money Loan")),
    Column("lien_position", "Lien Position", False, ("Lien", "Lien Pos")),
    Column("origination_date", "Origination Date", False,
           ("Orig Date", "Note Date", "Origination", "Funding Date")),
    Column("original_balance", "Original Balance", False,
           ("Original Loan Amount", "Orig Balance", "Original Principal Balance",
            "Original Amount")),
    Column("upb", "UPB", True,
           ("Unpaid Principal Balance", "Current Balance", "Current UPB", "Principal Balance",
            "Current Principal Balance")),
    Column("note_rate", "Note Rate", True,
           ("Rate", "Interest Rate", "Current Rate", "Current Interest Rate", "Note Rate %")),
    Column("paid_to_date", "Paid To Date", True,
           ("Interest Paid Through", "Paid Through Date", "Paid-Through Date", "Interest Paid To",
            "Paid Thru Date", "PTD")),
    Column("day_count", "Day Count", False,
           ("Day Count Convention", "Accrual Basis", "Interest Basis")),
    Column("fees", "Fees", False, ("Late Fees", "Accrued Late Fees", "Fees Due")),
    Column("costs", "Costs", False, ("Corporate Advances", "Legal Costs", "Recoverable Costs")),
    Column("escrow_advances", "Escrow Advances", False,
           ("Escrow Advance", "Escrow Balance Advanced", "T&I Advances",
            "Tax and Insurance Advances")),
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
    Column("status", "Status", False, ("Loan Status", "Performance Status")),
)  # fmt: skip

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)

# Headers that name a different fact and must never be matched to a column of ours.
NEVER_MATCH = {"nextduedate", "nextpaymentduedate", "duedate", "nextdue", "ndd"}


def normalize(header) -> str:
    """'Paid-To Date ' -> 'paidtodate'; '%' survives as 'pct'."""
    text = str(header or "").lower().replace("%", "pct").replace("#", "number")
    return re.sub(r"[^a-z0-9]", "", text)


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.label, *_column.aliases):
        _LOOKUP.setdefault(normalize(_name), _column.key)


def is_next_due_date(header) -> bool:
    return normalize(header) in NEVER_MATCH


def auto_map(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """Map our column keys to the tape's headers.

    A saved mapping for the seller wins where its header is present in this tape; the
    rest is matched by name and alias. Returns {column key: header}.
    """
    present = {h for h in headers if h}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key, header in (saved or {}).items():
        if key in BY_KEY and header in present and not is_next_due_date(header):
            mapping[key] = header
            used.add(header)
    for header in headers:
        if not header or header in used or is_next_due_date(header):
            continue
        key = _LOOKUP.get(normalize(header))
        if key and key not in mapping:
            mapping[key] = header
            used.add(header)
    return mapping


def missing_required(mapping: dict[str, str]) -> list[str]:
    return [key for key in REQUIRED if key not in mapping]
