"""The load run (issue 13): 50 investors and 5 staff on gunicorn + PostgreSQL, with locust.

Sets everything up itself and takes it down afterwards:

1. a fresh PostgreSQL database with a unique name (dropped at the end), migrated, with the
   demo data plus N investors (each with two portfolios of their own, some loans
   liquidated into deficiencies with deadlines) and M staff users. Every investor's
   portfolio names and loan numbers carry a marker of their own (LX007Q: investor 7);
2. gunicorn (gunicorn.conf.py, DJANGO_DEBUG=0, static files collected into a temp folder,
   DJANGO_CONN_MAX_AGE=60 as docs/deploy.md) and two `manage.py db_worker` processes;
3. each user logged in once through the login form (before any phase: logins hash
   passwords on purpose slowly, and are not what a page costs);
4. locust, headless, on 127.0.0.1, as three phases of --run-time each, every user without
   think time (a closed loop, so throughput is what the server gives):
   /healthz, then the mixed traffic (bench/load_users.py: investors on their own pages,
   staff on theirs, now and then a small tape import through the upload form that the
   background workers run; 15 s of it first, unmeasured, as gunicorn's processes were
   replaced during /healthz), then /healthz again. The baseline is the mean of the two
   /healthz phases: the machine is shared, and this brackets the mixed phase;
5. during the mixed phase: one db_worker is killed (SIGKILL) and started again, and every
   connection to the database is dropped once (pg_terminate_backend); the failures in the
   seconds after each are counted against it;
6. every investor response is scanned for other investors' markers as it arrives; the
   count of responses carrying another user's data must be 0.

Besides locust's figures: the server's time per page (gunicorn's access log, locust names
each request in an X-Load-Page header) and the CPU per request of gunicorn, PostgreSQL's
backends and locust itself. Prints JSON, writes bench/results/load.json, and prints the
Markdown table for docs/PERFORMANCE.md. Pass/fail is decided by `verdict()`: mixed throughput at least 40% of
/healthz's, no errors, no leaks.

    .venv/bin/python bench/load.py [--run-time 90] [--investors 50] [--staff 5]
        [--database-url postgres://noteinvest:noteinvest-ci@127.0.0.1:5432/postgres]

The database URL names the server (and a role with CREATEDB); the database in it is only
used to create and drop the bench's own. Default: $LOAD_DATABASE_URL, else the local CI
server.
"""

import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DEFAULT_URL = "postgres://noteinvest:noteinvest-ci@127.0.0.1:5432/postgres"
GOAL_RATIO = 0.40
# Failures this many seconds after a chaos event are counted against it.
CHAOS_WINDOW_S = 10.0

# An investor's marker: in every portfolio name and loan number of theirs, nowhere else.
# Matched as a whole word, so a random token (a CSRF token, a CSP nonce) that happens to
# contain the letters is not taken for one.
MARKER_RE = re.compile(r"LX\d{3}Q(?![A-Za-z0-9])")


def marker(index: int) -> str:
    return f"LX{index:03d}Q"


# --- What decides pass or fail (tests/bench/test_load.py) --------------------------------


def leaked_markers(text: str, own: str) -> set[str]:
    """Markers in a response that are not the user's own: another investor's data."""
    # The character before is checked here, not by a look-behind in the pattern: the
    # pattern then starts with a literal, which the regex engine finds fast (3x faster).
    return {
        m.group()
        for m in MARKER_RE.finditer(text)
        if m.group() != own and not (m.start() and text[m.start() - 1].isalnum())
    }


def check_investor_page(text: str, own: str, *, expect_own: bool) -> str | None:
    """Why an investor's page is wrong (another user's data, or not their own), else None."""
    leaked = leaked_markers(text, own)
    if leaked:
        return "leak: " + ",".join(sorted(leaked))
    if expect_own and own not in text:
        return f"own data missing ({own})"
    return None


