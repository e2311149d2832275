"""The liquidation's facts and figures: a junior lien's credit and a surplus, who bought,
the dates that start windows, a short sale's consent, and figures that need confirming."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deficiencies import services
from deficiencies.forms import LiquidationForm
from deficiencies.models import Deficiency, LiquidationEvent
from deficiencies.services import DeficiencyError, figures_for, rule_for
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db

D = Decimal


def sale_post(**overrides):
    data = {"event_type": "foreclosure_sale", "event_date": "2026-10-01",
            "sale_process": "non_judicial", "sale_price": "150000.00"}  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def second(portfolio):
    """The issue's second lien: $60,953 owed on the sale date, nothing accruing."""
    return make_loan(
        portfolio, "J-2", property_state="CA", upb=D("60953.00"), note_rate=D("0"),
        fees=D("0.00"), lien_position=2,
    )  # fmt: skip


def record(client, loan, **overrides):
    if overrides.get("senior_debt") and "foreclosed_by" not in overrides:
        overrides["foreclosed_by"] = "senior"  # a senior debt paid from the sale: its sale
    return client.post(reverse("deficiencies:record", args=[loan.pk]), sale_post(**overrides))


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, name) -> str:
    return " ".join(response.context["form"].errors.get(name, []))


# --- a junior lien ---------------------------------------------------------------------------


def test_a_junior_is_credited_only_what_the_bid_left_above_the_senior_debt(client, staff, second):
    # The figures: $60,953 second, $190,000 senior debt, $210,000 bid.
    client.force_login(staff)
    response = record(client, second, sale_price="210,000.00", senior_debt="190,000.00")
    assert response.status_code == 302
    d = Deficiency.objects.get(loan=second)
    assert d.total_debt == D("60953.00")
    assert d.credited == D("20000.00")  # 210,000 - 190,000
    assert d.deficiency == D("40953.00")  # 60,953 - 20,000
    assert d.surplus == D("0.00")
    page = client.get(d.get_absolute_url()).text
    assert "left above the $190,000.00 senior debt" in page
    assert 'data-testid="surplus"' not in page


def test_a_bid_above_the_whole_debt_leaves_a_surplus_that_is_not_the_holders(client, staff, second):
    # $260,000 bid: $70,000 above the senior debt, $9,047 above the second's $60,953.
    client.force_login(staff)
    response = record(client, second, sale_price="260000", senior_debt="190000")
    assert response.status_code == 302
    d = Deficiency.objects.get(loan=second)
    assert (d.credited, d.deficiency, d.surplus) == (D("70000.00"), D("0.00"), D("9047.00"))
    page = text(client.get(d.get_absolute_url()))
    assert (
        "A surplus of $9,047.00 above the debt: it is not the holder's; it goes to junior "
        "lienholders, then the borrower." in page
    )


def test_a_sold_out_junior_is_credited_nothing(client, staff, second):
    client.force_login(staff)
    assert record(client, second, sale_price="150000", senior_debt="190000").status_code == 302
    d = Deficiency.objects.get(loan=second)
    assert (d.credited, d.deficiency, d.surplus) == (D("0.00"), D("60953.00"), D("0.00"))


def test_a_first_lien_bid_above_the_debt_leaves_a_surplus(client, staff, loan):
    client.force_login(staff)
    assert record(client, loan, sale_price="250000").status_code == 302  # debt 209,500
    d = Deficiency.objects.get(loan=loan)
    assert (d.deficiency, d.surplus) == (D("0.00"), D("40500.00"))


def test_a_deed_in_lieu_above_the_debt_leaves_no_surplus(client, staff, loan):
    client.force_login(staff)
    response = record(
        client, loan, event_type="deed_in_lieu", fair_market_value="250000",
        value_date="2026-09-01",
    )  # fmt: skip
    assert response.status_code == 302
    assert Deficiency.objects.get(loan=loan).surplus == D("0.00")  # a value, not proceeds


