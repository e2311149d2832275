"""Round 2, findings B and E: a second insert where one row is allowed (a liquidation per
loan, a bankruptcy per deficiency, a calendar link per user) is refused with a clear
message, never a 500 — both when it comes after the first and when it races it (simulated:
the existence check passes, then the insert meets the unique constraint). And a discharge
that cannot change the status still records the bankruptcy, and says so truthfully."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from deficiencies import services
from deficiencies.models import (
    Bankruptcy,
    CalendarFeed,
    Deficiency,
    LiquidationEvent,
    Status,
)
from portfolios.models import Loan
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db


def _sale(**overrides):
    data = {"event_type": "foreclosure_sale", "event_date": "2026-10-01",
            "sale_process": "judicial", "sale_price": "150000.00"}  # fmt: skip
    data.update(overrides)
    return data


def _event(loan):
    # Built like the form builds it: attached to the loan, which fills loan.liquidation.
    return LiquidationEvent(
        loan=loan, event_type="short_sale", event_date=date(2026, 10, 1),
        gross_price=160000, net_proceeds=150000,
    )  # fmt: skip


def _first_calls_miss(real, misses=1):
    """A stand-in for an existence check: finds nothing the first `misses` times (the other
    request has not committed yet), then looks for real."""
    calls = {"n": 0}

    def check(*args, **kwargs):
        calls["n"] += 1
        return None if calls["n"] <= misses else real(*args, **kwargs)

    return check


def _bankruptcy_post(**overrides):
    data = {"bk-chapter": "7", "bk-case_number": "26-10001", "bk-district": "W.D.N.Y.",
            "bk-filed_on": "2026-07-01", "bk-discharged_on": "", "bk-dismissed_on": ""}  # fmt: skip
    data.update(overrides)
    return data


# --- the liquidation --------------------------------------------------------------------------------


def test_a_second_liquidation_through_the_service_is_refused_with_a_link(deficiency, staff):
    fresh = Loan.objects.get(pk=deficiency.loan_id)
    with pytest.raises(services.AlreadyRecorded, match="already recorded for this loan") as exc:
        services.record_liquidation(loan=fresh, event=_event(fresh), by=staff)
    assert exc.value.url == deficiency.get_absolute_url()
    assert LiquidationEvent.objects.count() == 1 and Deficiency.objects.count() == 1


def test_a_second_liquidation_posted_after_the_first_says_nothing_was_saved(
    client, staff, deficiency
):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:record", args=[deficiency.loan_id]), _sale(), follow=True
    )
    assert response.redirect_chain[-1][0] == deficiency.get_absolute_url()
    assert "already recorded for this loan" in response.text
    assert LiquidationEvent.objects.count() == 1


def test_a_racing_liquidation_gets_the_message_and_a_link_not_a_500(client, staff, deficiency):
    client.force_login(staff)
    real_view_check = Deficiency.objects.filter
    with (
        mock.patch(
            "deficiencies.services.recorded_liquidation",
            _first_calls_miss(services.recorded_liquidation),
        ),
        mock.patch.object(
            Deficiency.objects,
            "filter",
            side_effect=lambda *a, **k: (
                Deficiency.objects.none() if "loan" in k else real_view_check(*a, **k)
            ),
        ),
    ):
        response = client.post(reverse("deficiencies:record", args=[deficiency.loan_id]), _sale())
    assert response.status_code == 200
    assert "A liquidation is already recorded for this loan" in response.text
    assert f'href="{deficiency.get_absolute_url()}"' in response.text
    assert response.context["form"]["sale_price"].value() == "150000.00"  # kept as typed
    assert LiquidationEvent.objects.count() == 1 and Deficiency.objects.count() == 1


def test_the_service_locks_the_loan_row(loan, staff):
    real = Loan.objects.select_for_update
    with mock.patch.object(Loan.objects, "select_for_update", side_effect=real) as locking:
        services.record_liquidation(loan=loan, event=_event(loan), by=staff)
    assert locking.called


# --- the bankruptcy ---------------------------------------------------------------------------------


def test_a_second_new_bankruptcy_is_refused_not_a_500(deficiency, staff):
    first = Bankruptcy(chapter=7, case_number="1", district="D", filed_on=date(2026, 7, 1))
    services.record_bankruptcy(deficiency=deficiency, bankruptcy=first, by=staff)
    second = Bankruptcy(chapter=13, case_number="2", district="D", filed_on=date(2026, 7, 2))
    with pytest.raises(services.AlreadyRecorded, match="already recorded for this deficiency"):
        services.record_bankruptcy(deficiency=deficiency, bankruptcy=second, by=staff)
    assert Bankruptcy.objects.get().case_number == "1"


def test_a_racing_bankruptcy_post_gets_a_message_with_the_form_kept(client, staff, deficiency):
    # The other request saved its bankruptcy after this one's form was built.
    Bankruptcy.objects.create(
        deficiency=deficiency, chapter=7, case_number="OTHER-1", district="D",
        filed_on=date(2026, 7, 1),
    )  # fmt: skip
    client.force_login(staff)
    with mock.patch("deficiencies.views.getattr", create=True, side_effect=_no_bankruptcy):
        response = client.post(
            reverse("deficiencies:bankruptcy", args=[deficiency.pk]),
            _bankruptcy_post(**{"bk-case_number": "MINE-2"}),
        )
    assert response.status_code == 400
    assert "A bankruptcy is already recorded for this deficiency" in response.text
    assert response.context["bankruptcy_form"]["case_number"].value() == "MINE-2"
    assert list(Bankruptcy.objects.values_list("case_number", flat=True)) == ["OTHER-1"]


def _no_bankruptcy(obj, name, *default):
    if name == "bankruptcy":
        return None
    return getattr(obj, name, *default)


def test_a_bankruptcy_insert_meeting_the_constraint_is_turned_into_the_message(deficiency, staff):
    Bankruptcy.objects.create(
        deficiency=deficiency, chapter=7, case_number="1", district="D", filed_on=date(2026, 7, 1)
    )
    second = Bankruptcy(chapter=13, case_number="2", district="D", filed_on=date(2026, 7, 2))
    real_check = services._refuse_second_bankruptcy
    with (
        mock.patch(
            "deficiencies.services._refuse_second_bankruptcy", _first_calls_miss(real_check)
        ),
        pytest.raises(services.AlreadyRecorded),
    ):
        services.record_bankruptcy(deficiency=deficiency, bankruptcy=second, by=staff)
    assert Bankruptcy.objects.count() == 1


# --- finding E: a discharge on a deficiency that cannot be discharged -------------------------------


def test_a_discharge_on_a_waived_deficiency_is_recorded_and_the_status_kept(
    client, staff, deficiency
):
    services.change_status(deficiency=deficiency, to=Status.WAIVED, by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:bankruptcy", args=[deficiency.pk]),
        _bankruptcy_post(**{"bk-discharged_on": "2026-10-15"}),
        follow=True,
    )
    assert response.status_code == 200
    bankruptcy = Bankruptcy.objects.get(deficiency=deficiency)
    assert bankruptcy.discharged_on == date(2026, 10, 15)
    deficiency.refresh_from_db()
    assert deficiency.status == Status.WAIVED
    assert "Bankruptcy recorded." in response.text
    assert "The deficiency stays “Waived”: a “Waived” deficiency cannot be marked" in response.text
    assert "is saved, but" not in response.text


def test_a_discharge_on_an_open_deficiency_still_discharges_it_without_a_warning(
    client, staff, deficiency
):
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:bankruptcy", args=[deficiency.pk]),
        _bankruptcy_post(**{"bk-discharged_on": "2026-10-15"}),
        follow=True,
    )
    deficiency.refresh_from_db()
    assert deficiency.status == Status.DISCHARGED
    assert "cannot be marked" not in response.text


# --- the calendar link ------------------------------------------------------------------------------


def test_renewing_the_calendar_link_keeps_one_feed_with_a_new_token(client, owner):
    client.force_login(owner)
    client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    old = CalendarFeed.objects.get(user=owner).token
    response = client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(user=owner)
    assert feed.token != old
    assert client.get(reverse("deficiencies:calendar", args=[old])).status_code == 404


def test_a_racing_calendar_link_replaces_the_token_instead_of_a_500(client, owner):
    CalendarFeed.objects.create(user=owner, token="x" * 43)  # the other request's row
    client.force_login(owner)
    real_filter = CalendarFeed.objects.filter
    calls = {"n": 0}

    def filter_missing_once(*args, **kwargs):
        calls["n"] += 1
        return CalendarFeed.objects.none() if calls["n"] == 1 else real_filter(*args, **kwargs)

    with mock.patch.object(CalendarFeed.objects, "filter", side_effect=filter_missing_once):
        response = client.post(reverse("deficiencies:calendar_link"), {"action": "create"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(user=owner)
    assert feed.token != "x" * 43 and len(feed.token) >= 40


# --- real threads on the test database (SQLite here; PostgreSQL when DATABASE_URL says so) ---------


def _at_once(n, work):
    """Run work(i) in n threads released together; what each returned or raised."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        try:
            barrier.wait()
            out[i] = work(i)
        except services.AlreadyRecorded:
            out[i] = "already recorded"
        except Exception as exc:  # noqa: BLE001 - the test shows what went wrong
            out[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


@pytest.mark.django_db(transaction=True)
def test_six_liquidations_at_once_record_one_and_refuse_five(portfolio, staff):
    loan = make_loan(portfolio)

    def record(i):
        fresh = Loan.objects.get(pk=loan.pk)
        services.record_liquidation(loan=fresh, event=_event(fresh), by=staff)
        return "recorded"

    out = _at_once(6, record)
    assert sorted(out) == ["already recorded"] * 5 + ["recorded"]
    assert LiquidationEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_bankruptcies_at_once_record_one_and_refuse_five(portfolio, staff):
    deficiency = record_sale(make_loan(portfolio), staff)

    def record(i):
        bankruptcy = Bankruptcy(
            chapter=7, case_number=f"26-{i}", district="D", filed_on=date(2026, 7, 1)
        )
        services.record_bankruptcy(deficiency=deficiency, bankruptcy=bankruptcy, by=staff)
        return "recorded"

    out = _at_once(6, record)
    assert sorted(out) == ["already recorded"] * 5 + ["recorded"]
    assert Bankruptcy.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_calendar_links_at_once_leave_one_feed(owner):
    import secrets

    out = _at_once(8, lambda i: services.renew_calendar_link(owner, secrets.token_urlsafe(32)).pk)
    assert all(isinstance(pk, int) for pk in out), out
    assert CalendarFeed.objects.filter(user=owner).count() == 1
