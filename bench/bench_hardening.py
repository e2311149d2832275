"""Security and robustness (issue 8): the attacks of its review, measured against the
normal case of the same run.

1. Zip bomb: a workbook whose sharedStrings.xml expands to ~1 GB, read through the path
   an upload takes (open_tape, then check_tape), against a normal 1,000-row workbook.
2. Oversized tape: 1,000,000 duplicate rows (refused), and the staff pages listing an
   import whose stored report holds the cap, against the same pages with a clean import.
3. Redline: the worst versions the caps allow, and the old 40 kB case passed straight to
   `redline.compare`, against two realistic versions; and the attorney's review page.
4. Password reset: POST /accounts/password_reset/ for a known and an unknown address.

Parts 1 and 2's refusals run each in a fresh process (so peak memory is their own); the
rest runs in this process on a fresh SQLite database.

    .venv/bin/python bench/bench_hardening.py [--page-requests 45] [--resets 200]
"""

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

MB = 1024 * 1024
TAPE_HEADER = ["Loan Number", "Borrower Name", "UPB", "Note Rate", "Paid To Date"]


# --- Workbooks ---------------------------------------------------------------------------


def _template() -> bytes:
    """A real two-row workbook written by openpyxl: the parts the others are built on."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(TAPE_HEADER)
    ws.append(["B-000001", "Jordan Example", 250000, 5.5, "2024-01-01"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_normal(path: Path, rows: int = 1000) -> None:
    """A normal tape: 1,000 loans, the 25 columns of bench_import's generated tape."""
    import csv

    import openpyxl

    from bench.bench_import import write_tape

    csv_path = path.with_suffix(".csv")
    write_tape(csv_path, rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    with csv_path.open(newline="") as f:
        for row in csv.reader(f):
            ws.append(row)
    wb.save(path)


NS = b"http://schemas.openxmlformats.org/"


def _workbook(path: Path, strings, sheet=None) -> None:
    """The template workbook with a shared-strings part and (if given) another sheet, each
    streamed by `strings(f)` and `sheet(f)` into its deflated zip member, so that building
    a large one never holds it in memory."""
    with zipfile.ZipFile(io.BytesIO(_template())) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.'
                    b'spreadsheetml.sharedStrings+xml" /></Types>')  # fmt: skip
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="'
                    + NS + b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml" /></Relationships>')  # fmt: skip
            elif item.filename == "xl/worksheets/sheet1.xml" and sheet:
                continue
            dst.writestr(item, data, zipfile.ZIP_DEFLATED)
        parts = [("xl/sharedStrings.xml", strings)] + (
            [("xl/worksheets/sheet1.xml", sheet)] if sheet else []
        )
        for name, writer in parts:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(info, "w", force_zip64=True) as f:
                writer(f)


