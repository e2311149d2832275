"""Two gunicorn servers and two background workers on one database (PostgreSQL in CI's
second run, a SQLite file in the first): a tape imported through one server while the
other serves an investor's pages; every loan arrives once, none is lost or doubled, the
other server's totals show them at once (the shared cache), and no page shows another
investor's portfolio.

Its own database, made with migrate and seed_demo like a fresh install.
"""

import json
import re
import sqlite3
import time
import uuid

import pytest
from django.db import connection

from tests.deploy.cluster import Browser, Cluster, check_import, environment
from tests.portfolios.tapes import csv_bytes, good_row

PASSWORD = "demo-pass-2026"  # demo/management/commands/seed_demo.py
ROWS = 300


LOANS = re.compile(r'stat-label">Loans</span><span class="stat-value">([\d,]+)<')


def loans_shown(body: str) -> int | None:
    match = LOANS.search(body)
    return int(match[1].replace(",", "")) if match else None


def test_the_checker_finds_lost_doubled_and_foreign_loans():
    tape = ["A", "B", "C"]
    assert check_import(["A", "B", "C"], tape) == []
    problems = check_import(["A", "C", "C", "Z"], tape)
    assert problems == [
        "1 loans of the tape missing, e.g. ['B']",
        "1 loans imported more than once, e.g. ['C']",
        "1 loans not on the tape, e.g. ['Z']",
    ]


@pytest.fixture
def database(tmp_path):
    """A database of the test's own, of the kind the suite runs on."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'cluster.sqlite3'}", lambda sql: _sqlite(tmp_path, sql)
        return
    import psycopg

    params = connection.settings_dict
    name = f"cluster_{uuid.uuid4().hex[:10]}"
    admin = {
        "host": params["HOST"] or "localhost", "port": params["PORT"] or 5432,
        "user": params["USER"], "password": params["PASSWORD"],
    }  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(dbname=name, **admin) as conn:
            return conn.execute(sql).fetchall()

    url = f"postgres://{admin['user']}:{admin['password']}@{admin['host']}:{admin['port']}/{name}"
    yield url, query
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite(tmp_path, sql):
    with sqlite3.connect(tmp_path / "cluster.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def test_a_tape_imported_through_one_server_while_the_other_serves_pages(database):
    url, query = database
    cluster = Cluster(environment(url))
    cluster.manage("migrate", "--noinput", "-v", "0")
    cluster.manage("seed_demo", "-v", "0")
    try:
        a, b = cluster.server(), cluster.server()
        cluster.worker("cluster-1")
        cluster.worker("cluster-2")
        [(portfolio_id, name)] = query(
            "SELECT p.id, p.name FROM portfolios_portfolio p "
            "JOIN portfolios_portfolio_owners o ON o.portfolio_id = p.id "
            "JOIN accounts_user u ON u.id = o.user_id "
            "WHERE u.email = 'investor@example.com' ORDER BY p.id LIMIT 1"
        )
        others = [
            n for (n,) in query(
                "SELECT p.name FROM portfolios_portfolio p WHERE p.id NOT IN ("
                "SELECT o.portfolio_id FROM portfolios_portfolio_owners o "
                "JOIN accounts_user u ON u.id = o.user_id WHERE u.email = 'investor@example.com')"
            )
        ]  # fmt: skip
        assert others, "the demo has another investor's portfolio"
        before = query(f"SELECT count(*) FROM portfolios_loan WHERE portfolio_id = {portfolio_id}")[
            0
        ][0]

        staff = Browser(a)
        staff.log_in("staff@example.com", PASSWORD)
        investor = Browser(b)
        investor.log_in("investor@example.com", PASSWORD)
        page = f"/portfolios/{portfolio_id}/"
        assert investor.get(page)[0] == 200  # warm: the totals cached before the import

        rows = [good_row(n, **{"Loan Number": f"TS-{n:05d}"}) for n in range(1, ROWS + 1)]
        status, headers, _ = staff.post(
            f"/portfolios/{portfolio_id}/import/",
            {"default_day_count": "30/360"},
            files={"file": ("two-servers.csv", csv_bytes(rows))},
        )
        assert status == 302, status
        job = headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        # While a worker imports, the other server keeps serving the investor.
        pages = 0
        deadline = time.monotonic() + 180
        while True:
            for path in ("/", page, "/portfolios/", "/deficiencies/deadlines/"):
                code, _, body = investor.get(path)
                assert code == 200, (path, code)
                leaked = [n for n in others if n in body]
                assert not leaked, f"{path} on server B showed {leaked}"
                pages += 1
            state = json.loads(staff.get(f"/portfolios/imports/{job}/status.json")[2])
            if state["finished"]:
                break
            assert time.monotonic() < deadline, f"import not finished: {state}"
        assert state["status"] == "succeeded", state
        assert pages >= 4

        numbers = [n for (n,) in query(
            f"SELECT loan_number FROM portfolios_loan WHERE portfolio_id = {portfolio_id} "
            "AND loan_number LIKE 'TS-%'"
        )]  # fmt: skip
        assert check_import(numbers, [r["Loan Number"] for r in rows]) == []
        after = query(f"SELECT count(*) FROM portfolios_loan WHERE portfolio_id = {portfolio_id}")[
            0
        ][0]
        assert after == before + ROWS
        [(task_status, attempts)] = query(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'portfolios.tasks.import_tape'"
        )
        assert task_status == "SUCCESSFUL"
        assert len(json.loads(attempts) if isinstance(attempts, str) else attempts) == 1
        # Server B shows the new loans: the totals are one cache for every server,
        # invalidated by the import's stamp, not a copy per process (or refreshed in the
        # background: then within seconds).
        deadline = time.monotonic() + 60
        while (shown := loans_shown(investor.get(page)[2])) != after:
            assert time.monotonic() < deadline, f"server B shows {shown} loans, not {after}"
            time.sleep(0.5)
    finally:
        cluster.stop()
