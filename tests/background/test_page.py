"""Staff see the background: workers alive or silent, the daily jobs, recent tasks with
their status and, for a failed one, why; nobody else sees it; mail addresses never shown."""

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import tasks as account_tasks
from background import recovery
from background.models import WorkerBeat
from portfolios.tasks import import_tape
from tests.background import work

pytestmark = pytest.mark.django_db
URL = "/background/"


@pytest.fixture(autouse=True)
def _database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_staff_see_workers_jobs_and_each_tasks_status_and_reason(client, staff):
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="w-live", host="app1", pid=11, started_at=now, seen_at=now)
    WorkerBeat.objects.create(
        worker_id="w-gone", host="app2", pid=12, started_at=now,
        seen_at=now - timedelta(minutes=5),
    )  # fmt: skip
    import_tape.enqueue(41)
    failed = work.fails.enqueue()
    DBTaskResult.objects.filter(pk=failed.id).update(
        status=TaskResultStatus.FAILED,
        exception_class_path="builtins.ValueError",
        traceback="Traceback (most recent call last):\n  ...\nValueError: The tape's file was not found.",
    )
    lost = work.note_attempt.enqueue("/nonexistent")
    DBTaskResult.objects.filter(pk=lost.id).update(
        status=TaskResultStatus.FAILED, exception_class_path=recovery.LOST_CLASS_PATH,
        traceback=recovery.lost_message(2, False),
    )  # fmt: skip
    account_tasks.mail_reset_link.enqueue("someone@example.com", "x", True)
    client.force_login(staff)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert "Workers: 1 running" in text and "w-gone" in text and "silent" in text
    assert "Nightly re-assessment of deficiencies <span" in text and "not queued yet" in text
    assert 'href="/portfolios/imports/41/"' in text and "Loan-tape import" in text
    assert "ValueError: The tape&#x27;s file was not found." in text
    assert "stopped before it finished, 2 times" in text
    assert "Password-reset or welcome mail" in text
    assert "someone@example.com" not in text  # what anyone typed on the reset form
    failed_only = client.get(URL + "?status=FAILED").text
    assert "Loan-tape import" not in failed_only and "ValueError" in failed_only


def test_with_no_live_worker_the_page_says_queued_work_waits(client, staff):
    client.force_login(staff)
    assert "No worker is running" in client.get(URL).text


def test_the_pages_queries_do_not_grow_with_tasks(client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)
    client.get(URL)  # the first page after log-in also keeps the roles in the session
    import_tape.enqueue(1)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(30):
        import_tape.enqueue(n + 2)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


@pytest.mark.parametrize("who", ["owner", "attorney"])
def test_only_staff_see_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


def test_the_staff_home_links_to_it(client, staff):
    client.force_login(staff)
    assert f'href="{reverse("background")}"' in client.get("/").text
