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
    make_worker().register()
    assert len(calls) == 3
    assert WorkerBeat.objects.filter(pk="w-test").exists()


def test_a_worker_struck_off_stops_itself(monkeypatch):
    exits = []
    monkeypatch.setattr(worker_module.os, "_exit", exits.append)
    monkeypatch.setattr(worker_module.recovery, "recover_lost_tasks", lambda: {})
    make_worker().register()
    clock = Clock("w-test")
    clock.tick(1)
    assert exits == []  # its row is there: it beat
    WorkerBeat.objects.filter(pk="w-test").delete()  # declared lost by another worker
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
