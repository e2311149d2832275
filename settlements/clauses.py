"""The agreement's numbered sections, written by the NoteInvest team in plain English.

`sections(terms)` returns [(title, [paragraph, ...]), ...] for a DPO or a short-sale
agreement. The HTML document, the PDF and the plain text used for redlines are all built
from this one list, so they always say the same thing. Paragraphs are plain text: the
templates escape them.
"""

import csv
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from noteinvest.money import format_money
from settlements.library import list_field
from settlements.terms import amount, day
from settlements.wording import long_date, words_and_figures

WAIVER_TITLE = "Waiver of the Remaining Balance"
# The waiver's operative words: the checks look for them in the rendered document.
WAIVER_RELEASE = "the Holder waives and releases the rest of the debt owed on the Loan"
TAX_TITLE = "Tax Notice: Forgiven Debt and IRS Form 1099-C"
SENIOR_TITLE = "Senior Lienholder's Approval"
# A junior lien's short sale: the condition the checks look for in the rendered document.
SENIOR_APPROVAL = "approves the sale in writing before closing"


def _wf(value, what: str) -> str:
    """Words and figures, or a visible blank while a draft lacks the amount."""
    return f"[{what} to be set]" if value is None else words_and_figures(value)


def _on(value, what: str) -> str:
    return f"[{what} to be set]" if not value else long_date(day(value))


UNNAMED_PARTY = "[borrower's name: not on the tape]"
"""A visible blank for a borrower without a name (a draft's preview only: no version is frozen
with one, see services.freeze_version)."""


def party_name(borrower: dict) -> str:
    """The borrower's name as signed (the parties step), else as the tape spells it."""
    name = borrower.get("signing_name") or borrower["name"] or ""
    return name if name.strip() else UNNAMED_PARTY


def _borrower_names(terms) -> str:
    names = [party_name(b) for b in terms["borrowers"]]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def property_line(terms) -> str:
    p = terms["property"]
    parts = [p["address"], p["city"], f"{p['state']} {p['zip']}".strip()]
    return ", ".join(x for x in parts if x)


def _property_phrase(terms) -> str:
    """'the property at 12 Oak St, Albany, NY 12203', or, when the loan has no street
    address on file, 'property in the State of Ohio' rather than a bare state code."""
    if terms["property"]["address"] or terms["property"]["city"]:
        return f"the property at {property_line(terms)}"
    return f"property in the State of {terms['governing_state_name']}"


def _amount_owed(terms) -> str:
    p = terms["payoff"]
    as_of = long_date(day(p["as_of"]))
    # A deferred principal is part of the unpaid principal and bears no interest: shown as
    # its own line (a version frozen before the field existed has none).
    deferred = Decimal(p.get("deferred_principal") or "0")
    principal = f"unpaid principal {format_money(Decimal(p['principal']))}"
    if deferred:
        principal += (
            f", of which {format_money(deferred)} is deferred principal that bears no interest"
        )
    lines = [
        ("interest accrued to that date", p["interest"]),
        ("fees", p["fees"]),
        ("costs", p["costs"]),
        ("escrow advances made by the holder", p["advances"]),
    ]
    parts = "; ".join([principal, *(f"{label} {format_money(Decimal(v))}" for label, v in lines)])
    suspense = Decimal(p["suspense"])
    less = f", less unapplied funds of {format_money(suspense)}" if suspense else ""
    liq = terms.get("liquidation")
    if liq:
        recovered = Decimal(liq["recovered"])
        since = (
            f", and the Holder has since recovered {format_money(recovered)}" if recovered else ""
        )
        total = words_and_figures(Decimal(p["total"]))
        basis = liq.get("basis") or ""
        if "per_diem" not in terms:  # a version frozen before good-through dates
            rest = f", leaving {total} unpaid (the “Total Debt”)."
        elif not basis:
            rest = (
                f", leaving {total} unpaid as of {_good_through(terms)} (the “Total Debt”). "
                + _accrual(terms)
            )
        else:
            # The claim is not the plain balance: it says what it rests on instead.
            rest = (
                f". {_CLAIM_BASIS[basis](liq)}, the amount the Holder claims is {total} as of "
                f"{_good_through(terms)} (the “Total Debt”). " + _accrual(terms)
            )
            since = ""
        return (
            f"As of {as_of}, the total amount owed on the Loan was "
            f"{words_and_figures(Decimal(liq['debt_before']))}: {parts}{less}. "
            f"{_event_of_the_property(terms, liq)} on {long_date(day(liq['date']))} credited "
            f"{format_money(Decimal(liq['credited']))} against it{since}{rest}"
        )
    if "per_diem" not in terms:  # a version frozen before good-through dates
        accrual = (
            f"Interest continues to accrue on the {'interest-bearing ' if deferred else ''}"
            "unpaid principal until this agreement is performed."
        )
    else:
        accrual = _accrual(terms, bearing="interest-bearing " if deferred else "")
    return (
        f"As of {as_of}, the total amount owed on the Loan is "
        f"{words_and_figures(Decimal(p['total']))} (the “Total Debt”): {parts}{less}. " + accrual
    )


