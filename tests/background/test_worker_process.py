"""A real `manage.py db_worker` process: it runs queued tasks, records a failure with its
reason, and when it is killed (SIGKILL) mid-task the next worker runs that task again.

On a database file of its own, set up with migrate like a fresh install (the worker
processes must not touch the test database).
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def fresh_install(tmp_path):
    db = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_TASKS": "database",
        "DJANGO_WORKER_LOST_AFTER": "15",  # the shortest allowed
        "DJANGO_DEBUG": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    return db, env


def enqueue(env, code: str) -> str:
    script = f"from tests.background import work\nprint({code}.id)"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1].replace("-", "")


def worker(env, worker_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1",
         "--no-startup-delay", "--worker-id", worker_id, "-v", "0"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def task_row(db, task_id):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT status, worker_ids, return_value, exception_class_path, traceback "
            "FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
            (task_id,),
        ).fetchone()


def wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_killed_workers_task_is_run_again_by_the_next_worker(fresh_install, tmp_path):
    db, env = fresh_install
    marks = tmp_path / "attempts"
    held = enqueue(env, f"work.note_attempt.enqueue({str(marks)!r}, hold_first=120)")
    failing = enqueue(env, "work.fails.enqueue()")

    first = worker(env, "worker-a")
    try:
        wait_for(lambda: marks.exists() and marks.read_text().strip())  # the task has begun
        assert task_row(db, held)["status"] == "RUNNING"
        first.send_signal(signal.SIGKILL)  # mid-task: no chance to record anything
        first.wait(timeout=10)
    finally:
        first.kill()
    time.sleep(15.5)  # longer than DJANGO_WORKER_LOST_AFTER: the first worker is silent
    assert task_row(db, held)["status"] == "RUNNING"  # nobody has noticed yet

    second = worker(env, "worker-b")
    try:
        done = wait_for(lambda: (r := task_row(db, held)) and r["status"] == "SUCCESSFUL" and r)
        ids = json.loads(done["worker_ids"])
        # Each process's id: the name given plus a suffix of its own.
        assert [i.rsplit("-", 1)[0] for i in ids] == ["worker-a", "worker-b"]
        assert done["return_value"] == "2"  # the second attempt
        pids = marks.read_text().split()
        assert len(pids) == 2 and pids[0] != pids[1]
        # A task that raises is failed, with its reason kept for the user.
        failed = wait_for(lambda: (r := task_row(db, failing)) and r["status"] == "FAILED" and r)
        assert failed["exception_class_path"] == "builtins.ValueError"
        assert "The tape's file was not found." in failed["traceback"]
        with sqlite3.connect(db) as conn:
            beats = conn.execute("SELECT worker_id FROM background_workerbeat").fetchall()
        assert [b[0].rsplit("-", 1)[0] for b in beats] == ["worker-b"]  # the lost one struck off
    finally:
        second.send_signal(signal.SIGTERM)  # a graceful stop: its beat row goes with it
        assert second.wait(timeout=20) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM background_workerbeat").fetchone() == (0,)
