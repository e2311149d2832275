"""Portfolio totals after a loan change (issue 13, scale): the page shows the last totals with
their time while one background refresh computes the new ones, never recomputing every loan's
interest in the request; under the immediate backend (the other tests) the refresh runs at once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.tasks import default_task_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolios import stats
from portfolios.models import Loan, Portfolio
from tests.factories import make_loan, make_portfolio
from tests.portfolios.test_pages import make_loans

pytestmark = pytest.mark.django_db


def queued():
    return [r for r in default_task_backend.results if r.task.name == "refresh_totals"]


def run_queued():
    """What a worker does: run each queued refresh."""
    from portfolios.tasks import refresh_totals

    for result in queued():
        refresh_totals.call(*result.args, **result.kwargs)
    default_task_backend.clear()


def exact_totals(portfolio):
    return stats.compute_totals(Loan.objects.filter(portfolio=portfolio), timezone.localdate())[
        portfolio.pk
    ]


def detail(client, portfolio):
    response = client.get(reverse("portfolios:detail", args=[portfolio.pk]))
    assert response.status_code == 200
    return response


def test_a_view_after_a_change_shows_the_last_totals_labelled_and_queues_one_refresh(
    client, owner, portfolio, tasks_wait, monkeypatch
):
    make_loan(portfolio, "T-1")
    client.force_login(owner)
    before = detail(client, portfolio).context["totals"]  # small and never computed: at once
    assert before.current and before.count == 1 and not queued()
    make_loan(portfolio, "T-2", upb=Decimal("50000.00"))  # a change: the stamp moves

    computed = []
    monkeypatch.setattr(stats, "compute_totals", lambda *a: computed.append(a))
    response = detail(client, portfolio)
    assert computed == []  # no loan's interest is computed in the request
    shown = response.context["totals"]
    assert (shown.count, shown.upb, shown.total_debt) == (1, before.upb, before.total_debt)
    assert shown.computed_at is not None and not shown.current
    note = f"Totals as of {timezone.localtime(shown.computed_at):%b} "
    assert note in response.text and "before the latest changes" in response.text
    assert 'role="status" data-testid="totals-note"' in response.text
    assert 'aria-describedby="totals-note"' in response.text
    # The loan table is always current: both loans are listed, under the last totals' count.
    assert [row.loan.loan_number for row in response.context["rows"]] == ["T-1", "T-2"]
    assert f"1 loan as of {timezone.localtime(shown.computed_at):%-I:%M} " in response.text
    assert len(queued()) == 1
    detail(client, portfolio)  # viewed again before the refresh ran: nothing more is queued
    assert len(queued()) == 1
    (refresh,) = queued()
    portfolio.refresh_from_db()
    assert refresh.args == [portfolio.pk, stats._stamp(portfolio), timezone.localdate().isoformat()]


def test_after_the_refresh_runs_the_page_shows_the_new_exact_totals(
    client, owner, portfolio, tasks_wait
):
    make_loan(portfolio, "T-1")
    client.force_login(owner)
    detail(client, portfolio)
    loan = make_loan(portfolio, "T-2", upb=Decimal("50000.00"))
    loan.fees = Decimal("123.45")
    loan.save()
    detail(client, portfolio)
    run_queued()

    response = detail(client, portfolio)
    shown = response.context["totals"]
    assert shown.current and shown == exact_totals(portfolio)
    assert shown.count == 2 and shown.upb == Decimal("250000.00")
    assert "Total debt today" in response.text and 'data-testid="totals-note"' not in response.text
    assert not queued()


def test_each_change_queues_its_own_refresh(client, owner, portfolio, tasks_wait):
    make_loan(portfolio, "T-1")
    client.force_login(owner)
    detail(client, portfolio)
    make_loan(portfolio, "T-2")
    detail(client, portfolio)
    make_loan(portfolio, "T-3")
    detail(client, portfolio)
    assert len(queued()) == 2
    run_queued()
    assert detail(client, portfolio).context["totals"].count == 3


def test_a_refresh_another_worker_already_did_computes_nothing(portfolio, monkeypatch):
    make_loan(portfolio, "T-1")
    portfolio.refresh_from_db()
    today = timezone.localdate()
    first = stats.refresh_totals(portfolio.pk, stats._stamp(portfolio), today)
    calls = []
    monkeypatch.setattr(stats, "compute_totals", lambda *a: calls.append(a))
    assert first is True
    assert stats.refresh_totals(portfolio.pk, stats._stamp(portfolio), today) is False
    assert calls == []


def test_under_the_immediate_backend_the_first_view_after_a_change_is_current(
    client, owner, portfolio
):
    make_loan(portfolio, "T-1")
    client.force_login(owner)
    detail(client, portfolio)
    make_loan(portfolio, "T-2", upb=Decimal("50000.00"))
    response = detail(client, portfolio)
    assert response.context["totals"] == exact_totals(portfolio)
    assert 'data-testid="totals-note"' not in response.text


def test_a_large_portfolio_never_computed_shows_its_totals_as_being_computed(
    client, owner, portfolio, tasks_wait, monkeypatch
):
    monkeypatch.setattr(stats, "SYNC_LOANS", 2)
    make_loans(portfolio, 3)
    client.force_login(owner)
    response = detail(client, portfolio)
    shown = response.context["totals"]
    assert shown.pending and not shown.has_figures
    assert "The totals are being computed in the background" in response.text
    assert "$0.00" not in response.text.split('data-testid="totals-note"')[1].split("</form>")[0]
    assert len(response.context["rows"]) == 3  # the loans are listed meanwhile
    assert len(queued()) == 1
    run_queued()
    assert detail(client, portfolio).context["totals"] == exact_totals(portfolio)


def test_a_small_portfolio_never_computed_is_computed_in_the_request(
    client, owner, portfolio, tasks_wait, monkeypatch
):
    monkeypatch.setattr(stats, "SYNC_LOANS", 3)
    make_loans(portfolio, 3)
    client.force_login(owner)
    assert detail(client, portfolio).context["totals"] == exact_totals(portfolio)
    assert not queued()


def test_a_new_day_shows_the_last_totals_while_the_days_are_computed(portfolio, tasks_wait):
    make_loan(portfolio, "T-1")
    day = date(2026, 12, 1)
    first = stats.portfolio_totals([portfolio], day)[portfolio.pk]
    assert first.current
    next_day = stats.portfolio_totals([portfolio], day + timedelta(days=1))[portfolio.pk]
    assert next_day.computed_at is not None and next_day.total_debt == first.total_debt
    assert len(queued()) == 1
    run_queued()
    later = stats.portfolio_totals([portfolio], day + timedelta(days=1))[portfolio.pk]
    assert later.current and later.total_debt > first.total_debt  # a day's more interest


def test_lists_and_home_label_the_last_totals_too(client, owner, portfolio, tasks_wait):
    other = make_portfolio(owner, name="Second Pool")
    make_loan(portfolio, "T-1")
    make_loan(other, "T-9")
    client.force_login(owner)
    client.get(reverse("portfolios:list"))  # both computed (small, never before)
    make_loan(portfolio, "T-2")

    for url in (reverse("portfolios:list"), reverse("home")):
        response = client.get(url)
        assert "before the latest changes" in response.text, url
        assert response.text.count("updating</div>") == 1, url  # the changed portfolio's row
    grand = client.get(reverse("portfolios:list")).context["grand"]
    assert grand.count == 2 and grand.computed_at is not None
    assert len(queued()) == 1  # one refresh, whichever page asked first
    run_queued()
    response = client.get(reverse("home"))
    assert "before the latest changes" not in response.text
    assert response.context["investor"]["totals"].count == 3


def test_portfolio_page_query_count_does_not_grow_with_loans_while_totals_refresh(
    client, owner, tasks_wait
):
    small = make_portfolio(owner, name="Small")
    big = make_portfolio(owner, name="Big")
    make_loans(small, 50)
    make_loans(big, 3_000, start=50)
    client.force_login(owner)

    def queries(portfolio):
        detail(client, portfolio)  # the session, and totals computed (or queued and run)
        run_queued()
        Portfolio.touch_loans(portfolio.pk)  # a change: the last totals are shown
        with CaptureQueriesContext(connection) as ctx:
            assert detail(client, portfolio).context["totals"].computed_at is not None
        return len(ctx.captured_queries)

    assert queries(small) == queries(big)


def test_loans_added_since_the_last_totals_are_on_their_last_page(
    client, owner, portfolio, tasks_wait
):
    make_loans(portfolio, 60)  # two pages of 50
    client.force_login(owner)
    detail(client, portfolio)
    make_loans(portfolio, 5, start=60)
    Portfolio.touch_loans(portfolio.pk)  # as the import does after its bulk writes
    url = reverse("portfolios:detail", args=[portfolio.pk])
    response = client.get(url, {"page": 2})
    assert response.context["totals"].count == 60  # the last totals, shown while refreshed
    numbers = [row.loan.loan_number for row in response.context["rows"]]
    assert numbers == [f"L{n:06d}" for n in range(50, 65)]  # not cut at the 60th


def test_the_note_says_when_no_worker_runs_to_compute_the_totals(
    client, owner, portfolio, settings
):
    make_loan(portfolio, "T-1")
    client.force_login(owner)
    detail(client, portfolio)
    make_loan(portfolio, "T-2")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for url in (
        reverse("portfolios:detail", args=[portfolio.pk]),
        reverse("portfolios:list"),
        reverse("home"),
    ):
        response = client.get(url)
        assert "No background worker is running, so they wait for one" in response.text, url


def test_the_nightly_job_queues_the_days_totals(portfolio, tasks_wait):
    from deficiencies.tasks import reassess_all

    make_loan(portfolio, "T-1")
    today = timezone.localdate()
    stats.portfolio_totals([portfolio], today - timedelta(days=1))  # yesterday's, computed
    reassess_all.call()
    assert [r.args[2] for r in queued()] == [today.isoformat()]
    run_queued()
    assert stats.portfolio_totals([Portfolio.objects.get()], today)[portfolio.pk].current


def test_the_totals_and_the_days_assessment_marks_come_in_one_cache_read(portfolio, monkeypatch):
    """Once today's re-assessment is marked, the totals cost one cache read (on the database
    cache, one query): the marks come with the totals, and the re-assessment is not asked."""
    from django.core.cache import cache

    from deficiencies import services as deficiency_services

    make_loan(portfolio)
    today = timezone.localdate()
    # Computed, and the day's assessment marked.
    stats.portfolio_totals([Portfolio.objects.get(pk=portfolio.pk)], today)
    assert cache.get(deficiency_services.assessed_marker(portfolio.pk, today)) is True
    reads = []

    class Counting:
        def __getattr__(self, name):
            attr = getattr(cache, name)
            if name.startswith("get"):
                return lambda *a, **k: (reads.append(name), attr(*a, **k))[1]
            return attr

    monkeypatch.setattr(stats, "cache", Counting())
    monkeypatch.setattr(deficiency_services, "cache", Counting())
    totals = stats.portfolio_totals([Portfolio.objects.get(pk=portfolio.pk)], today)
    assert totals[portfolio.pk].current and totals[portfolio.pk].count == 1
    assert reads == ["get_many"]
    # Without the mark (a new day's first view, an emptied cache) the assessment reads it.
    cache.delete(deficiency_services.assessed_marker(portfolio.pk, today))
    reads.clear()
    stats.portfolio_totals([Portfolio.objects.get(pk=portfolio.pk)], today)
    assert reads[0] == "get_many" and len(reads) >= 2
