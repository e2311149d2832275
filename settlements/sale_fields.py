"""A short-sale approval's named fields and conditions, for the clause library.

The clauses themselves are seed entries in settlements/data/clauses/short_sale.toml (their
words are the attorneys' to change); what they fill in is here, as plain functions of an
agreement's terms (settlements.terms.terms_for, its "sale" key):

- FIELDS = {name: (what it is, fn)}: fn(terms) returns a phrase (str), several paragraphs
  (list[str]: the placeholder then stands alone in its paragraph) or None, which leaves the
  clause out (a version frozen before the "sale" key existed has none of these clauses).
- CONDITIONS = {name: (what it means, fn)}: fn(terms) -> bool, a clause's `when` (with
  settlements.clauses' own: "always", "junior_lien", ...).

While a draft lacks a figure, the field shows a visible blank ("[contract price to be set]").

`sale_figures` is the one sum of what a contract price must cover (the minimum net proceeds
and every cap at its limit): the terms step refuses figures that do not fit, the pre-review
checklist recomputes it from the agreement, and the document states it.
"""

from dataclasses import dataclass
from decimal import Decimal

from noteinvest.money import check_fits, format_money, round_cents
from settlements.library import list_field
from settlements.terms import amount, day
from settlements.wording import long_date, words_and_figures

ZERO = Decimal("0.00")


def blank(what: str) -> str:
    return f"[{what} to be set]"


# --- the figures: what the contract price must cover ----------------------------------------


def commission_at_cap(price, percent, cap_amount) -> Decimal | None:
    """The most the brokers' commissions may take: the percentage of the price (rounded
    half-up to the cent), the amount, or the lesser of the two when both are set; None when
    neither is (or only a percentage without a price)."""
    candidates = []
    if percent is not None and price is not None:
        candidates.append(round_cents(price * percent / 100))
    if cap_amount is not None:
        candidates.append(cap_amount)
    return min(candidates) if candidates else None


@dataclass(frozen=True)
class SaleFigures:
    price: Decimal | None
    items: list[tuple[str, Decimal]]  # (what, amount): the minimum and every cap at its limit
    total: Decimal

    @property
    def over(self) -> Decimal | None:
        """By how much the items exceed the price (None when they fit or no price is set)."""
        if self.price is None or self.total <= self.price:
            return None
        return self.total - self.price

    def sum_text(self) -> str:
        parts = " + ".join(f"{what} {format_money(value)}" for what, value in self.items)
        return f"{parts} = {format_money(self.total)}"


def sale_figures(
    *, price, minimum, percent=None, commission=None, closing_costs=None, junior=None,
    relocation=None, checked=True,
) -> SaleFigures:  # fmt: skip
    """The minimum net proceeds plus the commission at its cap, the closing-cost cap, the
    junior-lien cap and the relocation payment (each left out while unset), against the
    contract price. `checked`: the total must fit the app's money columns (MoneyError)."""
    items = [
        ("minimum net proceeds", minimum),
        ("brokers' commission at its cap", commission_at_cap(price, percent, commission)),
        ("closing-cost cap", closing_costs),
        ("junior-lien cap", junior),
        ("relocation payment", relocation),
    ]
    items = [(what, value) for what, value in items if value is not None and value != 0]
    total = sum((value for _, value in items), ZERO)
    if checked:
        check_fits(total, "The minimum net proceeds and the caps together")
    return SaleFigures(price=price, items=items, total=total)


def figures_of_terms(terms) -> SaleFigures:
    sale = terms["sale"]
    percent = sale.get("commission_cap_percent")
    return sale_figures(
        price=amount(sale, "contract_price"),
        minimum=amount(terms, "minimum_net_proceeds"),
        percent=None if percent in (None, "") else Decimal(percent),
        commission=amount(sale, "commission_cap_amount"),
        closing_costs=amount(sale, "closing_costs_cap"),
        junior=amount(sale, "junior_liens_cap") if senior_with_junior_liens(terms) else None,
        relocation=amount(terms, "relocation_amount"),
        checked=False,  # stored figures: the terms step refused a total that does not fit
    )


# --- conditions ------------------------------------------------------------------------------


def _sale(terms) -> dict | None:
    return terms.get("sale") if terms.get("kind") == "short_sale" else None


def junior_lien(terms) -> bool:
    """The Holder's lien is junior (lien position 2 or more): the senior lender must approve."""
    return _sale(terms) is not None and (terms.get("lien_position") or 1) >= 2