def test_a_juniors_sale_needs_the_senior_debt_beside_its_field(client, staff, second):
    client.force_login(staff)
    page = client.get(reverse("deficiencies:record", args=[second.pk])).text
    assert 'name="senior_debt"' in page and "junior lien" in page
    response = record(client, second, sale_price="210000")
    assert response.status_code == 200
    assert "is a junior lien (position 2): say whose sale it was" in field_errors(
        response, "foreclosed_by"
    )
    response = record(client, second, sale_price="210000", foreclosed_by="senior")
    assert "sold out by a senior's sale: enter the senior debt" in field_errors(
        response, "senior_debt"
    )
    assert 'value="210000"' in response.text
    assert not LiquidationEvent.objects.exists()


def test_a_first_lien_refuses_a_senior_debt_beside_its_field(client, staff, loan):
    client.force_login(staff)
    page = client.get(reverse("deficiencies:record", args=[loan.pk])).text
    assert 'name="senior_debt"' not in page  # shown where it applies
    response = record(client, loan, senior_debt="190000")
    assert response.status_code == 200
    assert "is a first lien: no senior debt is paid before it" in field_errors(
        response, "senior_debt"
    )
    assert 'name="senior_debt"' in response.text and 'value="190000"' in response.text
    assert not LiquidationEvent.objects.exists()


def test_a_juniors_short_sale_asks_no_senior_debt(client, staff, second):
    client.force_login(staff)
    response = record(
        client, second, event_type="short_sale", gross_price="250000", net_proceeds="30000",
        senior_debt="190000",
    )  # fmt: skip
    assert response.status_code == 302
    event = LiquidationEvent.objects.get(loan=second)
    assert event.senior_debt is None  # cleared: it belongs to the sale
    assert Deficiency.objects.get(loan=second).credited == D("30000.00")


def test_figures_for_a_junior_without_its_senior_debt_are_refused_by_the_service(staff, second):
    event = LiquidationEvent(
        loan=second, event_type="foreclosure_sale", event_date=date(2026, 10, 1),
        sale_process="non_judicial", sale_price=D("210000"),
    )  # fmt: skip
    with pytest.raises(DeficiencyError, match="sold out by a senior's sale: enter the senior"):
        figures_for(second, event, rule_for("CA"))


def test_correcting_a_juniors_sale_recomputes_the_credit_and_surplus(client, staff, second):
    client.force_login(staff)
    record(client, second, sale_price="210000", senior_debt="190000")
    d = Deficiency.objects.get(loan=second)
    url = reverse("deficiencies:edit_event", args=[d.pk])
    assert 'value="190000.00"' in client.get(url).text
    response = client.post(
        url, sale_post(sale_price="260000", senior_debt="190000", version=d.version)
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.credited, d.deficiency, d.surplus) == (D("70000.00"), D("0.00"), D("9047.00"))


# --- who bought --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "buyer", "creditor_is_purchaser"),
    [
        ({}, "unknown", None),
        ({"buyer": "third_party"}, "third_party", False),
        ({"buyer": "holder"}, "holder", True),
        ({"credit_bid": "on"}, "holder", True),  # a winning credit bid is the holder's
        ({"credit_bid": "on", "buyer": "holder"}, "holder", True),
    ],
)
def test_who_bought_is_stored_and_read_as_the_engine_asks(
    client, staff, loan, posted, buyer, creditor_is_purchaser
):
    client.force_login(staff)
    assert record(client, loan, **posted).status_code == 302
    event = LiquidationEvent.objects.get(loan=loan)
    assert event.buyer == buyer
    assert event.creditor_is_purchaser is creditor_is_purchaser
    page = text(client.get(Deficiency.objects.get(loan=loan).get_absolute_url()))
    assert f'Bought by</dt><dd class="col-5">{event.get_buyer_display()}' in page


def test_a_credit_bid_bought_by_a_third_party_is_refused_beside_the_buyer(client, staff, loan):
    client.force_login(staff)
    response = record(client, loan, credit_bid="on", buyer="third_party")
    assert response.status_code == 200
    assert "A credit bid is the holder's" in field_errors(response, "buyer")
    assert not LiquidationEvent.objects.exists()


