"""The worker process's own bookkeeping: it registers even when the database is busy at its
start, beats while it runs, stops itself once struck off, and leaves no row when it ends."""

import pytest
from django.db import OperationalError

from background import worker as worker_module
from background.models import WorkerBeat
from background.worker import BeatingWorker, Clock

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections


def make_worker():
    return BeatingWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="w-test", excluded_queue_names=[],
    )  # fmt: skip


def test_a_busy_database_at_the_start_is_waited_for_not_fatal(monkeypatch):
    real = WorkerBeat.objects.update_or_create
    calls = []

    def busy_twice(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(WorkerBeat.objects, "update_or_create", busy_twice)
    monkeypatch.setattr(worker_module.time, "sleep", lambda seconds: None)
    worker = make_worker()
    worker.register()
    assert len(calls) == 3
    assert WorkerBeat.objects.filter(pk=worker.worker_id).exists()


def test_a_worker_struck_off_stops_itself(monkeypatch):
    exits = []
    monkeypatch.setattr(worker_module.os, "_exit", exits.append)
    monkeypatch.setattr(worker_module.recovery, "recover_lost_tasks", lambda: {})
    worker = make_worker()
    worker.register()
    clock = Clock(worker.worker_id)
    clock.tick(1)
    assert exits == []  # its row is there: it beat
    WorkerBeat.objects.filter(pk=worker.worker_id).delete()  # declared lost by another worker
    clock.tick(2)
    assert exits == [75]


def test_a_batch_worker_runs_then_leaves_no_beat_row(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    from tests.background import work

    result = work.note_attempt.enqueue(str(tmp_path / "m"))
    make_worker().run()  # --batch: runs what is queued, then returns
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    assert not WorkerBeat.objects.exists()


def test_each_process_gets_an_id_of_its_own_under_the_name_given():
    # systemd restarts a killed worker under the same --worker-id: the new process must not
    # pass for the dead one, whose running task would then look alive for ever.
    first, second = make_worker(), make_worker()
    assert first.worker_id.startswith("w-test-") and second.worker_id.startswith("w-test-")
    assert first.worker_id != second.worker_id


def test_an_attempt_taken_over_by_recovery_does_not_overwrite_the_retry(settings, tmp_path):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tests.background import work

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = work.note_attempt.enqueue(str(tmp_path / "m"))
    worker = make_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker.worker_id)
    # Recovery took it over while this (slow) worker still ran it: queued again.
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.READY, started_at=None)
    worker.run_task(row)
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.READY


def test_a_forced_stop_leaves_the_task_for_recovery_not_failed(settings, monkeypatch, tmp_path):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tests.background import work

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = work.note_attempt.enqueue(str(tmp_path / "m"))
    worker = make_worker()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker.worker_id)

    def forced_stop(*args, **kwargs):
        raise SystemExit(1)  # what a second Ctrl+C does inside the task

    monkeypatch.setattr(type(row.task), "call", forced_stop)
    with pytest.raises(SystemExit):
        worker.run_task(row)
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.RUNNING


def test_a_connection_lost_while_polling_is_reconnected_not_fatal(settings, monkeypatch, tmp_path):
    """In a load run a worker died when the database's connections were terminated while
    it polled for work (after the health check): it now polls again on a new connection."""
    from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

    from tests.background import work

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = work.note_attempt.enqueue(str(tmp_path / "m"))
    real = DBTaskResultQuerySet.get_locked
    polls = []

    def dropped_once(self):
        polls.append(1)
        if len(polls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", dropped_once)
    monkeypatch.setattr(worker_module, "connection_lost", lambda exc: True)
    monkeypatch.setattr(worker_module, "RECONNECT_DELAY", 0)
    make_worker().run()
    assert len(polls) >= 2
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    assert not WorkerBeat.objects.exists()


def test_a_failing_query_on_a_working_connection_still_stops_the_worker(monkeypatch):
    from django_tasks_db.models import DBTaskResultQuerySet

    def broken(self):
        raise OperationalError("relation does not exist")

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", broken)
    with pytest.raises(OperationalError, match="relation does not exist"):
        make_worker().run()
    assert not WorkerBeat.objects.exists()