def senior_with_junior_liens(terms) -> bool:
    """The Holder's lien is the first, and junior lienholders must release theirs at closing."""
    sale = _sale(terms)
    return (
        sale is not None
        and (terms.get("lien_position") or 1) < 2
        and bool(sale.get("junior_lienholders"))
    )


def _foreclosure_is(choice: str):
    def condition(terms) -> bool:
        sale = _sale(terms)
        return sale is not None and sale.get("foreclosure") == choice

    return condition


def arms_length_affidavit(terms) -> bool:
    sale = _sale(terms)
    return sale is not None and bool(sale.get("arms_length_affidavit"))


# "junior_lien" (the senior lienholder's approval) is settlements.clauses' condition.
CONDITIONS = {
    "senior_with_junior_liens": (
        "The Holder's lien is the first and the short sale names junior lienholders who must "
        "release their liens at closing.",
        senior_with_junior_liens,
    ),
    "arms_length_affidavit": (
        "The short sale asks for an arm's-length affidavit at closing.",
        arms_length_affidavit,
    ),
    "foreclosure_none_scheduled": (
        "No foreclosure sale of the property is scheduled.",
        _foreclosure_is("none_scheduled"),
    ),
    "foreclosure_postponed": (
        "A scheduled foreclosure sale is postponed until the closing deadline.",
        _foreclosure_is("postponed"),
    ),
    "foreclosure_not_postponed": (
        "A scheduled foreclosure sale is not postponed by the short sale.",
        _foreclosure_is("not_postponed"),
    ),
}


# --- fields ----------------------------------------------------------------------------------


def _money(terms, source: dict, key: str, what: str) -> str:
    value = amount(source, key)
    return blank(what) if value is None else words_and_figures(value)


def _date(value, what: str) -> str:
    return long_date(day(value)) if value else blank(what)


def buyer(terms):
    sale = _sale(terms)
    if sale is None:
        return None
    return sale.get("buyer") or blank("buyer's name")


def contract_price(terms):
    sale = _sale(terms)
    return None if sale is None else _money(terms, sale, "contract_price", "contract price")


def contract_date(terms):
    sale = _sale(terms)
    return None if sale is None else _date(sale.get("contract_date"), "contract date")


def sale_closing_deadline(terms):
    if _sale(terms) is None:
        return None
    return _date(terms.get("closing_deadline"), "closing deadline")


def estimated_statement(terms):
    """What the Holder's approval rests on: the estimated closing statement of a date, or
    the one the Borrower is to send."""
    sale = _sale(terms)
    if sale is None:
        return None
    if sale.get("estimated_statement_on"):
        return (
            "the estimated closing statement dated "
            f"{long_date(day(sale['estimated_statement_on']))}, attached to this agreement"
        )
    return "the estimated closing statement the Borrower sends the Holder with the Contract"


def _commission_cap(terms, sale) -> str:
    price = amount(sale, "contract_price")
    percent = sale.get("commission_cap_percent")
    percent = None if percent in (None, "") else Decimal(percent)
    cap = amount(sale, "commission_cap_amount")
    if percent is None and cap is None:
        limit = blank("commission cap")
        return f"Brokers' commissions: no more than {limit}, for all brokers together."
    share = None
    if percent is not None:
        share = f"{percent:.3f}% of the Contract Price"
        at = commission_at_cap(price, percent, None)
        share += f" ({format_money(at)})" if at is not None else ""
    if share and cap is not None:
        limit = f"the lesser of {share} and {words_and_figures(cap)}"
    else:
        limit = share or words_and_figures(cap)
    return f"Brokers' commissions: no more than {limit}, for all brokers together."


@list_field
def sale_caps(terms):
    """The costs the price may pay at closing, one paragraph each, each with its cap."""
    sale = _sale(terms)
    if sale is None:
        return None
    rows = [
        _commission_cap(terms, sale),
        "Closing costs (title, escrow, recording and transfer charges, and the Borrower's "
        "share of prorated property taxes and association dues): no more than "
        f"{_money(terms, sale, 'closing_costs_cap', 'closing-cost cap')} in all.",
    ]
    if senior_with_junior_liens(terms):
        rows.append(
            "Payments to the Junior Lienholders: no more than "
            f"{_money(terms, sale, 'junior_liens_cap', 'junior-lien cap')} in all, as the "
            "section on junior liens provides."
        )
    relocation = amount(terms, "relocation_amount") or ZERO
    if relocation:
        rows.append(f"A relocation payment to the Borrower: {words_and_figures(relocation)}.")
    return rows


