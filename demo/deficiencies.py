"""Demo liquidations and deficiencies on about 15 demo loans, across regimes.

Dates are set relative to the day the demo is first seeded (so one filing window is
always closing within 30 days of a fresh demo); a loan that already has a deficiency is
left alone, so seeding twice changes nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from deficiencies import services
from deficiencies.models import (
    Bankruptcy,
    CollectionAction,
    Deficiency,
    DeficiencySuit,
    Judgment,
    LiquidationEvent,
    Recovery,
)
from portfolios.models import Loan

CENT = Decimal("0.01")


def _share(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / 100).quantize(CENT)


def _event(loan, kind, on, *, share=60, process=None, credit_bid=False, fmv_share=None):
    event = LiquidationEvent(event_type=kind, event_date=on)
    if kind == "foreclosure_sale":
        event.sale_process = process or loan.foreclosure_process
        event.sale_price = _share(loan.upb, share)
        event.credit_bid = credit_bid
    elif kind == "short_sale":
        event.gross_price = _share(loan.upb, share + 8)
        event.net_proceeds = _share(loan.upb, share)
    if kind == "deed_in_lieu" or fmv_share:
        event.fair_market_value = _share(loan.upb, fmv_share or share)
        event.value_source = "bpo"
        event.value_date = on - timedelta(days=20)
    return event


def seed_deficiencies(staff) -> int:
    today = timezone.localdate()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    plans = [
        # (loan number, kind, date, options, follow-up)
        (
            "RB-0001",
            "foreclosure_sale",
            ago(120),
            {"process": "non_judicial", "credit_bid": True},
            None,
        ),
        ("RB-0004", "foreclosure_sale", ago(200), {"process": "non_judicial"}, None),
        ("RB-0009", "foreclosure_sale", ago(75), {"process": "judicial", "fmv_share": 70}, None),
        ("RB-0011", "foreclosure_sale", date(2025, 9, 10), {"process": "judicial"}, "judgment"),
        ("RB-0012", "foreclosure_sale", date(2025, 12, 1), {"process": "judicial"}, "chapter7"),
        ("RB-0007", "foreclosure_sale", ago(250), {"process": "judicial", "fmv_share": 72}, None),
        ("RB-0014", "foreclosure_sale", ago(90), {"process": "non_judicial"}, None),
        ("RB-0015", "foreclosure_sale", ago(60), {"process": "non_judicial"}, None),
        ("RB-0016", "foreclosure_sale", ago(140), {"process": "non_judicial"}, None),
        (
            "RB-0017",
            "foreclosure_sale",
            ago(45),
            {"process": "non_judicial", "fmv_share": 66},
            None,
        ),
        (
            "RB-0018",
            "foreclosure_sale",
            ago(30),
            {"process": "non_judicial", "credit_bid": True},
            None,
        ),
        ("RB-0020", "short_sale", ago(100), {}, None),
        ("RB-0006", "deed_in_lieu", ago(160), {}, None),
        ("RB-0022", "foreclosure_sale", ago(210), {"process": "non_judicial"}, None),
        ("RB-0013", "foreclosure_sale", ago(300), {"process": "judicial"}, "waived"),
        ("LS-0001", "foreclosure_sale", ago(110), {"process": "judicial"}, None),
    ]
    made = 0
    for number, kind, on, options, follow in plans:
        loan = Loan.objects.filter(loan_number=number).first()
        if loan is None or Deficiency.objects.filter(loan=loan).exists():
            continue
        deficiency = services.record_liquidation(
            loan=loan, event=_event(loan, kind, on, **options), by=staff
        )
        made += 1
        if follow == "judgment":
            services.record_suit(
                deficiency=deficiency,
                suit=DeficiencySuit(court="Circuit Court of Will County", county="Will",
                                    case_number="2025-L-004417", filed_on=date(2025, 10, 20)),
                by=staff,
            )  # fmt: skip
            services.record_judgment(
                deficiency=deficiency,
                judgment=Judgment(granted_on=date(2026, 1, 15), amount=deficiency.recoverable,
                                  interest_rate=Decimal("9"), expires_on=date(2033, 1, 15)),
                by=staff,
            )  # fmt: skip
            services.add_collection_action(
                deficiency=deficiency,
                action=CollectionAction(kind="wage_garnishment", started_on=date(2026, 2, 1),
                                        note="Employer: county school district"),
                by=staff,
            )  # fmt: skip
            for received in (date(2026, 3, 1), date(2026, 6, 1)):
                services.add_recovery(
                    deficiency=deficiency,
                    recovery=Recovery(
                        received_on=received, amount=Decimal("1250.00"), source="garnishment"
                    ),
                    by=staff,
                )
        elif follow == "chapter7":
            services.record_bankruptcy(
                deficiency=deficiency,
                bankruptcy=Bankruptcy(chapter=7, case_number="26-30112", district="S.D. Ohio",
                                      filed_on=date(2026, 2, 1), discharged_on=date(2026, 6, 10)),
                by=staff,
            )  # fmt: skip
        elif follow == "waived":
            services.change_status(
                deficiency=deficiency, to="waived", by=staff,
                note="Waived in exchange for the borrower's cooperation in the sale.",
            )  # fmt: skip
    return made
