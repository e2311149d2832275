"""Kept database connections are checked before reuse (DJANGO_CONN_HEALTH_CHECKS, on by
default): after the database dropped one, the next request, or a db_worker's next poll,
reconnects instead of failing. In bench/load.py's runs (DJANGO_CONN_MAX_AGE=60, as
docs/deploy.md) without it, an idle db_worker died when the connections were dropped."""

import pytest
from django.db import OperationalError, connection

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
