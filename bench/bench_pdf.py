"""Agreement PDFs: render time against plain WeasyPrint on the same HTML, memory over many
renders, serving an approved PDF against /healthz, and a batch of 200.

    .venv/bin/python bench/bench_pdf.py [--renders 40] [--memory-renders 500]
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import setup_django, summary  # noqa: E402

BENCH_KEY = "bench-only-secret-key-" + "k3y" * 16


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import resource

    return pages * resource.getpagesize() / 1024 / 1024


def make_agreement():
    from accounts.models import User
    from accounts.roles import assign_role
    from noteinvest.access import Role
    from portfolios.models import Borrower, Loan, Portfolio
    from settlements import services
    from settlements.models import Installment

    staff = User.objects.create_user("staff-bench@example.com", "x-bench-pass-1")
    assign_role(staff, Role.STAFF)
    attorney = User.objects.create_user("attorney-bench@example.com", "x-bench-pass-1")
    assign_role(attorney, Role.ATTORNEY)
    portfolio = Portfolio.objects.create(
        name="Bench",
        holder_legal_name="Bench Note Fund I, LLC",
        holder_address="1 Bench Way, Suite 100, Albany, NY 12207",
    )
    # The approved PDF is downloaded by the note holder (counsel's access ends with the review).
    investor = User.objects.create_user("investor-bench@example.com", "x-bench-pass-1")
    assign_role(investor, Role.INVESTOR)
    portfolio.owners.add(investor)
    loan = Loan.objects.create(
        portfolio=portfolio,
        loan_number="PDF-0001",
        property_state="NY",
        property_address="12 Oak St",
        property_city="Albany",
        property_zip="12203",
        upb=Decimal("412345.67"),
        note_rate=Decimal("6.375"),
        paid_to_date=timezone_today() - timedelta(days=400),
        day_count="30/360",
        fees=Decimal("1250.00"),
        costs=Decimal("8450.10"),
        escrow_advances=Decimal("6120.44"),
        original_balance=Decimal("450000.00"),
    )
    for n, name in enumerate(["Jordan A. Example", "Casey B. Example", "Riley C. Example"], 1):
        Borrower.objects.create(
            loan=loan, position=n, name=name, mailing_address="12 Oak St, Albany, NY 12203"
        )
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("240000.00")
    agreement.payment_method = "wire"
    agreement.payment_instructions = (
        "to the account named in the Holder's signed wire instruction letter"
    )
    agreement.save()
    for month in range(1, 13):
        Installment.objects.create(
            agreement=agreement,
            due_on=timezone_today() + timedelta(days=30 * month),
            amount=Decimal("20000.00"),
        )
    version = services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    services.approve(agreement=agreement, by=attorney)
    return agreement, version, investor


def over_http(session_id: str, pdf_url: str, expected: bytes, requests: int = 200) -> dict:
    """Median download time of the PDF and of /healthz from a server on 127.0.0.1."""
    import http.client
    import socket
    import subprocess

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            str(HERE.parent / "manage.py"),
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--nothreading",
            "--skip-checks",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path, cookie=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        body = conn.getresponse().read()
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed, body

    try:
        for _ in range(100):
            try:
                get("/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert get(pdf_url, session_id)[1] == expected
        pdf, health = [], []
        for _ in range(requests):
            health.append(get("/healthz")[0])
            pdf.append(get(pdf_url, session_id)[0])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "http_serve_median_ms": round(statistics.median(pdf) * 1000, 2),
        "http_healthz_median_ms": round(statistics.median(health) * 1000, 2),
        "http_serve_ratio": round(statistics.median(pdf) / statistics.median(health), 2),
    }


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--memory-renders", type=int, default=500)
    args = parser.parse_args()
    # The HTTP part runs a server in another process: both must sign sessions alike.
    os.environ.setdefault("DJANGO_SECRET_KEY", BENCH_KEY)
    setup_django("pdf.sqlite3")
    import weasyprint
    from django.conf import settings
    from django.test import Client
    from pypdf import PdfReader

    from settlements import documents

    settings.DEBUG = False
    # The plain baseline cannot load the app's fonts (no fetcher for them): it falls back
    # to the system's and warns on every render; the warnings are not the measurement.
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    agreement, version, investor = make_agreement()
    html = documents.render_agreement_html(version)
    pages = len(PdfReader(io.BytesIO(bytes(version.pdf))).pages)

    # 1. One warm process: ours (shared fetcher and fonts) against plain WeasyPrint.
    for _ in range(3):
        documents.render_agreement_pdf(version)
        weasyprint.HTML(string=html).write_pdf()
    ours, plain = [], []
    for _ in range(args.renders):
        t = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        documents.render_agreement_pdf(version)
        ours.append(time.perf_counter() - t)
    o, p = summary(ours), summary(plain)

    # 2. Memory over many renders in one process.
    for _ in range(20):
        documents.render_agreement_pdf(version)
    before = rss_mb()
    for _ in range(args.memory_renders):
        documents.render_agreement_pdf(version)
    growth = rss_mb() - before

    # 3. Serving the approved PDF (stored bytes: the PDF sealed at approval) against /healthz.
    from settlements.models import SealedPdf

    sealed = bytes(SealedPdf.objects.get(version=version).pdf)
    assert sealed.startswith(bytes(version.pdf)) and len(sealed) > len(bytes(version.pdf))
    client = Client()
    client.force_login(investor)
    pdf_url = f"/settlements/{agreement.pk}/v{version.number}.pdf"
    assert client.get(pdf_url).content == sealed
    serve, health = [], []
    for _ in range(200):
        t = time.perf_counter()
        client.get("/healthz")
        health.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get(pdf_url)
        serve.append(time.perf_counter() - t)

    # 3b. The same over HTTP, as a browser downloads it: a real server on loopback.
    http = over_http(client.cookies["sessionid"].value, pdf_url, sealed)

    # 4. 200 agreements in one batch against 200 warm single renders (each its own call),
    # singles measured before and after the batch and averaged, as the machine drifts.
    def singles():
        t = time.perf_counter()
        for _ in range(200):
            documents.render_agreement_pdf(version)
        return time.perf_counter() - t

    first = singles()
    t = time.perf_counter()
    for _ in documents.render_many(documents.render_agreement_html(version) for _ in range(200)):
        pass
    batch = time.perf_counter() - t
    single_total = (first + singles()) / 2

    report = {
        "pages": pages,
        "sealed_pdf_bytes": len(sealed),
        "render_median_ms": round(o["median"] * 1000, 1),
        "render_p95_ms": round(o["p95"] * 1000, 1),
        "plain_median_ms": round(p["median"] * 1000, 1),
        "plain_p95_ms": round(p["p95"] * 1000, 1),
        "render_ratio_median": round(o["median"] / p["median"], 2),
        "render_ratio_p95": round(o["p95"] / p["p95"], 2),
        "memory_growth_mb": round(growth, 1),
        "memory_renders": args.memory_renders,
        "serve_median_ms": round(statistics.median(serve) * 1000, 2),
        "healthz_median_ms": round(statistics.median(health) * 1000, 2),
        "serve_ratio": round(statistics.median(serve) / statistics.median(health), 2),
        **http,
        "batch_200_s": round(batch, 2),
        "single_x200_s": round(single_total, 2),
        "batch_ratio": round(batch / single_total, 2),
    }
    print(json.dumps(report, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "pdf.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
