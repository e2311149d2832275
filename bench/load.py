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

The users' data and log-ins are in bench/load_data.py, what locust's users do in
bench/load_users.py, the figures and the pass/fail in bench/load_checks.py.

Besides locust's figures: the server's time per page (gunicorn's access log, locust names
each request in an X-Load-Page header) and the CPU per request of gunicorn, PostgreSQL's
backends and locust itself. Prints JSON, writes bench/results/load.json, and prints the
Markdown table for docs/PERFORMANCE.md. Pass/fail is decided by `load_checks.verdict()`:
mixed throughput at least 40% of /healthz's, no errors, no leaks.

    .venv/bin/python bench/load.py [--run-time 90] [--investors 50] [--staff 5]
        [--database-url postgres://noteinvest:noteinvest-ci@127.0.0.1:5432/postgres]

The database URL names the server (and a role with CREATEDB); the database in it is only
used to create and drop the bench's own. Default: $LOAD_DATABASE_URL, else the local CI
server.
"""

import argparse
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
sys.path.insert(0, str(ROOT))

from bench.load_checks import (  # noqa: E402 - the project folder is on the path first
    ACCESS_LOG_FORMAT,
    attribute_failures,
    in_flight,
    read_events,
    read_stats,
    report,
    server_times,
    verdict,
)
from bench.load_data import build_data, log_in  # noqa: E402

DEFAULT_URL = "postgres://noteinvest:noteinvest-ci@127.0.0.1:5432/postgres"

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
