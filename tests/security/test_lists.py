"""What the pages that list things show each kind of user (the matrix checks who gets in;
this checks that nothing out of scope is listed once in).

Each Listing names a page, the world's objects it may list (by the text that identifies
them: an agreement number, a portfolio name, a loan number) and, per user kind, which of
them the page shows; every other one must be absent. Same world and same kinds as
test_matrix.py; a cell main still gets wrong is `pending(...)` (a strict xfail).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from tests.security.matrix import Pending, client_for, pending
from tests.security.world import INTERNAL, USERS

AGREEMENTS = {
    f"{side}.{name}": (lambda w, side=side, name=name: getattr(getattr(w, side), name).number)
    for side in "ab"
    for name in ("draft", "review", "signed")
}
PORTFOLIOS = {side: (lambda w, side=side: getattr(w, side).portfolio.name) for side in "ab"}
LOANS = {
    f"{side}.{name}": (lambda w, side=side, name=name: getattr(getattr(w, side), name).loan_number)
    for side in "ab"
    for name in ("loan", "loan_settled")
}
AGREEMENTS["a.review_by_inv_att"] = lambda w: w.a.review_by_inv_att.number
ALL_AGREEMENTS = set(AGREEMENTS)
NONE: frozenset = frozenset()


@dataclass
class Listing:
    page: str
    items: dict[str, Callable]
    shows: dict[str, set | frozenset | Pending]
    kwargs: Callable = field(default=lambda w: {})
    label: str = ""


LISTINGS = [
    # Investors see approved agreements of their loans; attorneys what is in review with them.
    Listing(
        "settlements:list",
        AGREEMENTS,
        {
            "investor": {"a.signed"},
            "other": {"b.signed"},
            "inv_att": pending({"b.signed", "a.review_by_inv_att"}, 7),
            "staff": ALL_AGREEMENTS,
            "staff_att": ALL_AGREEMENTS,
            "attorney": pending({"a.review"}, 7),
            "other_attorney": pending({"b.review"}, 7),
        },
    ),
    # Home: an attorney's review queue; nobody else's home lists agreements.
    Listing(
        "home",
        AGREEMENTS,
        {
            **dict.fromkeys(("investor", "other", "staff", "staff_att"), NONE),
            "inv_att": {"a.review_by_inv_att"},
            "attorney": {"a.review"},
            "other_attorney": {"b.review"},
        },
    ),
    Listing(
        "portfolios:list",
        PORTFOLIOS,
        {
            "investor": {"a"},
            "other": {"b"},
            "inv_att": {"b"},
            "staff": {"a", "b"},
            "staff_att": {"a", "b"},
            "attorney": NONE,
            "other_attorney": NONE,
        },
    ),
    Listing(
        "deficiencies:deadlines",
        LOANS,
        {
            "investor": {"a.loan", "a.loan_settled"},
            "other": {"b.loan", "b.loan_settled"},
            "inv_att": {"b.loan", "b.loan_settled"},
            "staff": set(LOANS),
            "staff_att": set(LOANS),
            "attorney": NONE,
            "other_attorney": NONE,
        },
    ),
    # The investor's calendar feed, whoever fetches it: the investor's deadlines only.
    Listing(
        "deficiencies:calendar",
        LOANS,
        dict.fromkeys(USERS[1:], {"a.loan", "a.loan_settled"}),
        kwargs=lambda w: {"token": w.feed.token},
    ),
    # Reviewers' comments are internal: investors read the approved agreement without them.
    Listing(
        "settlements:detail",
        {"comment": lambda w: INTERNAL},
        {
            "investor": pending(NONE, 7),
            "staff": {"comment"},
            "staff_att": {"comment"},
        },
        kwargs=lambda w: {"pk": w.a.signed.pk},
        label="signed A",
    ),
    Listing(
        "settlements:detail",
        {"comment": lambda w: INTERNAL},
        {"other": pending(NONE, 7), "inv_att": pending(NONE, 7)},
        kwargs=lambda w: {"pk": w.b.signed.pk},
        label="signed B",
    ),
]


def _params():
    for listing in LISTINGS:
        for user, shows in listing.shows.items():
            marks = []
            if isinstance(shows, Pending):
                marks.append(pytest.mark.xfail(strict=True, raises=AssertionError,
                                               reason=shows.reason))  # fmt: skip
            name = f"{listing.page}[{listing.label}]" if listing.label else listing.page
            yield pytest.param(listing, user, id=f"{name}-{user}", marks=marks)


@pytest.mark.parametrize(("listing", "user"), list(_params()))
def test_listed(listing, user, world, db):
    shows = listing.shows[user]
    shows = shows.outcome if isinstance(shows, Pending) else shows
    url = reverse(listing.page, kwargs=listing.kwargs(world))
    response = client_for(world, user).get(url)
    assert response.status_code == 200, f"GET {url} as {user}: {response.status_code}"
    text = response.content.decode()
    present = {key for key, ident in listing.items.items() if ident(world) in text}
    assert present == set(shows), (
        f"GET {url} as {user}: shows {sorted(present)}, expected {sorted(shows)}"
    )
