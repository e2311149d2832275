"""Portfolio deficiency summary and deadlines pages with 10,000 loans and 5,000 deficiencies:
median response time against bare paginated views over the same rows (bench/bench_urls.py).

    .venv/bin/python bench/bench_deficiency_pages.py [--requests 30]
"""

import argparse
import json
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import setup_django, summary, timed  # noqa: E402


def build(portfolio, staff, loans=10_000, deficiencies=5_000):
    from bench.bench_portfolio_page import make_loans
    from deficiencies import services
    from deficiencies.models import (
        Deficiency,
        DeficiencySuit,
        Judgment,
        LiquidationEvent,
        StatusChange,
    )
    from portfolios.models import Loan

    make_loans(portfolio, loans)
    rng = random.Random(11)
    picked = list(Loan.objects.filter(portfolio=portfolio).order_by("pk")[:deficiencies])
    events = [
        LiquidationEvent(loan=loan, event_type="foreclosure_sale",
                         event_date=date(2026, 11, 1) - timedelta(days=rng.randint(0, 700)),
                         sale_process=rng.choice(["judicial", "non_judicial"]),
                         sale_price=(loan.upb * Decimal("0.6")).quantize(Decimal("0.01")),
                         created_by=staff)
        for loan in picked
    ]  # fmt: skip
    LiquidationEvent.objects.bulk_create(events, batch_size=1000)
    events = {e.loan_id: e for e in LiquidationEvent.objects.all()}
    rows = []
    for loan in picked:
        figures = services.figures_for(loan, events[loan.pk], _rules()[loan.property_state])
        rows.append(
            Deficiency(loan=loan, portfolio_id=loan.portfolio_id, event=events[loan.pk], **figures)
        )
    Deficiency.objects.bulk_create(rows, batch_size=1000)
    StatusChange.objects.bulk_create(
        [
            StatusChange(deficiency=d, to_status="open", changed_by=staff)
            for d in Deficiency.objects.all()
        ],
        batch_size=1000,
    )
    # One in ten went to suit and judgment (9 % a year): their outstanding counts its
    # post-judgment interest, figured one by one on the summary and the list.
    judged = list(Deficiency.objects.order_by("pk")[::10])
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
    services.refresh(services.with_relations(Deficiency.objects.all()))


_RULES = {}


def _rules():
    from deficiencies.models import StateRule

    if not _RULES:
        _RULES.update({r.state_code: r for r in StateRule.objects.all()})
    return _RULES


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup_django("deficiencies.sqlite3")
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.roles import assign_role
    from deficiencies.models import Deadline, Deficiency
    from noteinvest.access import Role
    from portfolios.models import Portfolio

    settings.ROOT_URLCONF = "bench.bench_urls"
    settings.DEBUG = False
    investor = User.objects.create_user("bench@example.com", "x-bench-pass-1")
    assign_role(investor, Role.INVESTOR)
    staff = User.objects.create_user("staff-bench@example.com", "x-bench-pass-1")
    assign_role(staff, Role.STAFF)
    portfolio = Portfolio.objects.create(name="Bench 10k")
    portfolio.owners.add(investor)
    build(portfolio, staff)
    client = Client()
    client.force_login(investor)
    pages = {
        "summary": (
            f"/deficiencies/portfolio/{portfolio.pk}/?page=7",
            f"/bare/deficiencies/{portfolio.pk}/?page=7",
        ),
        "deadlines": ("/deficiencies/deadlines/?page=7", "/bare/deadlines/?page=7"),
    }
    report = {
        "loans": 10_000,
        "deficiencies": Deficiency.objects.count(),
        "deadline_rows": Deadline.objects.count(),
        "judgments": Deficiency.objects.filter(judgment__isnull=False).count(),
    }
    for name, (ours_url, bare_url) in pages.items():
        for url in (ours_url, bare_url):
            assert client.get(url).status_code == 200
        samples = {"ours": [], "bare": []}
        for _ in range(args.requests):
            for kind, url in (("bare", bare_url), ("ours", ours_url)):
                seconds, response = timed(client.get, url)
                assert response.status_code == 200
                samples[kind].append(seconds)
        with CaptureQueriesContext(connection) as q:
            client.get(ours_url)
        ours, bare = summary(samples["ours"]), summary(samples["bare"])
        report[name] = {
            "ours_median_ms": round(ours["median"] * 1000, 1),
            "bare_median_ms": round(bare["median"] * 1000, 1),
            "ratio_median": round(ours["median"] / bare["median"], 2),
            "ours_p95_ms": round(ours["p95"] * 1000, 1),
            "queries": len(q.captured_queries),
        }
    # The summary's totals once computed (cached until a deficiency changes): computing them
    # afresh over all 5,000, a judgment's interest figured one by one.
    from django.utils import timezone

    from deficiencies.views import _summary

    every = Deficiency.objects.filter(portfolio=portfolio)
    fresh = summary([timed(_summary, every, timezone.localdate())[0] for _ in range(10)])
    report["summary_totals_computed_afresh_median_ms"] = round(fresh["median"] * 1000, 1)
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "deficiency_pages.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