def test_an_unknown_buyer_is_refused_beside_its_field(client, staff, loan):
    client.force_login(staff)
    response = record(client, loan, buyer="the-bank")
    assert "not one of the available choices" in field_errors(response, "buyer")


def test_a_buyer_not_sent_on_a_correction_keeps_the_stored_one(client, staff, loan):
    client.force_login(staff)
    record(client, loan, buyer="third_party")
    d = Deficiency.objects.get(loan=loan)
    url = reverse("deficiencies:edit_event", args=[d.pk])
    assert client.post(url, sale_post(sale_price="160000", version=d.version)).status_code == 302
    assert LiquidationEvent.objects.get(loan=loan).buyer == "third_party"


def test_a_stored_credit_bid_with_an_unknown_buyer_reads_as_the_holder(loan, staff):
    deficiency = record_sale(loan, staff, credit_bid=True)  # as the demo data records one
    assert deficiency.event.buyer == "unknown"
    assert deficiency.event.creditor_is_purchaser is True


def test_only_a_foreclosure_sale_has_a_buyer(client, staff, loan):
    client.force_login(staff)
    response = record(
        client, loan, event_type="short_sale", gross_price="200000", net_proceeds="150000",
        buyer="holder", credit_bid="on", confirmed_on="2026-10-15",
    )  # fmt: skip
    assert response.status_code == 302
    event = LiquidationEvent.objects.get(loan=loan)
    assert (event.buyer, event.credit_bid, event.confirmed_on) == ("unknown", False, None)
    assert event.creditor_is_purchaser is None


# --- dates that start windows -------------------------------------------------------------------


def test_the_dates_after_the_sale_are_stored(client, staff, loan):
    client.force_login(staff)
    ahead = timezone.localdate() + timedelta(days=200)
    response = record(
        client, loan, confirmed_on="2026-10-20", deed_delivered_on="2026-10-25",
        certificate_on="2026-10-22", redemption_ends_on=ahead.isoformat(),
    )  # fmt: skip
    assert response.status_code == 302
    event = LiquidationEvent.objects.get(loan=loan)
    assert (event.confirmed_on, event.deed_delivered_on, event.certificate_on) == (
        date(2026, 10, 20), date(2026, 10, 25), date(2026, 10, 22),
    )  # fmt: skip
    assert event.redemption_ends_on == ahead  # a redemption period may still run
    page = text(client.get(Deficiency.objects.get(loan=loan).get_absolute_url()))
    for shown in ("Confirmed by the court", "Oct 20, 2026", "Deed delivered", "Oct 25, 2026",
                  "Certificate of title", "Oct 22, 2026", "Redemption period ends"):  # fmt: skip
        assert shown in page, shown


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("confirmed_on", "2026-09-30", "cannot be before the sale date"),
        ("deed_delivered_on", "2026-09-01", "cannot be before the sale date"),
        ("certificate_on", "2026-01-01", "cannot be before the sale date"),
        ("redemption_ends_on", "2026-09-30", "cannot be before the sale date"),
        ("confirmed_on", "2099-01-01", "between 30 years ago and today"),
        ("deed_delivered_on", "9999-12-31", "between 30 years ago and today"),
        ("certificate_on", "0001-01-01", "between 30 years ago and today"),
        ("redemption_ends_on", "2099-01-01", "between 30 years ago and 3 years from today"),
        ("confirmed_on", "10/20/26", "has a two-digit year"),
    ],
)
def test_a_date_after_the_sale_out_of_range_is_refused_beside_its_field(
    client, staff, loan, field, typed, message
):
    client.force_login(staff)
    response = record(client, loan, **{field: typed})
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert f'value="{typed}"' in str(response.context["form"][field])
    assert not LiquidationEvent.objects.exists()


def test_a_redemption_period_ends_at_most_three_years_after_the_sale(client, staff, portfolio):
    loan = make_loan(portfolio, "OLD", origination_date=date(2000, 1, 1),
                     paid_to_date=date(2005, 1, 1))  # fmt: skip
    client.force_login(staff)
    response = record(client, loan, event_date="2010-03-01", redemption_ends_on="2013-03-02")
    assert "at most 3 years after the sale (here 2013-03-01)" in field_errors(
        response, "redemption_ends_on"
    )