def read_stats(path: Path) -> dict[str, dict]:
    """locust's <prefix>_stats.csv: per request name, the count, failures, rate and
    percentiles (ms); the "Aggregated" row is all of them."""
    pages = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            count = int(row["Request Count"])
            failures = int(row["Failure Count"])
            pages[row["Name"]] = {
                "requests": count,
                "failures": failures,
                "error_rate": round(failures / count, 4) if count else 0.0,
                "rps": round(float(row["Requests/s"]), 1),
                "avg_ms": round(float(row["Average Response Time"]), 1),
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
            }
    return pages


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


# gunicorn's access log, with the page's name (locust sends it as X-Load-Page) and the time
# the worker spent on the request in microseconds: the server's side of each request, with
# no time waiting in the queue (unlike the response times locust sees).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%({x-load-page}i)s" %(D)s'
ACCESS_LINE = re.compile(r'" (?P<status>\d{3}) \S+ "(?P<page>[^"]*)" (?P<us>\d+)$')


def server_times(log_text: str, keep=lambda page: True) -> dict[str, dict]:
    """Per page (those `keep` keeps), the server's time on it (gunicorn's access log): median
    and mean ms, and its share of the server's time on them all: what dominates its work."""
    spent: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        found = ACCESS_LINE.search(line)
        if found and found["page"] != "-" and keep(found["page"]):
            spent.setdefault(found["page"], []).append(int(found["us"]) / 1000)
    total = sum(sum(v) for v in spent.values()) or 1.0
    out = {}
    for page, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        ordered = sorted(times)
        out[page] = {
            "requests": len(times),
            "median_ms": round(ordered[len(ordered) // 2], 1),
            "mean_ms": round(sum(times) / len(times), 1),
            "share": round(sum(times) / total, 3),
        }
    return out


def cause_of(failure: dict, events: list[dict], window: float = CHAOS_WINDOW_S) -> str:
    """The chaos event a failure followed within `window` seconds (the latest such), else
    "none": a failure the events do not explain."""
    cause = "none"
    for event in sorted(events, key=lambda e: e["t"]):
        if event["t"] <= failure["t"] <= event["t"] + window:
            cause = event["what"]
    return cause


def attribute_failures(
    failures: list[dict], events: list[dict], window: float = CHAOS_WINDOW_S
) -> dict[str, int]:
    """How many failures each chaos event explains, and "none" for the rest."""
    counts = Counter({event["what"]: 0 for event in events})
    counts["none"] = 0
    counts.update(cause_of(f, events, window) for f in failures)
    return dict(counts)


def in_flight(
    failures: list[dict], event: dict, events: list[dict], window: float = CHAOS_WINDOW_S
) -> dict:
    """Of the failures `event` explains: requests already running when it began, requests
    sent after it was complete (`done`: every dropped connection gone), and in between."""
    mine = [f for f in failures if cause_of(f, events, window) == event["what"]]
    running = sum(1 for f in mine if f["started"] < event["t"])
    after = sum(1 for f in mine if f["started"] >= event.get("done", event["t"]))
    return {"in_flight": running, "during": len(mine) - running - after, "started_after": after}


def verdict(*, ratio: float, failures: int, leaks: int, goal: float = GOAL_RATIO) -> dict:
    """The goals of issue 13's load run, each with the figure and whether it is met."""
    return {
        "throughput_ratio": {"value": ratio, "goal": f">= {goal}", "met": ratio >= goal},
        "errors": {"value": failures, "goal": "0", "met": failures == 0},
        "responses_with_another_users_data": {"value": leaks, "goal": "0", "met": leaks == 0},
    }


# --- Set-up --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_url: str, tmp: Path, port: int, args) -> dict:
    """The environment of every process of the run: production settings, this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="noteinvest.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS, cookies not marked Secure.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_CONN_MAX_AGE=str(args.conn_max_age),
        DJANGO_STATIC_ROOT=str(args.static_root or tmp / "static"),
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        NOTEINVEST_DATA_DIR=str(tmp / "var"),
        HOST="127.0.0.1",
        PORT=str(port),
        GUNICORN_CMD_ARGS=f"--access-logformat '{ACCESS_LOG_FORMAT}'",
    )
    if args.web_concurrency:
        env["WEB_CONCURRENCY"] = str(args.web_concurrency)
    if args.conn_health_checks is not None:
        env["DJANGO_CONN_HEALTH_CHECKS"] = args.conn_health_checks
    return env


def admin_connect(server_url: str):
    import psycopg
    from dj_database_url import parse

    cfg = parse(server_url)
    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
        password=cfg["PASSWORD"], dbname=cfg["NAME"] or "postgres", autocommit=True,
    )  # fmt: skip


def database_url(server_url: str, name: str) -> str:
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def build_data(args, password: str) -> dict:
    """Demo data plus the run's investors, portfolios, loans, deficiencies and staff; returns
    what each user will request (ids), so the locust side needs no database."""
    from datetime import timedelta
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import assign_role
    from deficiencies.models import Deficiency, LiquidationEvent
    from deficiencies.services import record_liquidation
    from demo.loans import demo_loans
    from noteinvest.access import Role
    from portfolios.models import Borrower, Loan, Portfolio

    commands = ["migrate", "seed_demo"]
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        commands.insert(1, "collectstatic")  # about 2 minutes here: WhiteNoise compresses
    for command in commands:
        t = time.perf_counter()
        options = {"interactive": False} if command == "collectstatic" else {}
        call_command(command, verbosity=0, **options)
        print(f"{command}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    hashed = make_password(password)  # once: the hasher is slow on purpose
    staff_users = []
    with transaction.atomic():
        for n in range(args.staff):
            user = User.objects.create_user(f"load-staff-{n}@example.com", None,
                                            full_name=f"Load Staff {n}")  # fmt: skip
            assign_role(user, Role.STAFF)
            staff_users.append(user)
    clerk = staff_users[0]
    today = timezone.localdate()
    investors = []
    for i in range(args.investors):
        mark = marker(i)
        with transaction.atomic():
            user = User.objects.create_user(f"load-investor-{i}@example.com", None,
                                            full_name=f"Load Investor {i}")  # fmt: skip
            assign_role(user, Role.INVESTOR)
            portfolios = []
            for suffix, count in (("A", args.loans), ("B", max(1, args.loans // 4))):
                portfolio = Portfolio.objects.create(
                    name=f"{mark} Pool {suffix}", seller=f"Seller of {mark}",
                    purchase_price=Decimal("1000000.00"), holder_legal_name=f"{mark} Fund LLC",
                )  # fmt: skip
                portfolio.owners.add(user)
                for spec in demo_loans(f"{mark}-{suffix}", count, seed=1000 * i + ord(suffix)):
                    fields = dict(spec)
                    borrowers = fields.pop("borrowers")
                    loan = Loan.objects.create(portfolio=portfolio, **fields)
                    Borrower.objects.bulk_create(
                        Borrower(loan=loan, position=k, **b) for k, b in enumerate(borrowers, 1)
                    )
                portfolios.append(portfolio)
        # A few of pool A's loans sold at foreclosure, so the investor has deficiencies
        # and deadlines of their own.
        firsts = portfolios[0].loans.filter(lien_position=1).order_by("loan_number")
        for k, loan in enumerate(firsts[: args.deficiencies]):
            event = LiquidationEvent(
                event_type="foreclosure_sale", event_date=today - timedelta(days=20 + 37 * k),
                sale_process=loan.foreclosure_process,
                sale_price=(loan.upb * Decimal("0.6")).quantize(Decimal("0.01")),
            )  # fmt: skip
            record_liquidation(loan=loan, event=event, by=clerk)
        investors.append({"user": user, "marker": mark, "portfolios": portfolios})
    User.objects.filter(email__startswith="load-").update(password=hashed)
    intake = Portfolio.objects.create(name="Load staff intake", seller="Load tape seller")

    def ids(qs):
        return list(qs.values_list("pk", flat=True))

    plan = {"investors": [], "staff": []}
    for inv in investors:
        pks = [p.pk for p in inv["portfolios"]]
        plan["investors"].append({
            "email": inv["user"].email,
            "marker": inv["marker"],
            "portfolios": pks,
            "loans": ids(Loan.objects.filter(portfolio__in=pks)),
            "deficiencies": ids(Deficiency.objects.filter(loan__portfolio__in=pks)),
        })  # fmt: skip
    every = {
        "portfolios": ids(Portfolio.objects.exclude(pk=intake.pk)),
        "loans": ids(Loan.objects.all()),
        "deficiencies": ids(Deficiency.objects.all()),
        "intake": intake.pk,
    }
    for user in staff_users:
        plan["staff"].append({"email": user.email, **every})
    plan["counts"] = {
        "investors": len(investors),
        "staff": len(staff_users),
        "portfolios": Portfolio.objects.count(),
        "loans": Loan.objects.count(),
        "deficiencies": Deficiency.objects.count(),
    }
    return plan


# --- Logging in ----------------------------------------------------------------------------


def _cookies(headers) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            out[key.strip()] = rest.split(";", 1)[0]
    return out


def log_in(port: int, email: str, password: str) -> str:
    """Log in through the login form, as a browser does; returns the session cookie."""
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/accounts/login/")
        resp = conn.getresponse()
        page = resp.read().decode()
        csrf = _cookies(resp.getheaders())["csrftoken"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
        conn.request("POST", "/accounts/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        })  # fmt: skip
        resp = conn.getresponse()
        resp.read()
        session = _cookies(resp.getheaders()).get("sessionid")
        if resp.status != 302 or not session:
            raise RuntimeError(f"log-in of {email} failed: HTTP {resp.status}")
        # Warm the user's first page (their totals, the process's templates) once.
        conn.request("GET", "/", headers={"Cookie": f"sessionid={session}"})
        conn.getresponse().read()
        return session
    finally:
        conn.close()


def wait_for(port: int, proc, seconds: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer /healthz")
        time.sleep(0.3)


# --- Phases --------------------------------------------------------------------------------


class Workers:
    """The db_worker processes; one can be killed and another started in its place."""

    def __init__(self, env: dict, count: int, log_dir: Path):
        self.env, self.log_dir, self.started = env, log_dir, 0
        self.procs = [self.start() for _ in range(count)]

    def start(self):
        self.started += 1
        log = (self.log_dir / f"db_worker-{self.started}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--worker-id", f"load-{self.started}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill_and_restart(self) -> dict:
        victim = self.procs[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        time.sleep(1)
        self.procs[0] = self.start()
        return {"killed_pid": victim.pid, "new_pid": self.procs[0].pid}

    def alive(self) -> list[bool]:
        return [p.poll() is None for p in self.procs]

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def drop_connections(server_url: str, db_name: str) -> int:
    """Terminate every connection to the database, waiting (up to 5 s each) until its
    backend has exited: a request sent after this returns finds its connection dead."""
    with admin_connect(server_url) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [db_name],
        ).fetchall()
    return len(rows)


def gunicorn_cpu(master_pid: int) -> float:
    """CPU seconds of gunicorn so far: the master, its live workers and those it reaped
    (replaced after GUNICORN_MAX_REQUESTS, or killed)."""
    import psutil

    master = psutil.Process(master_pid)
    t = master.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in master.children():
        try:
            c = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += c.user + c.system
    return total


def database_cpu(server_url: str, db_name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the bench's database (this
    machine's server only: its processes are read through psutil)."""
    import psutil

    with admin_connect(server_url) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_name])]  # fmt: skip
    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out[pid] = t.user + t.system
    return out


