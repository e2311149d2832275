"""bench/load.py's figures and verdict: what decides pass or fail (the leak check on
investor pages, the goals), and what is read from locust's and gunicorn's output and
reported. Plain functions, no Django and no locust: tests/bench/test_load.py tests them,
and bench/load_users.py runs the leak check inside locust."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

GOAL_RATIO = 0.40
# Failures this many seconds after a chaos event are counted against it.
CHAOS_WINDOW_S = 10.0

# An investor's marker: in every portfolio name and loan number of theirs, nowhere else.
# Matched as a whole word, so a random token (a CSRF token, a CSP nonce) that happens to
# contain the letters is not taken for one.
MARKER_RE = re.compile(r"LX\d{3}Q(?![A-Za-z0-9])")


def marker(index: int) -> str:
    return f"LX{index:03d}Q"


# --- What decides pass or fail (tests/bench/test_load.py) --------------------------------


def leaked_markers(text: str, own: str) -> set[str]:
    """Markers in a response that are not the user's own: another investor's data."""
    # The character before is checked here, not by a look-behind in the pattern: the
    # pattern then starts with a literal, which the regex engine finds fast (3x faster).
    return {
        m.group()
        for m in MARKER_RE.finditer(text)
        if m.group() != own and not (m.start() and text[m.start() - 1].isalnum())
    }


def check_investor_page(text: str, own: str, *, expect_own: bool) -> str | None:
    """Why an investor's page is wrong (another user's data, or not their own), else None."""
    leaked = leaked_markers(text, own)
    if leaked:
        return "leak: " + ",".join(sorted(leaked))
    if expect_own and own not in text:
        return f"own data missing ({own})"
    return None


def read_stats(path: Path) -> dict[str, dict]:
    """locust's <prefix>_stats.csv: per request name, the count, failures, rate and
    percentiles (ms); the "Aggregated" row is all of them."""
    pages = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            count = int(row["Request Count"])
            failures = int(row["Failure Count"])
            pages[row["Name"]] = {
                "requests": count,
                "failures": failures,
                "error_rate": round(failures / count, 4) if count else 0.0,
                "rps": round(float(row["Requests/s"]), 1),
                "avg_ms": round(float(row["Average Response Time"]), 1),
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
            }
    return pages


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


# gunicorn's access log, with the page's name (locust sends it as X-Load-Page) and the time
# the worker spent on the request in microseconds: the server's side of each request, with
# no time waiting in the queue (unlike the response times locust sees).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%({x-load-page}i)s" %(D)s'
ACCESS_LINE = re.compile(r'" (?P<status>\d{3}) \S+ "(?P<page>[^"]*)" (?P<us>\d+)$')


def server_times(log_text: str, keep=lambda page: True) -> dict[str, dict]:
    """Per page (those `keep` keeps), the server's time on it (gunicorn's access log): median
    and mean ms, and its share of the server's time on them all: what dominates its work."""
    spent: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        found = ACCESS_LINE.search(line)
        if found and found["page"] != "-" and keep(found["page"]):
            spent.setdefault(found["page"], []).append(int(found["us"]) / 1000)
    total = sum(sum(v) for v in spent.values()) or 1.0
    out = {}
    for page, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        ordered = sorted(times)
        out[page] = {
            "requests": len(times),
            "median_ms": round(ordered[len(ordered) // 2], 1),
            "mean_ms": round(sum(times) / len(times), 1),
            "share": round(sum(times) / total, 3),
        }
    return out


def cause_of(failure: dict, events: list[dict], window: float = CHAOS_WINDOW_S) -> str:
    """The chaos event a failure followed within `window` seconds (the latest such), else
    "none": a failure the events do not explain."""
    cause = "none"
    for event in sorted(events, key=lambda e: e["t"]):
        if event["t"] <= failure["t"] <= event["t"] + window:
            cause = event["what"]
    return cause


def attribute_failures(
    failures: list[dict], events: list[dict], window: float = CHAOS_WINDOW_S
) -> dict[str, int]:
    """How many failures each chaos event explains, and "none" for the rest."""
    counts = Counter({event["what"]: 0 for event in events})
    counts["none"] = 0
    counts.update(cause_of(f, events, window) for f in failures)
    return dict(counts)


def in_flight(
    failures: list[dict], event: dict, events: list[dict], window: float = CHAOS_WINDOW_S
) -> dict:
    """Of the failures `event` explains: requests already running when it began, requests
    sent after it was complete (`done`: every dropped connection gone), and in between."""
    mine = [f for f in failures if cause_of(f, events, window) == event["what"]]
    running = sum(1 for f in mine if f["started"] < event["t"])
    after = sum(1 for f in mine if f["started"] >= event.get("done", event["t"]))
    return {"in_flight": running, "during": len(mine) - running - after, "started_after": after}


def verdict(*, ratio: float, failures: int, leaks: int, goal: float = GOAL_RATIO) -> dict:
    """The goals of issue 13's load run, each with the figure and whether it is met."""
    return {
        "throughput_ratio": {"value": ratio, "goal": f">= {goal}", "met": ratio >= goal},
        "errors": {"value": failures, "goal": "0", "met": failures == 0},
        "responses_with_another_users_data": {"value": leaks, "goal": "0", "met": leaks == 0},
    }


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- Report --------------------------------------------------------------------------------


def report(result: dict) -> str:
    """The Markdown tables for docs/PERFORMANCE.md."""
    m = result["mixed"]["pages"]
    server = {**result["server"], **result["server_healthz"]}
    lines = [
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | server ms, median "
        "(mean) | share of server time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(label, p, name):
        s = server.get(name)
        on_server = f"{s['median_ms']:g} ({s['mean_ms']:g})" if s else ""
        share = f"{s['share']:.0%}" if s and name != "/healthz" else ""
        lines.append(
            f"| {label} | {p['requests']:,} | {p['rps']} | {p['p50_ms']:g} | {p['p95_ms']:g} | "
            f"{p['p99_ms']:g} | {p['failures']} ({p['error_rate']:.2%}) | {on_server} | {share} |"
        )

    for name, p in sorted(m.items(), key=lambda kv: (kv[0] == "Aggregated", kv[0])):
        row("**all mixed traffic**" if name == "Aggregated" else name, p, name)
    for phase in ("before", "after"):
        row(f"/healthz ({phase} the mixed phase)",
            result[f"healthz_{phase}"]["pages"]["Aggregated"], "/healthz")  # fmt: skip
    v = result["verdict"]
    lines += [
        "",
        f"Mixed throughput {m['Aggregated']['rps']} req/s against {result['healthz_rps']} for "
        f"/healthz (mean of the two phases): **{v['throughput_ratio']['value']:.0%}** "
        f"(goal at least {GOAL_RATIO:.0%}); p95 {m['Aggregated']['p95_ms']:g} ms against "
        f"{result['healthz_before']['pages']['Aggregated']['p95_ms']:g} ms.",
    ]
    cpu = {phase: result[phase]["cpu_ms_per_request"] for phase in
           ("healthz_before", "mixed", "healthz_after")}  # fmt: skip
    lines.append(
        "CPU ms per request (gunicorn / PostgreSQL / locust): "
        + "; ".join(f"{phase} {c['gunicorn']} / {c['postgres']} / {c['locust']}"
                    for phase, c in cpu.items()) + "."
    )  # fmt: skip
    for event in result["chaos"]:
        split = result["failures_by_event"][event["what"]]
        lines.append(
            f"{event['what']}: {result['failures_by_cause'][event['what']]} failed requests "
            f"({split['in_flight']} already running, {split['during']} sent while it "
            f"happened, {split['started_after']} sent after it was complete)."
        )
    lines += [
        f"Failures no event explains: {result['failures_by_cause'].get('none', 0)}. "
        f"db_worker processes alive after the mixed phase: {result['workers_alive_after_mixed']}. "
        f"Tape imports: {result['imports']}. Responses with another investor's data: "
        f"{v['responses_with_another_users_data']['value']}.",
    ]
    return "\n".join(lines)
