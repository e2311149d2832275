"""Build loan tapes for tests: CSV text or XLSX bytes from rows of cells."""

import csv
import io

import openpyxl

HEADERS = [
    "Loan Number", "Borrower Name", "Co-Borrower Name", "Property Address", "Property City",
    "Property State", "Property ZIP", "Occupancy", "Purchase Money", "Origination Date",
    "Original Balance", "UPB", "Note Rate", "Paid To Date", "Day Count", "Fees", "Costs",
    "Escrow Advances", "Suspense", "Foreclosure Process", "Status",
]  # fmt: skip


def good_row(n: int, **overrides) -> dict:
    row = {
        "Loan Number": f"T-{n:05d}", "Borrower Name": f"Borrower {n}", "Co-Borrower Name": "",
        "Property Address": f"{n} Main St", "Property City": "Springfield", "Property State": "IL",
        "Property ZIP": "62704", "Occupancy": "Owner-occupied", "Purchase Money": "Yes",
        "Origination Date": "2010-06-15", "Original Balance": "200,000.00",
        "UPB": f"${150000 + n}.25", "Note Rate": "6.375%", "Paid To Date": "03/01/2024",
        "Day Count": "30/360", "Fees": "100", "Costs": "0", "Escrow Advances": "1,200.00",
        "Suspense": "", "Foreclosure Process": "Judicial", "Status": "Non-performing",
    }  # fmt: skip
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list], percent_columns=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for column in percent_columns:
        for cell in sheet[column][1:]:
            cell.number_format = "0.000%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
