"""What the pages that list things show each kind of user (the matrix checks who gets in;
this checks that nothing out of scope is listed once in).

Each Listing names a page, the world's objects it may list (by the text that identifies
them: an agreement number, a portfolio name, a loan number) and, per user kind, which of
them the page shows; every other one must be absent. Same world and same kinds as
test_matrix.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from tests.security.matrix import client_for
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
    shows: dict[str, set | frozenset]
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
            "inv_att": {"b.signed", "a.review_by_inv_att"},
            "staff": ALL_AGREEMENTS,
            "staff_att": ALL_AGREEMENTS,
            "attorney": {"a.review"},
            "other_attorney": {"b.review"},
        },
    ),
    # Home: an attorney's review queue, staff's queues (drafts to finish: every investor's,
    # staff see everything); an investor's lists only their own completed agreements.
    Listing(
        "home",
        AGREEMENTS,
        {
            **dict.fromkeys(("investor", "other"), NONE),
            **dict.fromkeys(("staff", "staff_att"), {"a.draft", "b.draft"}),
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
    # The loan of an agreement in review: its reviewing attorney reads it (issue 12), with
    # the agreement in review on its panel and no staff form; the investor, not the draft.
    Listing(
        "portfolios:loan_detail",
        {"a.review": AGREEMENTS["a.review"], "edit": lambda w: "Edit loan"},
        {
            "investor": NONE,
            "attorney": {"a.review"},
            "staff": {"a.review", "edit"},
            "staff_att": {"a.review", "edit"},
        },
        kwargs=lambda w: {"pk": w.a.loan.pk},
        label="in review A",
    ),
    # Reviewers' comments are internal: investors read the approved agreement without them.
    Listing(
        "settlements:detail",
        {"comment": lambda w: INTERNAL},
        {
            "investor": NONE,
            "staff": {"comment"},
            "staff_att": {"comment"},
        },
        kwargs=lambda w: {"pk": w.a.signed.pk},
        label="signed A",
    ),
    Listing(
        "settlements:detail",
        {"comment": lambda w: INTERNAL},
        {"other": NONE, "inv_att": NONE},
        kwargs=lambda w: {"pk": w.b.signed.pk},
        label="signed B",
    ),
]


def _params():
    for listing in LISTINGS:
        for user in listing.shows:
            name = f"{listing.page}[{listing.label}]" if listing.label else listing.page
            yield pytest.param(listing, user, id=f"{name}-{user}")


@pytest.mark.parametrize(("listing", "user"), list(_params()))
def test_listed(listing, user, world, db):
    shows = listing.shows[user]
    url = reverse(listing.page, kwargs=listing.kwargs(world))
    response = client_for(world, user).get(url)
    assert response.status_code == 200, f"GET {url} as {user}: {response.status_code}"
    text = response.content.decode()
    present = {key for key, ident in listing.items.items() if ident(world) in text}
    assert present == set(shows), (
        f"GET {url} as {user}: shows {sorted(present)}, expected {sorted(shows)}"
    )


# --- the search box ---------------------------------------------------------------------------
# Every loan of the world has a borrower named "Borrower <its number>" and an address on Elm
# St, so "Borrower" reaches every loan, agreement and deficiency: each user finds exactly
# what their scope holds (attorneys: what is in review with them, and its loan).
SEARCH_LOANS = {
    f"{side}.{name}": (lambda w, side=side, name=name: getattr(getattr(w, side), name))
    for side in "ab"
    for name in ("loan", "loan_settled", "loan_free", "loan_counsel")
}
SEARCH_AGREEMENTS = {
    f"{side}.{name}": (lambda w, side=side, name=name: getattr(getattr(w, side), name))
    for side in "ab"
    for name in ("draft", "review", "signed")
}
SEARCH_AGREEMENTS["a.review_by_inv_att"] = lambda w: w.a.review_by_inv_att
SEARCH_AGREEMENTS["b.review_by_staff_att"] = lambda w: w.b.review_by_staff_att
SIDE = {side: {k for k in SEARCH_LOANS if k.startswith(f"{side}.")} for side in "ab"}
SEARCH_SHOWS = {
    # kind: (loans, agreements)
    "investor": (SIDE["a"], {"a.signed"}),
    "other": (SIDE["b"], {"b.signed"}),
    "inv_att": (SIDE["b"] | {"a.loan_counsel"}, {"b.signed", "a.review_by_inv_att"}),
    "staff": (set(SEARCH_LOANS), set(SEARCH_AGREEMENTS)),
    "staff_att": (set(SEARCH_LOANS), set(SEARCH_AGREEMENTS)),
    "attorney": ({"a.loan"}, {"a.review"}),
    "other_attorney": ({"b.loan"}, {"b.review"}),
}


@pytest.mark.parametrize("user", list(SEARCH_SHOWS))
def test_search_finds_what_each_user_may_see_and_nothing_else(user, world, db):
    loans, agreements = SEARCH_SHOWS[user]
    response = client_for(world, user).get(reverse("search:results"), {"q": "Borrower"})
    assert response.status_code == 200
    text = response.content.decode()
    for items, shows in ((SEARCH_LOANS, loans), (SEARCH_AGREEMENTS, agreements)):
        present = {
            k for k, obj in items.items() if f'href="{obj(world).get_absolute_url()}"' in text
        }
        assert present == shows, f"{user}: shows {sorted(present)}, expected {sorted(shows)}"


@pytest.mark.parametrize("user", ["investor", "other", "inv_att"])
def test_search_never_finds_the_other_investors_loan_borrower_or_agreement(user, world, db):
    other = world.side(user, "other")
    client = client_for(world, user)
    hidden = [other.loan, other.loan_settled, other.signed, other.review, other.deficiency]
    for q in (
        other.loan.loan_number,
        other.loan.borrowers.get().name,
        other.signed.number,
        other.review.number,
        other.portfolio.name,
    ):
        response = client.get(reverse("search:results"), {"q": q})
        text = response.content.decode()
        for obj in hidden:
            assert f'href="{obj.get_absolute_url()}"' not in text, f"{user} searching {q!r}"
        assert f'href="{other.portfolio.get_absolute_url()}"' not in text
        # The other side's loan and agreement numbers appear nowhere but in the query itself.
        rest = text.replace(q, "")
        assert other.loan.loan_number not in rest and other.signed.number not in rest, q


# --- the history of corrections ---------------------------------------------------------------
# Staff read every correction; an investor those of the portfolios they own (kept on the row, so
# a deleted portfolio's history stays theirs); attorneys are refused the page.
CORRECTIONS_SHOW = {
    "investor": {"a"},
    "other": {"b"},
    "inv_att": {"b"},
    "staff": {"a", "b"},
    "staff_att": {"a", "b"},
}


@pytest.mark.parametrize("user", [*CORRECTIONS_SHOW, "attorney", "other_attorney"])
def test_corrections_list_what_each_user_may_see(user, world, db):
    from portfolios.corrections import record
    from portfolios.models import Correction

    for side in "ab":
        portfolio = getattr(world, side).portfolio
        record(action=Correction.Action.ARCHIVED, kind=Correction.Kind.PORTFOLIO,
               obj_id=portfolio.pk, label=f"Matrix correction {side.upper()}",
               portfolio=portfolio, reason=f"Reason {side.upper()}", snapshot={},
               by=world.users["staff"])  # fmt: skip
    response = client_for(world, user).get(reverse("portfolios:corrections"))
    if user not in CORRECTIONS_SHOW:
        assert response.status_code == 403
        return
    text = response.content.decode()
    present = {side for side in "ab" if f"Matrix correction {side.upper()}" in text}
    assert present == CORRECTIONS_SHOW[user], f"{user}: {sorted(present)}"
