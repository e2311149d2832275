"""Review batches on one and on two background workers: 200 drafts each, frozen (PDF
rendered) and sent for review by `manage.py db_worker` processes.

    .venv/bin/python bench/bench_batch.py --database-url postgres://USER:PASS@127.0.0.1/postgres
                                          [--drafts 200]

With a PostgreSQL URL a database of its own is created (and dropped at the end) beside the
one named. The same number of drafts is sent on one worker, then on two (each worker with
`--batch`: it exits once the queue is empty); the figure is the wall time from the workers'
start to the last one's exit, and the ratio two/one. Without a URL it runs on SQLite, where
a freeze holds the database's single write lock while it renders, so two workers cannot
overlap: the issue's figure is measured on PostgreSQL.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def fresh_postgres(url: str) -> tuple[str, callable]:
    import psycopg

    name = f"bench_batch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)

    def drop():
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def make_drafts(count: int, label: str, staff, portfolio):
    from django.utils import timezone

    from portfolios.models import Borrower, Loan
    from settlements import services

    today = timezone.localdate()
    drafts = []
    for n in range(count):
        loan = Loan.objects.create(
            portfolio=portfolio, loan_number=f"{label}-{n:04d}", property_state="NY",
            property_address=f"{n} Oak St", property_city="Albany", property_zip="12203",
            upb=Decimal("212345.67"), note_rate=Decimal("6.375"),
            paid_to_date=today - timedelta(days=400), day_count="30/360",
            fees=Decimal("1250.00"), costs=Decimal("450.10"), property_county="Albany",
            parcel_number=f"41.00-{n}-1", recording_reference=f"Instrument No. R2019-{n:05d}",
            recorded_on=today - timedelta(days=2400),
        )  # fmt: skip
        Borrower.objects.create(
            loan=loan, position=1, name=f"Jordan {n} Example",
            mailing_address=f"{n} Oak St, Albany, NY 12203",
        )  # fmt: skip
        draft = services.start_draft(loan=loan, kind="dpo", by=staff)
        draft.settlement_amount = Decimal("150000.00")
        draft.payment_method = "wire"
        draft.save()
        drafts.append(draft)
    return drafts


def run_workers(n: int, env: dict) -> float:
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
               "--interval", "0", "--no-reload", "-v", "0"]  # fmt: skip
    start = time.perf_counter()
    workers = [
        subprocess.Popen([*command, "--worker-id", f"bench-{n}-{i}"], cwd=ROOT, env=env)
        for i in range(n)
    ]
    for worker in workers:
        if worker.wait(timeout=3600) != 0:
            raise SystemExit(f"a worker exited with {worker.returncode}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--drafts", type=int, default=200)
    args = parser.parse_args()
    drop = None
    if args.database_url.startswith("postgres"):
        os.environ["DATABASE_URL"], drop = fresh_postgres(args.database_url)
    os.environ["DJANGO_TASKS"] = "database"
    try:
        from bench.common import setup_django

        setup_django("batch.sqlite3")
        from django.db import connection

        from accounts.models import User
        from accounts.roles import assign_role
        from noteinvest.access import Role
        from portfolios.models import Portfolio
        from settlements import batches
        from settlements.models import ReviewBatchItem

        staff = User.objects.create_user("staff-batch@example.com", "x-bench-pass-1")
        assign_role(staff, Role.STAFF)
        attorney = User.objects.create_user("attorney-batch@example.com", "x-bench-pass-1")
        assign_role(attorney, Role.ATTORNEY)
        portfolio = Portfolio.objects.create(
            name="Batch bench", holder_legal_name="Bench Note Fund I, LLC",
            holder_address="1 Bench Way, Suite 100, Albany, NY 12207",
        )  # fmt: skip
        sets = {n: make_drafts(args.drafts, f"W{n}", staff, portfolio) for n in (1, 2)}
        env = {**os.environ}
        connection.close()
        times = {}
        for n, drafts in sets.items():
            batch = batches.start_review_batch(
                choices=[(d.pk, d.version) for d in drafts], reviewer=attorney, by=staff
            )
            connection.close()
            times[n] = run_workers(n, env)
            done = batch.items.filter(status=ReviewBatchItem.Status.DONE).count()
            if done != len(drafts):
                reasons = set(batch.items.values_list("status", "reason"))
                raise SystemExit(
                    f"{len(drafts) - done} drafts of the {n}-worker batch not sent: {reasons}"
                )
        out = {
            "database": connection.vendor,
            "drafts": args.drafts,
            "one_worker_s": round(times[1], 2),
            "two_workers_s": round(times[2], 2),
            "per_draft_one_worker_ms": round(times[1] * 1000 / args.drafts, 1),
            "ratio_two_over_one": round(times[2] / times[1], 3),
            "goal": "<= 0.6",
        }
        print(json.dumps(out, indent=2))
    finally:
        if drop:
            from django.db import connections

            connections.close_all()
            drop()


if __name__ == "__main__":
    main()
