"""Standing users for every test: an owner, another investor, staff and an attorney."""

import os

import pytest

from noteinvest.access import Role
from tests.factories import make_portfolio, make_user

# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser
# tests' bodies would otherwise raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def owner(db):
    return make_user(Role.INVESTOR, email="owner@example.com", full_name="Olive Owner")


@pytest.fixture
def other_investor(db):
    return make_user(Role.INVESTOR, email="other@example.com", full_name="Otto Other")


@pytest.fixture
def staff(db):
    return make_user(Role.STAFF, email="staff-member@example.com", full_name="Stella Staff")


@pytest.fixture
def attorney(db):
    return make_user(Role.ATTORNEY, email="counsel@example.com", full_name="Ada Attorney")


@pytest.fixture
def portfolio(owner):
    return make_portfolio(owner, name="Owner's Pool")


@pytest.fixture
def other_portfolio(other_investor):
    return make_portfolio(other_investor, name="Other's Pool")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests never run collectstatic; serve static names as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow by design; tests check behaviour, not hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or 'local'})"


@pytest.fixture(autouse=True)
def _imports_run_inline(settings):
    # Browser imports normally run in a background thread; tests want the outcome at once.
    settings.TAPE_IMPORT_INLINE = True


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    # Each test's database starts empty: so does the cache (totals, daily-assessment marks).
    # Tests use a memory cache, which needs no database (most tests use none); the shared
    # database cache the app uses by default is tested in tests/noteinvest/test_shared_cache.py.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()