_CONVEYANCE = {"deed in lieu": "The conveyance of the Property by deed in lieu of foreclosure"}


def _event_of_the_property(terms, liq) -> str:
    """'The foreclosure sale of the Property'; a deed in lieu is a conveyance of it. Terms
    frozen before the clause library keep their wording."""
    if "clauses" in terms and liq["event"] in _CONVEYANCE:
        return _CONVEYANCE[liq["event"]]
    return f"The {liq['event']} of the Property"


def _judgment_basis(liq) -> str:
    figures = ""
    if liq.get("judgment_amount"):
        figures = (
            f" for {format_money(Decimal(liq['judgment_amount']))}, bearing post-judgment "
            f"interest at {liq['judgment_rate']}% a year"
        )
    return (
        f"A deficiency judgment was entered on {long_date(day(liq['judgment_on']))}{figures}. "
        "On that judgment, with its post-judgment interest and less what was recovered"
    )


def _fair_value_basis(liq) -> str:
    figures = ""
    if liq.get("fair_market_value") and liq.get("deficiency"):
        figures = (
            f" That left {format_money(Decimal(liq['deficiency']))} unpaid; the Property's fair "
            f"market value at the sale, {format_money(Decimal(liq['fair_market_value']))}, was "
            "more than what the sale credited, and the law of the state credits the Borrower "
            "with the greater of the two"
        )
    return (
        f"{figures.strip() or 'The law of the state credits the Borrower with fair value'}"
        f"{_cited(liq)}. Limited so, and less what was recovered"
    )


_CLAIM_BASIS = {
    "judgment": _judgment_basis,
    "fair_value": _fair_value_basis,
    "limited": lambda liq: (
        f"Limited as the law of the state provides{_cited(liq)}, and less what was recovered"
    ),
}


def _cited(liq) -> str:
    return f" ({liq['citation']})" if liq.get("citation") else ""


def _good_through(terms) -> str:
    return long_date(day(terms.get("good_through") or terms["payoff"]["as_of"]))


def _per_diem(terms) -> Decimal:
    return Decimal(terms.get("per_diem") or "0")


def _accrual(terms, bearing: str = "") -> str:
    """The Total Debt's good-through date and what it grows by each day after it."""
    good = _good_through(terms)
    daily = _per_diem(terms)
    liq = terms.get("liquidation") or {}
    accrues = (
        "post-judgment interest accrues on the judgment's unpaid amount"
        if liq.get("basis") == "judgment"
        else f"interest accrues on the {bearing}unpaid principal"
    )
    if daily:
        return (
            f"The Total Debt is stated as of {good} (the “Good-Through Date”); after it, "
            f"{accrues} at {format_money(daily)} a day (the “Per Diem”) until this agreement "
            "is performed."
        )
    return (
        f"The Total Debt is stated as of {good} (the “Good-Through Date”); no interest accrues "
        "on it after that date (a Per Diem of $0.00)."
    )


