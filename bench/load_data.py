"""The load run's users (bench/load.py): their data in a fresh database, each investor's
marked with their own marker (bench/load_checks.marker), and their sessions, logged in
through the login form as a browser does."""

import re
import sys
import time
from pathlib import Path

from bench.load_checks import marker


def build_data(args, password: str) -> dict:
    """Demo data plus the run's investors, portfolios, loans, deficiencies and staff; returns
    what each user will request (ids), so the locust side needs no database."""
    from datetime import timedelta
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import assign_role
    from deficiencies.models import Deficiency, LiquidationEvent
    from deficiencies.services import record_liquidation
    from demo.loans import demo_loans
    from noteinvest.access import Role
    from portfolios.models import Borrower, Loan, Portfolio

    commands = ["migrate", "seed_demo"]
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        commands.insert(1, "collectstatic")  # about 2 minutes here: WhiteNoise compresses
    for command in commands:
        t = time.perf_counter()
        options = {"interactive": False} if command == "collectstatic" else {}
        call_command(command, verbosity=0, **options)
        print(f"{command}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    hashed = make_password(password)  # once: the hasher is slow on purpose
    staff_users = []
    with transaction.atomic():
        for n in range(args.staff):
            user = User.objects.create_user(f"load-staff-{n}@example.com", None,
                                            full_name=f"Load Staff {n}")  # fmt: skip
            assign_role(user, Role.STAFF)
            staff_users.append(user)
    clerk = staff_users[0]
    today = timezone.localdate()
    investors = []
    for i in range(args.investors):
        mark = marker(i)
        with transaction.atomic():
            user = User.objects.create_user(f"load-investor-{i}@example.com", None,
                                            full_name=f"Load Investor {i}")  # fmt: skip
            assign_role(user, Role.INVESTOR)
            portfolios = []
            for suffix, count in (("A", args.loans), ("B", max(1, args.loans // 4))):
                portfolio = Portfolio.objects.create(
                    name=f"{mark} Pool {suffix}", seller=f"Seller of {mark}",
                    purchase_price=Decimal("1000000.00"), holder_legal_name=f"{mark} Fund LLC",
                )  # fmt: skip
                portfolio.owners.add(user)
                for spec in demo_loans(f"{mark}-{suffix}", count, seed=1000 * i + ord(suffix)):
                    fields = dict(spec)
                    borrowers = fields.pop("borrowers")
                    loan = Loan.objects.create(portfolio=portfolio, **fields)
                    Borrower.objects.bulk_create(
                        Borrower(loan=loan, position=k, **b) for k, b in enumerate(borrowers, 1)
                    )
                portfolios.append(portfolio)
        # A few of pool A's loans sold at foreclosure, so the investor has deficiencies
        # and deadlines of their own.
        firsts = portfolios[0].loans.filter(lien_position=1).order_by("loan_number")
        for k, loan in enumerate(firsts[: args.deficiencies]):
            event = LiquidationEvent(
                event_type="foreclosure_sale", event_date=today - timedelta(days=20 + 37 * k),
                sale_process=loan.foreclosure_process,
                sale_price=(loan.upb * Decimal("0.6")).quantize(Decimal("0.01")),
            )  # fmt: skip
            record_liquidation(loan=loan, event=event, by=clerk)
        investors.append({"user": user, "marker": mark, "portfolios": portfolios})
    User.objects.filter(email__startswith="load-").update(password=hashed)
    intake = Portfolio.objects.create(name="Load staff intake", seller="Load tape seller")

    def ids(qs):
        return list(qs.values_list("pk", flat=True))

    plan = {"investors": [], "staff": []}
    for inv in investors:
        pks = [p.pk for p in inv["portfolios"]]
        plan["investors"].append({
            "email": inv["user"].email,
            "marker": inv["marker"],
            "portfolios": pks,
            "loans": ids(Loan.objects.filter(portfolio__in=pks)),
            "deficiencies": ids(Deficiency.objects.filter(loan__portfolio__in=pks)),
        })  # fmt: skip
    every = {
        "portfolios": ids(Portfolio.objects.exclude(pk=intake.pk)),
        "loans": ids(Loan.objects.all()),
        "deficiencies": ids(Deficiency.objects.all()),
        "intake": intake.pk,
    }
    for user in staff_users:
        plan["staff"].append({"email": user.email, **every})
    plan["counts"] = {
        "investors": len(investors),
        "staff": len(staff_users),
        "portfolios": Portfolio.objects.count(),
        "loans": Loan.objects.count(),
        "deficiencies": Deficiency.objects.count(),
    }
    return plan


def _cookies(headers) -> dict[str, str]:
    out = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            out[key.strip()] = rest.split(";", 1)[0]
    return out


def log_in(port: int, email: str, password: str) -> str:
    """Log in through the login form, as a browser does; returns the session cookie."""
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/accounts/login/")
        resp = conn.getresponse()
        page = resp.read().decode()
        csrf = _cookies(resp.getheaders())["csrftoken"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
        conn.request("POST", "/accounts/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        })  # fmt: skip
        resp = conn.getresponse()
        resp.read()
        session = _cookies(resp.getheaders()).get("sessionid")
        if resp.status != 302 or not session:
            raise RuntimeError(f"log-in of {email} failed: HTTP {resp.status}")
        # Warm the user's first page (their totals, the process's templates) once.
        conn.request("GET", "/", headers={"Cookie": f"sessionid={session}"})
        conn.getresponse().read()
        return session
    finally:
        conn.close()