def write_bomb(path: Path, expand_to: int = 1024 * MB) -> None:
    """One shared string of `expand_to` bytes: openpyxl reads a workbook's shared strings
    whole when it opens it."""

    def strings(f):
        f.write(b'<sst xmlns="' + NS + b'spreadsheetml/2006/main" count="1" uniqueCount="1">')
        f.write(b"<si><t>")
        chunk = b"A" * MB
        for _ in range(expand_to // MB):
            f.write(chunk)
        f.write(b"</t></si></sst>")

    _workbook(path, strings)


def write_long(path: Path, rows: int, noise: bool) -> None:
    """`rows` copies of one loan (every row after the first a duplicate): cells hold shared
    strings and numbers, with no cell references, as compact as the review's 0.44 MB file.
    `noise`: a 'Memo' column of 4 random hex digits a row, so that the sheet compresses
    about 50:1, under the zip check's 100:1, and the rows are read."""
    rng = random.Random(8)
    header = TAPE_HEADER + (["Memo"] if noise else [])
    values = ["D-000001", "Dup Example", "2024-01-01"]
    table = header + values

    def strings(f):
        items = "".join(f"<si><t>{t}</t></si>" for t in table)
        f.write(f'<sst xmlns="{NS.decode()}spreadsheetml/2006/main">{items}</sst>'.encode())

    def sheet(f):
        f.write(b'<worksheet xmlns="' + NS + b'spreadsheetml/2006/main"><sheetData>')
        cells = "".join(f'<c t="s"><v>{i}</v></c>' for i in range(len(header)))
        f.write(f"<row>{cells}</row>".encode())
        first = len(header)
        row = (f'<row><c t="s"><v>{first}</v></c><c t="s"><v>{first + 1}</v></c>'
               f'<c><v>250000</v></c><c><v>5.5</v></c><c t="s"><v>{first + 2}</v></c>')  # fmt: skip
        batch = []
        for _ in range(rows):
            memo = (
                f'<c t="inlineStr"><is><t>{rng.getrandbits(16):04x}</t></is></c>' if noise else ""
            )
            batch.append(f"{row}{memo}</row>")
            if len(batch) == 10_000:
                f.write("".join(batch).encode())
                batch = []
        f.write("".join(batch).encode())
        f.write(b"</sheetData></worksheet>")

    _workbook(path, strings, sheet)


def write_empty_rows(path: Path, rows: int) -> None:
    """A header and `rows` empty rows (`<row/>` or `<row />` at random, so the sheet
    compresses about 27:1, under the zip check's 100:1), and no <dimension> element."""
    rng = random.Random(3)

    def strings(f):
        f.write(
            b'<sst xmlns="' + NS + b'spreadsheetml/2006/main"><si><t>Loan Number</t></si></sst>'
        )

    def sheet(f):
        f.write(b'<worksheet xmlns="' + NS + b'spreadsheetml/2006/main"><sheetData>')
        f.write(b'<row><c t="s"><v>0</v></c></row>')
        forms = [b"<row/>", b"<row />"]
        for _ in range(rows // 10_000):
            f.write(b"".join(forms[rng.getrandbits(1)] for _ in range(10_000)))
        f.write(b"</sheetData></worksheet>")

    _workbook(path, strings, sheet)


def zip_facts(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        biggest = max(z.infolist(), key=lambda i: i.file_size)
    return {
        "file_mb": round(path.stat().st_size / MB, 2),
        "largest_part": biggest.filename,
        "largest_part_mb": round(biggest.file_size / MB, 1),
        "largest_part_ratio": round(biggest.file_size / max(biggest.compress_size, 1)),
    }


# --- One read of a tape in a fresh process (parts 1 and 2) -------------------------------


def _rss_mb() -> float:
    import resource

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / MB


def child_read(tape: str) -> None:
    """Open the tape and check every row as an upload and its import do; print JSON with the
    time, the outcome and the peak resident memory above the memory before the read."""
    import gc
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noteinvest.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/unused.sqlite3")
    import django

    django.setup()
    import openpyxl  # noqa: F401  (loaded before the baseline, as in a running server)
    from django.utils import timezone

    from portfolios.tape.columns import auto_map
    from portfolios.tape.importer import check_tape
    from portfolios.tape.readers import TapeFileError, open_tape

    data = Path(tape).read_bytes()
    gc.collect()
    before = _rss_mb()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak, done = [before], threading.Event()

    def sample():  # ru_maxrss misses a peak lower than the process's earlier one
        while not done.wait(0.002):
            peak.append(_rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    opened_s = None
    try:
        t = open_tape(Path(tape).name, data)
        opened_s = time.perf_counter() - start
        result = check_tape(
            t, auto_map(t.headers), today=timezone.localdate(), default_day_count="30/360"
        )
        outcome = f"read {result.row_count:,} rows, {result.problem_count:,} problems"
        refused = False
    except TapeFileError as exc:
        outcome, refused = str(exc), True
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    growth = max(peak) - before
    if maxrss_after > maxrss_before:
        growth = max(growth, maxrss_after - before)
    print(json.dumps({
        "seconds": seconds, "open_seconds": opened_s, "refused": refused,
        "refused_at_open": refused and opened_s is None, "outcome": outcome,
        "growth_mb": growth, "rss_before_mb": before,
    }))  # fmt: skip


def read_in_child(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child-read", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def tapes(tmp: Path, repeat: int) -> dict:
    """Each workbook read in fresh processes, alternating; the slow ones (tens of seconds
    a read) once."""
    files = {
        "normal": (tmp / "normal-1000.xlsx", write_normal, repeat),
        "bomb": (tmp / "bomb.xlsx", write_bomb, repeat),
        "million_compact": (
            tmp / "million.xlsx",
            lambda p: write_long(p, 1_000_000, noise=False),
            repeat,
        ),
        "million_memo": (
            tmp / "million-memo.xlsx",
            lambda p: write_long(p, 1_000_000, noise=True),
            1,
        ),
        "empty_rows": (tmp / "empty-rows.xlsx", lambda p: write_empty_rows(p, 4_000_000), 1),
    }
    t = time.perf_counter()
    for path, write, _ in files.values():
        write(path)
    print(f"workbooks built in {time.perf_counter() - t:.1f} s", flush=True)
    runs = {name: [] for name in files}
    for n in range(repeat):
        for name, (path, _, times) in files.items():
            if n < times:
                runs[name].append(read_in_child(path))
    out = {}
    for name, rs in runs.items():
        out[name] = {
            **zip_facts(files[name][0]),
            "median_ms": round(statistics.median(r["seconds"] for r in rs) * 1000, 1),
            "open_median_ms": round(
                statistics.median(r["open_seconds"] or r["seconds"] for r in rs) * 1000, 1
            ),
            "growth_mb_max": round(max(r["growth_mb"] for r in rs), 1),
            "rss_before_mb": round(statistics.median(r["rss_before_mb"] for r in rs), 1),
            "refused": all(r["refused"] for r in rs),
            "refused_at_open": all(r["refused_at_open"] for r in rs),
            "outcome": rs[0]["outcome"],
            "runs": len(rs),
        }
        print(name, json.dumps(out[name]), flush=True)
    normal = out["normal"]["median_ms"]
    for name in files:
        out[name]["time_ratio"] = round(out[name]["median_ms"] / normal, 3)
    return out


# --- In-process parts: pages, redline, password reset -------------------------------------


def _timed_get(client, url, n, check=200):
    """n timed GETs of `url`, after one that counts its SQL queries."""
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # Not CaptureQueriesContext: the connection closes after each request (CONN_MAX_AGE 0)
    # and reopens with an empty query log.
    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == check, (url, response.status_code)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - t)
    return samples, len(queries)


def _people():
    from accounts.models import User
    from accounts.roles import assign_role
    from noteinvest.access import Role

    staff = User.objects.create_user("staff-bench@example.com", "x-bench-pass-1")
    assign_role(staff, Role.STAFF)
    attorney = User.objects.create_user("attorney-bench@example.com", "x-bench-pass-1")
    assign_role(attorney, Role.ATTORNEY)
    return staff, attorney


def import_pages(staff, requests: int) -> dict:
    """Home, the import page, the status poll and the import's own page with five stored
    imports: four rejected ones whose reports hold the cap (1,000 problems, counts for
    999,999) and a small running one ("report"); four clean ones and a running one holding
    a 20 MB upload ("upload"); against four clean ones and a small running one ("clean")."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from portfolios.models import Portfolio, TapeImport, TapeUpload
    from portfolios.tape.importer import MAX_PROBLEMS
    from portfolios.tape.readers import MAX_BYTES

    portfolio = Portfolio.objects.create(name="Imports")
    problems = [
        {"row": r, "column": "Loan Number", "value": "D-000001",
         "message": "Loan Number is a duplicate of row 2"}
        for r in range(3, 3 + MAX_PROBLEMS)
    ]  # fmt: skip
    # Five each (the home page lists the five newest imports), under the same ids: the pages'
    # URLs are the same for both sets, and only one set is stored at a time.
    capped = dict(
        size=440_000,
        status="rejected",
        problems=problems,
        problem_count=999_999,
        rows_total=1_000_000,
        rows_done=1_000_000,
        problem_kinds=[["Loan Number is a duplicate of an earlier row", 999_999]],
    )
    done = dict(size=10_000, status="succeeded", created=1000, rows_total=1000, rows_done=1000)
    running = dict(
        size=10_000,
        content=os.urandom(10_000),
        status="running",
        rows_total=1000,
        rows_done=250,
        progress=20,
    )
    big_upload = dict(running, size=MAX_BYTES, content=os.urandom(MAX_BYTES))
    sets = {
        "clean": [done] * 4 + [running],
        "report": [capped] * 4 + [running],  # four reports at the cap
        "upload": [done] * 4 + [big_upload],  # a running import holding a 20 MB upload
    }  # fmt: skip

    # Ids of our own, past any import already stored (with DATABASE_URL set, the database
    # may not be a fresh one): only this portfolio's imports are ever deleted.
    first = (TapeImport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def store(which):
        TapeImport.objects.filter(portfolio=portfolio).delete()  # and their files
        for pk, fields in enumerate(sets[which], first):
            fields = dict(fields)
            content = fields.pop("content", None)
            job = TapeImport.objects.create(
                pk=pk, portfolio=portfolio, created_by=staff, filename="tape.xlsx",
                kind="xlsx", sha256="0" * 64, default_day_count="30/360",
                headers=TAPE_HEADER, mapping={"loan_number": "Loan Number"},
                heartbeat_at=timezone.now(), **fields,
            )  # fmt: skip
            if content is not None:  # stored as an upload stores it (services.start_tape_import)
                TapeUpload.objects.create(tape_import=job, content=content)

    client = Client()
    client.force_login(staff)
    pages = {
        "home": reverse("home"),
        "import_page": reverse("portfolios:import_start", args=[portfolio.pk]),
        "status_done": reverse("portfolios:import_status", args=[first]),
        "status_running": reverse("portfolios:import_status", args=[first + 4]),
        "import_detail": reverse("portfolios:import_detail", args=[first]),
    }
    out = {}
    for page, url in pages.items():
        samples = {which: [] for which in sets}
        queries = {}
        for _ in range(max(1, requests // 3)):  # blocks of 3, in turn: the machine drifts
            for which in sets:
                store(which)
                s, queries[which] = _timed_get(client, url, 3)
                samples[which] += s
        med = {which: statistics.median(samples[which]) for which in sets}
        out[page] = {
            **{f"{which}_median_ms": round(med[which] * 1000, 2) for which in sets},
            "report_ratio": round(med["report"] / med["clean"], 2),
            "upload_ratio": round(med["upload"] / med["clean"], 2),
            **{f"{which}_queries": queries[which] for which in sets},
            "n": len(samples["clean"]),
        }
        print(page, json.dumps(out[page]), flush=True)
    return out


# --- Redline -------------------------------------------------------------------------------

WORDS = ["the", "holder", "borrower", "wire", "account", "bank", "routing", "number", "to", "of",
         "and", "amount", "funds"]  # fmt: skip


def _prose(length: int, seed: int) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < length:
        out.append(rng.choice(WORDS))
        size += len(out[-1]) + 1
    return " ".join(out)[:length]


def _agreement(staff, attorney, n: int, first: dict, second: dict):
    """A DPO in review at its second version: `first` and `second` set the draft's fields
    (and its installments) of versions 1 and 2, through the services that check the caps."""
    from django.utils import timezone

    from portfolios.models import Borrower, Loan, Portfolio
    from settlements import services
    from settlements.models import Installment

    today = timezone.localdate()
    portfolio = Portfolio.objects.create(
        name=f"Redline {n}", holder_legal_name="Bench Note Fund I, LLC",
        holder_address="1 Bench Way, Suite 100, Albany, NY 12207",
    )  # fmt: skip
    loan = Loan.objects.create(
        portfolio=portfolio, loan_number=f"RL-{n:04d}", property_state="NY",
        property_address="12 Oak St", property_city="Albany", property_zip="12203",
        upb=Decimal("412345.67"), note_rate=Decimal("6.375"),
        paid_to_date=today - timedelta(days=400), day_count="30/360",
        original_balance=Decimal("450000.00"),
    )  # fmt: skip
    Borrower.objects.create(loan=loan, position=1, name="Jordan A. Example",
                            mailing_address="12 Oak St, Albany, NY 12203")  # fmt: skip
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)

    class Same:  # the form save_terms expects: the draft, its fields already set
        instance = agreement

        def save(self, commit=True):
            return agreement

    def apply(fields):
        fields = dict(fields)
        installments = fields.pop("installments", [])
        for k, value in fields.items():
            setattr(agreement, k, value)
        agreement.save()
        agreement.installments.all().delete()
        for i, amount in enumerate(installments, 1):
            Installment.objects.create(
                agreement=agreement, due_on=today + timedelta(days=30 * i), amount=amount
            )
        services.save_terms(form=Same(), expected_version=agreement.version, by=staff)
        agreement.refresh_from_db()

    apply(first)
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    agreement.refresh_from_db()
    services.request_changes(agreement=agreement, note="See the changes.", by=attorney)
    agreement.refresh_from_db()
    apply(second)
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    agreement.refresh_from_db()
    v1, v2 = agreement.versions.order_by("number")
    return agreement, v1.text, v2.text


def redline_cases(staff, attorney) -> dict:
    from settlements.limits import (
        MAX_HOLDER_ADDRESS,
        MAX_INSTALLMENTS,
        MAX_INSTRUCTIONS,
    )

    base = {
        "settlement_amount": Decimal("240000.00"), "payment_method": "wire",
        "payment_instructions": "to the account named in the Holder's signed wire letter",
    }  # fmt: skip
    realistic = (base, {**base, "settlement_amount": Decimal("245000.00")})

    def at_caps(seed):
        # Every free-text field at its cap (line breaks every ~70 characters where they are
        # allowed: many paragraphs), 120 installments, every figure different between versions.
        def lines(length, s):
            text = _prose(length, s)
            return "\n".join(text[i : i + 70] for i in range(0, len(text), 70))[:length]

        installments = [Decimal(1000 + seed + i) for i in range(MAX_INSTALLMENTS)]
        return {
            "holder_name": _prose(200, seed),
            "holder_address": lines(MAX_HOLDER_ADDRESS, seed + 1),
            "payment_instructions": lines(MAX_INSTRUCTIONS, seed + 2),
            "settlement_amount": sum(installments),
            "payment_method": "wire",
            "lien_release_days": 30 + seed,
            "cure_days": 10 + seed,
            "lump_sum_due": None,
            "installments": installments,
        }

    # Adversarial: a line of 999 characters of one-letter words in the payment instructions,
    # "a a a ..." against "b b b ...": 999 x 999 token comparisons, just under the budget.
    def single_letters(letter):
        words = " ".join([letter] * 500)
        return {**base, "payment_instructions": f"Note:\n{words}\nEnd"}

    cases = {
        "realistic": realistic,
        "caps_prose": (at_caps(1), at_caps(2)),
        "caps_one_letter_words": (single_letters("a"), single_letters("b")),
    }
    built = {}
    for n, (name, (first, second)) in enumerate(cases.items(), 1):
        built[name] = _agreement(staff, attorney, n, first, second)
    return built


def _forty_kb_texts(realistic_old: str, realistic_new: str) -> tuple[str, str]:
    """The review's old case: 40 kB of payment instructions changed, in an agreement's text."""
    old_p, new_p = _prose(40_000, 1), _prose(40_000, 2)
    return f"{realistic_old}\n{old_p}\n", f"{realistic_new}\n{new_p}\n"


def redline_bench(staff, attorney, reps_fast: int, reps_slow: int) -> dict:
    from django.test import Client

    from settlements.redline import compare

    built = redline_cases(staff, attorney)
    texts = {name: (old, new) for name, (_, old, new) in built.items()}
    texts["old_40kb"] = _forty_kb_texts(*texts["realistic"])
    out = {"compare": {}, "page": {}}
    base_samples = []

    def run(old, new, reps):
        samples, last = [], None
        for _ in range(reps):
            t = time.perf_counter()
            last = compare(old, new)
            samples.append(time.perf_counter() - t)
        return samples, last

    for name, (old, new) in texts.items():
        slow = name == "caps_one_letter_words"
        s, last = run(old, new, reps_slow if slow else reps_fast)
        b, _ = run(*texts["realistic"], reps_fast)  # the baseline, around each case
        base_samples += b
        out["compare"][name] = {
            "median_ms": round(statistics.median(s) * 1000, 2),
            "max_ms": round(max(s) * 1000, 2),
            "text_chars": [len(old), len(new)],
            "paragraphs": len(last.paragraphs),
            "shown_whole": last.shown_whole,
            "n": len(s),
        }
    base = statistics.median(base_samples)
    out["compare_baseline_ms"] = round(base * 1000, 3)
    for name, r in out["compare"].items():
        r["ratio"] = round(r["median_ms"] / 1000 / base, 1)
        print("compare", name, json.dumps(r), flush=True)

    client = Client()
    client.force_login(attorney)
    page_base = []
    for name, (agreement, _, _) in built.items():
        if name == "realistic":
            continue
        slow = name == "caps_one_letter_words"
        s, q = _timed_get(client, agreement.get_absolute_url(), reps_slow if slow else reps_fast)
        b, bq = _timed_get(client, built["realistic"][0].get_absolute_url(), reps_fast)
        page_base += b
        out["page"][name] = {"median_ms": round(statistics.median(s) * 1000, 1), "queries": q,
                             "n": len(s)}  # fmt: skip
        out["page_baseline_queries"] = bq
    pb = statistics.median(page_base)
    out["page_baseline_ms"] = round(pb * 1000, 1)
    for name, r in out["page"].items():
        r["ratio"] = round(r["median_ms"] / 1000 / pb, 1)
        print("review page", name, json.dumps(r), flush=True)
    return out


# --- Password reset ------------------------------------------------------------------------


def reset_bench(staff, requests: int) -> dict:
    """POST /accounts/password_reset/ for an address with an account and one without.

    The lookup-and-mail job is queued by the request; here it is collected rather than
    started on a thread, and run after the timed request (it must mail the known address
    only). The throttle's counters are cleared before each request, so every request takes
    the allowed path."""
    from django.core import mail
    from django.core.cache import cache
    from django.test import Client

    from accounts import reset

    jobs = []
    mail.outbox = []
    real = reset.in_background
    reset.in_background = lambda task, *args, **kwargs: jobs.append(
        lambda: task.call(*args, **kwargs)
    )
    client = Client()
    url = "/accounts/password_reset/"
    addresses = {"known": staff.email, "unknown": "nobody-here@example.com"}
    samples = {"known": [], "unknown": []}
    mails = {"known": 0, "unknown": 0}
    try:
        for i in range(requests + 5):
            for which in ("known", "unknown") if i % 2 else ("unknown", "known"):
                cache.clear()
                jobs.clear()
                t = time.perf_counter()
                response = client.post(url, {"email": addresses[which]})
                elapsed = time.perf_counter() - t
                assert response.status_code == 302, response.status_code
                assert len(jobs) == 1
                sent = len(mail.outbox)
                jobs[0]()  # after the response, as the worker would
                mails[which] += len(mail.outbox) - sent
                if i >= 5:  # warm-up
                    samples[which].append(elapsed)
    finally:
        reset.in_background = real
    k, u = statistics.median(samples["known"]), statistics.median(samples["unknown"])
    out = {
        "known_median_ms": round(k * 1000, 2),
        "unknown_median_ms": round(u * 1000, 2),
        "ratio": round(k / u, 2),
        "known_p95_ms": round(
            sorted(samples["known"])[int(0.95 * len(samples["known"]))] * 1000, 2
        ),
        "unknown_p95_ms": round(
            sorted(samples["unknown"])[int(0.95 * len(samples["unknown"]))] * 1000, 2
        ),
        "mails_known": mails["known"],
        "mails_unknown": mails["unknown"],
        "n": requests,
    }
    print("reset", json.dumps(out), flush=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process reads per workbook")
    parser.add_argument("--page-requests", type=int, default=45)
    parser.add_argument("--redline-reps", type=int, default=20)
    parser.add_argument("--slow-reps", type=int, default=3, help="for the slowest redline case")
    parser.add_argument("--resets", type=int, default=200)
    parser.add_argument("--only", help="comma-separated parts: tapes,pages,redline,reset")
    parser.add_argument("--child-read", metavar="TAPE")
    args = parser.parse_args()
    if args.child_read:
        child_read(args.child_read)
        return
    parts = set((args.only or "tapes,pages,redline,reset").split(","))
    started = time.perf_counter()
    report = {}
    if "tapes" in parts:
        tmp = Path(tempfile.mkdtemp(prefix="noteinvest-hardening-"))
        report["tapes"] = tapes(tmp, args.repeat)
        for path in tmp.glob("*.*"):
            path.unlink()
        tmp.rmdir()

    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    from bench.common import setup_django

    setup_django("hardening.sqlite3")
    from django.conf import settings

    settings.DEBUG = False
    staff, attorney = _people()
    if "pages" in parts:
        report["pages"] = import_pages(staff, args.page_requests)
    if "redline" in parts:
        report["redline"] = redline_bench(staff, attorney, args.redline_reps, args.slow_reps)
    if "reset" in parts:
        report["reset"] = reset_bench(staff, args.resets)
    report["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    if args.only:  # a partial run leaves the last full one's results in place
        return
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "hardening.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