def _waiver_parts(terms) -> tuple[str, str]:
    """The waiver's figures and, for terms with a good-through date, the rule that sets the
    amount waived if the money comes later: never a fixed figure that accruing interest would
    contradict. A short sale states a floor (the Minimum Net Proceeds), a DPO a fixed sum."""
    minimum = terms["kind"] != "dpo"
    received = amount(terms, "minimum_net_proceeds" if minimum else "settlement_amount")
    total = Decimal(terms["payoff"]["total"])
    waived = None if received is None else total - received
    if "per_diem" not in terms:  # a version frozen before good-through dates
        as_of = (
            "after the liquidation"
            if terms.get("liquidation")
            else "as of " + long_date(day(terms["payoff"]["as_of"]))
        )
        if minimum:
            return (
                f"The figures: the Total Debt {as_of} is {words_and_figures(total)}; the "
                f"amount the Holder is to receive is at least {_wf(received, 'amount')}; the "
                f"amount the Holder waives is at most {_wf(waived, 'amount')}, less whatever it "
                "receives above the Minimum Net Proceeds."
            ), ""
        return (
            f"The figures: the Total Debt {as_of} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is {_wf(received, 'amount')}; the amount the "
            f"Holder waives is {_wf(waived, 'amount')}."
        ), ""
    good = _good_through(terms)
    daily = _per_diem(terms)
    later = (
        f"plus the Per Diem of {format_money(daily)} for each day after {good} up to and "
        "including the day"
        if daily
        else "(no interest accrues after the Good-Through Date) as of the day"
    )
    if minimum:
        return (
            f"The figures: the Total Debt as of {good} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is at least {_wf(received, 'amount')} in net "
            "proceeds at closing (the Minimum Net Proceeds: a floor, not a fixed price); if the "
            f"sale closes on {good} and the Holder receives exactly the Minimum Net Proceeds, "
            f"the amount the Holder waives is {_wf(waived, 'amount')}."
        ), (
            f"The amount waived is the Total Debt {later} the sale closes, less the net "
            "proceeds the Holder actually receives at closing: every dollar the Holder receives "
            "above the Minimum Net Proceeds reduces the amount waived by one dollar."
        )
    return (
        f"The figures: the Total Debt as of {good} is {words_and_figures(total)}; the "
        f"amount the Holder is to receive is {_wf(received, 'amount')}; the amount the "
        f"Holder waives is {_wf(waived, 'amount')} as of {good}."
    ), (
        f"If the Holder receives the final payment after {good}, the amount waived is the "
        f"Total Debt {later} the Holder receives the final payment, less the Settlement "
        "Amount received."
    )


NOTICES_TITLE = "Notices"


def _one_line(text: str) -> str:
    return ", ".join(line.strip().rstrip(",") for line in (text or "").splitlines() if line.strip())


def signatures(terms) -> list[dict]:
    """The signature blocks the document prints after the sections: each borrower by the
    name as signed, then the Holder by its signatory ("By:", "Name:", "Title:"; blanks to
    fill in by hand when unset). Terms frozen before the signatory was recorded keep their
    block ("by its authorized signatory", a line for name and title)."""
    blocks = [
        {"label": f"{party_name(b)}, Borrower", "by": False, "lines": ["Date"]}
        for b in terms["borrowers"]
    ]
    holder = terms["holder_name"]
    if "holder_signatory" not in terms:
        blocks.append({"label": f"{holder}, Holder — by its authorized signatory", "by": False,
                       "lines": ["Name and title", "Date"]})  # fmt: skip
        return blocks
    who, blank = terms["holder_signatory"], "____________________"
    blocks.append({
        "label": f"{holder}, Holder",
        "by": True,
        "name": f"Name: {who.get('name') or blank}",
        "title": f"Title: {who.get('title') or blank}",
        "lines": ["Date"],
    })  # fmt: skip
    return blocks


# --- the named fields clauses use (settlements.library) --------------------------------------


def _note_description(terms) -> str:
    note = []
    if terms.get("note_date"):
        note.append(f"dated {long_date(day(terms['note_date']))}")
    if terms.get("original_balance"):
        note.append(f"in the original amount of {format_money(Decimal(terms['original_balance']))}")
    return (" " + " ".join(note)) if note else ""


_SOLD = {
    "foreclosure sale": "was sold at a foreclosure sale",
    "short sale": "was sold in a short sale",
    "deed in lieu": "was conveyed by a deed in lieu of foreclosure",
}


