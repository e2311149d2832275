"""Import of a loan tape (10,000 rows by default): time and peak memory against a floor.

Floor (baseline), measured in the same run: read the same file with the csv module and
bulk-insert the rows unvalidated. Ours is the import a worker runs (run_tape_import): the
upload is stored by a process of its own, as the upload request stores it; then the timed
import reads it back from the database, checks every row and writes the loans and
borrowers in one transaction. Each variant runs in its own process (so its peak resident size is its
own), alternating, several times; medians are reported. DEBUG is off in both, as on a
server (DEBUG keeps every query's SQL).

    .venv/bin/python bench/bench_import.py [--rows 10000] [--repeat 3]
                                           [--database-url postgres://USER:PASS@127.0.0.1/postgres]

With a PostgreSQL URL each process gets a database of its own beside the one named,
created and dropped around it; without one, a new SQLite file.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

HEADER = [
    "Loan Number", "Borrower Name", "Co-Borrower Name", "Property Address", "Property City",
    "Property State", "Property ZIP", "Occupancy", "Purchase Money", "Origination Date",
    "Original Balance", "UPB", "Note Rate", "Paid To Date", "Day Count", "Fees", "Costs",
    "Escrow Advances", "Suspense", "Loan Purchase Price", "Property Value", "Value Date",
    "Value Source", "Foreclosure Process", "Status",
]  # fmt: skip
STATES = ["CA", "AZ", "TX", "FL", "NY", "NJ", "IL", "OH", "PA", "GA", "NV", "WA", "CO", "MI", "NC"]


def write_tape(path: Path, rows: int) -> None:
    import csv

    rng = random.Random(10_000)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(rows):
            orig = date(2005, 1, 1) + timedelta(days=rng.randint(0, 5000))
            paid = date(2023, 1, 1) + timedelta(days=rng.randint(0, 600))
            w.writerow([
                f"B-{n:06d}", f"Borrower {n}", "" if n % 3 else f"Co {n}", f"{n} Main St",
                "Springfield", rng.choice(STATES), f"{rng.randint(10000, 99999)}",
                rng.choice(["Owner-occupied", "Investment", "Vacant", ""]), rng.choice(["Y", "N", ""]),
                orig.isoformat(), f"${rng.randint(80, 500) * 1000:,}.00",
                f"${rng.randint(5_000_000, 45_000_000) / 100:,.2f}", f"{rng.choice([4.25, 5.5, 6.375, 7.125])}%",
                max(paid, orig).strftime("%m/%d/%Y"), rng.choice(["30/360", "actual/365"]),
                f"{rng.randint(0, 200000) / 100:.2f}", "0", f"{rng.randint(0, 900000) / 100:,.2f}", "",
                f"{rng.randint(20_000, 200_000)}.00", f"{rng.randint(50_000, 600_000)}", "2026-06-01",
                "BPO", rng.choice(["Judicial", "Non-judicial"]), "NPL",
            ])  # fmt: skip


def fresh_postgres(url: str) -> tuple[str, callable]:
    """A new database beside the one `url` names, and the function that drops it."""
    import psycopg

    name = f"bench_import_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as admin:
            # Not WITH (FORCE): it must be allowed to end every session, autovacuum's
            # included (which a plain DROP ends by itself).
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), drop


def child(mode: str, tape: str, database_url: str) -> None:
    """Run one import in this process and print its time and peak memory as JSON."""
    drop = None
    if database_url.startswith("postgres"):
        os.environ["DATABASE_URL"], drop = fresh_postgres(database_url)
    try:
        _child(mode, tape)
    finally:
        if drop:
            drop()


def _child(mode: str, tape: str) -> None:
    from bench.common import peak_rss_mb, setup_django, timed

    setup_django("import.sqlite3")
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    from portfolios.models import Loan, Portfolio

    portfolio = Portfolio.objects.create(name="Bench")
    if mode == "ours":
        from portfolios.models import TapeImport
        from portfolios.services import run_tape_import
        from portfolios.tape.columns import auto_map

        size = Path(tape).stat().st_size
        job = TapeImport.objects.create(
            portfolio=portfolio, filename="tape.csv", kind="csv", sha256="", size=size,
            headers=HEADER, mapping=auto_map(HEADER), default_day_count="30/360",
            status=TapeImport.Status.QUEUED, rows_total=size // 200,
        )  # fmt: skip
        # The upload request stores the file, in a process of its own (a web server's), as
        # here; the worker's import, timed and measured in this process, reads it back.
        subprocess.run([sys.executable, __file__, "--store", str(job.pk), tape], check=True)

        def run():
            run_tape_import(job.pk)
            done = TapeImport.objects.get(pk=job.pk)
            assert done.status == TapeImport.Status.SUCCEEDED, (done.status, done.message,
                                                                done.problems[:3])  # fmt: skip
            return done.created
    else:
        import csv
        import io

        data = Path(tape).read_bytes()

        def run():
            reader = csv.reader(io.StringIO(data.decode()))
            next(reader)
            batch, created = [], 0
            for r in reader:
                batch.append(Loan(portfolio=portfolio, loan_number=r[0], property_state=r[5],
                                  upb=r[11].replace("$", "").replace(",", ""), note_rate=r[12].rstrip("%"),
                                  paid_to_date=date(2024, 1, 1)))  # fmt: skip
                if len(batch) == 1000:
                    Loan.objects.bulk_create(batch)
                    created += len(batch)
                    batch = []
            Loan.objects.bulk_create(batch)
            return created + len(batch)

    before = peak_rss_mb()
    seconds, created = timed(run)
    assert created == Loan.objects.count(), (created, Loan.objects.count())
    out = {"mode": mode, "seconds": seconds, "created": created, "peak_rss_mb": peak_rss_mb(),
           "peak_rss_before_mb": before, "database": connection.vendor}  # fmt: skip
    print(json.dumps(out))


def store(job_id: str, tape: str) -> None:
    """Store the tape as an upload request does, for the import of another process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noteinvest.settings")
    import django

    django.setup()
    from django.db import transaction

    from portfolios.models import TapeImport
    from portfolios.services import store_upload

    with transaction.atomic():
        store_upload(TapeImport.objects.get(pk=int(job_id)), Path(tape).read_bytes())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL: each process gets a database of its own beside it")  # fmt: skip
    parser.add_argument("--child", nargs=2, metavar=("MODE", "TAPE"))
    parser.add_argument("--store", nargs=2, metavar=("JOB", "TAPE"))
    args = parser.parse_args()
    if args.store:
        store(*args.store)
        return
    if args.child:
        child(*args.child, args.database_url)
        return
    import statistics
    import tempfile

    tape = Path(tempfile.mkdtemp()) / "tape.csv"
    write_tape(tape, args.rows)
    results = {"ours": [], "baseline": []}
    for _ in range(args.repeat):
        for mode in ("baseline", "ours"):
            command = [sys.executable, __file__, "--child", mode, str(tape),
                       "--database-url", args.database_url]  # fmt: skip
            out = subprocess.run(command, capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"{mode} failed:\n{out.stderr[-3000:]}")
            results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[mode][-1]), file=sys.stderr, flush=True)
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in results.items()}
    mem = {m: max(r["peak_rss_mb"] for r in rs) for m, rs in results.items()}
    report = {
        "rows": args.rows,
        "database": results["ours"][0]["database"],
        "file_mb": round(tape.stat().st_size / 1e6, 2),
        "ours_median_s": round(med["ours"], 3),
        "baseline_median_s": round(med["baseline"], 3),
        "time_ratio": round(med["ours"] / med["baseline"], 2),
        "ours_peak_rss_mb": round(mem["ours"], 1),
        "baseline_peak_rss_mb": round(mem["baseline"], 1),
        "ours_peak_rss_before_import_mb": round(
            max(r["peak_rss_before_mb"] for r in results["ours"]), 1
        ),
        "repeat": args.repeat,
    }
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    name = "import" if args.rows == 10_000 and report["database"] == "sqlite" else (
        f"import_{args.rows}_{report['database']}")  # fmt: skip
    (HERE / "results" / f"{name}.json").write_text(json.dumps(report, indent=2))
    tape.unlink()


if __name__ == "__main__":
    main()
