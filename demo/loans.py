"""The demo loans: about 60 for the first investor across 20 states, a few for the second.

Generated from a fixed seed, so every run makes the same loans (seed_demo is idempotent).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from noteinvest.dates import months_from

# (state, city, county, ZIP, usual foreclosure process)
PLACES = [
    ("CA", "Sacramento", "Sacramento", "95822", "non_judicial"),
    ("CA", "Fresno", "Fresno", "93722", "non_judicial"),
    ("CA", "Riverside", "Riverside", "92503", "non_judicial"),
    ("AZ", "Mesa", "Maricopa", "85204", "non_judicial"),
    ("AZ", "Tucson", "Pima", "85710", "non_judicial"),
    ("TX", "San Antonio", "Bexar", "78228", "non_judicial"),
    ("FL", "Orlando", "Orange", "32808", "judicial"),
    ("FL", "Tampa", "Hillsborough", "33610", "judicial"),
    ("NY", "Rochester", "Monroe", "14609", "judicial"),
    ("NJ", "Trenton", "Mercer", "08611", "judicial"),
    ("IL", "Joliet", "Will", "60435", "judicial"),
    ("OH", "Dayton", "Montgomery", "45406", "judicial"),
    ("PA", "Allentown", "Lehigh", "18102", "judicial"),
    ("GA", "Macon", "Bibb", "31204", "non_judicial"),
    ("NV", "Henderson", "Clark", "89015", "non_judicial"),
    ("WA", "Tacoma", "Pierce", "98404", "non_judicial"),
    ("CO", "Pueblo", "Pueblo", "81004", "non_judicial"),
    ("MI", "Flint", "Genesee", "48503", "non_judicial"),
    ("NC", "Fayetteville", "Cumberland", "28304", "non_judicial"),
    ("MA", "Worcester", "Worcester", "01604", "non_judicial"),
    ("MD", "Baltimore", "Baltimore City", "21215", "judicial"),
    ("TN", "Memphis", "Shelby", "38109", "non_judicial"),
]
FIRST = [
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "David",
    "Jennifer",
    "Michael",
    "Elizabeth",
    "William",
    "Susan",
    "Carlos",
    "Aisha",
    "Thanh",
    "Grace",
    "Luis",
    "Nadia",
    "Peter",
    "Rosa",
    "Kevin",
]
LAST = [
    "Alvarez",
    "Bennett",
    "Chen",
    "Dawson",
    "Ellis",
    "Foster",
    "Garcia",
    "Hughes",
    "Iverson",
    "Jackson",
    "Kowalski",
    "Lopez",
    "Morgan",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rivera",
    "Sullivan",
    "Turner",
]
STREETS = [
    "Oak",
    "Maple",
    "Cedar",
    "Elm",
    "Pine",
    "Walnut",
    "Lakeview",
    "Hillcrest",
    "Sunset",
    "Ridge",
    "Park",
    "Willow",
]
STATUSES = ["non_performing"] * 5 + ["in_foreclosure"] * 3 + ["performing", "reo", "liquidated"]
# Modified loans whose principal was partly deferred (non-interest-bearing): loan number ->
# percent of the UPB deferred. Set without drawing from the seeded generator, so every
# other demo value stays as it was.
DEFERRED_PERCENT = {"LS-0002": 20}


def _cents(rng, low, high) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def demo_loans(prefix: str, count: int, seed: int, places=PLACES) -> list[dict]:
    rng = random.Random(seed)
    loans = []
    for n in range(count):
        # The first loans are owner-occupied purchase-money loans in CA and AZ.
        state, city, county, zip_code, process = places[n % len(places)]
        owner_pm = state in ("CA", "AZ") and n < 10
        origination = date(2004, 1, 1) + timedelta(days=rng.randint(0, 5500))
        original = _cents(rng, 60_000, 480_000).quantize(Decimal("1000"))
        upb = (original * Decimal(rng.randint(55, 98)) / 100).quantize(Decimal("0.01"))
        paid_to = date(2023, 1, 1) + timedelta(days=rng.randint(0, 900))
        paid_to = paid_to.replace(day=1)
        value = (upb * Decimal(rng.randint(55, 120)) / 100).quantize(Decimal("1000"))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        suffix = rng.choice(["St", "Ave", "Dr", "Ln"])
        street = f"{rng.randint(100, 9899)} {rng.choice(STREETS)} {suffix}"
        borrowers = [
            {
                "name": f"{first} {last}",
                "mailing_address": f"{street}, {city}, {state} {zip_code}",
                "email": f"{first.lower()}.{last.lower()}@example.net",
                "phone": f"555-01{n % 100:02d}",
            }
        ]
        if rng.random() < 0.35:
            borrowers.append(
                {
                    "name": f"{rng.choice(FIRST)} {last}",
                    "mailing_address": borrowers[0]["mailing_address"],
                    "email": "",
                    "phone": "",
                }
            )
        loans.append(
            {
                "loan_number": f"{prefix}{n + 1:04d}",
                "property_address": street,
                "property_city": city,
                "property_state": state,
                "property_zip": zip_code,
                "property_county": county,
                "property_type": rng.choice(
                    ["single_family"] * 6 + ["condo", "townhouse", "two_to_four"]
                ),
                "occupancy": "owner_occupied"
                if owner_pm
                else rng.choice(
                    ["owner_occupied", "owner_occupied", "non_owner_occupied", "vacant", "unknown"]
                ),
                "purchase_money": "yes" if owner_pm else rng.choice(["yes", "no", "no", "unknown"]),
                "lien_position": 1 if rng.random() < 0.9 else 2,
                "origination_date": origination,
                "original_balance": original,
                "upb": upb,
                "note_rate": Decimal(
                    rng.choice(["4.25", "5.125", "5.875", "6.375", "6.5", "7.25", "8.0", "9.125"])
                ),
                "paid_to_date": max(paid_to, origination),
                "day_count": rng.choice(["30/360", "30/360", "actual/365", "actual/360"]),
                "fees": _cents(rng, 0, 2500),
                "costs": _cents(rng, 0, 9000),
                "escrow_advances": _cents(rng, 0, 14000),
                "suspense": _cents(rng, 0, 800) if rng.random() < 0.3 else Decimal("0.00"),
                "purchase_price": (upb * Decimal(rng.randint(35, 70)) / 100).quantize(
                    Decimal("0.01")
                ),
                "property_value": value,
                "value_date": date(2026, rng.randint(1, 9), rng.randint(1, 28)),
                "value_source": rng.choice(["bpo", "bpo", "appraisal", "avm"]),
                "foreclosure_process": process,
                "status": "non_performing" if owner_pm else rng.choice(STATUSES),
                "borrowers": borrowers,
            }
        )
    for loan in loans:
        percent = DEFERRED_PERCENT.get(loan["loan_number"])
        if percent:
            loan["deferred_principal"] = (loan["upb"] * percent / 100).quantize(Decimal("0.01"))
    # The facts state law turns on, from a generator of their own, so every value above
    # stays as it was.
    facts_rng = random.Random(f"{prefix}{seed}-facts")
    for loan in loans:
        loan.update(demo_facts(loan, facts_rng))
    # The recording of each security instrument, from a generator of its own too.
    recording_rng = random.Random(f"{prefix}{seed}-recording")
    for loan in loans:
        loan.update(demo_recording(loan, recording_rng))
    return loans


FACT_FIELDS = (
    "units", "acreage", "borrower_type", "lender_type", "refinanced", "home_equity_loan",
    "high_cost_loan", "default_date",
)  # fmt: skip
# Lot sizes in acres by property type (a condominium unit has no lot of its own: unknown).
ACRES = {"single_family": (12, 60), "townhouse": (3, 8), "two_to_four": (15, 40)}
DEFAULTED = {"non_performing", "in_foreclosure", "reo", "liquidated"}


def demo_facts(loan: dict, rng: random.Random) -> dict:
    """Plausible facts for a demo loan: mostly natural persons borrowing from banks on
    one-unit homes on small lots, so deficiency verdicts can be decided."""
    kind = loan["property_type"]
    units = rng.choice([2, 2, 3, 4]) if kind == "two_to_four" else 1
    low, high = ACRES.get(kind, (0, 0))
    acreage = Decimal(rng.randint(low, high)) / 100 if high else None
    owner = loan["occupancy"] == "owner_occupied"
    borrower = "natural_person" if owner or rng.random() < 0.8 else "entity"
    draw = rng.random()
    lender = "financial_institution" if draw < 0.85 else "seller" if draw < 0.93 else "other"
    purchase = loan["purchase_money"]
    refinanced = {"yes": "no", "no": "yes"}.get(purchase, "unknown")
    texas_equity = loan["property_state"] == "TX" and purchase == "no" and owner
    # A month after the first installment left unpaid (the one due a month after paid-to).
    defaulted = months_from(loan["paid_to_date"], 2)
    return {
        "units": units,
        "acreage": acreage,
        "borrower_type": borrower,
        "lender_type": lender,
        "refinanced": refinanced,
        "home_equity_loan": "yes" if texas_equity else "no",
        "high_cost_loan": "no" if rng.random() < 0.9 else "unknown",
        "default_date": defaulted if loan["status"] in DEFAULTED else None,
    }


RECORDING_FIELDS = ("security_instrument", "parcel_number", "recording_reference", "recorded_on")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _parcel(state: str, rng: random.Random) -> str:
    """A parcel number written as the county writes them (the demo's counties)."""
    d = lambda n: _digits(rng, n)  # noqa: E731
    return {
        "CA": f"{d(3)}-{d(4)}-{d(3)}-0000",
        "AZ": f"{d(3)}-{d(2)}-{d(3)}",
        "TX": f"{d(5)}-{d(3)}-{d(4)}",
        "FL": f"{d(2)}-{d(2)}-{d(2)}-{d(4)}-{d(2)}-{d(3)}",
        "NY": f"{d(3)}.{d(2)}-{rng.randint(1, 9)}-{rng.randint(1, 99)}",
        "NJ": f"Block {rng.randint(1, 999)}, Lot {rng.randint(1, 99)}",
        "IL": f"{d(2)}-{d(2)}-{d(2)}-{d(3)}-{d(3)}-0000",
        "OH": f"R72 {d(5)} {d(4)}",
        "PA": f"{d(12)}-1",
        "GA": f"Q{d(3)}-{d(4)}",
        "NV": f"{d(3)}-{d(2)}-{d(3)}-{d(3)}",
        "WA": d(10),
        "CO": f"{d(2)}-{d(3)}-{d(2)}-{d(3)}",
        "MI": f"41-{d(2)}-{d(3)}-{d(3)}",
        "NC": f"{d(4)}-{d(2)}-{d(4)}",
        "MA": f"{d(2)}-{d(3)}-{d(5)}",
        "MD": f"Ward {rng.randint(1, 28)} Section {d(2)} Block {d(4)} Lot {d(3)}",
        "TN": f"{d(6)} {d(5)}",
    }.get(state, f"{d(3)}-{d(3)}-{d(3)}")


def _recording_reference(state: str, recorded: date, rng: random.Random) -> str:
    """Book and page, or the instrument number, as the county's recorder gives them."""
    year = recorded.year
    book_page = f"Book {rng.randint(1000, 29999)}, Page {rng.randint(1, 999)}"
    return {
        "CA": f"Instrument No. {year}-{_digits(rng, 7)}",
        "AZ": f"Recording No. {year}{_digits(rng, 7)}",
        "TX": f"Document No. {year}{_digits(rng, 7)}",
        "FL": f"Official Records {book_page}",
        "NY": f"Liber {rng.randint(10000, 29999)} of Mortgages, Page {rng.randint(1, 999)}",
        "IL": f"Document No. R{year}{_digits(rng, 6)}",
        "OH": f"Instrument No. {year}-{_digits(rng, 8)}",
        "PA": f"Instrument No. {year}{_digits(rng, 6)}",
        "GA": f"Deed Book {rng.randint(5000, 12999)}, Page {rng.randint(1, 399)}",
        "NV": f"Instrument No. {recorded:%Y%m%d}-{_digits(rng, 7)}",
        "WA": f"Recording No. {recorded:%Y%m%d}{_digits(rng, 4)}",
        "CO": f"Reception No. {_digits(rng, 7)}",
        "MI": f"Liber {rng.randint(1000, 19999)}, Page {rng.randint(1, 999)}",
        "MD": f"Liber {rng.randint(10000, 29999)}, Folio {rng.randint(1, 499)}",
        "TN": f"Instrument No. {recorded:%y}{_digits(rng, 6)}",
    }.get(state, book_page)


def demo_recording(loan: dict, rng: random.Random) -> dict:
    """Where the loan's security instrument is recorded: a parcel number and a recording
    reference in the county's style, recorded a few days after the note. One Maryland loan
    was made on a mortgage, though deeds of trust are customary there."""
    recorded = loan["origination_date"] + timedelta(days=rng.randint(1, 21))
    state = loan["property_state"]
    mortgage_in_maryland = state == "MD" and loan["loan_number"].endswith("0021")
    return {
        "security_instrument": "mortgage" if mortgage_in_maryland else "",
        "parcel_number": _parcel(state, rng),
        "recording_reference": _recording_reference(state, recorded, rng),
        "recorded_on": recorded,
    }
