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
              f"{page['bare_median_ms']} ms | {page['ratio_median']}x | at most 2x |")  # fmt: skip
        print(f"| portfolio page, p95 | {page['ours_p95_ms']} ms | {page['bare_p95_ms']} ms | | |")
        print(
            f"| portfolio page, first view after a change (cold totals) | {page['ours_cold_ms']} ms | | | |"
        )
        print(
            f"| SQL queries per page view | {page['ours_queries']} | {page['bare_queries']} | | constant |"
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


if __name__ == "__main__":
    main()
