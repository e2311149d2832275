"""The cache from one URL (DJANGO_CACHE_URL): shared by every web server and worker.

Default (no URL): Django's database cache in the table `noteinvest_cache` of the app's own
database (SQLite or PostgreSQL): nothing more to run, and every process sees the same
entries, so portfolio totals are computed once for all of them and a login lockout holds on
every server. `redis://` / `rediss://` (or `valkey://` / `valkeys://`, the same protocol)
use Django's Redis cache (the `redis` package); `locmem://` keeps a per-process cache (one
process only) and `dummy://` none.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_TABLE = "noteinvest_cache"


def cache_settings(url: str | None) -> dict:
    """The CACHES["default"] entry for `url` (blank: the database cache)."""
    url = (url or "").strip()
    if not url:
        return _database(DEFAULT_TABLE)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("redis", "rediss", "valkey", "valkeys"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"DJANGO_CACHE_URL {url!r} names no host.")
        location = "redis" + url[len("valkey") :] if scheme.startswith("valkey") else url
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    if scheme == "db":
        table = (parts.netloc or parts.path.lstrip("/")) or DEFAULT_TABLE
        if not table.replace("_", "").isalnum():
            raise ImproperlyConfigured(f"DJANGO_CACHE_URL {url!r}: a table name is letters, "
                                       "digits and underscores.")  # fmt: skip
        return _database(table)
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": parts.netloc or "noteinvest"}  # fmt: skip
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"DJANGO_CACHE_URL {url!r}: use db://<table>, redis://host:6379/0, rediss://, "
        "valkey://, locmem:// or dummy://."
    )


# Django's database cache keeps 300 entries by default and then deletes a third of them, the
# first by key: a portfolio's last totals (portfolios.stats), shown while new ones are
# computed, would go with the rest. Expired entries go first when it culls.
DATABASE_MAX_ENTRIES = 20_000


def _database(table: str) -> dict:
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": DATABASE_MAX_ENTRIES}}  # fmt: skip