def _secured_by(terms) -> str:
    """What secures (or secured) the Loan: the state's instrument as recorded, the county, the
    parcel; a Property already sold is named as what once secured it. A version frozen before
    the loan's document facts were recorded says "a mortgage or deed of trust"."""
    if "security" not in terms:
        where = _property_phrase(terms)
        return f"secured by a mortgage or deed of trust on {where} (the “Property”)"
    security = terms["security"]
    label = security.get("label") or "mortgage or deed of trust"
    parcel = (terms["property"].get("parcel") or "").strip()
    where = _property_phrase(terms) + (f" (parcel number {parcel})" if parcel else "")
    liq = terms.get("liquidation")
    recorded = _recorded_as(terms, blank=not liq)
    if liq:
        sold = _SOLD.get(liq["event"], f"was transferred by a {liq['event']}")
        return (
            f"once secured by a {label}{recorded} in the land records {_where_recorded(terms)} "
            f"on {where} (the “Property”). The Property {sold} on "
            f"{long_date(day(liq['date']))}, and it no longer secures the Loan"
        )
    return (
        f"secured by a {label}{recorded} in the land records {_where_recorded(terms)} (the "
        f"“Security Instrument”) on {where} (the “Property”)"
    )


def _recorded_as(terms, blank: bool = True) -> str:
    """' recorded on June 3, 2019 as Instrument No. 2019-0123456', or a visible blank (the
    release must name what it releases)."""
    security = terms.get("security") or {}
    reference = (security.get("recording_reference") or "").strip()
    on = security.get("recorded_on")
    out = ""
    if on:
        out += f" recorded on {long_date(day(on))}"
    if reference:
        out += f" as {reference}" if on else f" recorded as {reference}"
    if not out and blank:
        out = " recorded as [recording reference to be set]"
    return out


def _where_recorded(terms) -> str:
    """'of Sacramento County, California'; a Louisiana parish, a county named with its word."""
    security = terms.get("security") or {}
    county = (security.get("county") or terms["property"].get("county") or "").strip()
    state = terms["governing_state_name"]
    if not county:
        return f"of the county in {state} where the Property is"
    words = county.lower().split()
    if words[-1] not in ("county", "parish", "borough", "city"):
        county += " Parish" if terms.get("governing_state") == "LA" else " County"
    return f"of {county}, {state}"


RELEASE_DEADLINES = Path(__file__).resolve().parent / "data" / "release_deadlines.csv"


@lru_cache(maxsize=1)
def release_deadlines() -> dict[str, dict]:
    """The states whose law sets a deadline to release a paid mortgage or deed of trust:
    {state: {"days", "trigger", "citation"}} (settlements/data/release_deadlines.csv, from
    the statutes AGREEMENTS.md lists)."""
    with RELEASE_DEADLINES.open(newline="", encoding="utf-8") as f:
        return {r["state"]: {**r, "days": int(r["days"])} for r in csv.DictReader(f)}


def _release_deadline(terms) -> str:
    """', and in any case within 60 days after ... (Tex. Fin. Code § 343.108)', where the
    state's law sets one; else nothing."""
    rule = release_deadlines().get(terms.get("governing_state") or "")
    if rule is None:
        return ""
    return f", and in any case within {rule['days']} days {rule['trigger']} ({rule['citation']})"


def _payment_schedule(terms) -> str:
    if terms["installments"]:
        rows = "; ".join(
            f"{format_money(Decimal(i['amount']))} by {long_date(day(i['due_on']))}"
            for i in terms["installments"]
        )
        return f"in {len(terms['installments'])} installments: {rows}"
    return f"in one payment received by {_on(terms['lump_sum_due'], 'due date')}"


def _payment_instructions(terms) -> str:
    instructions = (terms["payment_instructions"] or "").strip().rstrip(".")
    return f" as follows: {instructions}" if instructions else ""


def _judgment_satisfaction(terms) -> str:
    liq = terms.get("liquidation") or {}
    if liq.get("judgment_on"):
        return (
            f". The Holder will file a satisfaction of the deficiency judgment entered on "
            f"{long_date(day(liq['judgment_on']))} within 20 days after it receives the "
            "final payment, or sooner where the law requires."
        )
    return "."


def _default_interest(terms) -> str:
    liq = terms.get("liquidation") or {}
    if liq.get("basis") == "judgment":
        return ", with post-judgment interest,"
    return ", with interest," if _per_diem(terms) or "per_diem" not in terms else ""


