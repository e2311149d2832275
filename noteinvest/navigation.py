"""The main navigation: each app registers its sections (in its AppConfig.ready) with the
roles that may use them, so this shared layer knows no app."""

import functools
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
