"""The shared cache (issue 13): one cache for every web server and worker, the database's by
default, Redis or Valkey through DJANGO_CACHE_URL."""

from datetime import date

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured

from noteinvest.cache_url import cache_settings
from tests.factories import make_loan


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        (None, "db.DatabaseCache", "noteinvest_cache"),
        ("", "db.DatabaseCache", "noteinvest_cache"),
        ("db://totals_cache", "db.DatabaseCache", "totals_cache"),
        ("redis://cache.internal:6379/1", "redis.RedisCache", "redis://cache.internal:6379/1"),
        ("rediss://:secret@cache.internal:6380/0", "redis.RedisCache",
         "rediss://:secret@cache.internal:6380/0"),
        ("valkey://cache.internal:6379/2", "redis.RedisCache", "redis://cache.internal:6379/2"),
        ("locmem://", "locmem.LocMemCache", "noteinvest"),
        ("dummy://", "dummy.DummyCache", None),
    ],
)  # fmt: skip
def test_the_cache_url_names_the_backend(url, backend, location):
    got = cache_settings(url)
    assert got["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert got.get("LOCATION") == location


@pytest.mark.parametrize(
    "url", ["memcached://x:11211", "redis://", "db://bad-name;drop", "cache.internal:6379"]
)
def test_a_cache_url_it_cannot_use_is_refused_at_start(url):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CACHE_URL"):
        cache_settings(url)


def test_the_app_uses_the_shared_database_cache_by_default(monkeypatch):
    import importlib

    import noteinvest.settings as app_settings

    monkeypatch.delenv("DJANGO_CACHE_URL", raising=False)
    assert importlib.reload(app_settings).CACHES["default"] == cache_settings(None)


@pytest.mark.django_db
def test_portfolio_totals_are_computed_once_for_every_server(settings, portfolio, monkeypatch):
    """Two servers share the database cache: the second finds the first one's totals."""
    from portfolios import stats

    settings.CACHES = {"default": cache_settings(None)}
    make_loan(portfolio, "SC-1")
    calls = []
    real = stats.compute_totals
    monkeypatch.setattr(stats, "compute_totals", lambda *a: calls.append(a) or real(*a))
    first = stats.portfolio_totals([portfolio], date(2026, 12, 1))[portfolio.pk]
    assert len(calls) == 1
    # Another server: its own cache object over the same table, nothing in its memory.
    other_server = DatabaseCache("noteinvest_cache", {})
    key = stats._key(portfolio, date(2026, 12, 1))
    assert other_server.get(key) == first and first.count == 1
    monkeypatch.setattr(stats, "cache", other_server)
    again = stats.portfolio_totals([portfolio], date(2026, 12, 1))[portfolio.pk]
    assert len(calls) == 1 and again == first


@pytest.mark.django_db
def test_the_database_cache_keeps_a_portfolios_last_totals_past_300_entries(settings):
    """Django's default (300 entries, then a third deleted, the first keys first) would drop
    the last totals a page shows while new ones are computed."""
    from django.core.cache import caches

    settings.CACHES = {"default": cache_settings(None)}
    cache = caches["default"]
    cache.set("portfolio-totals-last:1", "kept")
    cache.set_many({f"z-{n:04d}": n for n in range(400)})
    cache.set("z-last", 1)  # a set past the limit culls
    assert cache.get("portfolio-totals-last:1") == "kept"
