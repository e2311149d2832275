"""Judgments that grow: post-judgment interest (simple, actual/365, from entry) in what is
outstanding and what a recovery may reach; the state's fixed rate when the form leaves it
blank; unlikely rates and lifetimes confirmed before they are saved."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deficiencies import services
from deficiencies.calculations import judgment_interest
from deficiencies.models import Deficiency, DeficiencySuit, Judgment, Provision, Recovery
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db
D = Decimal


# --- the figure, by hand ---------------------------------------------------------------------


def test_fifty_thousand_at_nine_percent_for_365_days_is_4500():
    # 50,000 × 9 % × 365 / 365 = 4,500.00
    assert judgment_interest(D("50000.00"), D("9"), date(2025, 3, 1), date(2026, 3, 1)) == D(
        "4500.00"
    )


def test_a_leap_year_span_counts_its_366_days_over_365():
    # Mar 1, 2023 -> Mar 1, 2024 holds Feb 29, 2024: 366 days.
    # 50,000 × 0.09 × 366 / 365 = 4,512.328767... -> 4,512.33 (half-up, once).
    assert judgment_interest(D("50000.00"), D("9"), date(2023, 3, 1), date(2024, 3, 1)) == D(
        "4512.33"
    )
    # Feb 28 -> Mar 1, 2024: two days (the 29th counts). 50,000 × 0.09 × 2 / 365 = 24.657... -> 24.66
    assert judgment_interest(D("50000.00"), D("9"), date(2024, 2, 28), date(2024, 3, 1)) == D(
        "24.66"
    )


def test_no_interest_on_the_day_of_entry_before_it_or_without_a_rate():
    day = date(2026, 1, 10)
    assert judgment_interest(D("50000.00"), D("9"), day, day) == D("0")
    assert judgment_interest(D("50000.00"), D("9"), day, day - timedelta(days=5)) == D("0")
    assert judgment_interest(D("50000.00"), D("0"), day, day + timedelta(days=30)) == D("0")


def test_half_up_to_the_cent_once():
    # 1,000 × 0.10 × 1 / 365 = 0.27397... -> 0.27; 1,825 × 0.10 / 365 = 0.5 exactly -> 0.50
    assert judgment_interest(D("1000.00"), D("10"), date(2026, 1, 1), date(2026, 1, 2)) == D("0.27")
    assert judgment_interest(D("18.25"), D("10"), date(2026, 1, 1), date(2026, 1, 2)) == D("0.01")


# --- a judgment granted a year ago ----------------------------------------------------------


@pytest.fixture
def year_old_judgment(portfolio, staff):
    """A $50,000 judgment at 9 % entered 365 days ago: $4,500.00 of interest today."""
    today = timezone.localdate()
    loan = make_loan(portfolio, "J-1")
    deficiency = record_sale(loan, staff, on=today - timedelta(days=500))
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="J-1",
                            filed_on=today - timedelta(days=450)),
        by=staff,
    )  # fmt: skip
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=today - timedelta(days=365), amount=D("50000.00"),
                          interest_rate=D("9")),
        by=staff,
    )  # fmt: skip
    return Deficiency.objects.select_related("judgment").get(pk=deficiency.pk)


def test_outstanding_is_the_judgment_with_its_interest_less_recovered(year_old_judgment, staff):
    d = year_old_judgment
    assert d.claim == D("54500.00")
    assert d.outstanding == D("54500.00")
    services.add_recovery(
        deficiency=d,
        recovery=Recovery(received_on=timezone.localdate(), amount=D("1000.00"), source="levy"),
        by=staff,
    )
    d = Deficiency.objects.select_related("judgment").get(pk=d.pk)
    assert d.outstanding == D("53500.00")


def test_a_levy_above_the_principal_but_within_the_interest_is_recorded(year_old_judgment, staff):
    services.add_recovery(
        deficiency=year_old_judgment,
        recovery=Recovery(received_on=timezone.localdate(), amount=D("52000.00"), source="levy"),
        by=staff,
    )
    year_old_judgment.refresh_from_db()
    assert year_old_judgment.recovered == D("52000.00")


def test_a_levy_above_principal_and_interest_is_refused_naming_both(
    client, staff, year_old_judgment
):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:recovery", args=[year_old_judgment.pk]),
        {"recovery-received_on": timezone.localdate().isoformat(),
         "recovery-amount": "54500.01", "recovery-source": "levy"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "more than the $54,500.00 outstanding" in response.text
    assert "judgment&#x27;s $50,000.00 plus $4,500.00 post-judgment interest" in response.text
    year_old_judgment.refresh_from_db()
    assert year_old_judgment.recovered == D("0.00")


def test_paid_in_full_stays_paid_as_days_pass(year_old_judgment, staff):
    from datetime import timedelta as td

    d = year_old_judgment
    services.change_status(deficiency=d, to="collecting", by=staff)
    services.add_recovery(
        deficiency=d,
        recovery=Recovery(received_on=timezone.localdate(), amount=D("54500.00"), source="levy"),
        by=staff,
    )
    d = Deficiency.objects.select_related("judgment").get(pk=d.pk)
    assert d.status == "satisfied"
    assert d.outstanding_on(timezone.localdate() + td(days=30)) == D("0.00")


def test_the_page_shows_the_interest_and_the_outstanding_with_it(client, owner, year_old_judgment):
    client.force_login(owner)
    page = client.get(year_old_judgment.get_absolute_url()).text
    assert 'data-testid="judgment-interest">$4,500.00<' in page
    assert "365 days at 9% from" in page
    assert 'data-testid="outstanding">$54,500.00<' in page
    assert "shown as a rate, not added" not in page


def test_the_settlement_snapshot_owes_the_judgment_with_its_interest(year_old_judgment):
    from settlements.services import deficiency_owed

    assert deficiency_owed(year_old_judgment) == D("54500.00")


# --- the judgment form ------------------------------------------------------------------------


@pytest.fixture
def sued(portfolio, staff):
    today = timezone.localdate()
    deficiency = record_sale(make_loan(portfolio, "J-2"), staff, on=today - timedelta(days=200))
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="J-2",
                            filed_on=today - timedelta(days=100)),
        by=staff,
    )  # fmt: skip
    return deficiency


def judgment_post(**overrides):
    today = timezone.localdate()
    data = {
        "judgment-granted_on": (today - timedelta(days=10)).isoformat(),
        "judgment-amount": "50000.00",
        "judgment-interest_rate": "9",
        "judgment-expires_on": "",
    }
    data.update({f"judgment-{k}": v for k, v in overrides.items()})
    return data


def test_a_blank_rate_takes_the_states_fixed_rate_and_says_so(client, staff, sued):
    # N.Y. CPLR § 5004(a): judgments bear 9 % a year.
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:judgment", args=[sued.pk]), judgment_post(interest_rate=""),
        follow=True,
    )  # fmt: skip
    judgment = Judgment.objects.get(deficiency=sued)
    assert judgment.interest_rate == D("9")
    assert "CPLR § 5004(a)" in judgment.interest_rate_source
    assert "The rate was left blank: New York&#x27;s fixed post-judgment rate" in response.text
    assert "9% a year, is used" in response.text


def test_the_form_says_what_a_blank_rate_means(client, staff, sued):
    client.force_login(staff)
    page = client.get(sued.get_absolute_url()).text
    assert "Left blank, the rate is New York's fixed post-judgment rate, 9% a year" in page
    Provision.objects.filter(state_code="NY", kind="judgment_interest").delete()
    page = client.get(sued.get_absolute_url()).text
    assert "set no fixed post-judgment rate: enter the rate the court set" in page


def test_a_blank_rate_without_a_state_rate_is_refused_beside_the_field(client, staff, sued):
    Provision.objects.filter(state_code="NY", kind="judgment_interest").delete()
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:judgment", args=[sued.pk]),
        judgment_post(interest_rate="", amount="51234.56"),
    )
    assert response.status_code == 400
    assert "No rate: enter the rate the court set" in response.text
    assert 'value="51234.56"' in response.text
    assert not Judgment.objects.filter(deficiency=sued).exists()


def test_a_typed_rate_is_kept_as_the_courts(client, staff, sued):
    client.force_login(staff)
    client.post(
        reverse("deficiencies:judgment", args=[sued.pk]), judgment_post(interest_rate="7.5")
    )
    judgment = Judgment.objects.get(deficiency=sued)
    assert judgment.interest_rate == D("7.5")
    assert judgment.interest_rate_source == ""


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"interest_rate": "35"}, "The post-judgment rate (35% a year) is above 30% a year."),
        ({"expires_on": "+31y"}, "more than 30 years after the entry"),
        ({"amount": "+150%"}, "times the deficiency figured from the sale"),
    ],
)
def test_an_unlikely_rate_or_lifetime_is_saved_only_once_confirmed(
    client, staff, sued, overrides, warning
):
    from noteinvest.dates import years_from

    granted = timezone.localdate() - timedelta(days=10)
    if overrides.get("expires_on") == "+31y":
        overrides = {"expires_on": years_from(granted, 31).isoformat()}
    if overrides.get("amount") == "+150%":
        # A cent above 1.5 times the deficiency the sale left.
        overrides = {"amount": str((sued.deficiency * D("1.5")).quantize(D("0.01")) + D("0.01"))}
    client.force_login(staff)
    url = reverse("deficiencies:judgment", args=[sued.pk])
    first = client.post(url, judgment_post(**overrides))
    assert first.status_code == 400
    assert warning in first.text
    assert "I confirm these figures" in first.text
    assert not Judgment.objects.filter(deficiency=sued).exists()
    digest = first.context["judgment_form"].warnings_digest
    wrong = client.post(url, judgment_post(**overrides, confirm_figures="not-the-digest"))
    assert wrong.status_code == 400
    assert not Judgment.objects.filter(deficiency=sued).exists()
    client.post(url, judgment_post(**overrides, confirm_figures=digest))
    assert Judgment.objects.filter(deficiency=sued).exists()


def test_a_plausible_rate_and_lifetime_need_no_confirmation(client, staff, sued):
    from noteinvest.dates import years_from

    granted = timezone.localdate() - timedelta(days=10)
    client.force_login(staff)
    client.post(
        reverse("deficiencies:judgment", args=[sued.pk]),
        judgment_post(interest_rate="30", expires_on=years_from(granted, 30).isoformat()),
    )
    assert Judgment.objects.filter(deficiency=sued).exists()


# --- a judgment that lapsed -------------------------------------------------------------------


@pytest.fixture
def lapsed_judgment(portfolio, staff):
    """A $10,000 judgment at 10 % entered Jan 1, 2024 whose expiry, as entered, was
    Jan 1, 2025: 366 days of interest (2024 is a leap year), then none."""
    from tests.factories import judged

    return judged(make_loan(portfolio, "J-LAPSED"), staff, sold_on=date(2023, 6, 1),
                  filed_on=date(2023, 7, 1), granted_on=date(2024, 1, 1), amount="10000.00",
                  rate="10", expires_on=date(2025, 1, 1))  # fmt: skip


def test_interest_stops_the_day_the_judgment_lapses(lapsed_judgment):
    d = lapsed_judgment
    assert d.judgment.lapses_on == date(2025, 1, 1)
    # 10,000 × 0.10 × 366 / 365 = 1,002.739... -> 1,002.74, whatever day it is asked on.
    assert d.judgment.interest_today == D("1002.74")
    assert d.judgment.interest_to(date(2030, 6, 1)) == D("1002.74")
    assert d.judgment.interest_days == 366
    assert d.claim == D("11002.74")
    # Before the lapse it still runs: 10,000 × 0.10 × 182 / 365 = 498.63 to Jul 1, 2024.
    assert d.judgment.interest_to(date(2024, 7, 1)) == D("498.63")


def test_a_lapsed_judgment_is_barred_and_refuses_pursuit_but_takes_a_voluntary_payment(
    lapsed_judgment, staff
):
    from deficiencies.models import CollectionAction

    d = lapsed_judgment
    assert d.verdict == "barred"
    with pytest.raises(services.DeficiencyError, match="The judgment expired on Jan 1, 2025"):
        services.add_collection_action(
            deficiency=d,
            action=CollectionAction(kind="bank_levy", started_on=timezone.localdate()),
            by=staff,
        )
    with pytest.raises(services.DeficiencyError, match="No enforced recovery was recorded"):
        services.add_recovery(
            deficiency=d,
            recovery=Recovery(received_on=timezone.localdate(), amount=D("100.00"), source="levy"),
            by=staff,
        )
    services.add_recovery(
        deficiency=d,
        recovery=Recovery(received_on=timezone.localdate(), amount=D("100.00"), source="voluntary"),
        by=staff,
    )
    d.refresh_from_db()
    assert d.recovered == D("100.00")
    # Never counted as owed: the loan's totals leave a barred deficiency out.
    assert d.owed == D("0.00")


def test_the_statutes_lifetime_sets_the_lapse_when_none_was_entered(portfolio, staff):
    # NY: a money judgment is presumed paid after 20 years (N.Y. C.P.L.R. 211(b)); the lapse
    # is the statute's date, kept on the judgment, and interest runs until then.
    loan = make_loan(portfolio, "J-NY")
    deficiency = record_sale(loan, staff, on=date(2025, 1, 10))
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="J-NY", filed_on=date(2025, 2, 1)),
        by=staff,
    )
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=date(2025, 6, 2), amount=D("20000.00"), interest_rate=D("9")),
        by=staff,
    )
    judgment = Judgment.objects.get(deficiency=deficiency)
    assert judgment.lapses_on is not None and judgment.lapses_on > date(2040, 1, 1)
    assert judgment.expires_on is None


def test_the_page_says_the_judgment_lapsed_and_interest_stopped(client, owner, lapsed_judgment):
    client.force_login(owner)
    page = client.get(reverse("deficiencies:detail", args=[lapsed_judgment.pk])).text
    assert "It lapsed on Jan 1, 2025: it can no longer be enforced" in page
    assert "to its lapse on 01/01/2025" in page
    assert "$1,002.74" in page


# --- dates in order: the sale, the suit, the judgment -------------------------------------------


def test_a_judgment_at_one_and_a_half_times_the_deficiency_needs_no_confirmation(
    client, staff, sued
):
    client.force_login(staff)
    client.post(
        reverse("deficiencies:judgment", args=[sued.pk]),
        judgment_post(amount=str((sued.deficiency * D("1.5")).quantize(D("0.01"), "ROUND_DOWN"))),
    )
    assert Judgment.objects.filter(deficiency=sued).exists()


def test_a_judgment_before_its_suit_is_refused_beside_the_field(client, staff, sued):
    client.force_login(staff)
    filed = sued.suit.filed_on
    response = client.post(
        reverse("deficiencies:judgment", args=[sued.pk]),
        judgment_post(granted_on=(filed - timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    errors = " ".join(response.context["judgment_form"].errors["granted_on"])
    assert "dated before the suit was filed" in errors
    assert not Judgment.objects.filter(deficiency=sued).exists()
    # The day the suit was filed is accepted (a judgment by default or consent).
    client.post(
        reverse("deficiencies:judgment", args=[sued.pk]),
        judgment_post(granted_on=filed.isoformat()),
    )
    assert Judgment.objects.filter(deficiency=sued).exists()


def test_a_suit_before_a_trustee_sale_is_refused_but_a_judicial_foreclosure_may_precede_it(
    client, staff, portfolio
):
    today = timezone.localdate()
    sale_day = today - timedelta(days=60)
    trustee = record_sale(make_loan(portfolio, "J-T"), staff, on=sale_day, process="non_judicial")
    judicial = record_sale(make_loan(portfolio, "J-J"), staff, on=sale_day, process="judicial")
    client.force_login(staff)
    suit = {"suit-court": "Superior Court", "suit-case_number": "S-1",
            "suit-filed_on": (sale_day - timedelta(days=1)).isoformat()}  # fmt: skip
    response = client.post(reverse("deficiencies:suit", args=[trustee.pk]), suit)
    assert response.status_code == 400
    errors = " ".join(response.context["suit_form"].errors["filed_on"])
    assert "dated before the foreclosure sale on" in errors
    assert not DeficiencySuit.objects.filter(deficiency=trustee).exists()
    # A judicial foreclosure's complaint, which claims the deficiency, comes before the sale.
    client.post(reverse("deficiencies:suit", args=[judicial.pk]), suit)
    assert DeficiencySuit.objects.filter(deficiency=judicial).exists()
    # After the trustee's sale, the suit is recorded.
    client.post(reverse("deficiencies:suit", args=[trustee.pk]),
                dict(suit, **{"suit-filed_on": sale_day.isoformat()}))  # fmt: skip
    assert DeficiencySuit.objects.filter(deficiency=trustee).exists()


# --- a renewal the court granted ------------------------------------------------------------


def renewal_post(renewed_on, expires_on):
    return {"renewal-renewed_on": str(renewed_on), "renewal-expires_on": str(expires_on)}


def test_a_renewal_moves_the_expiry_and_the_interest_runs_on(client, staff, lapsed_judgment):
    # Lapsed on Jan 1, 2025 as entered; the court revived it on Dec 15, 2024 to Jan 1, 2035.
    d = lapsed_judgment
    client.force_login(staff)
    url = reverse("deficiencies:judgment_renewal", args=[d.pk])
    assert client.post(url, renewal_post("2024-12-15", "2035-01-01")).status_code == 302
    judgment = Judgment.objects.get(deficiency=d)
    assert judgment.renewed_on == date(2024, 12, 15)
    assert (judgment.expires_on, judgment.lapses_on) == (date(2035, 1, 1), date(2035, 1, 1))
    d = Deficiency.objects.select_related("judgment").get(pk=d.pk)
    assert d.verdict == "pursuable"  # enforceable again until 2035
    # Interest runs to today: 10,000 × 10% × days / 365, past the old lapse.
    days = (timezone.localdate() - date(2024, 1, 1)).days
    assert d.judgment.interest_days == days
    assert d.judgment.interest_today == judgment_interest(
        D("10000.00"), D("10"), date(2024, 1, 1), timezone.localdate()
    )
    assert d.deadlines.filter(kind="judgment_expiry", due_on=date(2035, 1, 1)).exists()
    page = client.get(d.get_absolute_url()).text
    assert "Renewed on Dec 15, 2024." in page
    assert "Judgment renewed on Dec 15, 2024; it now expires on Jan 1, 2035" in page


@pytest.mark.parametrize(
    ("renewed", "expires", "field", "message"),
    [
        ("2023-12-31", "2035-01-01", "renewed_on", "before the judgment was granted (Jan 1, 2024)"),
        ("2024-12-15", "2024-12-31", "expires_on", "after the current one (Jan 1, 2025)"),
        ("2024-12-15", "9999-12-31", "expires_on", ""),
    ],
)
def test_a_renewal_out_of_order_is_refused_beside_its_field(
    client, staff, lapsed_judgment, renewed, expires, field, message
):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:judgment_renewal", args=[lapsed_judgment.pk]),
        renewal_post(renewed, expires),
    )
    assert response.status_code == 400
    errors = " ".join(response.context["renewal_form"].errors[field])
    assert message in errors and errors
    judgment = Judgment.objects.get(deficiency=lapsed_judgment)
    assert judgment.renewed_on is None and judgment.expires_on == date(2025, 1, 1)


def test_a_renewal_without_a_judgment_is_refused(staff, sued):
    with pytest.raises(services.DeficiencyError, match="nothing to renew"):
        services.renew_judgment(
            deficiency=sued, renewed_on=date(2026, 1, 1), expires_on=date(2036, 1, 1), by=staff
        )


# --- a lapse takes effect on the day, whatever page is opened first ----------------------------


def test_a_lapse_takes_effect_on_every_page_and_action_the_day_it_comes(
    client, monkeypatch, staff, owner, portfolio
):
    from django.utils import timezone as tz

    from portfolios.models import Portfolio
    from portfolios.stats import portfolio_totals

    start = tz.localdate()
    loan = make_loan(portfolio, "J-SOON")
    deficiency = record_sale(loan, staff, on=start - timedelta(days=200))
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="C", case_number="S", filed_on=start - timedelta(days=150)),
        by=staff,
    )
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=start - timedelta(days=100), amount=D("20000.00"),
                          interest_rate=D("9"), expires_on=start + timedelta(days=2)),
        by=staff,
    )  # fmt: skip
    before = portfolio_totals([Portfolio.objects.get(pk=portfolio.pk)], start)[portfolio.pk]
    # Ten days later, nothing opened in between: the first page or action decides on today's.
    later = start + timedelta(days=10)
    monkeypatch.setattr(tz, "localdate", lambda *a: later)
    after = portfolio_totals([Portfolio.objects.get(pk=portfolio.pk)], later)[portfolio.pk]
    assert after.total_debt < before.total_debt  # the lapsed judgment is owed no more
    d = Deficiency.objects.get(pk=deficiency.pk)
    assert (d.verdict, d.assessed_on) == ("barred", later)
    client.force_login(staff)
    refused = client.post(
        reverse("deficiencies:action", args=[d.pk]),
        {"action-kind": "bank_levy", "action-started_on": later.isoformat(),
         "action-state": "active"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "The judgment expired on" in refused.text
    assert "Record the renewal if the court renewed the judgment" in refused.text

    # A garnishment received while it was still enforceable is recorded; one after, refused.
    def garnish(day):
        return client.post(
            reverse("deficiencies:recovery", args=[d.pk]),
            {"recovery-received_on": day.isoformat(), "recovery-amount": "100.00",
             "recovery-source": "garnishment"},
        )  # fmt: skip

    assert garnish(start + timedelta(days=1)).status_code == 302
    assert garnish(later).status_code == 400
    assert Recovery.objects.filter(deficiency=d).count() == 1
    client.force_login(owner)
    page = client.get(reverse("deficiencies:deadlines")).text
    assert "J-SOON" not in page  # a barred deficiency has no deadlines left


def test_a_stored_verdict_a_day_old_is_refreshed_before_an_action(monkeypatch, staff, portfolio):
    # A filing window that closed overnight (N.Y. RPAPL § 1371(2): 90 days after the deed's
    # delivery): the suit is refused on today's verdict, not yesterday's stored one.
    from django.utils import timezone as tz

    start = tz.localdate()
    sale = start - timedelta(days=90)
    deficiency = record_sale(make_loan(portfolio, "NY-W"), staff, on=sale, deed_delivered_on=sale)
    assert deficiency.verdict != "barred"
    monkeypatch.setattr(tz, "localdate", lambda *a: start + timedelta(days=1))
    with pytest.raises(services.DeficiencyError, match="barred"):
        services.record_suit(
            deficiency=deficiency,
            suit=DeficiencySuit(court="C", case_number="S", filed_on=start + timedelta(days=1)),
            by=staff,
        )


def test_the_nightly_command_reassesses_what_was_not_assessed_today(monkeypatch, staff, portfolio):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone as tz

    start = tz.localdate()
    deficiency = record_sale(make_loan(portfolio, "N-1"), staff, on=start - timedelta(days=30))
    monkeypatch.setattr(tz, "localdate", lambda *a: start + timedelta(days=1))
    out = StringIO()
    call_command("reassess_deficiencies", stdout=out)
    assert "re-assessed the deficiencies of 1" in out.getvalue()
    deficiency.refresh_from_db()
    assert deficiency.assessed_on == start + timedelta(days=1)
    out = StringIO()
    call_command("reassess_deficiencies", stdout=out)  # already current: nothing to do
    assert "re-assessed the deficiencies of 0" in out.getvalue()


def test_a_second_renewal_saved_meanwhile_is_not_shortened_by_a_stale_one(staff, lapsed_judgment):
    # Two staff renew at once: the form of each checked the judgment as it was; the service
    # checks again under the lock, so the later-read shorter expiry is refused.
    d = lapsed_judgment
    services.renew_judgment(deficiency=d, renewed_on=date(2024, 12, 1),
                            expires_on=date(2049, 1, 1), by=staff)  # fmt: skip
    with pytest.raises(services.DeficiencyError, match="already runs to Jan 1, 2049"):
        services.renew_judgment(deficiency=d, renewed_on=date(2024, 12, 2),
                                expires_on=date(2045, 1, 1), by=staff)  # fmt: skip
    with pytest.raises(services.DeficiencyError, match="A later renewal is recorded"):
        services.renew_judgment(deficiency=d, renewed_on=date(2024, 6, 1),
                                expires_on=date(2050, 1, 1), by=staff)  # fmt: skip
    assert Judgment.objects.get(deficiency=d).expires_on == date(2049, 1, 1)


def test_a_renewal_after_the_lapse_is_refused(client, staff, lapsed_judgment):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:judgment_renewal", args=[lapsed_judgment.pk]),
        renewal_post("2025-02-01", "2035-01-01"),
    )
    assert response.status_code == 400
    assert "lapsed on Jan 1, 2025: a renewal is granted before the lapse" in " ".join(
        response.context["renewal_form"].errors["renewed_on"]
    )
    with pytest.raises(services.DeficiencyError, match="granted before the lapse"):
        services.renew_judgment(deficiency=lapsed_judgment, renewed_on=date(2025, 2, 1),
                                expires_on=date(2035, 1, 1), by=staff)  # fmt: skip


def test_once_renewed_the_old_renewal_window_leaves_the_deadlines(staff, portfolio):
    # Mich. Comp. Laws § 600.5809(3): a judgment runs 10 years and may be renewed within them.
    from tests.factories import judged

    deficiency = judged(make_loan(portfolio, "MI-R", property_state="MI"), staff,
                        sold_on=date(2025, 1, 10), filed_on=date(2025, 2, 1),
                        granted_on=date(2025, 6, 2), amount="20000.00", rate="5")  # fmt: skip
    kinds = set(deficiency.deadlines.values_list("kind", flat=True))
    assert "judgment_renewal" in kinds
    services.renew_judgment(deficiency=deficiency, renewed_on=date(2026, 1, 5),
                            expires_on=date(2045, 6, 2), by=staff)  # fmt: skip
    rows = dict(deficiency.deadlines.values_list("kind", "due_on"))
    assert "judgment_renewal" not in rows
    assert rows["judgment_expiry"] == date(2045, 6, 2)


def test_recoveries_whose_total_would_not_fit_are_refused_with_a_message(staff, portfolio):
    from deficiencies.models import Recovery

    deficiency = record_sale(make_loan(portfolio, "BIG"), staff, on=date(2026, 1, 10))
    Deficiency.objects.filter(pk=deficiency.pk).update(
        recoverable=D("999999999999.99"), recovered=D("999999999999.99"),
        deficiency=D("999999999999.99"),
    )  # fmt: skip
    Judgment.objects.create(deficiency=deficiency, granted_on=date(2026, 2, 1),
                            amount=D("999999999999.99"), interest_rate=D("9"))  # fmt: skip
    with pytest.raises(services.DeficiencyError, match="The total recovered would be"):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(received_on=date(2026, 11, 1), amount=D("1.00"), source="payment"),
            by=staff,
        )


# --- payments go to interest first (the United States rule) -----------------------------------


def test_a_payment_goes_to_interest_first_and_interest_then_runs_on_what_principal_is_left(
    client, owner, portfolio, staff
):
    # $63,114.18 at 9 % from Jan 15, 2026; a $60,000 levy on Feb 15 (31 days).
    # Interest to Feb 15: 63,114.18 × 0.09 × 31 / 365 = 482.4345... -> 482.43, paid first;
    # principal: 63,114.18 − (60,000 − 482.43) = 3,596.61.
    # To Nov 30 (288 days): 3,596.61 × 0.09 × 288 / 365 = 255.4086... -> 255.41.
    # Owed on Nov 30: 3,596.61 + 255.41 = 3,852.02 (simple interest on the whole judgment,
    # less the payment, would say 63,114.18 + 4,964.41 − 60,000 = 8,078.59).
    from tests.factories import judged

    deficiency = judged(make_loan(portfolio, "IL-US"), staff, sold_on=date(2025, 9, 10),
                        filed_on=date(2025, 10, 20), granted_on=date(2026, 1, 15),
                        amount="63114.18", rate="9", expires_on=date(2033, 1, 15))  # fmt: skip
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 2, 15), amount=D("60000.00"), source="levy"),
        by=staff,
    )
    d = Deficiency.objects.select_related("judgment").get(pk=deficiency.pk)
    assert d.judgment.principal_due == D("3596.61")
    assert d.judgment.interest_accrued == D("482.43")
    assert d.judgment.balance_on == date(2026, 2, 15)
    assert d.judgment.interest_to(date(2026, 11, 30)) == D("737.84")  # 482.43 + 255.41
    assert d.outstanding_on(date(2026, 11, 30)) == D("3852.02")
    # The summary and the loan's totals read the same figure.
    values = {f"deficiency__{k}": v for k, v in Deficiency.objects.filter(pk=d.pk).values(
        *[f.removeprefix("deficiency__") for f in services.AFTER_SALE_FIELDS]).get().items()}  # fmt: skip
    assert services.outstanding_from(values, date(2026, 11, 30)) == D("3852.02")


def test_judgment_balance_by_hand():
    from deficiencies.calculations import judgment_balance

    # 10,000 × 0.10 × 181 / 365 = 495.89 to Jul 1; 5,000 pays it, 4,504.11 to principal.
    assert judgment_balance(D("10000.00"), D("10"), date(2026, 1, 1),
                            [(date(2026, 7, 1), D("5000.00"))]) == (
        D("5495.89"), D("495.89"), date(2026, 7, 1))  # fmt: skip
    # A payment smaller than the interest leaves the principal whole and carries the rest.
    principal, accrued, _ = judgment_balance(
        D("10000.00"), D("10"), date(2026, 1, 1),
        [(date(2026, 7, 1), D("100.00")), (date(2026, 7, 2), D("1000.00"))],
    )  # fmt: skip
    # Jul 1: 495.89 accrued, 100 paid (395.89 carried); Jul 2: +2.74; 1,000 pays 398.63
    # of interest and 601.37 of principal.
    assert (principal, accrued) == (D("9398.63"), D("498.63"))
    # A payment before entry goes to principal at entry; none runs past the lapse.
    assert judgment_balance(D("1000.00"), D("10"), date(2026, 1, 1),
                            [(date(2025, 12, 1), D("100.00"))]) == (
        D("900.00"), D("0"), date(2026, 1, 1))  # fmt: skip
    assert judgment_balance(D("1000.00"), D("10"), date(2026, 1, 1),
                            [(date(2026, 12, 31), D("10.00"))], date(2026, 1, 11))[1] == D("2.74")  # fmt: skip


# --- recoveries in their order: after the sale, enforcement after the judgment -----------------


def test_a_recovery_before_the_sale_or_an_enforcement_without_its_judgment_is_refused(
    client, staff, portfolio
):
    deficiency = record_sale(make_loan(portfolio, "R-1"), staff, on=date(2026, 6, 1))
    client.force_login(staff)

    def recover(day, source):
        return client.post(
            reverse("deficiencies:recovery", args=[deficiency.pk]),
            {"recovery-received_on": str(day), "recovery-amount": "100.00",
             "recovery-source": source},
        )  # fmt: skip

    before = recover(date(2026, 5, 31), "payment")
    assert before.status_code == 400
    assert "dated before the foreclosure sale on Jun 1, 2026" in before.text
    levy = recover(date(2026, 7, 1), "levy")
    assert levy.status_code == 400 and "enforces a judgment: record the judgment first" in levy.text
    assert recover(date(2026, 7, 1), "payment").status_code == 302  # a voluntary payment
    services.change_status(deficiency=deficiency, to="pursuing", by=staff)
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="C", case_number="R", filed_on=date(2026, 7, 15)),
        by=staff,
    )
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=date(2026, 9, 1), amount=D("50000.00"), interest_rate=D("9")),
        by=staff,
    )
    early = recover(date(2026, 8, 31), "garnishment")
    assert early.status_code == 400
    assert "dated before the judgment it enforces (entered Sep 1, 2026)" in early.text
    assert recover(date(2026, 9, 1), "garnishment").status_code == 302
    assert Recovery.objects.filter(deficiency=deficiency).count() == 2


def test_a_backdated_payment_may_not_pay_more_than_was_owed_on_its_day(staff, portfolio):
    # $10,000 at 30 % entered Jan 2, 2026: owed on entry $10,000.00 exactly.
    deficiency = record_sale(make_loan(portfolio, "R-2"), staff, on=date(2025, 11, 1))
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="C", case_number="R2", filed_on=date(2025, 12, 1)),
        by=staff,
    )
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=date(2026, 1, 2), amount=D("10000.00"),
                          interest_rate=D("30")),
        by=staff,
    )  # fmt: skip
    with pytest.raises(services.DeficiencyError, match=r"owed then \(\$10,000.00"):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(received_on=date(2026, 1, 2), amount=D("10000.01"),
                              source="payment"),
            by=staff,
        )  # fmt: skip
    services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=date(2026, 1, 2), amount=D("10000.00"), source="payment"),
        by=staff,
    )
    d = Deficiency.objects.select_related("judgment").get(pk=deficiency.pk)
    assert d.judgment.principal_due == D("0.00") and d.status == "satisfied"


def test_interest_never_runs_on_a_negative_principal():
    from deficiencies.calculations import judgment_balance

    principal, accrued, _ = judgment_balance(
        D("1000.00"), D("10"), date(2026, 1, 1),
        [(date(2026, 1, 1), D("1100.00")), (date(2026, 12, 31), D("1.00"))],
    )  # fmt: skip
    assert accrued == D("0.00") and principal == D("-101.00")


def test_a_balance_beyond_the_money_columns_is_refused_with_a_message(staff, portfolio):
    deficiency = record_sale(make_loan(portfolio, "R-3"), staff, on=date(2016, 1, 10))
    Deficiency.objects.filter(pk=deficiency.pk).update(
        recoverable=D("999999999999.99"), deficiency=D("999999999999.99")
    )
    Judgment.objects.create(deficiency=deficiency, granted_on=date(2017, 1, 2),
                            amount=D("999999999999.99"), interest_rate=D("50"))  # fmt: skip
    with pytest.raises(services.DeficiencyError, match="beyond the largest amount"):
        services.add_recovery(
            deficiency=deficiency,
            recovery=Recovery(received_on=date(2026, 11, 1), amount=D("1000.00"),
                              source="payment"),
            by=staff,
        )  # fmt: skip
    assert not Recovery.objects.filter(deficiency=deficiency).exists()
