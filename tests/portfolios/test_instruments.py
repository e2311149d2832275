"""Issue 12: each state's customary security instrument (portfolios/data/
security_instruments.csv, read by portfolios.instruments) and what each kind calls its
release and its parties."""

import csv

import pytest
from django.core.exceptions import ImproperlyConfigured

from portfolios import instruments
from portfolios.choices import US_STATES
from portfolios.instruments import CSV_PATH, customary, load, of_kind

FIFTY_STATES_AND_DC = set(US_STATES) - {"PR", "GU", "VI", "AS", "MP"}


def _rows():
    with open(CSV_PATH, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_csv_has_one_row_for_each_of_the_50_states_and_dc():
    codes = [row["state_code"] for row in _rows()]
    assert len(FIFTY_STATES_AND_DC) == 51
    assert sorted(codes) == sorted(FIFTY_STATES_AND_DC)  # each once, none missing
    assert set(_rows()[0]) == {
        "state_code", "state_name", "customary_instrument", "note", "source_urls",
    }  # fmt: skip


@pytest.mark.parametrize("state", sorted(FIFTY_STATES_AND_DC))
def test_every_state_has_a_customary_instrument_with_its_note_and_sources(state):
    instrument = customary(state)
    assert instrument is not None
    assert instrument.kind in instruments.InstrumentKind.values
    assert (instrument.state, instrument.state_name) == (state, US_STATES[state])
    assert instrument.note and instrument.sources
    assert all(url.startswith("http") for url in instrument.sources)


def test_california_is_a_deed_of_trust_state():
    instrument = customary("CA")
    assert (instrument.kind, instrument.label) == ("deed_of_trust", "deed of trust")
    assert instrument.release_document == "deed of reconveyance"
    assert (instrument.lien_holder, instrument.debtor) == ("beneficiary", "trustor")
    assert "Civ. Code 2941" in instrument.note
    assert instrument.title == "Deed of trust"


def test_new_york_is_a_mortgage_state():
    instrument = customary("ny")  # any case
    assert (instrument.kind, instrument.label) == ("mortgage", "mortgage")
    assert instrument.release_document == "satisfaction of mortgage"
    assert (instrument.lien_holder, instrument.debtor) == ("mortgagee", "mortgagor")
    assert "RPAPL 1921" in instrument.note


def test_georgia_is_a_security_deed_not_a_mortgage():
    instrument = customary("GA")
    assert (instrument.kind, instrument.label) == ("security_deed", "security deed")
    assert instrument.release_document == "cancellation of the security deed"
    assert (instrument.lien_holder, instrument.debtor) == ("grantee", "grantor")
    assert instrument.citation == "O.C.G.A. § 44-14-60 et seq."
    assert "44-14-60" in instrument.note and "coded 'mortgage'" not in instrument.note
    # Only Georgia's customary instrument is a security deed.
    deeds = [s for s in FIFTY_STATES_AND_DC if customary(s).kind == "security_deed"]
    assert deeds == ["GA"]


@pytest.mark.parametrize("state", ["PR", "GU", "VI", "AS", "MP", "ZZ", "", None])
def test_a_territory_or_an_unknown_code_has_no_customary_instrument(state):
    assert customary(state) is None


def test_an_instrument_of_another_kind_keeps_the_states_note():
    instrument = of_kind("mortgage", "CA")
    assert (instrument.kind, instrument.state_name) == ("mortgage", "California")
    assert instrument.note == customary("CA").note
    assert of_kind("security_deed", "PR").state_name == "Puerto Rico"
    assert of_kind("lien", "CA") is None


def test_the_table_is_read_once():
    instruments._table.cache_clear()
    customary("CA"), customary("NY")
    assert instruments._table.cache_info().misses == 1


def _write(tmp_path, rows):
    path = tmp_path / "instruments.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(_rows()[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_csv_that_loses_a_state_is_refused(tmp_path):
    rows = [row for row in _rows() if row["state_code"] != "WY"]
    with pytest.raises(ImproperlyConfigured, match="no row for WY"):
        load(_write(tmp_path, rows))
    assert len(load(_write(tmp_path, _rows()))) == 51


@pytest.mark.parametrize(
    "change",
    [{"customary_instrument": "lien"}, {"state_code": "PR"}, {"state_code": "AL"}],
)
def test_a_csv_with_an_unknown_kind_a_territory_or_a_repeated_state_is_refused(tmp_path, change):
    rows = _rows()
    rows[1] = rows[1] | change  # Alaska's row
    with pytest.raises(ImproperlyConfigured, match="line 3"):
        load(_write(tmp_path, rows))