@list_field
def _notice_addresses(terms) -> list[str] | None:
    """Every party's notice address. A version frozen before the parties step recorded them
    has none: its document has no Notices clause."""
    if "holder_signatory" not in terms:
        return None

    def to(who, address, email):
        where = _one_line(address) or "[notice address to be set]"
        return f"To {who}: {where}" + (f"; e-mail: {email}." if email else ".")

    lines = [to(f"the Holder, {terms['holder_name']}", terms["holder_address"],
                terms.get("holder_notice_email"))]  # fmt: skip
    return lines + [
        to(f"the Borrower {party_name(b)}", b.get("notice_address"), b.get("email"))
        for b in terms["borrowers"]
    ]


def _seller_proceeds(terms) -> str:
    relocation = amount(terms, "relocation_amount") or Decimal("0")
    if relocation:
        return (
            f"The Borrower will receive nothing from the sale except a relocation payment of "
            f"{words_and_figures(relocation)}, paid at closing."
        )
    return "The Borrower will receive nothing from the sale proceeds."


def _ownership(terms) -> str:
    if terms.get("liquidation"):
        return "the Borrower has the legal capacity to sign this agreement and to perform it"
    return (
        "the Borrower owns the Property and has not transferred it, or any interest in it, "
        "without telling the Holder in writing"
    )


def _hardship(terms) -> str:
    return " ".join((terms.get("hardship") or "").split()).rstrip(".")


def _credit_outcome(terms) -> str:
    if terms["kind"] == "dpo":
        return "paid in settlement for less than the full balance"
    return "settled through a short sale for less than the full balance"


def _junior(terms) -> bool:
    return (terms.get("lien_position") or 1) >= 2


FIELDS = {
    "agreement_date": ("The agreement's date, written out",
                       lambda t: long_date(day(t["agreement_date"]))),
    "holder": ("The holder's legal name", lambda t: t["holder_name"]),
    "borrowers": ("Every borrower's name as signed, joined with “and”", _borrower_names),
    "joint_and_several": ("“; their obligations are joint and several” when there are "
                          "several borrowers, else nothing",
                          lambda t: "; their obligations are joint and several"
                          if len(t["borrowers"]) > 1 else ""),
    "note_description": ("“ dated …, in the original amount of …” (the note's date and "
                         "amount, when known)", _note_description),
    "loan_number": ("The loan number", lambda t: t["loan_number"]),
    "secured_by": ("What secures the Loan: the instrument as recorded, the county, the "
                   "property and its parcel; a property already sold is named as what once "
                   "secured it", _secured_by),
    "recorded_as": ("“ recorded on … as …” (the security instrument's recording date and "
                    "reference; a visible blank when unknown)", _recorded_as),
    "release_deadline": ("“, and in any case within N days after … (statute)”: the state's "
                         "deadline to release a paid lien, where its law sets one",
                         _release_deadline),
    "instrument": ("The state's (or the loan's) security instrument: “mortgage”, “deed of "
                   "trust”, “security deed”; “mortgage or deed of trust” when unknown",
                   lambda t: (t.get("security") or {}).get("label") or "mortgage or deed of trust"),
    "where_recorded": ("“of … County, State” (where the instrument is recorded)",
                       _where_recorded),
    "property": ("“the property at …” (its address)", _property_phrase),
    "governing_state": ("The governing state's name", lambda t: t["governing_state_name"]),
    "amount_owed": ("The paragraph stating the Total Debt, itemized, its good-through date "
                    "and per diem (and the liquidation, if any)", _amount_owed),
    "settlement_amount": ("The settlement amount in words and figures",
                          lambda t: _wf(amount(t, "settlement_amount"), "settlement amount")),
    "payment_schedule": ("“in one payment received by …” or “in N installments: …”",
                         _payment_schedule),
    "payment_method": ("How payments are made (lower case)",
                       lambda t: (t["payment_method"]
                                  or "a method the Holder accepts in writing").lower()),
    "payment_instructions": ("“ as follows: …” (the payment instructions, when given)",
                             _payment_instructions),
    "offer_expires_on": ("The offer's expiry date",
                         lambda t: _on(t["offer_expires_on"], "expiry date")),
    "lien_release_days": ("Days to release the lien or confirm the settlement",
                          lambda t: str(t["lien_release_days"])),
    "judgment_satisfaction": ("“.” or, when a deficiency judgment was entered, the promise to "
                              "file its satisfaction", _judgment_satisfaction),
    "waiver_figures": ("The waiver's figures: total debt, amount received, amount waived",
                       lambda t: _waiver_parts(t)[0]),
    "waiver_rule": ("How the amount waived changes when the money comes after the "
                    "good-through date", lambda t: _waiver_parts(t)[1]),
    "cure_days": ("Days to cure a missed payment", lambda t: str(t["cure_days"])),
    "default_interest": ("“, with interest,” when interest runs after default, else nothing",
                         _default_interest),
    "notice_addresses": ("Every party's notice address, one paragraph each",
                         _notice_addresses),
    "listing_signed_by": ("The listing agreement's deadline",
                          lambda t: _on(t.get("listing_signed_by"), "listing deadline")),
    "offer_forward_days": ("Days to forward each offer",
                           lambda t: str(t.get("offer_forward_days") or "[days to be set]")),
    "minimum_net_proceeds": ("The minimum net proceeds in words and figures",
                             lambda t: _wf(amount(t, "minimum_net_proceeds"),
                                           "minimum net proceeds")),
    "seller_proceeds": ("What the borrower receives from the sale (a relocation payment, or "
                        "nothing)", _seller_proceeds),
    "closing_deadline": ("The sale's closing deadline",
                         lambda t: _on(t.get("closing_deadline"), "closing deadline")),
    "senior_lienholder": ("The senior lienholder's name",
                          lambda t: (t.get("senior_lienholder") or "").strip()
                          or "[senior lienholder to be set]"),
    "ownership_representation": ("What the borrower represents about the property",
                                 _ownership),
    "hardship": ("The borrower's hardship, as the parties step records it", _hardship),
    "credit_reporting_outcome": ("How the account is reported once the agreement is performed",
                                 _credit_outcome),
}  # fmt: skip

