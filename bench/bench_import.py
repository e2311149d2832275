"""Import of a 10,000-row loan tape: time and peak memory against a bare baseline.

Baseline, measured in the same run: read the same file with the csv module and
bulk-insert the rows unvalidated. Each variant runs in its own process (so its peak
resident size is its own), alternating, several times; medians are reported.

    .venv/bin/python bench/bench_import.py [--rows 10000] [--repeat 3]
"""

import argparse
import json
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

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


def child(mode: str, tape: str) -> None:
    """Run one import in this process and print its time and peak memory as JSON."""
    from bench.common import peak_rss_mb, setup_django, timed

    setup_django("import.sqlite3")
    from portfolios.models import Loan, Portfolio

    portfolio = Portfolio.objects.create(name="Bench")
    data = Path(tape).read_bytes()
    if mode == "ours":
        from portfolios.services import process_tape
        from portfolios.tape.columns import auto_map
        from portfolios.tape.readers import open_tape

        def run():
            t = open_tape("tape.csv", data)
            out = process_tape(portfolio=portfolio, tape=t, mapping=auto_map(t.headers),
                               default_day_count="30/360", dry_run=False)  # fmt: skip
            assert not out.problems, out.problems[:3]
            return out.counts.created
    else:
        import csv
        import io

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

    seconds, created = timed(run)
    print(
        json.dumps(
            {"mode": mode, "seconds": seconds, "created": created, "peak_rss_mb": peak_rss_mb()}
        )
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "TAPE"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import statistics
    import tempfile

    tape = Path(tempfile.mkdtemp()) / "tape.csv"
    write_tape(tape, args.rows)
    results = {"ours": [], "baseline": []}
    for _ in range(args.repeat):
        for mode in ("baseline", "ours"):
            out = subprocess.run([sys.executable, __file__, "--child", mode, str(tape)],
                                 capture_output=True, text=True, check=True)  # fmt: skip
            results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in results.items()}
    mem = {m: max(r["peak_rss_mb"] for r in rs) for m, rs in results.items()}
    report = {
        "rows": args.rows,
        "file_mb": round(tape.stat().st_size / 1e6, 2),
        "ours_median_s": round(med["ours"], 3),
        "baseline_median_s": round(med["baseline"], 3),
        "time_ratio": round(med["ours"] / med["baseline"], 2),
        "ours_peak_rss_mb": round(mem["ours"], 1),
        "baseline_peak_rss_mb": round(mem["baseline"], 1),
        "repeat": args.repeat,
    }
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "import.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
