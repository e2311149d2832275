"""The agreement's numbered sections, written by the NoteInvest team in plain English.

`sections(terms)` returns [(title, [paragraph, ...]), ...] for a DPO or a short-sale
agreement. The HTML document, the PDF and the plain text used for redlines are all built
from this one list, so they always say the same thing. Paragraphs are plain text: the
templates escape them.
"""

from decimal import Decimal

from noteinvest.money import format_money
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


def _parties(terms) -> tuple[str, list[str]]:
    borrowers = _borrower_names(terms)
    plural = len(terms["borrowers"]) > 1
    note = []
    if terms.get("note_date"):
        note.append(f"dated {long_date(day(terms['note_date']))}")
    if terms.get("original_balance"):
        note.append(f"in the original amount of {format_money(Decimal(terms['original_balance']))}")
    return (
        "Parties and Loan",
        [
            f"This agreement is made on {long_date(day(terms['agreement_date']))} between "
            f"{terms['holder_name']} (the “Holder”) and {borrowers} (together and each, the "
            f"“Borrower”{'; their obligations are joint and several' if plural else ''}).",
            f"The Holder owns and holds the promissory note {' '.join(note) or ''} for loan "
            f"number {terms['loan_number']} (the “Loan”), secured by a mortgage or deed of trust "
            f"on {_property_phrase(terms)} (the “Property”).".replace("  ", " "),
        ],
    )


def _amount_owed(terms) -> tuple[str, list[str]]:
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
            "Amount Owed",
            [
                f"As of {as_of}, the total amount owed on the Loan was "
                f"{words_and_figures(Decimal(liq['debt_before']))}: {parts}{less}. The "
                f"{liq['event']} of the Property on {long_date(day(liq['date']))} credited "
                f"{format_money(Decimal(liq['credited']))} against it{since}{rest}",
            ],
        )
    if "per_diem" not in terms:  # a version frozen before good-through dates
        accrual = (
            f"Interest continues to accrue on the {'interest-bearing ' if deferred else ''}"
            "unpaid principal until this agreement is performed."
        )
    else:
        accrual = _accrual(terms, bearing="interest-bearing " if deferred else "")
    return (
        "Amount Owed",
        [
            f"As of {as_of}, the total amount owed on the Loan is "
            f"{words_and_figures(Decimal(p['total']))} (the “Total Debt”): {parts}{less}. "
            + accrual
        ],
    )


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


def _waiver(terms, received, when: str, condition: str, *, minimum: bool = False):
    total = Decimal(terms["payoff"]["total"])
    waived = None if received is None else total - received
    if "per_diem" in terms:
        return _waiver_good_through(terms, total, received, waived, when, condition, minimum)
    as_of = (
        "after the liquidation"
        if terms.get("liquidation")
        else "as of " + long_date(day(terms["payoff"]["as_of"]))
    )
    if minimum:
        figures = (
            f"The figures: the Total Debt {as_of} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is at least {_wf(received, 'amount')}; the amount "
            f"the Holder waives is at most {_wf(waived, 'amount')}, less whatever it receives "
            "above the Minimum Net Proceeds."
        )
    else:
        figures = (
            f"The figures: the Total Debt {as_of} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is {_wf(received, 'amount')}; the amount the "
            f"Holder waives is {_wf(waived, 'amount')}."
        )
    return (
        WAIVER_TITLE,
        [
            figures,
            *_release(when, condition),
        ],
    )


def _release(when: str, condition: str) -> list[str]:
    return [
        f"{when}, {WAIVER_RELEASE}, including any deficiency and any deficiency judgment, "
        "whether already entered or not, and will not seek to collect it from the Borrower.",
        f"This waiver takes effect only {condition}. It does not take effect if that does "
        "not happen, and until it takes effect the Holder keeps every right it has under the "
        "Loan documents and the law.",
    ]


