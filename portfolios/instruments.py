"""The security instrument a loan's note is secured by: a mortgage, a deed of trust or (in
Georgia) a security deed, and what each calls its release and its parties.

Each state's customary instrument comes from `portfolios/data/security_instruments.csv`
(one row for each of the 50 states and DC, with a note and its sources), read once. A loan
whose recorded instrument differs says so itself (`Loan.security_instrument`); the
territories have no row, so their instrument is unknown until staff enter it.
"""

import csv
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from portfolios.choices import US_STATES

CSV_PATH = Path(__file__).parent / "data" / "security_instruments.csv"
TERRITORIES = ("PR", "GU", "VI", "AS", "MP")
STATES_AND_DC = tuple(code for code in US_STATES if code not in TERRITORIES)


class InstrumentKind(models.TextChoices):
    MORTGAGE = "mortgage", "Mortgage"
    DEED_OF_TRUST = "deed_of_trust", "Deed of trust"
    SECURITY_DEED = "security_deed", "Security deed (deed to secure debt)"


@dataclass(frozen=True)
class Instrument:
    kind: str  # an InstrumentKind value
    label: str  # as a sentence names it: "deed of trust"
    release_document: str  # what releases the lien once the debt is paid
    lien_holder: str  # the creditor's name in the instrument
    debtor: str  # the borrower's name in the instrument
    citation: str = ""  # the statute that makes this kind of instrument, where one does
    state: str = ""  # the state this was looked up for ("" for the kind alone)
    state_name: str = ""
    note: str = ""  # why this is the state's customary instrument (the CSV's note)
    sources: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The label as a heading or a list shows it: "Deed of trust"."""
        return self.label[:1].upper() + self.label[1:]


KINDS: dict[str, Instrument] = {
    InstrumentKind.MORTGAGE: Instrument(
        kind=InstrumentKind.MORTGAGE,
        label="mortgage",
        release_document="satisfaction of mortgage",
        lien_holder="mortgagee",
        debtor="mortgagor",
    ),
    InstrumentKind.DEED_OF_TRUST: Instrument(
        kind=InstrumentKind.DEED_OF_TRUST,
        label="deed of trust",
        release_document="deed of reconveyance",
        lien_holder="beneficiary",
        debtor="trustor",
    ),
    InstrumentKind.SECURITY_DEED: Instrument(
        kind=InstrumentKind.SECURITY_DEED,
        label="security deed",
        release_document="cancellation of the security deed",
        lien_holder="grantee",
        debtor="grantor",
        citation="O.C.G.A. § 44-14-60 et seq.",
    ),
}


def load(path: Path = CSV_PATH) -> dict[str, Instrument]:
    """Every state's customary instrument, by USPS code. Refuses (ImproperlyConfigured) a
    file that lacks one of the 50 states or DC, repeats one, or names an unknown kind."""
    table: dict[str, Instrument] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            code, kind = row["state_code"].strip().upper(), row["customary_instrument"].strip()
            if code not in STATES_AND_DC or code in table or kind not in KINDS:
                raise ImproperlyConfigured(
                    f"{path.name} line {n}: {code!r} is not a state or DC, or is listed "
                    f"twice, or {kind!r} is not one of {', '.join(KINDS)}."
                )
            sources = tuple(s.strip() for s in row["source_urls"].split(";") if s.strip())
            table[code] = replace(
                KINDS[kind], state=code, state_name=row["state_name"].strip(),
                note=row["note"].strip(), sources=sources,
            )  # fmt: skip
    missing = [code for code in STATES_AND_DC if code not in table]
    if missing:
        raise ImproperlyConfigured(f"{path.name} has no row for {', '.join(missing)}.")
    return table


@cache
def _table() -> dict[str, Instrument]:
    return load()


def customary(state: str) -> Instrument | None:
    """The state's customary security instrument; None for a territory or an unknown code."""
    return _table().get((state or "").upper())


def of_kind(kind: str, state: str = "") -> Instrument | None:
    """An instrument of this kind, for a loan in `state` (the state's note kept, so the
    reader can see what is customary there); None for an unknown kind."""
    if kind not in KINDS:
        return None
    usual, code = customary(state), (state or "").upper()
    if usual is None:
        return replace(KINDS[kind], state=code, state_name=US_STATES.get(code, ""))
    return replace(
        KINDS[kind], state=usual.state, state_name=usual.state_name, note=usual.note,
        sources=usual.sources,
    )  # fmt: skip


@dataclass(frozen=True)
class LoanInstrument:
    """A loan's security instrument: the recorded one when staff or a tape gave it, else
    the state's customary one (`customary` True); `instrument` None when neither is known."""

    instrument: Instrument | None
    customary: bool

    def __bool__(self) -> bool:
        return self.instrument is not None
