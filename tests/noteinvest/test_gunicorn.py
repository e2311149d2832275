"""The production server: gunicorn, pinned, configured by gunicorn.conf.py from the
environment, serves the app with several processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_app_as_the_environment_says(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "gunicorn-test-" + "k3Y9x!Qw7Zp2Lm5Nv8Rt1Bc4Hj6Df0Gs" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn"],  # gunicorn.conf.py in the project folder
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    status, body = r.status, r.read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert (status, body) == (200, b"ok")
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0]
    assert f"Listening at: http://127.0.0.1:{port}" in out
    assert out.count("Booting worker with pid") == 2  # WEB_CONCURRENCY
    assert '"GET /healthz HTTP/1.1" 200' in out  # the access log, on standard output