# --- a short sale's consent ---------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "flag"), [("yes", True), ("no", False), ("unknown", None)])
def test_a_short_sales_written_consent_is_stored(client, staff, loan, typed, flag):
    client.force_login(staff)
    response = record(
        client, loan, event_type="short_sale", gross_price="200000", net_proceeds="150000",
        lender_consented=typed,
    )  # fmt: skip
    assert response.status_code == 302
    event = LiquidationEvent.objects.get(loan=loan)
    assert event.lender_consented == typed
    assert event.lender_consented_flag is flag
    page = text(client.get(Deficiency.objects.get(loan=loan).get_absolute_url()))
    assert re.search(r"consented in writing</dt><dd[^>]*>" + typed.capitalize(), page)


def test_consent_belongs_to_a_short_sale_only(client, staff, loan):
    client.force_login(staff)
    assert record(client, loan, lender_consented="yes").status_code == 302
    event = LiquidationEvent.objects.get(loan=loan)
    assert event.lender_consented == "unknown"
    assert event.lender_consented_flag is None


def test_the_form_says_what_each_new_field_is_for(client, staff, second):
    client.force_login(staff)
    page = text(client.get(reverse("deficiencies:record", args=[second.pk])))
    for wanted in ("from the trustee's or sheriff's report", "court confirmed",
                 "certificate of title", "last day the borrower may redeem",
                 "agreed to the short sale in writing", "Who bought at the sale"):  # fmt: skip
        assert wanted in page, wanted


# --- figures that need confirming ---------------------------------------------------------------


def _digest(response) -> str:
    return re.search(r'name="confirm_figures" value="([0-9a-f]+)"', response.text).group(1)


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        # debt on Oct 1: 209,500 (make_loan); twice it is 419,000
        ({"sale_price": "419000.01"}, "The winning bid ($419,000.01) is more than 2 times the "
         "total debt on Oct 1, 2026 ($209,500.00)."),
        ({"event_type": "short_sale", "gross_price": "500000", "net_proceeds": "420000"},
         "The net proceeds ($420,000.00) is more than 2 times the total debt"),
        # UPB 200,000: below 20,000 or above 600,000
        ({"fair_market_value": "19999.99", "value_date": "2026-09-01"},
         "The fair market value ($19,999.99) is below 10% of the loan's UPB ($200,000.00)."),
        ({"fair_market_value": "600000.01", "value_date": "2026-09-01"},
         "The fair market value ($600,000.01) is more than 3 times the loan's UPB"),
    ],
)  # fmt: skip
def test_unlikely_figures_are_saved_only_once_confirmed(client, staff, loan, overrides, warning):
    client.force_login(staff)
    response = record(client, loan, **overrides)
    assert response.status_code == 200
    assert warning in text(response)
    assert "I confirm these figures" in response.text
    assert "tick “I confirm these figures”" in field_errors(response, "confirm_figures")
    for name, typed in overrides.items():
        assert f'value="{typed}"' in str(response.context["form"][name])
    assert not LiquidationEvent.objects.exists()
    response = record(client, loan, confirm_figures=_digest(response), **overrides)
    assert response.status_code == 302
    assert LiquidationEvent.objects.filter(loan=loan).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"sale_price": "419000.00"},  # exactly twice the debt
        {"event_type": "short_sale", "gross_price": "500000", "net_proceeds": "419000"},
        {"fair_market_value": "20000", "value_date": "2026-09-01"},
        {"fair_market_value": "600000", "value_date": "2026-09-01"},
    ],
)
def test_figures_at_the_limits_are_saved_without_a_warning(client, staff, loan, overrides):
    client.force_login(staff)
    response = record(client, loan, **overrides)
    assert response.status_code == 302
    assert LiquidationEvent.objects.filter(loan=loan).exists()


