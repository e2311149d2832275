"""Issue 9, values as written: tape cells in the spellings sellers, agencies and servicers use."""

from datetime import date
from decimal import Decimal

import pytest

from portfolios.tape import values as v

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("202403", date(2024, 3, 1)), ("032024", date(2024, 3, 1)), (202403, date(2024, 3, 1)),
     ("05-12-2006", date(2006, 5, 12)), ("5-2-2006", date(2006, 5, 2)),
     ("20240301", date(2024, 3, 1)), (20240301, date(2024, 3, 1)),
     ("1-Mar-2024", date(2024, 3, 1)), ("01-MAR-2024", date(2024, 3, 1)),
     ("1 March 2024", date(2024, 3, 1)), ("15-Sept-2023", date(2023, 9, 15)),
     ("45352", date(2024, 3, 1)), (45352, date(2024, 3, 1)), (45352.0, date(2024, 3, 1)),
     ("18264", date(1950, 1, 1))],
)  # fmt: skip
def test_dates_as_written(raw, expected):
    assert v.a_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("01-MAR-24", "two-digit year"), ("05-12-06", "two-digit year"),
     ("123456", "not a month"), ("202413", "not a month"), ("132024", "not a month"),
     ("20240230", "not a real calendar date"), ("02-30-2024", "not a real calendar date"),
     ("30-Feb-2024", "not a real calendar date"), ("1-Foo-2024", "not a date"),
     ("18263", "is a number, not a date"), ("1", "is a number, not a date"),
     ("99999", "is a number, not a date"), (45352.5, "is a number, not a date"),
     ("１２３４５６", "not a date"), ("２０２４-03-01", "not a date"), ("０3/01/2024", "not a date"),
     (True, "not a date")],
)  # fmt: skip
def test_dates_as_written_refused(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.a_date(raw)


def test_excel_serials_stop_fifty_years_from_today(monkeypatch):
    monkeypatch.setattr(v.dates, "today", lambda: date(2026, 1, 1))
    last = (date(2076, 1, 1) - date(1899, 12, 30)).days
    assert v.a_date(str(last)) == date(2076, 1, 1)
    with pytest.raises(v.CellError, match="is a number"):
        v.a_date(str(last + 1))


def test_a_month_only_date_keeps_the_plausible_range_checks():
    with pytest.raises(v.CellError, match="must be"):
        v.paid_to_date("219912")  # December 2199 is a real month, not a plausible paid-to
    assert v.paid_to_date("202403") == date(2024, 3, 1)
    with pytest.raises(v.CellError, match="must be"):
        v.origination_date("194912")


@pytest.mark.parametrize("raw", ["$ -", "-", "$-", " $  - ", "$\u00a0-", "–"])
def test_a_dash_is_zero_where_blank_is_zero(raw):
    assert v.amount_or_zero(raw) == D("0.00")
    assert v.escrow_advances(raw) == D("0.00")


@pytest.mark.parametrize("raw", ["$ -", "-", "$-"])
def test_a_dash_is_not_an_amount_where_one_is_required(raw):
    with pytest.raises(v.CellError, match="not an amount"):
        v.amount(raw)
    with pytest.raises(v.CellError, match="not an amount"):
        v.optional_amount(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("-1,234.50", "1234.50"), ("(1,234.50)", "1234.50"), ("$-1,234.50", "1234.50"),
     ("-$1,234.50", "1234.50"), ("($1,234.50)", "1234.50"), (-1234.5, "1234.50"),
     (-250, "250.00"), ("1,234.50", "1234.50"), (99.5, "99.50"), ("", "0.00")],
)  # fmt: skip
def test_a_negative_impound_balance_is_an_advance(raw, expected):
    assert v.escrow_advances(raw) == D(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("--5", "negative"), ("-1.234", "more than two decimal"), ("()", "not an amount"),
     ("-abc", "not an amount")],
)  # fmt: skip
def test_bad_impound_balances(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.escrow_advances(raw)


def test_other_amounts_still_refuse_negatives():
    with pytest.raises(v.CellError, match="negative"):
        v.amount_or_zero("-5")


# --- territories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("PR", "PR"), ("gu", "GU"), ("VI", "VI"), ("AS", "AS"), ("MP", "MP"),
     ("Puerto Rico", "PR"), ("Guam", "GU"), ("U.S. Virgin Islands", "VI"),
     ("Virgin Islands", "VI"), ("American Samoa", "AS"), ("Northern Mariana Islands", "MP")],
)  # fmt: skip
def test_territories_are_property_states(raw, expected):
    assert v.state(raw) == expected


@pytest.mark.django_db
def test_a_territory_loan_is_stored_and_shown(client, staff, portfolio):
    from tests.factories import make_loan

    loan = make_loan(portfolio, "PR-1", property_state="PR")
    loan.full_clean()
    client.force_login(staff)
    page = client.get(loan.get_absolute_url())
    assert page.status_code == 200
    assert "Puerto Rico" in page.content.decode()


