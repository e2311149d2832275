"""The main navigation: each app registers its sections (in its AppConfig.ready) with the
roles that may use them, so this shared layer knows no app."""

from dataclasses import dataclass

from django.urls import reverse

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


def sections_for(roles: frozenset[Role]) -> list[dict]:
    return [
        {"label": s.label, "url": reverse(s.url_name), "key": s.key}
        for s in sorted(_SECTIONS.values(), key=lambda s: s.order)
        if s.roles & roles
    ]
