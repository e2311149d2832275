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
def _tasks_run_at_once(settings):
    # Background tasks (imports, renders, mail) normally wait for a worker; tests want the
    # outcome at once. A real db_worker runs them in tests/background/test_worker_process.py.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def background_worker(settings):
    """A real db_worker loop on a thread of this process (the database backend), for tests
    that watch a task queued, running and done, as browser tests do through the live server.
    """
    import threading

    from background.worker import BeatingWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker = BeatingWorker(
        queue_names=["default"], interval=0.1, batch=False, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )  # fmt: skip
    thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=10)


@pytest.fixture
def tasks_wait(settings):
    """Tasks are queued and never run (Django's dummy backend): the queued state itself."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


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
