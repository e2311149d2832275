"""Test data builders: users with roles, portfolios."""

from decimal import Decimal
from itertools import count

from accounts.models import User
from accounts.roles import assign_role
from noteinvest.access import Role
from portfolios.models import Portfolio

PASSWORD = "correct-horse-battery-9"
_seq = count(1)


def make_user(*roles: Role, email: str | None = None, password: str = PASSWORD, **extra) -> User:
    email = email or f"user{next(_seq)}@example.com"
    user = User.objects.create_user(email, password, **extra)
    for role in roles:
        assign_role(user, role)
    return user


def make_portfolio(*owners: User, name: str | None = None, **extra) -> Portfolio:
    extra.setdefault("purchase_price", Decimal("100000.00"))
    portfolio = Portfolio.objects.create(name=name or f"Pool {next(_seq)}", **extra)
    portfolio.owners.add(*owners)
    return portfolio


def make_loan(portfolio, number: str = "L-1", **extra):
    from datetime import date

    from portfolios.models import Borrower, Loan

    fields = dict(
        loan_number=number, property_state="NY", property_address="12 Oak St",
        property_city="Albany", property_zip="12203", upb=Decimal("200000.00"), note_rate=Decimal("6"),
        paid_to_date=date(2026, 1, 1), day_count="30/360", fees=Decimal("500.00"),
        origination_date=date(2010, 5, 1), occupancy="non_owner_occupied", purchase_money="no",
        foreclosure_process="judicial",
        # The security instrument as recorded: a release names it (the review checks it).
        recording_reference=f"Instrument No. 2010-{number}", recorded_on=date(2010, 5, 3),
    )  # fmt: skip
    fields.update(extra)
    loan = Loan.objects.create(portfolio=portfolio, **fields)
    Borrower.objects.create(loan=loan, name=f"Borrower {number}")
    return loan


def record_sale(loan, by, *, on=None, price="150000.00", process="judicial", **extra):
    from datetime import date

    from deficiencies.models import LiquidationEvent
    from deficiencies.services import record_liquidation

    event = LiquidationEvent(
        event_type="foreclosure_sale", event_date=on or date(2026, 10, 1), sale_process=process,
        sale_price=Decimal(price), **extra,
    )  # fmt: skip
    return record_liquidation(loan=loan, event=event, by=by)


def draft_agreement(loan, by, *, kind: str = "dpo", share: str = "0.5"):
    """A settlement draft on `loan` whose terms pass the review checklist.

    The portfolio needs a holder address (set on it here when missing); the amount
    received is `share` of the total debt, rounded to whole dollars.
    """
    from settlements import services

    portfolio = loan.portfolio
    if not portfolio.holder_address:
        portfolio.holder_address = "1 Fund Way, Albany, NY 12207"
        portfolio.save(update_fields=["holder_address"])
        loan.portfolio = portfolio
    agreement = services.start_draft(loan=loan, kind=kind, by=by)
    amount = (agreement.total_debt * Decimal(share)).quantize(Decimal("1"))
    if kind == "dpo":
        agreement.settlement_amount = amount
        agreement.payment_method = "wire"
        agreement.payment_instructions = "To the account in the holder's signed wire letter."
    else:
        agreement.minimum_net_proceeds = amount
        # The approval: a buyer and a price that pays the minimum and every cap (issue 12).
        agreement.buyer_names = "Ann Buyer"
        agreement.contract_date = agreement.agreement_date
        agreement.commission_cap_percent = Decimal("6.000")
        agreement.closing_costs_cap = Decimal("3000.00")
        agreement.contract_price = ((amount + Decimal("3000")) / Decimal("0.9")).quantize(1)
    agreement.save()
    return agreement


def agreement_in_review(loan, by, reviewer, **draft):
    """A draft (see draft_agreement) submitted to `reviewer`: version 1 frozen with its PDF."""
    from settlements import services

    agreement = draft_agreement(loan, by, **draft)
    services.submit_for_review(agreement=agreement, reviewer=reviewer, by=by)
    agreement.refresh_from_db()
    return agreement


def signed_agreement(
    loan, by, reviewer, *, paid: str | None = None, comment: str | None = None, **draft
):
    """An agreement approved by `reviewer` (after writing `comment`, if given), sent, with
    its signed copy (the approved PDF's bytes) and, when `paid` is given, one payment of
    that amount received today."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from settlements import services
    from settlements.models import Payment

    agreement = agreement_in_review(loan, by, reviewer, **draft)
    if comment:
        services.add_comment(agreement=agreement, section=None, body=comment, by=reviewer)
    services.approve(agreement=agreement, by=reviewer, open_confirmed=1 if comment else None)
    services.mark_sent(agreement=agreement, by=by)
    pdf = bytes(agreement.versions.get().pdf)
    services.record_signed(agreement=agreement, upload=SimpleUploadedFile("signed.pdf", pdf), by=by)
    if paid is not None:
        services.record_payment(
            agreement=agreement,
            payment=Payment(received_on=timezone.localdate(), amount=Decimal(paid)),
            by=by,
        )
    agreement.refresh_from_db()
    return agreement


def judged(loan, by, *, sold_on, filed_on, granted_on, amount, rate="9", expires_on=None,
           process="judicial"):  # fmt: skip
    """`loan` sold on `sold_on`, sued on `filed_on`, with a judgment of `amount` at `rate` %
    granted on `granted_on`: its deficiency, with the suit and the judgment recorded."""
    from deficiencies import services
    from deficiencies.models import Deficiency, DeficiencySuit, Judgment

    deficiency = record_sale(loan, by, on=sold_on, process=process)
    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number=f"J-{loan.loan_number}",
                            filed_on=filed_on),
        by=by,
    )  # fmt: skip
    services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=granted_on, amount=Decimal(amount),
                          interest_rate=Decimal(rate), expires_on=expires_on),
        by=by,
    )  # fmt: skip
    return Deficiency.objects.select_related("judgment").get(pk=deficiency.pk)


def clause_edit(key: str, *, by=None, **changes):
    """The next approved version of a library clause, with `changes` (title, body, active,
    states...) written straight to the database: what an attorney's approved edit leaves."""
    from django.utils import timezone

    from settlements.models import ClauseStatus, ClauseVersion

    current = (
        ClauseVersion.objects.filter(key=key, status=ClauseStatus.APPROVED)
        .order_by("number")
        .last()
    )
    fields = {
        f: getattr(current, f)
        for f in ("key", "slot", "title", "body", "kinds", "states", "instrument", "when",
                  "position", "required", "active")
    }  # fmt: skip
    fields.update(changes)
    return ClauseVersion.objects.create(
        **fields,
        number=current.number + 1,
        status=ClauseStatus.APPROVED,
        drafted_by=by,
        approved_by=by,
        approved_at=timezone.now(),
    )
