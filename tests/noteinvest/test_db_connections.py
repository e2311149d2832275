"""Kept database connections are checked before reuse (DJANGO_CONN_HEALTH_CHECKS, on by
default): after the database dropped one, the next request, or a db_worker's next poll,
reconnects instead of failing. In bench/load.py's runs (DJANGO_CONN_MAX_AGE=60, as
docs/deploy.md) without it, an idle db_worker died when the connections were dropped."""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.noteinvest.test_settings import run_python

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="drops a PostgreSQL connection"
)


def kept_connection(**overrides):
    """A second connection to the test database with the settings' options: kept 60 s, as
    docs/deploy.md's DJANGO_CONN_MAX_AGE."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    return DatabaseWrapper({**connection.settings_dict, "CONN_MAX_AGE": 60, **overrides}, "kept")


def drop_and_query(kept) -> int:
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    kept.close_if_unusable_or_obsolete()  # what Django does as every request starts
    with kept.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db
def test_a_dropped_connection_is_replaced_at_the_next_request():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True  # the settings' default
    kept = kept_connection()
    try:
        assert drop_and_query(kept) == 1
    finally:
        kept.close()


@postgresql_only
@pytest.mark.django_db
def test_without_health_checks_the_next_request_fails():
    kept = kept_connection(CONN_HEALTH_CHECKS=False)
    try:
        with pytest.raises(OperationalError):
            drop_and_query(kept)
    finally:
        kept.close()


def test_health_checks_can_be_turned_off():
    probe = (
        "from noteinvest import settings as s; print(s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    assert run_python(probe).stdout.strip() == "True"
    assert run_python(probe, DJANGO_CONN_HEALTH_CHECKS="0").stdout.strip() == "False"


def terminate(pid: int) -> None:
    """End one backend from another connection and wait until it is gone."""
    import time

    other = kept_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)
    finally:
        other.close()


def own_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def investor_page(transactional_db, client):
    """A signed-in investor's portfolio list. Django's test client does not run the health
    check as a request starts, so a connection dropped before the request is found dropped
    by the view's first query: what a drop while the request runs looks like."""
    from noteinvest.access import Role
    from tests.factories import make_portfolio, make_user

    user = make_user(Role.INVESTOR)
    make_portfolio(user, name="Dropped-Connection Pool")
    client.force_login(user)
    yield client
    connection.close()  # a connection left dropped by a test is replaced for the flush


@postgresql_only
def test_a_page_read_while_the_connection_drops_is_read_again(investor_page, caplog):
    terminate(own_pid())
    response = investor_page.get("/portfolios/")
    assert response.status_code == 200
    assert "Dropped-Connection Pool" in response.text
    assert "Retried after a lost database connection: GET /portfolios/" in caplog.text


@postgresql_only
def test_a_post_is_not_run_twice_when_the_connection_drops(investor_page):
    terminate(own_pid())
    with pytest.raises(OperationalError):
        investor_page.post(reverse("logout"))


@postgresql_only
def test_a_second_drop_is_the_error_it_was(investor_page, monkeypatch):
    from noteinvest import middleware

    real = middleware.RetryLostConnectionMiddleware.process_exception

    def drop_again(self, request, exception):
        from django.db import connections

        for conn in connections.all(initialized_only=True):
            conn.close()
        # The retry's first query finds its new connection dropped too.
        monkeypatch.setattr(
            "portfolios.views.portfolio_totals",
            lambda *a, **k: (_ for _ in ()).throw(OperationalError("dropped again")),
        )
        return real(self, request, exception)

    monkeypatch.setattr(middleware.RetryLostConnectionMiddleware, "process_exception", drop_again)
    terminate(own_pid())
    with pytest.raises(OperationalError):
        investor_page.get("/portfolios/")


@pytest.mark.django_db
def test_an_error_on_a_working_connection_is_not_retried(client, owner, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr("portfolios.views.portfolio_totals", failing)
    client.force_login(owner)
    with pytest.raises(OperationalError):
        client.get("/portfolios/")
    assert len(calls) == 1
