"""The terms of an agreement as plain data: what a version freezes and a document renders.

Everything is JSON-ready (amounts as strings, dates as ISO text), so a frozen version
renders the same document from its stored terms forever.
"""

from datetime import date
from decimal import Decimal

from portfolios.choices import US_STATES


def _d(value):
    return value.isoformat() if isinstance(value, date) else value


def _m(value):
    return None if value is None else str(value)


def _liquidation(deficiency) -> dict | None:
    """How a liquidation reduced the debt, for an agreement that settles a deficiency."""
    if deficiency is None:
        return None
    event = deficiency.event
    judgment = getattr(deficiency, "judgment", None)
    citation = ""
    if judgment is not None:
        basis = "judgment"
    elif deficiency.recoverable != deficiency.deficiency:
        from deficiencies.services import assessment_for

        fair_value = deficiency.fair_value_deficiency
        basis = "fair_value" if deficiency.recoverable == fair_value else "limited"
        # The provision the limit rests on, as the deficiency page cites it.
        decision = assessment_for(deficiency)
        reason = decision.fair_value if basis == "fair_value" else decision.purchaser_cap
        citation = reason.citation if reason is not None else ""
    else:
        basis = ""
    return {
        "event": event.get_event_type_display().lower(),
        "date": _d(event.event_date),
        "debt_before": _m(deficiency.total_debt),
        "credited": _m(deficiency.credited),
        "recovered": _m(deficiency.recovered),
        # What the claim rests on when it is not the plain balance: a judgment, a fair-value
        # credit, or another limit the state's provisions set (a purchaser cap).
        "basis": basis,
        "citation": citation,
        "judgment_on": _d(judgment.granted_on) if judgment is not None else None,
        # The figures the claim rests on, so the document can be reconciled from its page.
        "judgment_amount": _m(judgment.amount) if judgment is not None else None,
        "judgment_rate": (
            str(judgment.interest_rate.normalize()) if judgment is not None else None
        ),
        "fair_market_value": _m(event.fair_market_value),
        "deficiency": _m(deficiency.deficiency),
    }