@pytest.mark.django_db
def test_a_deficiency_in_a_state_without_a_rule_row_is_undetermined_not_a_500(
    client, staff, portfolio
):
    from deficiencies.models import StateRule
    from tests.factories import make_loan, record_sale

    assert not StateRule.objects.filter(state_code="GU").exists()
    loan = make_loan(portfolio, "GU-1", property_state="GU")
    deficiency = record_sale(loan, staff)
    assert deficiency.verdict == "undetermined"
    client.force_login(staff)
    page = client.get(deficiency.get_absolute_url())
    assert page.status_code == 200
    assert "No deficiency rule is recorded for Guam" in page.content.decode()


# --- agency and servicer codes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [(v.occupancy, "P", "owner_occupied"), (v.occupancy, "I", "non_owner_occupied"),
     (v.occupancy, "S", "second_home"), (v.occupancy, "Second Home", "second_home"),
     (v.occupancy, "2nd Home", "second_home"), (v.occupancy, "U", "unknown"),
     (v.occupancy, "Owner Occupied", "owner_occupied"), (v.occupancy, "Non-Owner Occupied", "non_owner_occupied"),
     (v.occupancy, "Tenant Occupied", "non_owner_occupied"), (v.occupancy, "Vacant", "vacant"),
     (v.property_type, "SF", "single_family"), (v.property_type, "CO", "condo"),
     (v.property_type, "PU", "pud"), (v.property_type, "PUD", "pud"), (v.property_type, "MH", "manufactured"),
     (v.property_type, "CP", "co_op"), (v.property_type, "Co-op", "co_op"),
     (v.property_type, "Multi-Family", "two_to_four"), (v.property_type, "Multifamily", "two_to_four"),
     (v.property_type, "multi family", "two_to_four"), (v.property_type, "2-4 Units", "two_to_four"),
     (v.property_type, "2-4 unit", "two_to_four"), (v.property_type, "Duplex", "two_to_four"),
     (v.property_type, "Triplex", "two_to_four"), (v.property_type, "Fourplex", "two_to_four"),
     (v.property_type, "5+ units", "multifamily"), (v.property_type, "Multifamily 5+", "multifamily"),
     (v.property_type, "Multifamily (5+ units)", "multifamily"),
     (v.purchase_money, "P", "yes"), (v.purchase_money, "Purchase", "yes"), (v.purchase_money, "C", "no"),
     (v.purchase_money, "N", "no"), (v.purchase_money, "R", "no"), (v.purchase_money, "Cash-Out Refinance", "no"),
     (v.purchase_money, "Rate/Term Refinance", "no"), (v.purchase_money, "Rate/Term", "no"),
     (v.purchase_money, "No Cash-Out Refinance", "no"),
     (v.lien_position, "1st", 1), (v.lien_position, "First Lien", 1), (v.lien_position, "1st Lien", 1),
     (v.lien_position, "2nd", 2), (v.lien_position, "Second", 2), (v.lien_position, "second  lien", 2),
     (v.lien_position, "2nd Mortgage", 2), (v.lien_position, 1.0, 1), (v.lien_position, "2", 2),
     (v.status, "Current", "performing"), (v.status, "Performing", "performing"),
     (v.status, "Bankruptcy", "non_performing"), (v.status, "BK", "non_performing"),
     (v.status, "Chapter 13", "non_performing"), (v.status, "Foreclosure", "in_foreclosure"),
     (v.status, "FC", "in_foreclosure"), (v.status, "REO", "reo"), (v.status, "Real Estate Owned", "reo")],
)  # fmt: skip
def test_agency_and_servicer_codes(parser, raw, expected):
    assert parser(raw) == expected


@pytest.mark.parametrize(
    ("parser", "raw"),
    [(v.lien_position, "Lien"), (v.lien_position, "NaN"), (v.lien_position, "first second"),
     (v.occupancy, "X"), (v.property_type, "castle"), (v.purchase_money, "Q"), (v.status, "None")],
)  # fmt: skip
def test_unknown_codes_are_still_refused(parser, raw):
    with pytest.raises(v.CellError):
        parser(raw)


def test_a_second_home_is_not_owner_occupied_for_anti_deficiency_rules():
    from deficiencies import provisions

    def held(occupancy, token):
        facts = provisions.Facts(state_code="CA", state_name="California",
                                 event_type="foreclosure_sale", event_date=date(2026, 1, 5),
                                 occupancy=occupancy)  # fmt: skip
        return provisions.condition(token, facts)[0]

    for token in ("owner_occupied", "homestead"):
        assert held("second_home", token) is False
        assert held("non_owner_occupied", token) is False
        assert held("owner_occupied", token) is True