def test_a_confirmation_of_other_figures_confirms_nothing(client, staff, loan):
    client.force_login(staff)
    first = record(client, loan, sale_price="500000")
    response = record(client, loan, sale_price="5000000", confirm_figures=_digest(first))
    assert response.status_code == 200
    assert "tick “I confirm these figures”" in field_errors(response, "confirm_figures")
    assert "The winning bid ($5,000,000.00)" in response.text
    assert not LiquidationEvent.objects.exists()
    ticked = record(client, loan, sale_price="500000", confirm_figures="on")  # a bare tick
    assert ticked.status_code == 200
    assert not LiquidationEvent.objects.exists()


def test_a_juniors_bid_is_weighed_against_the_senior_debt_too(client, staff, second):
    client.force_login(staff)
    # 260,000 is above twice the second's 60,953 but not twice 60,953 + 190,000.
    assert record(client, second, sale_price="260000", senior_debt="190000").status_code == 302
    second_value = make_loan(second.portfolio, "J-3", upb=D("60953.00"), lien_position=2)
    # A house worth 300,000 behind a 60,953 second is usual when the senior debt is unknown.
    response = record(
        client, second_value, event_type="deed_in_lieu", fair_market_value="300000",
        value_date="2026-09-01",
    )  # fmt: skip
    assert response.status_code == 302


def test_correcting_into_unlikely_figures_needs_the_confirmation_too(client, staff, deficiency):
    client.force_login(staff)
    url = reverse("deficiencies:edit_event", args=[deficiency.pk])
    posted = sale_post(sale_price="900000", version=deficiency.version)
    response = client.post(url, posted)
    assert response.status_code == 200
    assert "The winning bid ($900,000.00) is more than 2 times" in response.text
    deficiency.refresh_from_db()
    assert deficiency.event.sale_price == D("150000.00")
    assert client.post(url, {**posted, "confirm_figures": _digest(response)}).status_code == 302
    deficiency.refresh_from_db()
    assert (deficiency.deficiency, deficiency.surplus) == (D("0.00"), D("690500.00"))


def test_the_form_without_a_date_gives_no_bid_warning():
    from tests.factories import make_portfolio

    loan = make_loan(make_portfolio())
    form = LiquidationForm(sale_post(event_date="", sale_price="9000000"), loan=loan)
    assert not form.is_valid()
    assert form.warnings == []


# --- suspense above the debt ----------------------------------------------------------------------


def test_correcting_a_liquidation_with_suspense_above_the_debt_is_a_message_not_a_500(
    client, staff, deficiency
):
    from portfolios.models import Loan

    Loan.objects.filter(pk=deficiency.loan_id).update(suspense=D("500000.00"))
    client.force_login(staff)
    url = reverse("deficiencies:edit_event", args=[deficiency.pk])
    response = client.post(url, sale_post(sale_price="160000", version=deficiency.version))
    assert response.status_code == 200
    assert "suspense funds ($500,000.00) are more than what it owes" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert '<div class="alert alert-danger" role="alert">The total debt' in response.text
    deficiency.refresh_from_db()
    assert deficiency.event.sale_price == D("150000.00")


def test_suspense_far_above_the_debt_names_the_suspense_not_an_overflow(client, staff, portfolio):
    loan = make_loan(portfolio, "SUSP", suspense=D("999999999999.99"))
    client.force_login(staff)
    response = record(client, loan, sale_price="999999999999.99")
    assert response.status_code == 200
    assert "suspense funds ($999,999,999,999.99) are more than what it owes" in response.text
    assert not Deficiency.objects.exists()


def test_an_answer_not_sent_is_shown_again_as_stored_not_as_the_first_choice(client, staff, loan):
    client.force_login(staff)
    record(client, loan, buyer="third_party")
    d = Deficiency.objects.get(loan=loan)
    url = reverse("deficiencies:edit_event", args=[d.pk])
    response = client.post(url, sale_post(sale_price="-1", version=d.version))  # an error
    assert response.status_code == 200
    assert '<option value="third_party" selected>' in response.text
    new = make_loan(loan.portfolio, "L-2")
    response = record(client, new, sale_price="-1")
    assert '<option value="unknown" selected>' in str(response.context["form"]["buyer"])
    assert '<option value="unknown" selected>' in str(response.context["form"]["lender_consented"])


