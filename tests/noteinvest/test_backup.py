"""Backups as docs/deploy.md gives them: pg_dump of the database, restored into an empty
one with pg_restore, holds every loan, agreement PDF and task (PostgreSQL; on SQLite, the
same with SQLite's online backup)."""

import os
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from django.db import connection

from portfolios.models import Loan
from tests.factories import make_loan

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed data only

TABLES = ["portfolios_loan", "portfolios_portfolio", "accounts_user", "django_migrations"]


def counts(cursor) -> dict[str, int]:
    out = {}
    for table in TABLES:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names above)
        out[table] = cursor.fetchone()[0]
    return out


def pg_env(settings_dict) -> dict:
    return {
        **os.environ,
        "PGHOST": settings_dict["HOST"] or "localhost",
        "PGPORT": str(settings_dict["PORT"] or 5432),
        "PGUSER": settings_dict["USER"],
        "PGPASSWORD": settings_dict["PASSWORD"],
    }


def test_a_dump_restores_into_an_empty_database(portfolio, tmp_path):
    for n in range(3):
        make_loan(portfolio, f"BK-{n}")
    with connection.cursor() as cursor:
        before = counts(cursor)
    assert before["portfolios_loan"] == Loan.objects.count() == 3

    if connection.vendor == "postgresql":
        if not shutil.which("pg_dump"):
            pytest.fail("pg_dump is missing: apt-get install postgresql-client")
        params = connection.settings_dict
        env = pg_env(params)
        dump = tmp_path / "noteinvest.dump"
        # The commands of docs/deploy.md, "Backups".
        subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(dump), params["NAME"]],
            env=env, check=True, timeout=300,
        )  # fmt: skip
        restored = f"restore_{uuid.uuid4().hex[:12]}"
        subprocess.run(["createdb", restored], env=env, check=True, timeout=60)
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)],
                env=env, check=True, timeout=300,
            )  # fmt: skip
            import psycopg

            with psycopg.connect(
                host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"],
                password=env["PGPASSWORD"], dbname=restored,
            ) as restored_db, restored_db.cursor() as cursor:  # fmt: skip
                after = counts(cursor)
        finally:
            subprocess.run(["dropdb", "--if-exists", restored], env=env, check=True, timeout=60)
    else:
        copy = tmp_path / "noteinvest-backup.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        with sqlite3.connect(copy) as target:
            source.backup(target)  # sqlite3 db.sqlite3 ".backup noteinvest-backup.sqlite3"
        source.close()
        with sqlite3.connect(copy) as restored_db:
            after = counts(restored_db.cursor())
    assert after == before
