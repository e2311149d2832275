"""Portfolio page with 10,000 loans: median response time against a bare paginated view.

The bare view (bench/bench_urls.py) paginates the same loans 50 to a page with a plain template.
Both are requested through Django's full middleware stack (test client, same process),
alternating, after one warm-up request each, the portfolio's totals computed as a worker
computes them after the first view (which only queues them). Query counts are reported too, and the cache
the page read its totals from: the app's default (the database cache, DJANGO_CACHE_URL
unset: each cache read is a query) unless --cache-url names another.

    .venv/bin/python bench/bench_portfolio_page.py [--loans 10000] [--requests 40]
        [--cache-url locmem://]
"""

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import setup_django, summary, timed  # noqa: E402


def make_loans(portfolio, count):
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from portfolios.models import Borrower, Loan

    rng = random.Random(7)
    states = ["CA", "AZ", "TX", "FL", "NY", "NJ", "IL", "OH", "PA", "GA"]
    loans = [
        Loan(portfolio=portfolio, loan_number=f"P-{n:06d}", property_state=rng.choice(states),
             upb=Decimal(rng.randint(5_000_000, 45_000_000)) / 100, note_rate=Decimal("6.375"),
             paid_to_date=date(2023, 1, 1) + timedelta(days=rng.randint(0, 600)),
             day_count=rng.choice(["30/360", "actual/365"]), fees=Decimal("125.00"),
             status=rng.choice(["non_performing", "in_foreclosure", "reo"]))
        for n in range(count)
    ]  # fmt: skip
    Loan.objects.bulk_create(loans, batch_size=2000)
    Borrower.objects.bulk_create(
        [Borrower(loan_id=pk, name=f"Borrower {pk}")
         for pk in Loan.objects.filter(portfolio=portfolio).values_list("pk", flat=True)],
        batch_size=2000,
    )  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--cache-url", help="DJANGO_CACHE_URL for this run (default: the environment's, or none: "
        "the database cache)"
    )  # fmt: skip
    args = parser.parse_args()
    if args.cache_url is not None:
        os.environ["DJANGO_CACHE_URL"] = args.cache_url
    setup_django("page.sqlite3")
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import assign_role
    from noteinvest.access import Role
    from portfolios import stats
    from portfolios.models import Portfolio

    settings.ROOT_URLCONF = "bench.bench_urls"
    settings.DEBUG = False

    investor = User.objects.create_user("bench@example.com", "x-bench-pass-1")
    assign_role(investor, Role.INVESTOR)
    portfolio = Portfolio.objects.create(name="Bench 10k")
    portfolio.owners.add(investor)
    make_loans(portfolio, args.loans)

    client = Client()
    client.force_login(investor)
    ours_url = f"/portfolios/{portfolio.pk}/?page=7"
    bare_url = f"/bare/{portfolio.pk}/?page=7"

    cache.clear()
    cold, response = timed(client.get, ours_url)
    assert response.status_code == 200
    # That first view queued the refresh of the portfolio's totals (too many loans to compute
    # in a request); a worker computes them (portfolios.tasks.refresh_totals), as here. The
    # page measured is the one every later view gets: its totals current, read from the cache.
    portfolio.refresh_from_db()
    today = timezone.localdate()
    stats.refresh_totals(portfolio.pk, stats._stamp(portfolio), today)
    assert stats.portfolio_totals([portfolio], today)[portfolio.pk].current
    client.get(ours_url)
    client.get(bare_url)
    samples = {"ours": [], "bare": []}
    for _ in range(args.requests):
        for name, url in (("bare", bare_url), ("ours", ours_url)):
            seconds, response = timed(client.get, url)
            assert response.status_code == 200
            samples[name].append(seconds)
    with CaptureQueriesContext(connection) as ours_q:
        client.get(ours_url)
    with CaptureQueriesContext(connection) as bare_q:
        client.get(bare_url)
    ours, bare = summary(samples["ours"]), summary(samples["bare"])
    cache_conf = settings.CACHES["default"]
    cache_table = (
        cache_conf.get("LOCATION") if cache_conf["BACKEND"].endswith(".DatabaseCache") else None
    )
    report = {
        "loans": args.loans,
        "cache": f"{cache_conf['BACKEND'].rsplit('.', 1)[-1]} ({cache_conf.get('LOCATION', '-')})",
        "requests_each": args.requests,
        "ours_median_ms": round(ours["median"] * 1000, 1),
        "ours_p95_ms": round(ours["p95"] * 1000, 1),
        "bare_median_ms": round(bare["median"] * 1000, 1),
        "bare_p95_ms": round(bare["p95"] * 1000, 1),
        "ratio_median": round(ours["median"] / bare["median"], 2),
        "ours_first_view_ms": round(cold * 1000, 1),  # queues the totals' refresh
        "ours_queries": len(ours_q.captured_queries),
        "ours_cache_queries": sum(
            1 for q in ours_q.captured_queries if cache_table and cache_table in q["sql"]
        ),
        "bare_queries": len(bare_q.captured_queries),
    }
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "portfolio_page.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