def test_an_oklahoma_homestead_election_is_recorded_and_decides(client, staff, portfolio):
    # 46 O.S. § 43: after a power-of-sale foreclosure of a homestead whose owner elected the
    # protection, no deficiency; without the election, the fair-value rule and window apply.
    loan = make_loan(portfolio, "OK-1", property_state="OK", occupancy="owner_occupied")
    client.force_login(staff)
    response = record(client, loan, sale_process="non_judicial", borrower_elected="yes")
    assert response.status_code == 302
    d = Deficiency.objects.get(loan=loan)
    assert d.event.borrower_elected_flag is True
    assert d.verdict == "barred"
    assert "46 O.S." in client.get(d.get_absolute_url()).text
    other = make_loan(portfolio, "OK-2", property_state="OK", occupancy="owner_occupied")
    record(client, other, sale_process="non_judicial", borrower_elected="no")
    assert Deficiency.objects.get(loan=other).verdict != "barred"


def test_an_election_belongs_to_a_foreclosure_sale_only(client, staff, loan):
    client.force_login(staff)
    record(client, loan, event_type="deed_in_lieu", sale_process="", sale_price="",
           fair_market_value="150000.00", value_source="bpo", value_date="2026-09-01",
           borrower_elected="yes")  # fmt: skip
    assert LiquidationEvent.objects.get(loan=loan).borrower_elected == "unknown"


def test_the_form_offers_the_borrowers_election(client, staff, loan):
    client.force_login(staff)
    page = client.get(reverse("deficiencies:record", args=[loan.pk])).text
    assert 'name="borrower_elected"' in page
    assert "46 O.S. § 43" in page


# --- found by counsel's review: a value above the bid never hides a bar ----------------------


def test_a_california_trustee_sale_valued_above_the_bid_is_barred_not_extinguished(
    portfolio, staff
):
    # Cal. Civ. Proc. Code § 580d: no deficiency after a trustee's sale. The $250,000 value
    # (580a's fair-value credit) covers the debt, but the sale left a balance: barred.
    loan = make_loan(portfolio, "CA-BPO", property_state="CA")
    deficiency = record_sale(loan, staff, process="non_judicial", price="110000.00",
                             fair_market_value=Decimal("250000.00"), value_source="bpo")  # fmt: skip
    assert deficiency.deficiency > 0 and deficiency.recoverable == Decimal("0.00")
    assert deficiency.verdict == "barred"
    decision = services.assessment_for(deficiency)
    assert "Cal. Civ. Proc. Code § 580d" in " ".join(r.citation for r in decision.reasons)
    assert "covers the total debt" not in " ".join(str(r) for r in decision.reasons)


def test_a_fair_value_credit_that_covers_the_balance_extinguishes_where_nothing_bars(
    portfolio, staff
):
    # N.Y. RPAPL § 1371(2): the deficiency is the debt less the greater of the price and the
    # fair market value; a value above the debt leaves nothing (a judicial sale: no bar).
    loan = make_loan(portfolio, "NY-FMV")
    deficiency = record_sale(loan, staff, process="judicial", price="100000.00",
                             fair_market_value=Decimal("400000.00"), value_source="appraisal")  # fmt: skip
    assert deficiency.deficiency > 0 and deficiency.recoverable == Decimal("0.00")
    assert deficiency.verdict == "extinguished"
    first = services.assessment_for(deficiency).reasons[0]
    assert "With the fair-value credit, nothing is recoverable" in str(first)


# --- found by counsel's review: the junior's own sale is not a sell-out -----------------------


def test_a_juniors_own_trustee_sale_credits_the_whole_bid_and_is_barred_in_california(
    client, staff, second
):
    # The holder of the second forecloses its own deed of trust, subject to the first: the
    # buyer takes subject to the senior lien, so the whole $10,000 bid is credited, and
    # Cal. Civ. Proc. Code § 580d bars a deficiency after the holder's own trustee's sale.
    client.force_login(staff)
    response = record(client, second, sale_price="10000", foreclosed_by="holder")
    assert response.status_code == 302
    d = Deficiency.objects.get(loan=second)
    assert (d.credited, d.deficiency) == (D("10000.00"), D("50953.00"))
    assert d.verdict == "barred"
    page = text(client.get(d.get_absolute_url()))
    assert "This loan's holder, foreclosing its own lien" in page
    assert "senior debt" not in page.split("Less credited")[1][:200]


