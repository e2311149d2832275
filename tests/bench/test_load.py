"""bench/load.py's pass/fail (bench/load_checks.py): the leak check on investor pages, locust's figures as read,
failures counted against the chaos event they followed, and the verdict on the goals."""

from bench.load_checks import (
    MARKER_RE,
    attribute_failures,
    check_investor_page,
    in_flight,
    leaked_markers,
    marker,
    read_stats,
    server_times,
    verdict,
)

OWN, OTHER = marker(3), marker(7)


def test_every_investor_has_a_marker_of_their_own():
    marks = [marker(i) for i in range(1000)]
    assert len(set(marks)) == 1000
    assert all(MARKER_RE.fullmatch(m) for m in marks)


def test_another_investors_loan_number_on_a_page_is_a_leak():
    page = f"<td>{OWN}-A0001</td><td><a href='/portfolios/loans/9/'>{OTHER}-B0004</a></td>"
    assert leaked_markers(page, OWN) == {OTHER}
    assert check_investor_page(page, OWN, expect_own=True) == f"leak: {OTHER}"


def test_another_investors_portfolio_name_is_a_leak_even_on_a_page_without_own_data():
    page = f"<h1>Deadlines</h1><option>{OTHER} Pool A</option>"
    assert check_investor_page(page, OWN, expect_own=False) == f"leak: {OTHER}"


def test_own_data_is_no_leak():
    page = f"<h1>{OWN} Pool A</h1><td>{OWN}-A0001</td>"
    assert leaked_markers(page, OWN) == set()
    assert check_investor_page(page, OWN, expect_own=True) is None


def test_a_marker_inside_a_random_token_is_not_taken_for_one():
    # A CSRF token or a CSP nonce may hold the letters by chance; a marker stands alone.
    page = f'<input name="csrfmiddlewaretoken" value="x9{OTHER}k2"><script nonce="{OTHER}7">'
    assert leaked_markers(page, OWN) == set()


def test_a_page_that_should_show_own_data_and_does_not_fails():
    login_page = "<form><input name='username'></form>"
    assert check_investor_page(login_page, OWN, expect_own=True) == f"own data missing ({OWN})"
    assert check_investor_page(login_page, OWN, expect_own=False) is None


HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def test_locust_stats_are_read_per_page(tmp_path):
    path = tmp_path / "mixed_stats.csv"
    path.write_text(
        HEADER + "\n"
        "GET,investor: loan,400,2,120,150.5,30,900,20000,20.0,0.1,120,140,160,170,200,250,300,"
        "410,800,900,900\n"
        "GET,investor: home,100,0,60,70.0,20,300,9000,5.0,0.0,60,70,75,80,90,110,150,180,300,"
        "300,300\n"
        ",Aggregated,500,2,100,134.4,20,900,17800,25.0,0.1,100,120,140,150,180,240,290,400,800,"
        "900,900\n"
    )
    pages = read_stats(path)
    loan = pages["investor: loan"]
    assert (loan["requests"], loan["failures"], loan["error_rate"]) == (400, 2, 0.005)
    assert (loan["p50_ms"], loan["p95_ms"], loan["p99_ms"], loan["rps"]) == (120, 250, 410, 20.0)
    assert pages["Aggregated"]["rps"] == 25.0


def test_the_servers_time_per_page_is_read_from_gunicorns_access_log():
    log = "\n".join([
        "[2026-12-01 02:52:50 +0000] [28480] [INFO] Booting worker with pid: 28480",
        '127.0.0.1 [01/Dec/2026:02:53:00] "GET /portfolios/loans/5/ HTTP/1.1" 200 31000 '
        '"investor: loan" 30000',
        '127.0.0.1 [01/Dec/2026:02:53:00] "GET /portfolios/loans/6/ HTTP/1.1" 200 31000 '
        '"investor: loan" 50000',
        '127.0.0.1 [01/Dec/2026:02:53:00] "GET /portfolios/loans/7/ HTTP/1.1" 500 900 '
        '"investor: loan" 40000',
        '127.0.0.1 [01/Dec/2026:02:53:01] "GET / HTTP/1.1" 200 9000 "investor: home" 20000',
        '127.0.0.1 [01/Dec/2026:02:53:01] "GET /healthz HTTP/1.1" 200 2 "/healthz" 1500',
        '127.0.0.1 [01/Dec/2026:02:53:01] "GET /accounts/login/ HTTP/1.1" 200 2 "-" 9000',
    ])  # fmt: skip
    pages = server_times(log, keep=lambda page: page != "/healthz")
    assert list(pages) == ["investor: loan", "investor: home"]  # the page that costs most first
    assert pages["investor: loan"] == {
        "requests": 3, "median_ms": 40.0, "mean_ms": 40.0, "share": round(120 / 140, 3),
    }  # fmt: skip
    assert server_times(log, keep=lambda page: page == "/healthz")["/healthz"]["mean_ms"] == 1.5


def test_failures_are_counted_against_the_event_they_followed():
    events = [{"what": "db_worker killed", "t": 100.0}, {"what": "connections dropped", "t": 200.0}]
    failures = [{"t": t} for t in (50.0, 100.5, 201.0, 203.0, 209.9, 211.0)]
    assert attribute_failures(failures, events, window=10) == {
        "db_worker killed": 1,
        "connections dropped": 3,
        "none": 2,  # before any event, and after the drop's window
    }


def test_a_failure_after_two_close_events_counts_against_the_later():
    events = [
        {"what": "web worker killed", "t": 100.0},
        {"what": "connections dropped", "t": 104.0},
    ]
    counts = attribute_failures([{"t": 105.0}], events, window=10)
    assert counts == {"web worker killed": 0, "connections dropped": 1, "none": 0}


def test_verdict_meets_the_goals_only_at_40_percent_no_errors_and_no_leaks():
    assert all(g["met"] for g in verdict(ratio=0.40, failures=0, leaks=0).values())
    assert not verdict(ratio=0.399, failures=0, leaks=0)["throughput_ratio"]["met"]
    assert not verdict(ratio=0.9, failures=1, leaks=0)["errors"]["met"]
    leaked = verdict(ratio=0.9, failures=0, leaks=1)["responses_with_another_users_data"]
    assert leaked == {"value": 1, "goal": "0", "met": False}


def test_failures_after_a_drop_are_split_by_when_their_request_was_sent():
    kill = {"what": "db_worker killed", "t": 190.0, "done": 191.0}
    drop = {"what": "connections dropped", "t": 200.0, "done": 200.4}
    failures = [
        {"t": 200.5, "started": 199.0},  # running when the connections were dropped
        {"t": 200.6, "started": 200.2},  # sent while the backends were being terminated
        {"t": 201.0, "started": 200.5},  # sent afterwards: found its kept connection dead
        {"t": 195.0, "started": 194.0},  # the kill's, though within the drop's window
        {"t": 230.0, "started": 229.0},  # long after: not this event's
    ]
    split = in_flight(failures, drop, [kill, drop], window=10)
    assert split == {"in_flight": 1, "during": 1, "started_after": 1}
    assert in_flight(failures, kill, [kill, drop], window=10)["started_after"] == 1
