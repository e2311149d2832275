"""The main navigation: each app registers its sections (in its AppConfig.ready) with the
roles that may use them, so this shared layer knows no app."""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from noteinvest.access import Role


@dataclass(frozen=True)
class Section:
    order: int
    label: str
    url_name: str
    key: str
    roles: frozenset[Role]


_SECTIONS: dict[str, Section] = {}


def register(*, order: int, label: str, url_name: str, key: str, roles) -> None:
    _SECTIONS[key] = Section(order, label, url_name, key, frozenset(roles))
    _sections.cache_clear()


def sections_for(roles: frozenset[Role]) -> tuple[dict, ...]:
    # Every page shows the navigation: its links are worked out once for each set of roles
    # (and URL prefix and configuration, which reverse() depends on).
    return _sections(frozenset(roles), get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))


@functools.cache
def _sections(roles: frozenset[Role], prefix: str, urlconf) -> tuple[dict, ...]:
    return tuple(
        MappingProxyType({"label": s.label, "url": reverse(s.url_name, urlconf), "key": s.key})
        for s in sorted(_SECTIONS.values(), key=lambda s: s.order)
        if s.roles & roles
    )


# Counts shown beside a section's link (what waits there for the user): key -> fn(user) -> int.
# Worked out at most once a minute per session (kept in the session, which every page reads
# anyway), so a page pays no query for them in between.
_COUNTERS: dict[str, Callable] = {}
COUNTS_KEY = "_noteinvest_nav_counts"
COUNTS_SECONDS = 60


def register_count(key: str, fn: Callable) -> None:
    _COUNTERS[key] = fn


def counts_for(request) -> dict[str, int]:
    user, session = request.user, getattr(request, "session", None)
    now = int(time.time())
    saved = session.get(COUNTS_KEY) if session is not None else None
    if (
        isinstance(saved, list)
        and len(saved) == 3
        and saved[0] == user.pk
        and 0 <= now - saved[1] < COUNTS_SECONDS
        and isinstance(saved[2], dict)
    ):
        return saved[2]
    counts = {key: n for key, fn in _COUNTERS.items() if (n := fn(user))}
    if session is not None:
        session[COUNTS_KEY] = [user.pk, now, counts]
    return counts