CONDITIONS = {
    "always": ("Every document of the clause's kinds", lambda t: True),
    "junior_lien": ("The loan is a junior lien (second or later)", _junior),
    "first_lien": ("The loan is a first lien", lambda t: not _junior(t)),
    "before_liquidation": ("The property still secures the loan (no liquidation recorded)",
                           lambda t: not t.get("liquidation")),
    "after_liquidation": ("The agreement settles a deficiency after a liquidation",
                          lambda t: bool(t.get("liquidation"))),
    "installments": ("A DPO paid in installments", lambda t: bool(t.get("installments"))),
    "hardship": ("The parties step records the borrower's hardship",
                 lambda t: bool(_hardship(t))),
    "debt_collector": ("The holder is a debt collector (the parties step says so)",
                       lambda t: bool(t.get("holder_is_debt_collector"))),
}  # fmt: skip


def sections(terms: dict) -> list[tuple[str, list[str]]]:
    """The numbered sections, from the clause library (settlements.library): one source for
    the HTML, the PDF and the redline."""
    from settlements import library

    return library.sections(terms)


def title(terms: dict) -> str:
    return (
        "Discounted Payoff Agreement" if terms["kind"] == "dpo" else "Short Sale Agreement"
    ) + " and Waiver of Deficiency"


def plain_text(terms: dict) -> str:
    """The agreement as numbered plain text: what the redline compares."""
    out = [title(terms).upper(), f"Agreement {terms['number']}", ""]
    for n, (heading, paragraphs) in enumerate(sections(terms), 1):
        out.append(f"{n}. {heading}")
        out.extend(paragraphs)
        out.append("")
    out.extend(signature_lines(terms))
    return "\n".join(out).strip() + "\n"


def signature_lines(terms: dict) -> list[str]:
    """The signature block as text, one line per signer, as the document prints it: the
    redline compares it like any section (a renamed borrower or holder shows there)."""
    lines = ["SIGNATURES", "Signed by the parties on the dates below."]
    for block in signatures(terms):  # the blocks the PDF prints: one source for both
        parts = [block["label"]]
        if block.get("by"):
            parts += ["By: signature", block["name"], block["title"]]
        else:
            parts.append("signature")
        parts += [line.lower() for line in block["lines"]]
        lines.append(" — ".join(parts[:1]) + " — " + "; ".join(parts[1:]))
    return lines
