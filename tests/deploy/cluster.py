"""Two gunicorn servers and two db_workers on one database, for tests/deploy.

A small HTTP client (urllib with cookies and Django's CSRF token), the processes, and the
checks of what a run left in the database (`check_import`): every row of the tape imported
once, none lost, none twice.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One user's session against one server."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")

    def get(self, path):
        return self.request(path)

    def token(self, path) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        return TOKEN.search(body)[1]

    def post(self, path, fields: dict, files: dict | None = None, form_path=None):
        fields = {"csrfmiddlewaretoken": self.token(form_path or path), **fields}
        if files:
            boundary = uuid.uuid4().hex
            data, content_type = multipart(fields, files, boundary)
        else:
            data = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request(path, data, {"Content-Type": content_type, "Referer": self.base + path})

    def log_in(self, email, password):
        status, headers, _ = self.post(
            "/accounts/login/", {"username": email, "password": password}
        )
        assert status == 302, f"log-in of {email} answered {status}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def multipart(fields, files, boundary):
    lines = []
    for name, value in fields.items():
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", value]
    body = "\r\n".join(lines).encode() + b"\r\n"
    for name, (filename, content) in files.items():
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Cluster:
    """Processes started with one environment: gunicorn servers and db_workers."""

    def __init__(self, env: dict):
        self.env = env
        self.processes = []

    def manage(self, *args, timeout=600):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
            timeout=timeout, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def server(self, processes=2) -> str:
        port = free_port()
        env = {**self.env, "PORT": str(port), "WEB_CONCURRENCY": str(processes)}
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not self._healthy(base):
            if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                raise RuntimeError(f"gunicorn on {port} did not start")
            time.sleep(0.2)
        return base

    @staticmethod
    def _healthy(base) -> bool:
        try:
            return Browser(base).get("/healthz")[0] == 200
        except OSError:  # not listening yet
            return False

    def worker(self, name: str):
        self.processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "--interval",
                    "0.2",
                    "--worker-id",
                    name,
                    "-v",
                    "0",
                ],
                cwd=ROOT,
                env=self.env,
            )  # fmt: skip
        )

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def check_import(loan_numbers_in_db: list[str], tape_numbers: list[str]) -> list[str]:
    """What a run lost or duplicated: every loan number of the tape exactly once."""
    problems = []
    seen = {}
    for number in loan_numbers_in_db:
        seen[number] = seen.get(number, 0) + 1
    lost = [n for n in tape_numbers if n not in seen]
    twice = sorted(n for n, count in seen.items() if count > 1)
    extra = sorted(set(seen) - set(tape_numbers))
    if lost:
        problems.append(f"{len(lost)} loans of the tape missing, e.g. {lost[:3]}")
    if twice:
        problems.append(f"{len(twice)} loans imported more than once, e.g. {twice[:3]}")
    if extra:
        problems.append(f"{len(extra)} loans not on the tape, e.g. {extra[:3]}")
    return problems


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_TASKS": "database",
        "DJANGO_DEBUG": "1",  # static files from the app folders (no collectstatic here)
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CACHE_URL": "",  # the shared database cache
    }