# --- through the import ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_servicer_tape_with_values_as_written_imports(portfolio):
    from portfolios.models import Loan
    from portfolios.services import process_tape
    from portfolios.tape.columns import auto_map
    from portfolios.tape.readers import open_tape
    from tests.portfolios.tapes import csv_bytes, good_row

    headers = ["Loan Number", "Borrower Name", "Property State", "Property Type", "Occupancy",
               "Purchase Money", "Lien Position", "Origination Date", "UPB", "Note Rate",
               "Paid To Date", "Fees", "Costs", "Status"]  # fmt: skip
    row = good_row(
        1, **{"Property State": "PR", "Property Type": "Multi-Family", "Occupancy": "S",
              "Purchase Money": "C", "Lien Position": "First Lien", "Origination Date": "05-12-2006",
              "Paid To Date": "202403", "Fees": "$ -", "Costs": "-", "Status": "BK"},
    )  # fmt: skip
    tape = open_tape("tape.csv", csv_bytes([row], headers=headers))
    outcome = process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip
    assert outcome.problems == []
    loan = Loan.objects.get(loan_number="T-00001")
    assert (loan.property_state, loan.property_type, loan.occupancy) == (
        "PR", "two_to_four", "second_home",
    )  # fmt: skip
    assert (loan.purchase_money, loan.lien_position, loan.status) == ("no", 1, "non_performing")
    assert (loan.origination_date, loan.paid_to_date) == (date(2006, 5, 12), date(2024, 3, 1))
    assert (loan.fees, loan.costs) == (D("0.00"), D("0.00"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("92024", date(2024, 9, 1)), (92024, date(2024, 9, 1)), ("12024", date(2024, 1, 1)),
     ("45352", date(2024, 3, 1))],
)  # fmt: skip
def test_five_digits_are_mmyyyy_without_its_zero_or_an_excel_serial(raw, expected):
    assert v.a_date(raw) == expected


def test_five_digits_that_read_both_ways_are_refused_never_guessed():
    with pytest.raises(v.CellError, match="could be the month 4/2024"):
        v.a_date("42024")  # April 2024, or the Excel serial for 2015-01-20


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42024", date(2024, 4, 1)), (42024, date(2024, 4, 1)), ("042024", date(2024, 4, 1)),
     ("202404", date(2024, 4, 1)), ("2024-04-01", date(2024, 4, 1))],
)  # fmt: skip
def test_a_month_column_reads_digits_as_a_month_only(raw, expected):
    assert v.paid_to_month(raw) == expected


@pytest.mark.parametrize("raw", ["45352", "2024", "1234567"])
def test_a_month_column_never_reads_an_excel_serial(raw):
    with pytest.raises(v.CellError, match="is not a month"):
        v.paid_to_month(raw)


def test_the_agency_month_columns_are_known():
    from portfolios.tape.columns import is_month_column

    assert is_month_column("Due Date of Last Paid Installment (DDLPI)")
    assert is_month_column("LAST_PAID_INSTALLMENT_DATE")
    assert not is_month_column("Paid To Date")


@pytest.mark.parametrize(
    "raw", ["2024-03-01 00:00:00", "2024-03-01T10:30:00Z", "3/1/2024 12:00 AM", "2024-03-01 10:30"]
)
def test_a_date_may_carry_a_time_of_day(raw):
    assert v.a_date(raw) == date(2024, 3, 1)


@pytest.mark.parametrize(
    "raw", ["2024-03-01 garbage", "03/01/2024 or 04/01/2024", "2024-03-01T99", "3/1/2024 noon"]
)
def test_anything_else_after_a_date_is_refused_not_dropped(raw):
    with pytest.raises(v.CellError, match="not a date"):
        v.a_date(raw)


@pytest.mark.parametrize("raw", ["٦", "٦.٥", "1e2", "6.5e0", "NaN", "Infinity", "+6", "6,5"])
def test_a_rate_is_ascii_digits_and_one_point_only(raw):
    with pytest.raises(v.CellError, match="not a rate"):
        v.rate_as_written(raw)


@pytest.mark.parametrize("raw", ["-0", "-6.5"])
def test_a_negative_rate_is_refused(raw):
    with pytest.raises(v.CellError, match="negative"):
        v.rate_as_written(raw)


@pytest.mark.parametrize("raw", ["٢", "1e1", "2.5", "-1", "0", "two"])
def test_units_are_whole_ascii_numbers(raw):
    with pytest.raises(v.CellError):
        v.units(raw)


@pytest.mark.parametrize("raw", ["1e0", "١", "0"])
def test_a_lien_position_is_a_whole_ascii_number(raw):
    with pytest.raises(v.CellError, match="not a lien position"):
        v.lien_position(raw)


@pytest.mark.parametrize("raw", ["0", "00", "000", "004", "000XX", 3])
def test_no_zip_prefix_is_below_005(raw):
    with pytest.raises(v.CellError, match="not a ZIP prefix"):
        v.zip_code(raw)


def test_a_month_column_says_month_for_five_digits_too():
    with pytest.raises(v.CellError, match="is not a month"):
        v.paid_to_month("45352")
