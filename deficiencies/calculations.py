"""Deficiency math: pure functions on Decimal, no database.

Public interface (other apps, the PDFs and scripts use it):
`credited_amount`, `deficiency_balance`, `fair_value_deficiency`, `judgment_interest`.
"""

from decimal import Decimal

from noteinvest.money import ZERO, round_cents, to_decimal

FORECLOSURE_SALE = "foreclosure_sale"
SHORT_SALE = "short_sale"
DEED_IN_LIEU = "deed_in_lieu"
EVENT_TYPES = (FORECLOSURE_SALE, SHORT_SALE, DEED_IN_LIEU)

_REQUIRED = {
    FORECLOSURE_SALE: "sale_price",
    SHORT_SALE: "net_proceeds",
    DEED_IN_LIEU: "fair_market_value",
}


def credited_amount(
    event_type: str, *, sale_price=None, net_proceeds=None, fair_market_value=None
) -> Decimal:
    """What the liquidation credits against the debt.

    The winning bid for a foreclosure sale (the holder's credit bid included), the net
    proceeds paid to the holder for a short sale, the fair market value for a deed in lieu.
    A missing required amount raises ValueError naming it.
    """
    try:
        name = _REQUIRED[event_type]
    except KeyError:
        raise ValueError(
            f"Unknown event type {event_type!r}: use one of {', '.join(EVENT_TYPES)}."
        ) from None
    value = {
        "sale_price": sale_price,
        "net_proceeds": net_proceeds,
        "fair_market_value": fair_market_value,
    }[name]
    if value is None:
        raise ValueError(f"{name} is required for a {event_type.replace('_', ' ')}.")
    value = to_decimal(value)
    if value < 0:
        raise ValueError(f"{name} cannot be negative.")
    return value


def deficiency_balance(total_debt, credited) -> Decimal:
    """Total debt minus the credited amount, never below zero."""
    return max(to_decimal(total_debt) - to_decimal(credited), ZERO)


def fair_value_deficiency(total_debt, credited, fair_market_value) -> Decimal:
    """Total debt minus the greater of the credited amount and the fair market value,
    never below zero: what a fair-value state lets the holder recover."""
    return max(
        to_decimal(total_debt) - max(to_decimal(credited), to_decimal(fair_market_value)), ZERO
    )


def junior_credit(winning_bid, senior_debt) -> Decimal:
    """What a senior lienholder's sale credits to a junior lien: the surplus of the winning
    bid above the senior debt paid from it, never below zero (a sold-out junior gets
    nothing). $210,000 bid, $190,000 senior debt: $20,000 to the junior."""
    return max(to_decimal(winning_bid) - to_decimal(senior_debt), ZERO)


def surplus(credited, total_debt) -> Decimal:
    """What the credit leaves after the whole debt is paid: a surplus the holder does not
    keep (it goes to junior lienholders, then the borrower), never below zero."""
    return max(to_decimal(credited) - to_decimal(total_debt), ZERO)


def capped(amount, cap) -> Decimal:
    """`amount`, no more than `cap` when there is one (a purchaser of the debt: NRS
    40.459(3)(c), 40.4636(2); the cap is services.purchaser_cap)."""
    amount = to_decimal(amount)
    return amount if cap is None else min(amount, max(to_decimal(cap), ZERO))


# Post-judgment interest: simple interest from the judgment's entry, actual days over a
# 365-day year (a leap year's February 29 is a day like any other).
JUDGMENT_DAY_COUNT = 365


def judgment_interest(amount, rate_percent, granted_on, to_day) -> Decimal:
    """Simple interest on a judgment from its entry to `to_day`: amount × rate × days / 365
    (actual days elapsed, actual/365), rounded half-up to the cent once; $0.00 before entry
    or without a rate. $50,000 at 9% for 365 days: $4,500.00."""
    if not rate_percent or to_day <= granted_on:
        return ZERO
    days = (to_day - granted_on).days
    raw = to_decimal(amount) * to_decimal(rate_percent) / 100 * days / JUDGMENT_DAY_COUNT
    return round_cents(raw)


def judgment_balance(amount, rate_percent, granted_on, payments, lapses_on=None):
    """A judgment's balance after its payments, payments applied to accrued interest first,
    then to principal (the United States rule): interest runs only on the unpaid principal.
    `payments`: (date received, amount), in order; a payment before entry goes to principal
    at entry; interest never runs past `lapses_on`. Returns (principal still due, interest
    accrued in all to the last payment, the last payment's date: where interest resumes).

    $10,000 at 10 % from Jan 1, 2026, $5,000 paid Jul 1 (181 days: $495.89 of interest):
    $495.89 to interest, $4,504.11 to principal, $5,495.89 principal left."""
    principal, accrued, carried, last = to_decimal(amount), ZERO, ZERO, granted_on
    for day, paid in payments:
        day = max(day, granted_on)
        if lapses_on is not None:
            day = min(day, lapses_on)
        if day > last:
            interest = judgment_interest(max(principal, ZERO), rate_percent, last, day)
            accrued, carried, last = accrued + interest, carried + interest, day
        to_interest = min(to_decimal(paid), carried)
        carried -= to_interest
        principal -= to_decimal(paid) - to_interest
    return principal, accrued, last


def judgment_interest_to(amount, rate_percent, granted_on, day, *, principal_due=None,
                         accrued=None, balance_on=None, lapses_on=None) -> Decimal:  # fmt: skip
    """Interest accrued on a judgment from entry to `day` (never past `lapses_on`): with its
    payments' balance (judgment_balance), what accrued to the last payment plus interest on
    the principal still due since; without one, simple interest on the whole amount."""
    if lapses_on is not None:
        day = min(day, lapses_on)
    if principal_due is None or balance_on is None:
        return judgment_interest(amount, rate_percent, granted_on, day)
    return accrued + judgment_interest(max(principal_due, ZERO), rate_percent, balance_on, day)