def run_locust(phase: str, classes: list[str], users: int, args, port: int, config: Path,
               work: Path, gunicorn, db_name: str) -> dict:  # fmt: skip
    prefix = work / phase
    env = {**os.environ, "LOAD_CONFIG": str(config), "LOAD_PHASE": phase}
    server_before = gunicorn_cpu(gunicorn.pid)
    db_before = database_cpu(args.database_url, db_name)
    started = time.time()
    with (work / f"locust-{phase}.log").open("w") as log:
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(HERE / "load_users.py"), "--headless",
             "-H", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(users),
             "--run-time", f"{args.run_time}s", "--stop-timeout", "20", "--csv", str(prefix),
             "--only-summary", "--loglevel", "WARNING", *classes],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _, _, usage = os.wait4(locust.pid, 0)
        locust.returncode = 0  # reaped here; Popen must not wait for it again
    elapsed = time.time() - started
    db_after = database_cpu(args.database_url, db_name)
    pages = read_stats(Path(f"{prefix}_stats.csv"))
    requests = pages["Aggregated"]["requests"] or 1
    server = gunicorn_cpu(gunicorn.pid) - server_before
    # Backends that lived through the phase, and those it opened; a backend that closed (or
    # was dropped) in between is missing, so this is a floor.
    db = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
    return {
        "pages": pages,
        "started": started,
        "seconds": round(elapsed, 1),
        # CPU seconds in the phase, and per request: the web server's, the database's and
        # the load generator's own (it shares the machine).
        "cpu_s": {
            "gunicorn": round(server, 1),
            "postgres": round(db, 1),
            "locust": round(usage.ru_utime + usage.ru_stime, 1),
        },  # fmt: skip
        "cpu_ms_per_request": {
            "gunicorn": round(1000 * server / requests, 2),
            "postgres": round(1000 * db / requests, 2),
            "locust": round(1000 * (usage.ru_utime + usage.ru_stime) / requests, 2),
        },
    }


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def chaos(args, workers: Workers, server_url: str, db_name: str, log: list, gunicorn) -> None:
    """In the mixed phase: kill a worker at 30% of the run, drop connections at 60%."""
    t0 = time.time()
    time.sleep(args.run_time * 0.3)
    at = time.time()
    restart = workers.kill_and_restart()
    log.append({"what": "db_worker killed", "t": at, "done": time.time(), **restart})
    if args.kill_web_worker:
        time.sleep(args.run_time * 0.15)
        pid = _gunicorn_worker(gunicorn.pid)
        if pid:
            log.append({"what": "web worker killed", "t": time.time(), "pid": pid})
            os.kill(pid, signal.SIGKILL)
    time.sleep(max(0.0, t0 + args.run_time * 0.6 - time.time()))
    at = time.time()
    terminated = drop_connections(server_url, db_name)
    log.append({"what": "connections dropped", "t": at, "done": time.time(),
                "terminated": terminated})  # fmt: skip


