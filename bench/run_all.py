"""Run every bench script and print the figures as Markdown for docs/PERFORMANCE.md.

make bench        (or .venv/bin/python bench/run_all.py)
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_import.py",
    "bench_portfolio_page.py",
    "bench_deficiency_pages.py",
    "bench_pdf.py",
    "bench_hardening.py",
]


def main():
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True)
    results = {p.stem: json.loads(p.read_text()) for p in (HERE / "results").glob("*.json")}
    imp, page = results.get("import"), results.get("portfolio_page")
    dpages = results.get("deficiency_pages")
    print("\n| figure | ours | baseline (same run) | ratio | goal |\n|---|---|---|---|---|")
    if imp:
        print(f"| import of {imp['rows']:,} rows, median time | {imp['ours_median_s']} s | "
              f"{imp['baseline_median_s']} s | {imp['time_ratio']}x | at most 3x |")  # fmt: skip
        print(f"| import, peak resident memory | {imp['ours_peak_rss_mb']} MB | "
              f"{imp['baseline_peak_rss_mb']} MB | | under 200 MB |")  # fmt: skip
    if page:
        print(f"| portfolio page, {page['loans']:,} loans, median | {page['ours_median_ms']} ms | "
              f"{page['bare_median_ms']} ms | {page['ratio_median']}x | at most 1.3x |")  # fmt: skip
        print(f"| portfolio page, p95 | {page['ours_p95_ms']} ms | {page['bare_p95_ms']} ms | | |")
        print(
            f"| portfolio page, first view (queues the totals) | {page['ours_first_view_ms']} ms | | | |"
        )
        print(
            f"| SQL queries per page view ({page['cache']}: {page['ours_cache_queries']} of them) | "
            f"{page['ours_queries']} | {page['bare_queries']} | | constant |"
        )

    if dpages:
        for name, label in (("summary", "deficiency summary"), ("deadlines", "deadlines page")):
            r = dpages[name]
            print(
                f"| {label}, {dpages['deficiencies']:,} deficiencies, median | "
                f"{r['ours_median_ms']} ms | {r['bare_median_ms']} ms | {r['ratio_median']}x | "
                "at most 2x |"
            )
            print(f"| {label}, SQL queries per view | {r['queries']} | | | constant |")

    pdf = results.get("pdf")
    if pdf:
        rows = [
            (
                f"agreement PDF ({pdf['pages']} pages), median render",
                f"{pdf['render_median_ms']} ms",
                f"{pdf['plain_median_ms']} ms",
                f"{pdf['render_ratio_median']}x",
                "at most 0.9x",
            ),
            (
                "agreement PDF, p95 render",
                f"{pdf['render_p95_ms']} ms",
                f"{pdf['plain_p95_ms']} ms",
                f"{pdf['render_ratio_p95']}x",
                "at most 0.9x",
            ),
            (
                f"memory growth over {pdf['memory_renders']} renders",
                f"{pdf['memory_growth_mb']} MB",
                "",
                "",
                "under 10 MB",
            ),
            (
                "approved PDF download over HTTP, median",
                f"{pdf['http_serve_median_ms']} ms",
                f"{pdf['http_healthz_median_ms']} ms (/healthz)",
                f"{pdf['http_serve_ratio']}x",
                "within 3x",
            ),
            (
                "approved PDF, in-process (no HTTP), median",
                f"{pdf['serve_median_ms']} ms",
                f"{pdf['healthz_median_ms']} ms (/healthz)",
                f"{pdf['serve_ratio']}x",
                "",
            ),
            (
                "200 agreements in one batch",
                f"{pdf['batch_200_s']} s",
                f"{pdf['single_x200_s']} s (200 single renders)",
                f"{pdf['batch_ratio']}x",
                "at most 1.1x",
            ),
        ]
        for row in rows:
            print("| " + " | ".join(row) + " |")

    hard = results.get("hardening")
    if hard:
        for row in hardening_rows(hard):
            print("| " + " | ".join(row) + " |")


def hardening_rows(h: dict) -> list[tuple]:
    """bench_hardening.py's figures (issue 8), each against its same-run baseline."""
    rows = []
    tapes = h.get("tapes")
    if tapes:
        normal = tapes["normal"]
        base_t = f"{normal['median_ms']} ms (normal 1,000-row workbook, read and checked)"
        base_m = f"{normal['growth_mb_max']} MB (normal workbook)"
        cases = (
            ("bomb", "zip bomb", "within a small multiple", "under ~20 MB"),
            ("million_compact", "1,000,000 duplicate rows", "", ""),
            ("million_memo", "1,000,000 duplicate rows + random memo", "", ""),
            ("empty_rows", "4,000,000 empty rows, no <dimension>", "", ""),
        )
        for key, label, goal_t, goal_m in cases:
            t = tapes[key]
            what = (
                f"{label} ({t['file_mb']} MB file, {t['largest_part']} "
                f"{t['largest_part_mb']:,} MB at {t['largest_part_ratio']}:1)"
            )
            where = "at open" if t["refused_at_open"] else "while reading rows"
            refused = f"refused {where}" if t["refused"] else "NOT refused"
            rows.append((f"{what}: time to refuse ({refused})", f"{t['median_ms']} ms",
                         base_t, f"{t['time_ratio']}x", goal_t))  # fmt: skip
            if not t["refused_at_open"]:
                rows.append((f"{label}: of which opening (the upload request)",
                             f"{t['open_median_ms']} ms", "", "", ""))  # fmt: skip
            rows.append((f"{label}: peak resident memory growth", f"{t['growth_mb_max']} MB",
                         base_m, "", goal_m))  # fmt: skip
    pages = h.get("pages")
    if pages:
        labels = {
            "home": "staff home page",
            "import_page": "import page (the portfolio's imports)",
            "status_done": "status poll of a rejected import",
            "status_running": "status poll of the running import",
            "import_detail": "a rejected import's own page (200 problems a page)",
        }
        for key, label in labels.items():
            r = pages[key]
            base = f"{r['clean_median_ms']} ms, {r['clean_queries']} queries (clean imports)"
            rows.append((f"{label}, four reports at the cap, median",
                         f"{r['report_median_ms']} ms, {r['report_queries']} queries", base,
                         f"{r['report_ratio']}x", ""))  # fmt: skip
            rows.append((f"{label}, a running import holding a 20 MB upload, median",
                         f"{r['upload_median_ms']} ms, {r['upload_queries']} queries", base,
                         f"{r['upload_ratio']}x", ""))  # fmt: skip
    red = h.get("redline")
    if red:
        labels = {
            "caps_prose": "redline, every free-text field at its cap, every field changed",
            "caps_one_letter_words": "redline, a 999-character line of one-letter words changed",
            "old_40kb": "redline, the review's 40 kB of changed instructions",
        }
        base = f"{red['compare_baseline_ms']} ms (two realistic versions)"
        for key, label in labels.items():
            r = red["compare"][key]
            whole = f", {r['shown_whole']} of {r['paragraphs']} shown whole"
            rows.append((f"{label}, median{whole}", f"{r['median_ms']} ms", base,
                         f"{r['ratio']}x", "deadline 0.5 s"))  # fmt: skip
        for key, label in labels.items():
            r = red["page"].get(key)
            if r:
                page_label = label.replace("redline", "review page")
                rows.append((f"{page_label}, median", f"{r['median_ms']} ms",
                             f"{red['page_baseline_ms']} ms (realistic versions)",
                             f"{r['ratio']}x", ""))  # fmt: skip
    reset = h.get("reset")
    if reset:
        rows.append(("password reset POST, known address vs unknown, median",
                     f"{reset['known_median_ms']} ms", f"{reset['unknown_median_ms']} ms",
                     f"{reset['ratio']}x", "~1.0x"))  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
