"""Machinery of the URL × role matrix: outcomes, expectations, the route walk, the probes.

The table itself (one `Case` per route) is in test_matrix.py, with how to write one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.world import USERS

# --- outcomes ----------------------------------------------------------------------------------

OK = "ok"  # let in: 2xx or 3xx that is not a login redirect, or 400 (a form re-displayed)
LOGIN = "login"  # a redirect to the log-in page (the site's or the admin's)
F403 = "403"
F404 = "404"
F405 = "405"
# Refused by a rule on this object (not by role or scope): 403, or the app's way of
# reporting a refused action, a redirect with an error message and no success.
REFUSED = "refused"
OUTCOMES = (OK, LOGIN, F403, F404, F405, REFUSED)


def outcome_of(response, login_paths: set[str]) -> str:
    """Classify a response. Anything else (a 500, a 401, ...) is returned as its code."""
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        if urlsplit(response["Location"]).path in login_paths:
            return LOGIN
        return OK
    if 200 <= code < 300 or code == 400:
        return OK
    return str(code)


def was_refused(response, login_paths: set[str]) -> bool:
    """403, or a redirect (not to log in) carrying an error message and no success."""
    if response.status_code == 403:
        return True
    if outcome_of(response, login_paths) != OK or response.status_code < 300:
        return False
    levels = {m.level for m in get_messages(response.wsgi_request)}
    return constants.ERROR in levels and constants.SUCCESS not in levels


def matches(expected: str, response, login_paths: set[str]) -> tuple[bool, str]:
    """Whether `response` is the `expected` outcome, and what it was (for the message)."""
    got = outcome_of(response, login_paths)
    if expected == REFUSED:
        refused = was_refused(response, login_paths)
        return refused, REFUSED if refused else f"{got} (not refused)"
    return got == expected, got


def login_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def client_for(world, user: str) -> Client:
    """A test client logged in as `user` (a kind): it carries the world's session."""
    client = Client()
    if user != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user]
    return client


# --- expectations --------------------------------------------------------------------------------

# A cell is an outcome, or an (own, other) pair of them.
Cell = str | tuple


def expect(base: dict | None = None, /, **cells: Cell) -> dict[str, Cell]:
    """One method's expectations per user kind: `base` (a preset) updated by `cells`.
    Every user kind must end up with a cell."""
    table = {**(base or {}), **cells}
    missing = [u for u in USERS if u not in table]
    unknown = [u for u in table if u not in USERS]
    if missing or unknown:
        raise ValueError(f"expectation: missing {missing}, unknown {unknown}")
    for user, cell in table.items():
        for part in cell if isinstance(cell, tuple) else (cell,):
            if part not in OUTCOMES:
                raise ValueError(f"expectation for {user}: {part!r} is not an outcome")
    return table


def everyone(outcome: str) -> dict[str, Cell]:
    return dict.fromkeys(USERS, outcome)


def logged_in(outcome: str = OK) -> dict[str, Cell]:
    """Anonymous users are sent to log in; everyone else gets `outcome`."""
    return {**everyone(outcome), "anon": LOGIN}


def staff_only(outcome: str = OK) -> dict[str, Cell]:
    """A page for staff: the others are refused by role (403) before any object lookup."""
    return {**logged_in(F403), "staff": outcome, "staff_att": outcome}


def owners_read() -> dict[str, Cell]:
    """An investor's object: owners read their own, 404 for the rest; staff read all;
    attorneys do not see portfolios or loans."""
    return {
        **logged_in(OK),
        "investor": (OK, F404),
        "other": (OK, F404),
        "inv_att": (OK, F404),
        "attorney": F404,
        "other_attorney": F404,
    }


def admin_staff(outcome: str = OK) -> dict[str, Cell]:
    """The admin site: anyone without admin-site access is sent to the admin's log-in."""
    return {**everyone(LOGIN), "staff": outcome, "staff_att": outcome}


@dataclass
class Case:
    """One row of the table: a route, how to fill its URL, and what each user gets.

    `kwargs(world, side)` returns the URL's arguments; `side` is the user's own or the
    other investor's side (world.py). Set `sided=False` when the URL does not depend on
    the side (tested once per user, with the "own" column of each cell).
    """

    name: str
    get: dict[str, Cell]
    post: dict[str, Cell]
    kwargs: Callable = field(default=lambda w, s: {})
    variant: str = ""
    sided: bool = True
    # The POST body (empty by default), or a function of the world returning it (for files).
    data: dict | Callable = field(default_factory=dict)

    def body(self, world) -> dict:
        return self.data(world) if callable(self.data) else self.data

    @property
    def label(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name


# The id of an object that does not exist (also beyond 64 bits: never a 500).
MISSING_ID = 10**20


@dataclass(frozen=True)
class Probe:
    case: Case
    user: str
    which: str  # "own", "other" or "missing" (every integer in the URL: MISSING_ID)
    method: str  # "GET" or "POST"

    @property
    def id(self) -> str:
        return f"{self.case.label}-{self.user}-{self.which}-{self.method}"

    @property
    def cell(self) -> Cell:
        cell = (self.case.get if self.method == "GET" else self.case.post)[self.user]
        if isinstance(cell, tuple):
            own, other = cell
            return own if self.which == "own" else other
        return cell

    @property
    def expected(self) -> Cell:
        # A missing id answers exactly like an object out of scope: 404.
        return F404 if self.which == "missing" else self.cell

    def kwargs(self, world) -> dict:
        side = world.side(self.user, "own" if self.which == "missing" else self.which)
        kwargs = self.case.kwargs(world, side)
        if self.which == "missing":
            kwargs = {k: MISSING_ID if isinstance(v, int) else v for k, v in kwargs.items()}
        return kwargs


def probes(cases: list[Case]) -> list[Probe]:
    """Every case × user × side × method; a missing id is tried wherever the other side's
    object is looked up (its cell is ok or 404: the role and method checks passed)."""
    out = []
    for case in cases:
        for user in USERS:
            for which in ("own", "other", "missing") if case.sided else ("own",):
                for method in ("GET", "POST"):
                    probe = Probe(case, user, which, method)
                    if which == "missing":
                        other = Probe(case, user, "other", method).cell
                        if other not in (OK, F404):  # refused before the lookup
                            continue
                    out.append(probe)
    return out


# --- the URL configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern for an unnamed route
    pattern: str
    params: tuple[str, ...]


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """Every route of the URL configuration, through includes, in resolution order."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry, pattern, inner)
        elif isinstance(entry, URLPattern):
            params = tuple(entry.pattern.regex.groupindex)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                key = pattern
            yield Route(key, pattern, params)


def routes() -> dict[str, Route]:
    """Named routes by name (the first of a name wins, as in reverse()); unnamed by pattern."""
    found: dict[str, Route] = {}
    for route in walk():
        found.setdefault(route.key, route)
    return found