def test_a_juniors_own_sale_weighs_the_value_above_the_senior_lien_it_stays_subject_to(
    staff, second
):
    # A judicial sale in New York of the holder's own second, subject to a $190,000 first:
    # value $230,000, so the equity sold is worth $40,000; bid $10,000. Fair-value deficiency
    # (N.Y. RPAPL § 1371(2)): 60,953 - max(10,000, 40,000) = 20,953.
    second.property_state = "NY"
    second.save()
    event = LiquidationEvent(
        loan=second, event_type="foreclosure_sale", event_date=date(2026, 10, 1),
        sale_process="judicial", sale_price=D("10000"), foreclosed_by="holder",
        senior_debt=D("190000"), fair_market_value=D("230000"), value_source="appraisal",
        value_date=date(2026, 9, 1),
    )  # fmt: skip
    figures = figures_for(second, event, rule_for("NY"))
    assert figures["credited"] == D("10000.00")
    assert figures["fair_value_deficiency"] == D("20953.00")


def test_a_first_lien_refuses_whose_sale_beside_its_field(client, staff, loan):
    client.force_login(staff)
    response = record(client, loan, foreclosed_by="senior")
    assert "is a first lien: its sale is its holder's own" in field_errors(
        response, "foreclosed_by"
    )
    assert not LiquidationEvent.objects.exists()


def test_a_sold_out_junior_and_the_juniors_own_sale_read_differently_in_the_engine(staff, second):
    from deficiencies.services import event_facts

    own = LiquidationEvent(loan=second, event_type="foreclosure_sale", event_date=date(2026, 10, 1),
                           sale_process="non_judicial", sale_price=D("1"), foreclosed_by="holder")  # fmt: skip
    sold_out = LiquidationEvent(loan=second, event_type="foreclosure_sale",
                                event_date=date(2026, 10, 1), sale_process="non_judicial",
                                sale_price=D("1"), foreclosed_by="senior", senior_debt=D("0"))  # fmt: skip
    assert event_facts(second, own).senior_sale is False
    assert event_facts(second, sold_out).senior_sale is True


# --- Nevada: a holder that bought the loan recovers at most what the statutes leave ---------


@pytest.mark.parametrize(
    ("paid", "price", "value", "expected"),
    [
        # NRS 40.459(3)(c): paid 150,000 − the greater of the value 120,000 and the price
        # 100,000 = 30,000, below the fair-value deficiency (debt − 120,000): 30,000.
        ("150000.00", "100000.00", "120000.00", "30000.00"),
        # Paid 80,000 − 120,000 is below zero: nothing is recoverable.
        ("80000.00", "100000.00", "120000.00", "0.00"),
    ],
)
def test_nevada_caps_a_buyer_of_the_loan_at_price_paid_less_the_greater_of_value_and_price(
    portfolio, staff, paid, price, value, expected
):
    loan = make_loan(portfolio, f"NV-{paid}", property_state="NV", occupancy="owner_occupied",
                     units=1, purchase_price=D(paid))  # fmt: skip
    deficiency = record_sale(loan, staff, process="non_judicial", price=price,
                             fair_market_value=D(value), value_source="appraisal",
                             value_date=date(2026, 9, 1))  # fmt: skip
    assert deficiency.deficiency > D(expected)
    assert deficiency.recoverable == D(expected)
    reasons = " ".join(r.citation for r in services.assessment_for(deficiency).reasons)
    assert "40.459" in reasons


def test_nevada_caps_a_bought_junior_at_what_was_paid(portfolio, staff):
    # NRS 40.4636(2): a bought junior lien on the debtor's home: at most the price paid.
    loan = make_loan(portfolio, "NV-J", property_state="NV", occupancy="owner_occupied", units=1,
                     lien_position=2, upb=D("60000.00"), purchase_price=D("5000.00"))  # fmt: skip
    deficiency = record_sale(loan, staff, process="non_judicial", price="200000.00",
                             foreclosed_by="senior", senior_debt=D("200000.00"))  # fmt: skip
    assert deficiency.credited == D("0.00")
    assert deficiency.recoverable == D("5000.00")