def _waiver_good_through(terms, total, received, waived, when, condition, minimum):
    """The waiver as of the Good-Through Date, and the rule that sets it if the money comes
    later: never a fixed figure that accruing interest would contradict."""
    good = _good_through(terms)
    daily = _per_diem(terms)
    later = (
        f"plus the Per Diem of {format_money(daily)} for each day after {good} up to and "
        "including the day"
        if daily
        else "(no interest accrues after the Good-Through Date) as of the day"
    )
    if minimum:
        figures = (
            f"The figures: the Total Debt as of {good} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is at least {_wf(received, 'amount')} in net "
            "proceeds at closing (the Minimum Net Proceeds: a floor, not a fixed price); if the "
            f"sale closes on {good} and the Holder receives exactly the Minimum Net Proceeds, "
            f"the amount the Holder waives is {_wf(waived, 'amount')}."
        )
        rule = (
            f"The amount waived is the Total Debt {later} the sale closes, less the net "
            "proceeds the Holder actually receives at closing: every dollar the Holder receives "
            "above the Minimum Net Proceeds reduces the amount waived by one dollar."
        )
    else:
        figures = (
            f"The figures: the Total Debt as of {good} is {words_and_figures(total)}; the "
            f"amount the Holder is to receive is {_wf(received, 'amount')}; the amount the "
            f"Holder waives is {_wf(waived, 'amount')} as of {good}."
        )
        rule = (
            f"If the Holder receives the final payment after {good}, the amount waived is the "
            f"Total Debt {later} the Holder receives the final payment, less the Settlement "
            "Amount received."
        )
    return (WAIVER_TITLE, [figures, rule, *_release(when, condition)])


def _tax_notice() -> tuple[str, list[str]]:
    return (
        TAX_TITLE,
        [
            "Debt that the Holder forgives under this agreement may be reported to the Internal "
            "Revenue Service on Form 1099-C, Cancellation of Debt (26 U.S.C. § 6050P), and may "
            "be taxable income to the Borrower (26 U.S.C. § 61(a)). Box 2 of Form 1099-C shows "
            "the amount of debt discharged; the Holder need not include interest in it, and "
            "any interest it does include is also shown in box 3 (26 C.F.R. § 1.6050P-1). "
            "Exclusions, such as for a Borrower who is insolvent or whose debt is "
            "discharged in bankruptcy, may apply (26 U.S.C. § 108(a)). IRS Publication 4681, "
            "Canceled Debts, Foreclosures, Repossessions, and Abandonments, explains the rules.",
            "Any tax owed is the Borrower's obligation. The Holder gives no tax or legal advice; "
            "the Borrower should get their own tax and legal advice before signing.",
        ],
    )


NOTICES_TITLE = "Notices"


def _one_line(text: str) -> str:
    return ", ".join(line.strip().rstrip(",") for line in (text or "").splitlines() if line.strip())


def _notices(terms) -> list[tuple[str, list[str]]]:
    """Every party's notice address, how notices are given and when they count. A version
    frozen before the parties step recorded them has no such clause (its terms lack them)."""
    if "holder_signatory" not in terms:
        return []

    def to(who, address, email):
        where = _one_line(address) or "[notice address to be set]"
        return f"To {who}: {where}" + (f"; e-mail: {email}." if email else ".")

    lines = [to(f"the Holder, {terms['holder_name']}", terms["holder_address"],
                terms.get("holder_notice_email"))]  # fmt: skip
    lines += [
        to(f"the Borrower {party_name(b)}", b.get("notice_address"), b.get("email"))
        for b in terms["borrowers"]
    ]
    return [(NOTICES_TITLE, [
        "Every notice under this agreement must be in writing and delivered by hand, sent by "
        "first-class or certified mail, postage prepaid, or sent by a nationally recognized "
        "overnight courier to the party's address below, or to another address that party "
        "gives the others by notice. A notice may also be sent by e-mail to a party that has "
        "given an e-mail address below.",
        "A notice counts when it is delivered by hand or by courier, three business days after "
        "it is mailed, or when an e-mail is sent if it is sent on a business day before 5:00 "
        "p.m. at the recipient's address (otherwise on the next business day).",
        *lines,
    ])]  # fmt: skip


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