def as_signed(tape_name: str) -> str:
    """The name as a person signs it, proposed from the tape's spelling: "Kowalczyk, Thomas
    J." gives "Thomas J. Kowalczyk", "Ruiz, Ana, Jr." gives "Ana Ruiz Jr."; a name without a
    comma stays as it is."""
    parts = [p.strip() for p in (tape_name or "").split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return " ".join((tape_name or "").split())
    last, first, *suffix = parts
    return " ".join(" ".join([first, last, *suffix]).split())


def property_address(loan) -> str:
    place = " ".join(x for x in (loan.property_state, loan.property_zip) if x)
    return ", ".join(x for x in (loan.property_address, loan.property_city, place) if x)


def parties_of(agreement) -> list[dict]:
    """Each borrower on the loan as the agreement names them: the name as signed and the
    notice address saved in the parties step, else the proposed name and the borrower's
    mailing address (else the property's)."""
    saved = {p.get("borrower"): p for p in agreement.parties or [] if isinstance(p, dict)}
    out = []
    for b in agreement.loan.borrowers.order_by("position", "pk"):
        mine = saved.get(b.pk, {})
        out.append({
            "borrower": b,
            "name": mine.get("name") or as_signed(b.name),
            "notice_address": mine.get("notice_address")
            or b.mailing_address or property_address(agreement.loan),
        })  # fmt: skip
    return out


def security_of(loan) -> dict:
    """The security instrument as the documents describe and release it: the recorded kind
    (`customary` False) or the state's customary one (`customary` True; portfolios/data/
    security_instruments.csv), its recording data, and the state's note on what is
    customary there. Kind, label and release document are "" when neither is known (a
    territory until staff enter the instrument)."""
    security = loan.instrument()
    instrument = security.instrument
    return {
        "kind": instrument.kind if instrument else "",
        "label": instrument.label if instrument else "",
        "release_document": instrument.release_document if instrument else "",
        "recording_reference": loan.recording_reference,
        "recorded_on": _d(loan.recorded_on),
        "county": loan.property_county,
        "customary": bool(instrument) and security.customary,
        "state_source": instrument.note if instrument else "",
        # What the instrument calls its parties ("beneficiary" and "trustor" in a deed of
        # trust), and the statute that makes it where one does (Georgia's security deed).
        "lien_holder": instrument.lien_holder if instrument else "",
        "debtor": instrument.debtor if instrument else "",
        "citation": instrument.citation if instrument else "",
    }


def terms_for(agreement, *, version_number: int) -> dict:
    """The agreement's terms, with the clause versions its document uses (chosen from the
    clause library for its kind, state, instrument and facts) and its riders."""
    from settlements import library

    terms = _facts(agreement, version_number=version_number)
    terms["hardship"] = agreement.hardship
    terms["holder_is_debt_collector"] = agreement.holder_is_debt_collector
    terms["riders"] = [{"title": r.title, "body": r.body} for r in agreement.riders.all()]
    terms["clauses"] = library.clauses_for(terms)
    return terms


def _facts(agreement, *, version_number: int) -> dict:
    loan = agreement.loan
    borrowers = [
        {
            "name": b.name,
            "mailing_address": b.mailing_address,
            # As the parties step set them (a version frozen before has neither: it names
            # the borrower as the tape spells it, without a notices clause).
            "signing_name": p["name"],
            "notice_address": p["notice_address"],
            "email": b.email,
        }
        for p in parties_of(agreement)
        for b in [p["borrower"]]
    ]
    terms = {
        "number": agreement.number,
        "version": version_number,
        "kind": agreement.kind,
        "agreement_date": _d(agreement.agreement_date),
        "holder_name": agreement.holder_name,
        "holder_address": agreement.holder_address,
        "holder_notice_email": agreement.holder_notice_email,
        "holder_signatory": {
            "name": agreement.holder_signatory_name,
            "title": agreement.holder_signatory_title,
        },
        "borrowers": borrowers,
        "loan_number": loan.loan_number,
        "note_date": _d(loan.origination_date),
        "original_balance": _m(loan.original_balance),
        "property": {
            "address": loan.property_address,
            "city": loan.property_city,
            "state": loan.property_state,
            "zip": loan.property_zip,
            "county": loan.property_county,
            "parcel": loan.parcel_number,
        },
        "security": security_of(loan),
        "governing_state": agreement.governing_state,
        "governing_state_name": US_STATES.get(agreement.governing_state, agreement.governing_state),
        "payoff": {
            "as_of": _d(agreement.payoff_as_of),
            "principal": _m(agreement.principal),
            "deferred_principal": _m(agreement.deferred_principal),
            "interest": _m(agreement.interest),
            "fees": _m(agreement.fees),
            "costs": _m(agreement.costs),
            "advances": _m(agreement.advances),
            "suspense": _m(agreement.suspense),
            "total": _m(agreement.total_debt),
        },
        # The Total Debt holds as of this date; after it, it grows by the per diem.
        "good_through": _d(agreement.good_through or agreement.payoff_as_of),
        "per_diem": _m(agreement.per_diem),
        "lien_position": loan.lien_position,
        "senior_lienholder": agreement.senior_lienholder,
        "liquidation": _liquidation(agreement.deficiency),
        "settlement_amount": _m(agreement.settlement_amount),
        "lump_sum_due": _d(agreement.lump_sum_due),
        "installments": [
            {"due_on": _d(i.due_on), "amount": _m(i.amount)} for i in agreement.installments.all()
        ],
        "payment_method": agreement.get_payment_method_display()
        if agreement.payment_method
        else "",
        "payment_instructions": agreement.payment_instructions,
        "offer_expires_on": _d(agreement.offer_expires_on),
        "lien_release_days": agreement.lien_release_days,
        "cure_days": agreement.cure_days,
        "minimum_net_proceeds": _m(agreement.minimum_net_proceeds),
        "listing_signed_by": _d(agreement.listing_signed_by),
        "offer_forward_days": agreement.offer_forward_days,
        "closing_deadline": _d(agreement.closing_deadline),
        "relocation_amount": _m(agreement.relocation_amount),
    }
    if agreement.kind == "short_sale":
        terms["sale"] = _sale(agreement)
    return terms


def _sale(agreement) -> dict:
    """A short sale's approval terms (settlements.sale_fields words them): the approved buyer,
    price and contract, the caps on what the price pays at closing, the junior liens a senior
    holder's sale must clear or a junior holder's senior approval, the arm's-length affidavit
    and a scheduled foreclosure sale. A version frozen before has no "sale" key."""
    percent = agreement.commission_cap_percent
    return {
        "buyer": " ".join((agreement.buyer_names or "").split()),
        "contract_price": _m(agreement.contract_price),
        "contract_date": _d(agreement.contract_date),
        "estimated_statement_on": _d(agreement.estimated_statement_on),
        "commission_cap_percent": None if percent is None else f"{percent:.3f}",
        "commission_cap_amount": _m(agreement.commission_cap_amount),
        "closing_costs_cap": _m(agreement.closing_costs_cap),
        "junior_liens_cap": _m(agreement.junior_liens_cap),
        "junior_lienholders": lienholder_lines(agreement.junior_lienholders),
        "senior_approval_on": _d(agreement.senior_approval_on),
        "senior_approval_reference": agreement.senior_approval_reference.strip(),
        "arms_length_affidavit": agreement.arms_length_affidavit,
        "foreclosure": agreement.foreclosure,
        "foreclosure_sale_on": _d(agreement.foreclosure_sale_on),
    }


def lienholder_lines(text: str) -> list[str]:
    """The junior lienholders as typed, one per line: blank lines dropped, spaces collapsed."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def amount(terms: dict, key: str) -> Decimal | None:
    value = terms.get(key)
    return None if value in (None, "") else Decimal(value)


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
