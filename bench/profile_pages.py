"""The load run's pages in one process (no gunicorn, no locust): the time and the queries of
each page against /healthz, to find where a page's cost goes before a load run.

    .venv/bin/python bench/profile_pages.py                       # every page, 40 requests each
    .venv/bin/python bench/profile_pages.py --profile "investor: loan"   # cProfile one page

Builds the load run's data (bench/load_data.py: 50 investors, 5 staff) in a new PostgreSQL
database (dropped afterwards unless --keep; --reuse NAME uses a kept one), with the
production settings bench/load.py uses (DEBUG off, kept connections, health checks on).
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import DEFAULT_URL, admin_connect, database_url, server_env  # noqa: E402


def pages(plan: dict) -> dict[str, list[tuple[str, str]]]:
    """Each page of the load mix as (user's email, url) choices, the same URLs load_users asks."""
    rnd = random.Random(13)
    inv = plan["investors"]
    staff = plan["staff"][0]
    days = ["2026-12-15", "2027-01-31", "2027-03-01"]

    def per_investor(fn):
        return [(i["email"], fn(i)) for i in inv]

    return {
        "/healthz": [(None, "/healthz")],
        "investor: home": per_investor(lambda i: "/"),
        "investor: portfolios": per_investor(lambda i: "/portfolios/"),
        "investor: portfolio": per_investor(
            lambda i: (
                f"/portfolios/{rnd.choice(i['portfolios'])}/"
                + rnd.choice(["", "?sort=-upb", "?state=CA", "?page=2"])
            )
        ),
        "investor: loan": per_investor(lambda i: f"/portfolios/loans/{rnd.choice(i['loans'])}/"),
        "investor: payoff on a date": per_investor(
            lambda i: f"/portfolios/loans/{rnd.choice(i['loans'])}/?as_of={rnd.choice(days)}"
        ),
        "investor: payoff CSV": per_investor(
            lambda i: f"/portfolios/{i['portfolios'][0]}/payoff.csv?as_of={rnd.choice(days)}"
        ),
        "investor: deficiencies": per_investor(
            lambda i: f"/deficiencies/portfolio/{i['portfolios'][0]}/"
        ),
        "investor: deficiency": [
            (i["email"], f"/deficiencies/{rnd.choice(i['deficiencies'])}/")
            for i in inv
            if i["deficiencies"]
        ],
        "investor: deadlines": per_investor(lambda i: "/deficiencies/deadlines/"),
        "staff: home": [(staff["email"], "/")],
        "staff: portfolios": [(staff["email"], "/portfolios/")],
        "staff: loan": [(staff["email"], f"/portfolios/loans/{pk}/") for pk in staff["loans"][:50]],
        "staff: deficiency": [
            (staff["email"], f"/deficiencies/{pk}/") for pk in staff["deficiencies"][:50]
        ],
        "staff: agreements": [(staff["email"], "/settlements/")],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per page (40)")
    parser.add_argument("--profile", help="cProfile this page (a name from the table)")
    parser.add_argument("--only", help="measure only pages whose name contains this")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", help="a database kept by an earlier run (its name)")
    parser.add_argument("--investors", type=int, default=50)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--loans", type=int, default=40)
    parser.add_argument("--deficiencies", type=int, default=3)
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--conn-health-checks", default=None)
    parser.add_argument("--web-concurrency", type=int, default=0)
    parser.add_argument("--static-root", type=Path, default=None)
    args = parser.parse_args(argv)

    db_name = args.reuse or f"noteinvest_prof_{os.getpid()}_{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix="noteinvest-prof-"))
    # Static files collected once per database, so --reuse finds them.
    args.static_root = args.static_root or Path(tempfile.gettempdir()) / f"{db_name}.static"
    env = server_env(database_url(args.database_url, db_name), work, 0, args)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    password = "profile-pass-2026"
    if not args.reuse:
        with admin_connect(args.database_url) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        os.environ.update(env)
        import django

        django.setup()
        import json

        from bench.load_data import build_data

        plan_file = Path(tempfile.gettempdir()) / f"{db_name}.plan.json"
        if args.reuse and plan_file.exists():
            plan = json.loads(plan_file.read_text())
            if not (args.static_root / "staticfiles.json").exists():
                from django.core.management import call_command

                call_command("collectstatic", interactive=False, verbosity=0)
        else:
            plan = build_data(args, password)
            plan_file.write_text(json.dumps(plan))
        run(args, plan)
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            with admin_connect(args.database_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        else:
            print(f"kept database {db_name} (--reuse {db_name})", file=sys.stderr)


def run(args, plan) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    clients: dict[str | None, Client] = {None: Client()}

    def client_for(email):
        if email not in clients:
            c = Client()
            c.force_login(User.objects.get(email=email))
            clients[email] = c
        return clients[email]

    table = pages(plan)
    rows = []
    for name, choices in table.items():
        if args.only and args.only not in name and name != "/healthz":
            continue
        # Warm, as the load run's log-in does: templates, the process's caches, each
        # user's totals.
        for email, url in choices[: args.requests]:
            client_for(email).get(url)
        times, queries = [], []
        for n in range(args.requests):
            email, url = choices[n % len(choices)]
            c = client_for(email)
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                t = time.process_time()
                response = c.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
                times.append((time.process_time() - t) * 1000)
            assert response.status_code == 200, (name, url, response.status_code)
            queries.append(len(ctx.captured_queries))
        rows.append((name, statistics.median(times), statistics.mean(times), max(queries)))
        if args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for n in range(args.requests):
                email, url = choices[n % len(choices)]
                client_for(email).get(url)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
    base = rows[0][2]
    print(f"{'page':32} {'CPU ms median':>14} {'mean':>8} {'queries':>8} {'x /healthz':>11}")
    for name, median, mean, q in rows:
        print(f"{name:32} {median:14.2f} {mean:8.2f} {q:8d} {mean / base:11.1f}")


if __name__ == "__main__":
    main()
