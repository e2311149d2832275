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
