"""Issue 12: the loan's document facts reach an agreement's terms (settlements.terms.terms_for):
the parcel number, and the security instrument (the state's customary one or the loan's as
recorded) with its release document, recording reference and date, county and the state's
note. Data only: the clauses choose the wording."""

import json
from datetime import date

import pytest

from portfolios.instruments import customary
from settlements import services
from settlements.terms import terms_for
from tests.factories import make_loan

pytestmark = pytest.mark.django_db


def _terms(loan, staff):
    loan.portfolio.holder_legal_name = "Owner Fund LLC"
    loan.portfolio.save()
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    return terms_for(agreement, version_number=1)


def test_a_deed_of_trust_states_customary_instrument_and_the_recording(portfolio, staff):
    loan = make_loan(
        portfolio, property_state="CA", property_county="Sacramento", property_zip="95822",
        parcel_number="012-0345-067-0000", recording_reference="Instrument No. 2015-0123456",
        recorded_on=date(2015, 6, 12),
    )  # fmt: skip
    terms = _terms(loan, staff)
    assert terms["property"]["parcel"] == "012-0345-067-0000"
    assert terms["property"]["county"] == "Sacramento"
    assert terms["security"] == {
        "kind": "deed_of_trust",
        "label": "deed of trust",
        "release_document": "deed of reconveyance",
        "recording_reference": "Instrument No. 2015-0123456",
        "recorded_on": "2015-06-12",
        "county": "Sacramento",
        "customary": True,
        "state_source": customary("CA").note,
        "lien_holder": "beneficiary",
        "debtor": "trustor",
        "citation": "",
    }
    assert "Civ. Code 2941" in terms["security"]["state_source"]
    json.dumps(terms)  # stored as JSON in a frozen version


def test_a_mortgage_state_with_no_recording_yet(portfolio, staff):
    terms = _terms(make_loan(portfolio, property_state="NY"), staff)
    security = terms["security"]
    assert (security["kind"], security["label"]) == ("mortgage", "mortgage")
    assert security["release_document"] == "satisfaction of mortgage"
    assert (security["recording_reference"], security["recorded_on"]) == ("", None)
    assert security["customary"] is True and terms["property"]["parcel"] == ""


def test_georgias_security_deed_with_its_statute(portfolio, staff):
    loan = make_loan(portfolio, property_state="GA", property_zip="31204")
    security = _terms(loan, staff)["security"]
    assert (security["kind"], security["label"]) == ("security_deed", "security deed")
    assert security["release_document"] == "cancellation of the security deed"
    assert (security["lien_holder"], security["debtor"]) == ("grantee", "grantor")
    assert security["citation"] == "O.C.G.A. § 44-14-60 et seq."


def test_an_instrument_differing_from_the_states_is_not_customary(portfolio, staff):
    loan = make_loan(portfolio, property_state="MD", property_zip="21215",
                     security_instrument="mortgage")  # fmt: skip
    security = _terms(loan, staff)["security"]
    assert (security["kind"], security["customary"]) == ("mortgage", False)
    assert security["release_document"] == "satisfaction of mortgage"
    # The state's note still says what is customary there.
    assert security["state_source"] == customary("MD").note


def test_a_territory_without_an_instrument_gives_none(portfolio, staff):
    loan = make_loan(portfolio, property_state="PR", property_zip="00901")
    security = _terms(loan, staff)["security"]
    assert {k: security[k] for k in ("kind", "label", "release_document", "customary")} == {
        "kind": "", "label": "", "release_document": "", "customary": False,
    }  # fmt: skip


def test_a_frozen_version_keeps_the_facts_it_was_drafted_with(portfolio, staff):
    loan = make_loan(portfolio, property_state="CA", property_zip="95822", parcel_number="1-2-3")
    loan.portfolio.holder_legal_name = "Owner Fund LLC"
    loan.portfolio.save()
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    version = services.freeze_version(agreement=agreement, by=staff)
    loan.parcel_number, loan.security_instrument = "9-9-9", "mortgage"
    loan.save()
    version.refresh_from_db()
    assert version.terms["property"]["parcel"] == "1-2-3"
    assert version.terms["security"]["kind"] == "deed_of_trust"