def _boilerplate(terms) -> list[tuple[str, list[str]]]:
    return _notices(terms) + [
        ("No Admission of Liability", [
            "This agreement settles a disputed or unpaid debt. Nothing in it is an admission of "
            "liability or of any wrongdoing by either party.",
        ]),
        ("Entire Agreement", [
            "This agreement is the whole agreement between the parties about its subject. It "
            "replaces any earlier offer, letter or conversation, and it can be changed only in a "
            "writing signed by the Holder and every Borrower.",
        ]),
        ("Governing Law", [
            f"The law of the State of {terms['governing_state_name']}, where the Property is, "
            "governs this agreement.",
        ]),
        ("Counterparts and Electronic Signatures", [
            "This agreement may be signed in counterparts, which together form one agreement. "
            "Signatures delivered electronically or as a PDF count as originals.",
        ]),
    ]  # fmt: skip


def _dpo(terms) -> list[tuple[str, list[str]]]:
    settlement = amount(terms, "settlement_amount")
    payment = []
    if terms["installments"]:
        rows = "; ".join(
            f"{format_money(Decimal(i['amount']))} by {long_date(day(i['due_on']))}"
            for i in terms["installments"]
        )
        payment.append(
            f"The Borrower will pay the Holder {_wf(settlement, 'settlement amount')} (the "
            f"“Settlement Amount”) in {len(terms['installments'])} installments: {rows}."
        )
    else:
        payment.append(
            f"The Borrower will pay the Holder {_wf(settlement, 'settlement amount')} (the "
            f"“Settlement Amount”) in one payment received by "
            f"{_on(terms['lump_sum_due'], 'due date')}."
        )
    how = terms["payment_method"] or "a method the Holder accepts in writing"
    instructions = (terms["payment_instructions"] or "").strip().rstrip(".")
    payment.append(
        f"Each payment must be made by {how.lower()}"
        + (f" as follows: {instructions}" if instructions else "")
        + ". A payment counts when the Holder receives it in good funds."
    )
    liq = terms.get("liquidation") or {}
    interest = (
        ", with post-judgment interest,"
        if liq.get("basis") == "judgment"
        else (", with interest," if _per_diem(terms) or "per_diem" not in terms else "")
    )
    return [
        _parties(terms),
        ("Purpose", [
            "The Borrower has asked the Holder to accept less than the Total Debt in full "
            "settlement of the Loan. The Holder agrees on the terms below.",
        ]),
        _amount_owed(terms),
        ("Settlement Payment", payment),
        ("Acceptance Deadline", [
            "This offer ends unless the Borrower signs this agreement and the Holder receives it "
            f"by {_on(terms['offer_expires_on'], 'expiry date')}.",
        ]),
        ("Confirmation of Settlement", [
            f"Within {terms['lien_release_days']} days after the final payment clears, the Holder "
            "will send the Borrower a written statement that the Loan is settled"
            + (
                f". The Holder will file a satisfaction of the deficiency judgment entered on "
                f"{long_date(day(liq['judgment_on']))} within 20 days after it receives the "
                "final payment, or sooner where the law requires."
                if liq.get("judgment_on") else "."
            ),
        ]) if terms.get("liquidation") else ("Release of the Lien", [
            f"Within {terms['lien_release_days']} days after the final payment clears, the Holder "
            "will record a release or satisfaction of its mortgage or deed of trust on the "
            "Property and send the Borrower a copy.",
        ]),
        _waiver(
            terms, settlement,
            "When the Holder has received every payment of the Settlement Amount in good funds",
            "on the Holder's receipt of all payments of the Settlement Amount in good funds",
        ),
        ("Default and Cure", [
            "If a payment is not received when due, the Holder will give the Borrower written "
            f"notice, and the Borrower has {terms['cure_days']} days after the notice to make it.",
            "If the Borrower does not cure the default in time, the discount in this agreement is "
            "void: payments already received are credited to the Loan, the rest of the Total "
            f"Debt{interest} stays due, and the Holder may enforce all of its rights.",
        ]),
        _tax_notice(),
        *_boilerplate(terms),
    ]  # fmt: skip