def _gunicorn_worker(master_pid: int) -> int | None:
    import psutil

    children = psutil.Process(master_pid).children()
    return children[0].pid if children else None


def import_outcomes() -> dict:
    from django.db import connection

    from portfolios.models import TapeImport

    connection.close()
    return dict(Counter(TapeImport.objects.values_list("status", flat=True)))


# --- Report --------------------------------------------------------------------------------


def report(result: dict) -> str:
    """The Markdown tables for docs/PERFORMANCE.md."""
    m = result["mixed"]["pages"]
    server = {**result["server"], **result["server_healthz"]}
    lines = [
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | server ms, median "
        "(mean) | share of server time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(label, p, name):
        s = server.get(name)
        on_server = f"{s['median_ms']:g} ({s['mean_ms']:g})" if s else ""
        share = f"{s['share']:.0%}" if s and name != "/healthz" else ""
        lines.append(
            f"| {label} | {p['requests']:,} | {p['rps']} | {p['p50_ms']:g} | {p['p95_ms']:g} | "
            f"{p['p99_ms']:g} | {p['failures']} ({p['error_rate']:.2%}) | {on_server} | {share} |"
        )

    for name, p in sorted(m.items(), key=lambda kv: (kv[0] == "Aggregated", kv[0])):
        row("**all mixed traffic**" if name == "Aggregated" else name, p, name)
    for phase in ("before", "after"):
        row(f"/healthz ({phase} the mixed phase)",
            result[f"healthz_{phase}"]["pages"]["Aggregated"], "/healthz")  # fmt: skip
    v = result["verdict"]
    lines += [
        "",
        f"Mixed throughput {m['Aggregated']['rps']} req/s against {result['healthz_rps']} for "
        f"/healthz (mean of the two phases): **{v['throughput_ratio']['value']:.0%}** "
        f"(goal at least {GOAL_RATIO:.0%}); p95 {m['Aggregated']['p95_ms']:g} ms against "
        f"{result['healthz_before']['pages']['Aggregated']['p95_ms']:g} ms.",
    ]
    cpu = {phase: result[phase]["cpu_ms_per_request"] for phase in
           ("healthz_before", "mixed", "healthz_after")}  # fmt: skip
    lines.append(
        "CPU ms per request (gunicorn / PostgreSQL / locust): "
        + "; ".join(f"{phase} {c['gunicorn']} / {c['postgres']} / {c['locust']}"
                    for phase, c in cpu.items()) + "."
    )  # fmt: skip
    for event in result["chaos"]:
        split = result["failures_by_event"][event["what"]]
        lines.append(
            f"{event['what']}: {result['failures_by_cause'][event['what']]} failed requests "
            f"({split['in_flight']} already running, {split['during']} sent while it "
            f"happened, {split['started_after']} sent after it was complete)."
        )
    lines += [
        f"Failures no event explains: {result['failures_by_cause'].get('none', 0)}. "
        f"db_worker processes alive after the mixed phase: {result['workers_alive_after_mixed']}. "
        f"Tape imports: {result['imports']}. Responses with another investor's data: "
        f"{v['responses_with_another_users_data']['value']}.",
    ]
    return "\n".join(lines)


# --- Main ----------------------------------------------------------------------------------


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-time", type=int, default=90, help="seconds per phase (90)")
    parser.add_argument("--investors", type=int, default=50)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--loans", type=int, default=40,
                        help="loans in each investor's first portfolio (a quarter in the second)")  # fmt: skip
    parser.add_argument("--deficiencies", type=int, default=3, help="per investor")
    parser.add_argument("--warm-up", type=int, default=15,
                        help="seconds of unmeasured mixed traffic before the mixed phase (15)")  # fmt: skip
    parser.add_argument("--db-workers", type=int, default=2)
    parser.add_argument("--web-concurrency", type=int, default=0,
                        help="gunicorn processes (default: gunicorn.conf.py's, 2 per core + 1)")  # fmt: skip
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="DJANGO_CONN_MAX_AGE (60, as docs/deploy.md)")  # fmt: skip
    parser.add_argument("--conn-health-checks", choices=["0", "1"], default=None,
                        help="DJANGO_CONN_HEALTH_CHECKS (default: the settings' default)")  # fmt: skip
    parser.add_argument("--import-every", type=float, default=30.0,
                        help="seconds between one staff user's tape imports (30)")  # fmt: skip
    parser.add_argument("--kill-web-worker", action="store_true",
                        help="also SIGKILL one gunicorn process in the mixed phase")  # fmt: skip
    parser.add_argument("--no-chaos", action="store_true", help="no worker kill, no drop")
    parser.add_argument("--database-url",
                        default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))  # fmt: skip
    parser.add_argument("--static-root", type=Path,
                        help="collect static files here and reuse them on the next run "
                             "(default: a temp folder, collected every run)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database and temp files")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    db_name = f"noteinvest_load_{os.getpid()}_{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix="noteinvest-load-"))
    port = free_port()
    password = secrets.token_urlsafe(16)
    db_url = database_url(args.database_url, db_name)
    env = server_env(db_url, work, port, args)
    with admin_connect(args.database_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    gunicorn = workers = None
    try:
        os.environ.update(env)
        import django

        django.setup()
        t = time.perf_counter()
        plan = build_data(args, password)
        from django.db import connection

        connection.close()
        setup_s = round(time.perf_counter() - t, 1)
        print(f"data ready in {setup_s} s: {plan['counts']}", file=sys.stderr, flush=True)

        gunicorn_log = (work / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn"], cwd=ROOT, env=env,
                                    stdout=gunicorn_log, stderr=subprocess.STDOUT)  # fmt: skip
        wait_for(port, gunicorn)
        workers = Workers(env, args.db_workers, work)

        from concurrent.futures import ThreadPoolExecutor

        everyone = plan["investors"] + plan["staff"]
        with ThreadPoolExecutor(4) as pool:
            sessions = list(pool.map(lambda u: log_in(port, u["email"], password), everyone))
        for user, session in zip(everyone, sessions, strict=True):
            user["session"] = session
        tape = work / "tape.csv"
        from bench.bench_import import write_tape

        write_tape(tape, 25)
        events_file = work / "events.jsonl"
        config = work / "users.json"
        config.write_text(json.dumps({
            **plan, "tape": str(tape), "events": str(events_file),
            "import_every": args.import_every,
        }))  # fmt: skip
        users = len(plan["investors"]) + len(plan["staff"])
        print(f"{users} users logged in; phases of {args.run_time} s", file=sys.stderr, flush=True)

        result = {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(),
                  "args": vars(args), "counts": plan["counts"], "setup_s": setup_s}  # fmt: skip
        result["healthz_before"] = run_locust("healthz_before", ["HealthUser"], users, args,
                                              port, config, work, gunicorn, db_name)  # fmt: skip
        if args.warm_up:
            # gunicorn replaced its processes during /healthz (GUNICORN_MAX_REQUESTS): let the
            # new ones load their templates and code on the mixed traffic, unmeasured.
            warm = argparse.Namespace(**{**vars(args), "run_time": args.warm_up})
            result["warm_up"] = run_locust("warm_up", ["InvestorUser", "StaffUser"], users, warm,
                                           port, config, work, gunicorn, db_name)  # fmt: skip
        chaos_log: list[dict] = []
        chaos_thread = None
        if not args.no_chaos:
            chaos_thread = threading.Thread(
                target=chaos, args=(args, workers, args.database_url, db_name, chaos_log, gunicorn),
                daemon=True,
            )  # fmt: skip
            chaos_thread.start()
        result["mixed"] = run_locust("mixed", ["InvestorUser", "StaffUser"], users, args, port,
                                     config, work, gunicorn, db_name)  # fmt: skip
        if chaos_thread:
            chaos_thread.join()
        result["workers_alive_after_mixed"] = workers.alive()
        result["healthz_after"] = run_locust("healthz_after", ["HealthUser"], users, args, port,
                                             config, work, gunicorn, db_name)  # fmt: skip

        before = result["healthz_before"]["pages"]["Aggregated"]["rps"]
        after = result["healthz_after"]["pages"]["Aggregated"]["rps"]
        result["healthz_rps"] = round((before + after) / 2, 1)
        mixed = result["mixed"]["pages"]["Aggregated"]
        ratio = round(mixed["rps"] / result["healthz_rps"], 3) if result["healthz_rps"] else 0.0
        events = read_events(events_file)
        failures = [e for e in events if e["kind"] == "failure" and e["phase"] == "mixed"]
        leaks = [e for e in events if e["kind"] == "leak"]
        result["chaos"] = chaos_log
        result["failures_by_cause"] = attribute_failures(failures, chaos_log)
        result["failures_by_event"] = {
            e["what"]: in_flight(failures, e, chaos_log) for e in chaos_log
        }
        result["failure_kinds"] = dict(Counter(f"{e['name']}: {e['error']}" for e in failures))
        result["leaks"] = leaks[:20]
        result["imports"] = import_outcomes()
        log_text = (work / "gunicorn.log").read_text(errors="replace")
        result["server"] = server_times(log_text, keep=lambda page: page != "/healthz")
        result["server_healthz"] = server_times(log_text, keep=lambda page: page == "/healthz")
        result["gunicorn"] = {
            "workers_booted": log_text.count("Booting worker"),
            "http_5xx": len(re.findall(r'" 5\d\d ', log_text)),
        }
        total_failures = sum(p["failures"] for p in result["mixed"]["pages"].values()
                             if p is not result["mixed"]["pages"]["Aggregated"])  # fmt: skip
        result["verdict"] = verdict(ratio=ratio, failures=total_failures, leaks=len(leaks))
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        (out / "load.json").write_text(json.dumps(result, indent=2, default=str))
        print(
            json.dumps(
                {k: v for k, v in result.items() if k not in ("mixed",)}, indent=2, default=str
            )
        )
        print(report(result))
        print(f"work files: {work}", file=sys.stderr)
        return result
    finally:
        if workers:
            workers.stop()
        if gunicorn and gunicorn.poll() is None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        if not args.keep:
            with admin_connect(args.database_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
