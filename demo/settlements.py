"""Demo agreements: a DPO waiting for the demo attorney's review and an approved short sale.

Seeding twice changes nothing: a loan that already has an agreement is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from accounts.models import User
from portfolios.models import Loan
from settlements import services
from settlements.models import Agreement, Rider


def seed_agreements() -> int:
    staff = User.objects.get(email="staff@example.com")
    attorney = User.objects.get(email="attorney@example.com")
    made = 0
    for number, kind, share, approve in (
        ("RB-0009", "dpo", Decimal("0.55"), False),
        ("RB-0019", "short_sale", Decimal("0.60"), True),
    ):
        loan = Loan.objects.filter(loan_number=number).first()
        if loan is None or Agreement.objects.filter(loan=loan).exists():
            continue
        agreement = services.start_draft(loan=loan, kind=kind, by=staff)
        amount = (agreement.total_debt * share / 1000).quantize(Decimal("1")) * 1000
        if kind == "dpo":
            agreement.settlement_amount = amount
            agreement.payment_method = "wire"
            agreement.payment_instructions = (
                "to the account named in the Holder's signed wire letter"
            )
        else:
            agreement.minimum_net_proceeds = amount
            agreement.relocation_amount = Decimal("2500.00")
            # The approval: the buyer and price of the contract, the caps on what the price
            # pays at closing, and a foreclosure sale postponed while the sale is pending.
            agreement.buyer_names = "Maria Santos and Luis Santos"
            agreement.contract_date = agreement.agreement_date - timedelta(days=5)
            agreement.commission_cap_percent = Decimal("6.000")
            agreement.closing_costs_cap = Decimal("4500.00")
            agreement.contract_price = ((amount + Decimal("7000")) / Decimal("0.9")).quantize(
                Decimal("1")
            )
            agreement.foreclosure = "postponed"
            agreement.foreclosure_sale_on = agreement.agreement_date + timedelta(days=45)
        agreement.hardship = "Lost hours at work in 2026 and cannot refinance."
        agreement.save()
        if kind == "dpo":  # a rider for the demo attorney to approve
            Rider.objects.create(
                agreement=agreement,
                title="Escrow Balance",
                body="Any escrow balance the Holder holds on the Loan at closing is applied to "
                "the Settlement Amount.",
                added_by=staff,
            )
        services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
        if approve:
            note = services.add_comment(
                agreement=agreement,
                section=None,
                by=attorney,
                body="Reviewed against the deficiency file; fine to send.",
            )
            services.resolve_comment(comment=note, by=attorney)
            services.approve(agreement=agreement, by=attorney)
        made += 1
    return made
