"""Scale (issue 13) on PostgreSQL: the portfolio, deficiency summary and deadlines pages of a
10,000-loan and a 100,000-loan portfolio, then with 1,000,000 loans in all, warm and on the
first view after a loan change, as ratios against the 10,000-loan times of the same run; and
the background refresh of the totals.

    .venv/bin/python bench/bench_scale.py --database-url postgres://user:pass@127.0.0.1:5432/db
        [--sizes 10000,100000] [--in-all 1000000] [--deficiencies 1000] [--rounds 9]
        [--requests 2] [--keep]

A quick run: --sizes 2000,20000 --in-all 0. The script creates its own database (a unique
name, on the server of --database-url, whose role needs CREATEDB) and drops it at the end
(--keep leaves it). Loans go in with COPY; each measured portfolio gets --deficiencies
deficiencies (liquidations with their deadlines, one in ten with a judgment), as does each
portfolio added to reach --in-all. Pages are requested through Django's full middleware
stack (test client, same process) as the investor owning the portfolio, with the app's own
settings: the database cache and the database task backend. No worker runs while pages are
timed: a refresh a page queues stays queued, which is what pages see while a worker
computes. Each round starts warm (the totals computed for the current stamp, as a worker
would, and each page viewed once), times warm views, then for each page changes one loan
(its fees move by a cent; a loan with a deficiency, so the deficiency summary's cache goes
too) and times the first view after it. The refresh is timed apart: the task's work for one
portfolio, and for every portfolio at --in-all.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import summary, timed  # noqa: E402

PAGES = ("portfolio", "summary", "deadlines")
CONTROL = "/deficiencies/rules/"  # a page whose data does not grow with loans: machine drift
STATES = ["CA", "AZ", "TX", "FL", "NY", "NJ", "IL", "OH", "PA", "GA"]


# --- the database ------------------------------------------------------------------------------


def create_database(url: str) -> tuple[str, str]:
    """A new database with a unique name on the server of `url`: (its name, its URL)."""
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (postgres://...).")
    name = f"noteinvest_bench_scale_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noteinvest.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    for name in ("DJANGO_CACHE_URL", "DJANGO_TASKS"):  # the app's defaults: database ones
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def vacuum_analyze() -> None:
    """What autovacuum does to a table after a bulk load (statistics, visibility map)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("portfolios_loan", "portfolios_borrower", "deficiencies_deficiency",
                      "deficiencies_deadline"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- the data ----------------------------------------------------------------------------------


def _row_template(model, **values) -> tuple[list[str], list]:
    """The columns of `model` (its id left to the sequence) and the database values of an
    instance made with `values` and the model's defaults."""
    from django.db import connection
    from django.utils import timezone

    obj = model(**values)
    now = timezone.now()
    columns, row = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(obj, field.attname)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        value = field.get_db_prep_save(value, connection)
        columns.append(field.column)
        row.append(str(value) if isinstance(value, str) else value)  # choices enums: plain
    return columns, row


def copy_loans(portfolio, count: int, seed: int) -> float:
    """`count` loans (and a borrower each) into `portfolio` with COPY; returns the seconds."""
    import random

    from django.db import connection, transaction

    from portfolios.models import Borrower, Loan, Portfolio

    start = time.perf_counter()
    rng = random.Random(seed)
    columns, template = _row_template(
        Loan, portfolio=portfolio, loan_number="x", property_state="CA",
        upb=Decimal("1.00"), note_rate=Decimal("6.375"), paid_to_date=date(2023, 1, 1),
        day_count="30/360", fees=Decimal("125.00"), status="non_performing",
        property_address="1 Main St", property_city="Springfield", property_zip="62701",
    )  # fmt: skip
    at = {name: columns.index(name) for name in (
        "loan_number", "property_state", "upb", "paid_to_date", "day_count", "status",
        "purchase_price",
    )}  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.connection.cursor()  # psycopg's own, for COPY
        with raw.copy(f"COPY portfolios_loan ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(count):
                row = list(template)
                upb = Decimal(rng.randint(5_000_000, 45_000_000)) / 100
                row[at["loan_number"]] = f"P{portfolio.pk}-{n:07d}"
                row[at["property_state"]] = rng.choice(STATES)
                row[at["upb"]] = upb
                row[at["purchase_price"]] = (upb * Decimal("0.55")).quantize(Decimal("0.01"))
                row[at["paid_to_date"]] = date(2023, 1, 1) + timedelta(days=rng.randint(0, 600))
                row[at["day_count"]] = rng.choice(["30/360", "actual/365"])
                row[at["status"]] = rng.choice(["non_performing", "in_foreclosure", "reo"])
                copy.write_row(row)
        b_columns, b_row = _row_template(Borrower, loan_id=0, name="x")
        selected = [
            "id" if c == "loan_id" else "'Borrower ' || id" if c == "name" else "%s"
            for c in b_columns
        ]
        params = [v for c, v in zip(b_columns, b_row, strict=True) if c not in ("loan_id", "name")]
        cursor.execute(
            f"INSERT INTO portfolios_borrower ({', '.join(b_columns)}) "
            f"SELECT {', '.join(selected)} FROM portfolios_loan WHERE portfolio_id = %s",
            [*params, portfolio.pk],
        )
    Portfolio.touch_loans(portfolio.pk)  # as the import does after writing
    return time.perf_counter() - start


def add_deficiencies(portfolio, staff, count: int, seed: int) -> None:
    """`count` liquidated loans with their deficiencies and deadlines (one in ten judged),
    as bench/bench_deficiency_pages.py records them."""
    import random

    from bench.bench_deficiency_pages import _rules
    from deficiencies import services
    from deficiencies.models import (
        Deficiency,
        DeficiencySuit,
        Judgment,
        LiquidationEvent,
        StatusChange,
    )
    from portfolios.models import Loan

    if count <= 0:
        return
    rng = random.Random(seed)
    picked = list(Loan.objects.filter(portfolio=portfolio).order_by("?")[:count])
    LiquidationEvent.objects.bulk_create([
        LiquidationEvent(loan=loan, event_type="foreclosure_sale",
                         event_date=date(2026, 11, 1) - timedelta(days=rng.randint(0, 700)),
                         sale_process=rng.choice(["judicial", "non_judicial"]),
                         sale_price=(loan.upb * Decimal("0.6")).quantize(Decimal("0.01")),
                         created_by=staff)
        for loan in picked
    ], batch_size=1000)  # fmt: skip
    events = {e.loan_id: e for e in LiquidationEvent.objects.filter(loan__portfolio=portfolio)}
    rules = _rules()
    Deficiency.objects.bulk_create([
        Deficiency(loan=loan, portfolio_id=portfolio.pk, event=events[loan.pk],
                   **services.figures_for(loan, events[loan.pk], rules[loan.property_state]))
        for loan in picked
    ], batch_size=1000)  # fmt: skip
    mine = Deficiency.objects.filter(portfolio=portfolio)
    StatusChange.objects.bulk_create(
        [StatusChange(deficiency=d, to_status="open", changed_by=staff) for d in mine],
        batch_size=1000,
    )
    judged = list(mine.order_by("pk")[::10])
    DeficiencySuit.objects.bulk_create([
        DeficiencySuit(deficiency=d, court="Bench Court", case_number=f"B-{d.pk}",
                       filed_on=d.debt_as_of + timedelta(days=30))
        for d in judged
    ], batch_size=1000)  # fmt: skip
    Judgment.objects.bulk_create([
        Judgment(deficiency=d, granted_on=d.debt_as_of + timedelta(days=90),
                 amount=d.recoverable, interest_rate=Decimal("9"))
        for d in judged
    ], batch_size=1000)  # fmt: skip
    services.refresh(services.with_relations(mine))


# --- the measurements --------------------------------------------------------------------------


class Site:
    """One portfolio, its owner's client and its three pages."""

    def __init__(self, label: str, portfolio, owner):
        from django.test import Client

        from deficiencies.models import Deficiency

        self.label, self.portfolio = label, portfolio
        self.client = Client()
        self.client.force_login(owner)
        self.urls = {
            "portfolio": f"/portfolios/{portfolio.pk}/?page=7",
            "summary": f"/deficiencies/portfolio/{portfolio.pk}/?page=7",
            "deadlines": "/deficiencies/deadlines/?page=7",
        }
        # The loans changed: ones with a deficiency (the summary's cache goes too).
        self.changing = list(
            Deficiency.objects.filter(portfolio=portfolio).values_list("loan_id", flat=True)[:50]
        )
        self.turn = 0

    def get(self, page: str) -> float:
        seconds, response = timed(self.client.get, self.urls[page])
        assert response.status_code == 200, (self.label, page, response.status_code)
        return seconds

    def change_a_loan(self) -> None:
        from portfolios.models import Loan

        loan = Loan.objects.get(pk=self.changing[self.turn % len(self.changing)])
        self.turn += 1
        loan.fees += Decimal("0.01")
        loan.save()

    def queries(self, page: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.get(page)
        return len(ctx.captured_queries)


def settle(sites: list[Site]) -> None:
    """Bring every site back to warm, as a worker and one view would: each portfolio's totals
    computed for its current stamp (the refreshes the views queued for earlier stamps are
    dropped: each would only compute figures a later one replaces), then one untimed view of
    each page (the deficiency summary recomputed after its change)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from portfolios import stats

    DBTaskResult.objects.filter(
        status="READY", task_path="portfolios.tasks.refresh_totals"
    ).delete()
    for site in sites:
        site.portfolio.refresh_from_db()
        stats.store_totals({site.portfolio.pk: stats._stamp(site.portfolio)}, timezone.localdate())
    for site in sites:
        for page in PAGES:
            site.get(page)


def measure(sites: list[Site], rounds: int, requests: int) -> dict:
    """`rounds` times: settle, then `requests` warm views of each page of each site
    (interleaved), then for each page of each site a loan change and the first view after it;
    so warm and first views are measured minutes apart at most. Medians; query counts warm
    and after a change; the median of CONTROL requested once a round (the same for every
    site of one call: the machine's drift between calls)."""
    control, warm, first = [], {}, {}
    for _ in range(rounds):
        settle(sites)
        seconds, response = timed(sites[0].client.get, CONTROL)
        assert response.status_code == 200
        control.append(seconds)
        for _ in range(requests):
            for site in sites:
                for page in PAGES:
                    warm.setdefault((site.label, page), []).append(site.get(page))
        for site in sites:
            for page in PAGES:
                site.change_a_loan()
                first.setdefault((site.label, page), []).append(site.get(page))
    out = {}
    for site in sites:
        figures = {}
        for page in PAGES:
            settle([site])
            queries_warm = site.queries(page)
            site.change_a_loan()
            figures[page] = {
                "warm_ms": round(summary(warm[(site.label, page)])["median"] * 1000, 2),
                "warm_p95_ms": round(summary(warm[(site.label, page)])["p95"] * 1000, 2),
                "first_ms": round(summary(first[(site.label, page)])["median"] * 1000, 2),
                "first_p95_ms": round(summary(first[(site.label, page)])["p95"] * 1000, 2),
                "queries_warm": queries_warm,
                "queries_first": site.queries(page),
            }
        out[site.label] = {"control_ms": round(statistics.median(control) * 1000, 2), **figures}
    return out


def refresh_seconds(portfolios, repeat: int = 3) -> float:
    """The background refresh of these portfolios' totals (the task's work, run in this
    process): median seconds over `repeat` runs."""
    from django.utils import timezone

    from portfolios import stats

    today = timezone.localdate()
    samples = []
    for _ in range(repeat):
        for p in portfolios:
            p.refresh_from_db()
        samples.append(
            timed(stats.store_totals, {p.pk: stats._stamp(p) for p in portfolios}, today)[0]
        )
    return statistics.median(samples)


def ratios(results: dict, base: str, same_database: dict[str, str]) -> dict:
    """Each page's warm and first-view medians against the baseline portfolio's: as measured,
    adjusted by the control page (its median in the baseline's measurement over its median
    in this one: the machine's drift between the two), and, for a portfolio measured again
    in a larger database, against the baseline portfolio measured beside it there."""
    out = {}
    for label, figures in results.items():
        if label == base:
            continue
        drift = results[base]["control_ms"] / figures["control_ms"]
        beside = results.get(same_database.get(label, ""))
        out[label] = {}
        for page in PAGES:
            f, b = figures[page], results[base][page]
            out[label][page] = {
                "warm": round(f["warm_ms"] / b["warm_ms"], 2),
                "first": round(f["first_ms"] / b["first_ms"], 2),
                "warm_adjusted": round(f["warm_ms"] / b["warm_ms"] * drift, 2),
                "first_adjusted": round(f["first_ms"] / b["first_ms"] * drift, 2),
                "first_vs_base_warm": round(f["first_ms"] / b["warm_ms"], 2),
            }
            if beside:
                out[label][page]["warm_vs_base_beside"] = round(
                    f["warm_ms"] / beside[page]["warm_ms"], 2
                )
                out[label][page]["first_vs_base_beside"] = round(
                    f["first_ms"] / beside[page]["first_ms"], 2
                )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL server (and a database on it to connect to)")  # fmt: skip
    parser.add_argument("--sizes", default="10000,100000",
                        help="loans in the baseline portfolio, then in the large one")  # fmt: skip
    parser.add_argument("--in-all", type=int, default=1_000_000,
                        help="loans in all for the last phase (0: skip it)")  # fmt: skip
    parser.add_argument("--deficiencies", type=int, default=1_000,
                        help="deficiencies in each portfolio")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds of warm views and changes (first views timed per page)")  # fmt: skip
    parser.add_argument("--requests", type=int, default=2, help="warm views per page a round")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    base_size, big_size = (int(x) for x in args.sizes.split(","))

    name, db_url = create_database(args.database_url)
    print(f"database {name}", flush=True)
    try:
        setup(db_url)
        report = run(args, base_size, big_size)
    finally:
        if not args.keep:
            drop_database(args.database_url, name)
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scale.json").write_text(json.dumps(report, indent=2))


def run(args, base_size: int, big_size: int) -> dict:
    from django.conf import settings

    from accounts.models import User
    from accounts.roles import assign_role
    from deficiencies.models import Deadline, Deficiency
    from noteinvest.access import Role
    from portfolios.models import Loan, Portfolio

    settings.DEBUG = False

    def investor(email):
        user = User.objects.create_user(email, "x-bench-pass-1")
        assign_role(user, Role.INVESTOR)
        return user

    staff = User.objects.create_user("staff-bench@example.com", "x-bench-pass-1")
    assign_role(staff, Role.STAFF)
    report = {"sizes": [base_size, big_size], "deficiencies_each": args.deficiencies,
              "load_s": {}}  # fmt: skip
    sites = []
    for n, size in enumerate((base_size, big_size)):
        owner = investor(f"owner{n}@example.com")
        portfolio = Portfolio.objects.create(name=f"Bench {size:,}")
        portfolio.owners.add(owner)
        report["load_s"][f"{size:,} loans"] = round(copy_loans(portfolio, size, seed=n), 1)
        add_deficiencies(portfolio, staff, args.deficiencies, seed=n)
        sites.append(Site(f"{size:,}", portfolio, owner))
        print(f"loaded {size:,} loans", flush=True)
    vacuum_analyze()
    base, big = sites
    report["pages"] = measure(sites, args.rounds, args.requests)
    report["refresh_s"] = {
        base.label: round(refresh_seconds([base.portfolio]), 3),
        big.label: round(refresh_seconds([big.portfolio]), 3),
    }
    print(json.dumps(report["pages"], indent=1), flush=True)

    beside = {}  # a portfolio measured again in the larger database -> the baseline beside it
    if args.in_all:
        other = investor("other@example.com")
        left, n = args.in_all - base_size - big_size, 0
        while left > 0:
            size = min(left, big_size)
            filler = Portfolio.objects.create(name=f"Filler {n}")
            filler.owners.add(other)
            copy_loans(filler, size, seed=100 + n)
            add_deficiencies(filler, staff, args.deficiencies, seed=100 + n)
            left -= size
            n += 1
            print(f"loaded filler {n} ({size:,} loans)", flush=True)
        vacuum_analyze()
        in_all = Loan.objects.count()
        label = f"{big_size:,} of {in_all:,}"
        base_again = Site(
            f"{base_size:,} of {in_all:,}", base.portfolio, base.portfolio.owners.get()
        )
        big_again = Site(label, big.portfolio, big.portfolio.owners.get())
        report["in_all"] = {"loans": in_all, "portfolios": Portfolio.objects.count(),
                            "deficiencies": Deficiency.objects.count(),
                            "deadlines": Deadline.objects.count()}  # fmt: skip
        # Measured beside the baseline portfolio again, in the same process and database.
        more = measure([base_again, big_again], args.rounds, args.requests)
        beside[big_again.label] = base_again.label
        report["pages"].update(more)
        report["refresh_s"][label] = round(refresh_seconds([big.portfolio]), 3)
        report["refresh_s"][f"every portfolio, {in_all:,} loans"] = round(
            refresh_seconds(list(Portfolio.objects.all()), repeat=1), 3
        )
    report["ratios_vs_baseline"] = ratios(report["pages"], base.label, beside)
    return report


if __name__ == "__main__":
    main()