def sale_figures_text(terms):
    """The sum the price must cover, as the document states it."""
    if _sale(terms) is None:
        return None
    figures = figures_of_terms(terms)
    minimum = amount(terms, "minimum_net_proceeds")
    if figures.price is None or minimum is None:
        return blank("figures")
    costs = figures.total - minimum
    left = figures.price - costs
    return (
        f"the Contract Price of {format_money(figures.price)}, less the costs above at their "
        f"caps ({format_money(costs)}), leaves at least {format_money(left)} for "
        f"the Holder, which is {'at least' if left >= minimum else 'less than'} the Minimum "
        f"Net Proceeds of {format_money(minimum)}"
    )


def affidavit_signers(terms):
    if _sale(terms) is None:
        return None
    buyer_name = _sale(terms).get("buyer") or blank("buyer's name")
    return (
        f"the Buyer ({buyer_name}), each Borrower as seller, every real estate agent and broker "
        "in the sale, and the closing agent"
    )


def foreclosure_sale_date(terms):
    sale = _sale(terms)
    if sale is None:
        return None
    return _date(sale.get("foreclosure_sale_on"), "foreclosure sale date")


@list_field
def junior_lienholders(terms):
    """Each Junior Lienholder in its own paragraph, numbered."""
    sale = _sale(terms)
    if sale is None:
        return None
    names = sale.get("junior_lienholders") or []
    return [f"({n}) {name}" for n, name in enumerate(names, 1)] or [blank("junior lienholders")]


def junior_liens_cap(terms):
    sale = _sale(terms)
    return None if sale is None else _money(terms, sale, "junior_liens_cap", "junior-lien cap")


def senior_lender(terms):
    if _sale(terms) is None:
        return None
    return (terms.get("senior_lienholder") or "").strip() or blank("senior lienholder")


def senior_approval_status(terms):
    """Whether the senior lienholder has approved yet (a date and reference, when known)."""
    sale = _sale(terms)
    if sale is None:
        return None
    on, ref = sale.get("senior_approval_on"), sale.get("senior_approval_reference")
    if not on and not ref:
        return "the Senior Lienholder has not yet approved the sale"
    when = f" on {long_date(day(on))}" if on else ""
    ref = f" (its reference {ref})" if ref else ""
    return (
        f"the Senior Lienholder has approved the sale in writing{when}{ref}; that approval "
        "meets the condition only if it is still in effect at closing and approves this Buyer "
        "and this price"
    )


def junior_payoff(terms):
    if _sale(terms) is None:
        return None
    return _money(terms, terms, "minimum_net_proceeds", "minimum net proceeds")


FIELDS = {
    "buyer": ("The buyer's name(s) as in the contract", buyer),
    "contract_price": ("The contract price, in words and figures", contract_price),
    "contract_date": ("The purchase contract's date", contract_date),
    "sale_closing_deadline": ("The closing deadline (a long date)", sale_closing_deadline),
    "estimated_statement": (
        "The estimated closing statement the approval rests on (attached, with its date, when "
        "known)",
        estimated_statement,
    ),
    "sale_caps": (
        "The costs the price may pay at closing, one paragraph each with its cap (brokers' "
        "commissions, closing costs, junior liens, relocation)",
        sale_caps,
    ),
    "sale_figures": (
        "The contract price less every cap at its limit, against the minimum net proceeds",
        sale_figures_text,
    ),
    "affidavit_signers": ("Who signs the arm's-length affidavit at closing", affidavit_signers),
    "foreclosure_sale_date": ("The scheduled foreclosure sale's date", foreclosure_sale_date),
    "junior_lienholders": (
        "The junior lienholders, one paragraph each, numbered",
        junior_lienholders,
    ),
    "junior_liens_cap": (
        "The cap on the total paid to junior lienholders, in words and figures",
        junior_liens_cap,
    ),
    "senior_lender": ("The senior lienholder (a junior lien's short sale)", senior_lender),
    "senior_approval_status": (
        "Whether the senior lienholder has approved the sale yet (its date and reference)",
        senior_approval_status,
    ),
    "junior_payoff": (
        "What the Holder, a junior lienholder, accepts from the sale (the minimum net "
        "proceeds), in words and figures",
        junior_payoff,
    ),
}