def test_nevada_does_not_cap_a_loan_the_holder_originated(portfolio, staff):
    loan = make_loan(portfolio, "NV-O", property_state="NV", occupancy="owner_occupied", units=1,
                     purchase_price=None)  # fmt: skip
    deficiency = record_sale(loan, staff, process="non_judicial", price="100000.00")
    assert deficiency.recoverable == deficiency.deficiency


def test_the_page_shows_the_purchasers_cap_and_no_deadline_when_it_leaves_nothing(
    client, staff, portfolio
):
    # NRS 40.459(3)(c): paid 80,000 − max(120,000 value, 100,000 price) < 0: nothing.
    loan = make_loan(portfolio, "NV-P", property_state="NV", occupancy="owner_occupied", units=1,
                     purchase_price=D("80000.00"))  # fmt: skip
    deficiency = record_sale(loan, staff, process="non_judicial", price="100000.00",
                             fair_market_value=D("120000.00"), value_source="appraisal",
                             value_date=date(2026, 9, 1))  # fmt: skip
    client.force_login(staff)
    page = text(client.get(deficiency.get_absolute_url()))
    assert "Purchaser's cap: the $80,000.00 paid for the loan less the greater of the value" in page
    assert 'data-testid="purchaser-cap">$0.00<' in page
    assert "(the purchaser's cap)" in page
    assert "Filing deadline" not in page.split("Can it be pursued?")[1].split("Figures")[0]


# --- hand-checked figures: who bought, and short sales in fair-value states --------------------
# The loan: $200,000 UPB at 6 % (30/360) paid to Jan 1, 2026, $500 fees. On Oct 1, 2026 the
# debt is 200,000 + 200,000 × 0.06 × 270 / 360 (9,000) + 500 = $209,500.00.


@pytest.mark.parametrize(
    ("buyer", "credit_bid", "expected"),
    [
        # 42 Pa.C.S. § 8103(a): fair value limits the deficiency only where the creditor
        # bought: a third party's $150,000 bid leaves 209,500 − 150,000 = 59,500.
        ("third_party", False, "59500.00"),
        # The holder's $150,000 credit bid, value $180,000: 209,500 − 180,000 = 29,500.
        ("holder", True, "29500.00"),
    ],
)
def test_pennsylvania_credits_fair_value_only_when_the_creditor_buys(
    portfolio, staff, buyer, credit_bid, expected
):
    loan = make_loan(portfolio, f"PA-{buyer}", property_state="PA")
    deficiency = record_sale(loan, staff, price="150000.00", buyer=buyer, credit_bid=credit_bid,
                             fair_market_value=D("180000.00"), value_source="appraisal",
                             value_date=date(2026, 9, 1))  # fmt: skip
    assert (deficiency.total_debt, deficiency.deficiency) == (D("209500.00"), D("59500.00"))
    assert deficiency.recoverable == D(expected)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("FL", "29500.00"),  # Fla. Stat. § 702.06 reaches a short sale: 209,500 − 180,000
        ("TX", "59500.00"),  # Tex. Prop. Code § 51.003 speaks of foreclosure sales only
    ],
)
def test_a_short_sale_is_credited_fair_value_only_where_the_statute_reaches_it(
    portfolio, staff, state, expected
):
    from deficiencies.services import record_liquidation

    loan = make_loan(portfolio, f"SS-{state}", property_state=state, occupancy="owner_occupied")
    event = LiquidationEvent(
        event_type="short_sale", event_date=date(2026, 10, 1), gross_price=D("160000.00"),
        net_proceeds=D("150000.00"), lender_consented="yes", fair_market_value=D("180000.00"),
        value_source="bpo", value_date=date(2026, 9, 1),
    )  # fmt: skip
    deficiency = record_liquidation(loan=loan, event=event, by=staff)
    assert deficiency.deficiency == D("59500.00")
    assert deficiency.recoverable == D(expected)
