"""The users locust runs for bench/load.py (not run on its own: load.py writes the
LOAD_CONFIG file it reads, with each user's session and the ids of what they may see).

- HealthUser: GET /healthz, the baseline.
- InvestorUser (one per investor): their home page, portfolios, a portfolio (plain, sorted,
  page 2 of none or filtered), a loan, a loan's payoff on another date, the payoff CSV,
  their deficiencies, a deficiency, their deadlines. Every response is scanned for other
  investors' markers (a leak fails the request and is written down), and the pages that
  must show the investor's own data are checked for it.
- StaffUser: home, all portfolios, any portfolio, loan and deficiency, a portfolio's
  deficiencies, deadlines, agreements, and every --import-every seconds a 25-row tape
  through the upload form, whose status it then polls until the background worker is done.

No think time: each user sends its next request when the last one is answered.
"""

import itertools
import json
import os
import random
import re
import sys
import time
from http.cookiejar import Cookie
from pathlib import Path

from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load_checks import check_investor_page  # noqa: E402

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())
PHASE = os.environ.get("LOAD_PHASE", "")
_events = Path(CONFIG["events"]).open("a", buffering=1)  # noqa: SIM115 - for the whole run
_investors = itertools.cycle(CONFIG["investors"])
_staff = itertools.cycle(CONFIG["staff"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAYOFF_DATES = ["2026-12-31", "2027-03-15", "2027-06-30"]


def record(kind: str, **fields) -> None:
    _events.write(json.dumps({"kind": kind, "phase": PHASE, "t": time.time(), **fields}) + "\n")


@events.request.add_listener
def _failure(name, exception, start_time, **kwargs):
    if exception:
        record("failure", name=name, error=str(exception)[:160], started=start_time)


def named(page: str) -> dict:
    """The page's name, for gunicorn's access log (bench/load.py reads the server's time)."""
    return {"X-Load-Page": page}


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False,
                  None, False, None, None, {})  # fmt: skip


class HealthUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz", headers=named("/healthz"))


class _SignedIn(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    who: dict

    def sign_in(self, who: dict) -> None:
        self.who = who
        self.client.cookiejar.set_cookie(_cookie("sessionid", who["session"]))

    def page(self, name: str, url: str, *, expect_own: bool = False):
        """GET a page that must answer 200 (a redirect to the login page is a failure)."""
        with self.client.get(url, name=name, headers=named(name), allow_redirects=False,
                             catch_response=True) as r:  # fmt: skip
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return None
            problem = self.check(r.text or "", expect_own)
            if problem:
                r.failure(problem)
                return None
            return r

    def check(self, text: str, expect_own: bool) -> str | None:
        return None


class InvestorUser(_SignedIn):
    fixed_count = len(CONFIG["investors"])

    def on_start(self):
        self.sign_in(next(_investors))

    def check(self, text, expect_own):
        problem = check_investor_page(text, self.who["marker"], expect_own=expect_own)
        if problem and problem.startswith("leak"):
            record("leak", user=self.who["email"], page=self.current_name, problem=problem)
        return problem

    def get(self, name, url, expect_own=True):
        self.current_name = name
        return self.page(name, url, expect_own=expect_own)

    def _portfolio(self):
        return random.choice(self.who["portfolios"])

    @task(2)
    def home(self):
        self.get("investor: home", "/")

    @task(2)
    def portfolios(self):
        self.get("investor: portfolios", "/portfolios/")

    @task(3)
    def portfolio(self):
        query = random.choice(["", "?sort=-upb", "?state=CA", "?page=2"])
        # Page 2 of a small portfolio answers page 1 (Django's get_page): still theirs.
        self.get("investor: portfolio", f"/portfolios/{self._portfolio()}/{query}")

    @task(4)
    def loan(self):
        self.get("investor: loan", f"/portfolios/loans/{random.choice(self.who['loans'])}/")

    @task(2)
    def payoff(self):
        loan, day = random.choice(self.who["loans"]), random.choice(PAYOFF_DATES)
        self.get("investor: payoff on a date", f"/portfolios/loans/{loan}/?as_of={day}")

    @task(1)
    def payoff_csv(self):
        day = random.choice(PAYOFF_DATES)
        self.get("investor: payoff CSV", f"/portfolios/{self._portfolio()}/payoff.csv?as_of={day}")

    @task(1)
    def deficiencies(self):
        self.get("investor: deficiencies", f"/deficiencies/portfolio/{self.who['portfolios'][0]}/")

    @task(1)
    def deficiency(self):
        if self.who["deficiencies"]:
            pk = random.choice(self.who["deficiencies"])
            self.get("investor: deficiency", f"/deficiencies/{pk}/")

    @task(1)
    def deadlines(self):
        self.get("investor: deadlines", "/deficiencies/deadlines/")


class StaffUser(_SignedIn):
    fixed_count = len(CONFIG["staff"])

    def on_start(self):
        self.sign_in(next(_staff))
        # Imports start spread over the first interval, not all at once.
        self.next_import = time.time() + random.uniform(0, CONFIG["import_every"])
        self.pending: list[int] = []

    @task(2)
    def home(self):
        self.page("staff: home", "/")

    @task(2)
    def portfolios(self):
        self.page("staff: portfolios", "/portfolios/")

    @task(2)
    def portfolio(self):
        self.page("staff: portfolio", f"/portfolios/{random.choice(self.who['portfolios'])}/")

    @task(3)
    def loan(self):
        self.page("staff: loan", f"/portfolios/loans/{random.choice(self.who['loans'])}/")

    @task(2)
    def deficiency(self):
        self.page("staff: deficiency", f"/deficiencies/{random.choice(self.who['deficiencies'])}/")

    @task(1)
    def portfolio_deficiencies(self):
        pk = random.choice(self.who["portfolios"])
        self.page("staff: portfolio deficiencies", f"/deficiencies/portfolio/{pk}/")

    @task(1)
    def deadlines(self):
        self.page("staff: deadlines", "/deficiencies/deadlines/")

    @task(1)
    def agreements(self):
        self.page("staff: agreements", "/settlements/")

    @task(2)
    def imports(self):
        """Poll a queued import's status, or upload the next tape when it is time."""
        if self.pending:
            self.poll(self.pending[0])
        elif time.time() >= self.next_import:
            self.next_import = time.time() + CONFIG["import_every"]
            self.upload()

    def poll(self, pk: int) -> None:
        name = "staff: import status.json"
        with self.client.get(f"/portfolios/imports/{pk}/status.json", name=name,
                             headers=named(name), catch_response=True) as r:  # fmt: skip
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            if r.json().get("finished"):
                self.pending.remove(pk)

    def upload(self) -> None:
        url = f"/portfolios/{self.who['intake']}/import/"
        form = self.page("staff: import page", url)
        if form is None:
            return
        token = TOKEN.search(form.text).group(1)
        boundary = f"----load{random.getrandbits(64):x}"
        tape = Path(CONFIG["tape"]).read_bytes()
        parts = [
            ("csrfmiddlewaretoken", None, token.encode()),
            ("default_day_count", None, b"30/360"),
            ("file", "tape.csv", tape),
        ]
        body = b""
        for field, filename, value in parts:
            disposition = f'form-data; name="{field}"'
            if filename:
                disposition += f'; filename="{filename}"\r\nContent-Type: text/csv'
            body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
            body += value + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        headers = {**named("staff: tape upload"),
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}  # fmt: skip
        with self.client.post(url, data=body, headers=headers, name="staff: tape upload",
                              allow_redirects=False, catch_response=True) as r:  # fmt: skip
            found = re.search(r"/portfolios/imports/(\d+)/", r.headers.get("Location", ""))
            if r.status_code != 302 or not found:
                r.failure(f"HTTP {r.status_code}: upload not accepted")
                return
            self.pending.append(int(found.group(1)))
