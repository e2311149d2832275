"""Extension points of the loan and portfolio pages for the apps built on top of them.

An app that depends on portfolios (deficiencies, settlements) registers, in its
AppConfig.ready, a function that renders a panel for a loan's page or returns links for
a portfolio's page. Portfolios itself imports none of them.
"""

from collections.abc import Callable

LOAN_PANELS: list[Callable] = []  # (request, loan) -> HTML string ("" for none)
PORTFOLIO_LINKS: list[Callable] = []  # (request, portfolio) -> [(label, url), ...]


def loan_panel(fn: Callable) -> Callable:
    LOAN_PANELS.append(fn)
    return fn


def portfolio_links(fn: Callable) -> Callable:
    PORTFOLIO_LINKS.append(fn)
    return fn


# A liquidated loan owes what its sale left (deficiencies registers it), not its pre-sale
# payoff: each entry is (fields, fn), `fields` the Loan lookups read with the loan's payoff
# fields in the same query, fn(values by field, as_of) -> what the loan owes after its sale,
# or None when it has none recorded. Totals and the loan table use it.
AFTER_SALE: list[tuple[tuple[str, ...], Callable]] = []
# The loan page's payoff panel: fn(loan) -> the date of its recorded liquidation, or None.
LIQUIDATED_ON: list[Callable] = []


def after_sale(fields: tuple[str, ...]) -> Callable:
    def register(fn: Callable) -> Callable:
        AFTER_SALE.append((tuple(fields), fn))
        return fn

    return register


def liquidated_on(fn: Callable) -> Callable:
    LIQUIDATED_ON.append(fn)
    return fn


def after_sale_fields() -> tuple[str, ...]:
    return tuple(f for fields, _ in AFTER_SALE for f in fields)


def owed_after_sale(values: dict, as_of):
    """What the loan owes after its sale (from `values`, which hold after_sale_fields()), or
    None when no liquidation is recorded for it."""
    for _fields, fn in AFTER_SALE:
        owed = fn(values, as_of)
        if owed is not None:
            return owed
    return None


# Figures that change as days pass (a deficiency's verdict once a window closes or a judgment
# lapses): fn(portfolio ids, as_of) brings them up to date before totals are read, and returns
# the ids of the portfolios it changed (their cached totals are then stale).
# `marker(pk, as_of)`, when given, names the cache key whose presence says fn has nothing to do
# for that portfolio that day: the totals read those keys with their own, in one cache read,
# and fn is not called when all are there.
FRESHEN: list[tuple[Callable, Callable | None]] = []


def freshen(fn: Callable, *, marker: Callable | None = None) -> Callable:
    FRESHEN.append((fn, marker))
    return fn


def freshen_markers(portfolio_ids, as_of) -> list[str] | None:
    """Every freshener's marker keys for these portfolios; None if one has no markers."""
    keys: list[str] = []
    for _fn, marker in FRESHEN:
        if marker is None:
            return None
        keys.extend(marker(pk, as_of) for pk in portfolio_ids)
    return keys


def freshen_portfolios(portfolio_ids, as_of, *, found=None) -> set[int]:
    """Run each freshener, except one whose markers are all in `found` (a cache read the
    caller made with freshen_markers' keys)."""
    changed: set[int] = set()
    for fn, marker in FRESHEN:
        if (
            found is not None
            and marker is not None
            and all(marker(pk, as_of) in found for pk in portfolio_ids)
        ):
            continue
        changed |= set(fn(list(portfolio_ids), as_of) or ())
    return changed


# Loans whose facts changed in bulk (a tape re-import): fn(loan ids) brings what depends on them
# up to date (a deficiency's verdict). A single save sends Django's post_save instead.
LOANS_CHANGED: list[Callable] = []


def loans_changed(fn: Callable) -> Callable:
    LOANS_CHANGED.append(fn)
    return fn


def notify_loans_changed(loan_ids) -> None:
    ids = list(loan_ids)
    if ids:
        for fn in LOANS_CHANGED:
            fn(ids)