def _short_sale(terms) -> list[tuple[str, list[str]]]:
    minimum = amount(terms, "minimum_net_proceeds")
    relocation = amount(terms, "relocation_amount") or Decimal("0")
    closing = _on(terms["closing_deadline"], "closing deadline")
    proceeds = (
        f"The Borrower will receive nothing from the sale except a relocation payment of "
        f"{words_and_figures(relocation)}, paid at closing."
        if relocation
        else "The Borrower will receive nothing from the sale proceeds."
    )
    return [
        _parties(terms),
        ("Purpose", [
            "The Borrower wants to sell the Property for less than the Total Debt. The Holder "
            "agrees to accept the net proceeds of that sale on the terms below.",
        ]),
        _amount_owed(terms),
        ("Acceptance Deadline", [
            "This offer ends unless the Borrower signs this agreement and the Holder receives it "
            f"by {_on(terms['offer_expires_on'], 'expiry date')}.",
        ]),
        ("The Sale", [
            "The Borrower will sign a listing agreement with a licensed real estate broker by "
            f"{_on(terms['listing_signed_by'], 'listing deadline')} and give the Holder a copy.",
            "The Borrower will allow the Property to be shown to buyers on reasonable notice and "
            "keep it in its present condition.",
            f"The Borrower will send the Holder every offer received within "
            f"{terms['offer_forward_days']} days of receiving it.",
            f"The Holder will accept a sale that pays it net proceeds of at least "
            f"{_wf(minimum, 'minimum net proceeds')} at closing (the “Minimum Net Proceeds”). "
            "“Net proceeds” means what the Holder itself receives at closing, after the sale "
            "price has paid any senior lien, the brokers' commissions, closing costs, taxes and "
            "any relocation payment; the Holder approves the final closing statement before "
            "closing.",
            "The sale must be an arm's-length transaction: the buyer may not be related to or "
            "affiliated with the Borrower, and no party may have an undisclosed agreement about "
            "the Property.",
            proceeds,
            f"The sale must close by {closing}.",
        ]),
        *_senior_approval(terms),
        ("If the Sale Does Not Close", [
            f"If the sale has not closed by {closing}, this agreement ends and the Holder keeps "
            "every right it has under the Loan documents and the law, including the right to "
            "foreclose and to seek any deficiency the law allows.",
        ]),
        ("Release of the Lien", [
            "On closing and receipt of at least the Minimum Net Proceeds, the Holder will "
            "deliver a release of its mortgage or deed of trust on the Property for recording "
            f"at closing, or record one within {terms['lien_release_days']} days after it.",
        ]),
        _waiver(
            terms, minimum,
            "When the sale closes and the Holder receives at least the Minimum Net Proceeds",
            "on the closing of the sale and the Holder's receipt of at least the Minimum Net "
            "Proceeds",
            minimum=True,
        ),
        _tax_notice(),
        *_boilerplate(terms),
    ]  # fmt: skip


def _senior_approval(terms) -> list[tuple[str, list[str]]]:
    """A junior lien's short sale: the senior lienholder must approve the sale (its lien
    comes first, so the sale cannot close clear of it without that)."""
    if (terms.get("lien_position") or 1) < 2:
        return []
    senior = (terms.get("senior_lienholder") or "").strip() or "[senior lienholder to be set]"
    return [
        (SENIOR_TITLE, [
            f"The Loan is secured by a junior lien: the Property is also subject to a senior "
            f"mortgage or deed of trust held by {senior} (the “Senior Lienholder”). The "
            f"Holder's release and waiver under this agreement take effect only if the Senior "
            f"Lienholder {SENIOR_APPROVAL} (and no later than the closing deadline) and "
            "releases its own lien at closing; the Borrower's other duties under this agreement "
            "apply from signing. The Borrower will ask for that approval and give the Holder a "
            "copy of it. Net proceeds are counted after the Senior Lienholder is paid: if its "
            "approval would leave the Holder less than the Minimum Net Proceeds, the Holder "
            "need not accept the sale, and nothing is waived unless the Holder agrees in "
            "writing.",
        ])
    ]  # fmt: skip


def sections(terms: dict) -> list[tuple[str, list[str]]]:
    return _dpo(terms) if terms["kind"] == "dpo" else _short_sale(terms)


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
