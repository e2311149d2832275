"""The matrix's one fixture world: two investors' sides, each with every object a route takes.

Side A belongs to `investor`; side B to `other` and `inv_att` (an investor who also holds
Attorney and reviews nothing: agreements on B go to `other_attorney`). `attorney` reviews
side A's agreements. Each side has:

- `portfolio`, `loan`: a liquidated loan whose deficiency (`deficiency`, with a suit, a
  judgment, a collection action and a recovery) is the subject of a DPO in review with the
  side's attorney (`review`, version 1 frozen with its PDF and a reviewer's comment);
- `loan_settled`: a liquidated loan whose deficiency (`deficiency_settled`, with a dismissed chapter 13
  filing) was settled by a DPO the attorney commented on and approved, then sent and signed
  (`signed`: signed copy, one payment);
- `loan_free`: a loan with nothing recorded, with a short-sale `draft` on it;
- `tape_import`: a loan-tape import waiting for its column mapping;
- `seller_mapping`: the side's seller's saved column mapping (staff edit and delete it).

Side A also has `loan_counsel` with `review_by_inv_att`, a DPO in review with `inv_att`
(their legitimate attorney powers, on a loan that is not theirs); side B has
`review_by_staff_att`, a DPO in review with `staff_att` (reassigned in the database: no
Staff holder may review, issue 8 item 2).

Users also include `staff` (drafted everything), `staff_att` (holds Staff and Attorney),
two admin targets: `superuser` and `staff2` (another staff member), and a deactivated
co-owner of side A whose calendar link must no longer work.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from deficiencies import services as deficiency_services
from deficiencies.models import (
    Bankruptcy,
    CalendarFeed,
    CollectionAction,
    DeficiencySuit,
    Judgment,
    Recovery,
)
from noteinvest.access import Role
from portfolios import services as portfolio_services
from portfolios.models import SellerColumnMapping
from settlements import services as settlement_services
from settlements.models import Agreement, ReviewBatch, ReviewBatchItem
from tests.factories import (
    agreement_in_review,
    draft_agreement,
    make_loan,
    make_portfolio,
    make_user,
    record_sale,
    signed_agreement,
)

# The user kinds of the matrix, in the order the tests list them.
USERS = (
    "anon",
    "investor",
    "other",
    "staff",
    "attorney",
    "other_attorney",
    "inv_att",
    "staff_att",
)
# Which side is each kind's own (the other side is the other investor's).
OWN_SIDE = {
    "anon": "a",
    "investor": "a",
    "other": "b",
    "staff": "a",
    "attorney": "a",
    "other_attorney": "b",
    "inv_att": "b",
    "staff_att": "a",
}
# The text of every reviewer's comment: internal to staff and counsel.
INTERNAL = "Internal review note: check the judgment figure"
ODD_TAPE = b"Acct,Obligor,Prop St,Bal\nA-1,Ann Lee,CA,100000.00\n"


@dataclass
class World:
    users: dict  # kind -> User (no entry for anon)
    sessions: dict  # kind -> session key of a logged-in session
    a: SimpleNamespace
    b: SimpleNamespace
    superuser: object
    staff2: object
    feed: CalendarFeed  # the investor's
    inactive_feed: CalendarFeed  # a deactivated co-owner's of side A

    def side(self, kind: str, which: str) -> SimpleNamespace:
        """`which` is "own" or "other", relative to the user kind."""
        own = OWN_SIDE[kind]
        name = own if which == "own" else ({"a": "b", "b": "a"}[own])
        return getattr(self, name)


def ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def _side(owners, staff, reviewer, prefix: str) -> SimpleNamespace:
    portfolio = make_portfolio(
        *owners,
        name=f"Matrix pool {prefix}",
        holder_legal_name=f"Matrix Fund {prefix} LLC",
        holder_address="1 Fund Way, Albany, NY 12207",
        seller=f"Seller {prefix}",
    )
    loan = make_loan(portfolio, f"{prefix}-1", property_address="1 Elm St")
    deficiency = record_sale(loan, staff, on=ago(180))
    deficiency_services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", county="Albany", case_number=f"{prefix}-S1",
                            filed_on=ago(150)),
        by=staff,
    )  # fmt: skip
    deficiency_services.record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=ago(120), amount=Decimal("60000.00"),
                          interest_rate=Decimal("9"), expires_on=ago(120) + timedelta(days=20 * 365)),
        by=staff,
    )  # fmt: skip
    deficiency_services.add_collection_action(
        deficiency=deficiency,
        action=CollectionAction(kind="wage_garnishment", started_on=ago(90)),
        by=staff,
    )
    deficiency_services.add_recovery(
        deficiency=deficiency,
        recovery=Recovery(received_on=ago(60), amount=Decimal("1000.00"),
                          source="garnishment"),
        by=staff,
    )  # fmt: skip
    review = agreement_in_review(loan, staff, reviewer)
    settlement_services.add_comment(
        agreement=review, section=None, body=f"{INTERNAL} (in review {prefix})", by=reviewer
    )

    loan_settled = make_loan(portfolio, f"{prefix}-2", property_address="2 Elm St")
    deficiency_settled = record_sale(loan_settled, staff, on=ago(170))
    deficiency_services.record_bankruptcy(
        deficiency=deficiency_settled,
        # Dismissed: an open case's stay would refuse the agreement's payment (§ 362(a)).
        bankruptcy=Bankruptcy(chapter=13, case_number=f"{prefix}-BK", district="N.D.N.Y.",
                              filed_on=ago(75), dismissed_on=ago(20)),
        by=staff,
    )  # fmt: skip
    signed = signed_agreement(
        loan_settled, staff, reviewer, paid="100.00", comment=f"{INTERNAL} (settled {prefix})"
    )

    loan_free = make_loan(portfolio, f"{prefix}-3", property_address="3 Elm St")
    draft = draft_agreement(loan_free, staff, kind="short_sale")
    # A review batch holding the draft (staff pages; its task never runs here).
    batch = ReviewBatch.objects.create(created_by=staff, reviewer=reviewer)
    ReviewBatchItem.objects.create(batch=batch, agreement=draft, expected_version=draft.version)
    tape_import = portfolio_services.start_tape_import(
        portfolio=portfolio,
        upload=SimpleUploadedFile("odd.csv", ODD_TAPE),
        by=staff,
        default_day_count="30/360",
        dry_run=True,
    )
    # The seller's saved column mapping (staff pages; created after the import above, which
    # it would otherwise have applied).
    seller_mapping = SellerColumnMapping.objects.create(
        seller=portfolio.seller, mapping={"loan_number": "Acct"}, updated_by=staff
    )
    for obj in (deficiency, deficiency_settled):
        obj.refresh_from_db()
    return SimpleNamespace(
        portfolio=portfolio,
        loan=loan,
        deficiency=deficiency,
        review=review,
        loan_settled=loan_settled,
        deficiency_settled=deficiency_settled,
        signed=signed,
        loan_free=loan_free,
        draft=draft,
        batch=batch,
        tape_import=tape_import,
        seller_mapping=seller_mapping,
    )


def build_world() -> World:
    users = {
        "investor": make_user(Role.INVESTOR, email="m-investor@example.com"),
        "other": make_user(Role.INVESTOR, email="m-other@example.com"),
        "staff": make_user(Role.STAFF, email="m-staff@example.com"),
        "attorney": make_user(Role.ATTORNEY, email="m-attorney@example.com"),
        "other_attorney": make_user(Role.ATTORNEY, email="m-other-attorney@example.com"),
        "inv_att": make_user(Role.INVESTOR, Role.ATTORNEY, email="m-inv-att@example.com"),
        "staff_att": make_user(Role.STAFF, Role.ATTORNEY, email="m-staff-att@example.com"),
    }
    staff = users["staff"]
    a = _side([users["investor"]], staff, users["attorney"], "MA")
    b = _side([users["other"], users["inv_att"]], staff, users["other_attorney"], "MB")
    # inv_att's work as counsel: a DPO on side A sent to them for review.
    a.loan_counsel = make_loan(a.portfolio, "MA-4", property_address="4 Elm St")
    a.review_by_inv_att = agreement_in_review(a.loan_counsel, staff, users["inv_att"])
    # staff_att as a reviewer (as before issue 8 item 2's fix): a DPO on side B, submitted
    # to an attorney, then reassigned to them in the database.
    b.loan_counsel = make_loan(b.portfolio, "MB-4", property_address="4 Elm St")
    b.review_by_staff_att = agreement_in_review(b.loan_counsel, staff, users["attorney"])
    Agreement.objects.filter(pk=b.review_by_staff_att.pk).update(reviewer=users["staff_att"])
    # Tokens shaped like the ones calendar_link makes (secrets.token_urlsafe(32)).
    feed = CalendarFeed.objects.create(user=users["investor"], token=secrets.token_urlsafe(32))
    gone = make_user(Role.INVESTOR, email="m-gone@example.com", is_active=False)
    gone.portfolios.add(a.portfolio)
    inactive_feed = CalendarFeed.objects.create(user=gone, token=secrets.token_urlsafe(32))
    sessions = {}
    for kind, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[kind] = client.session.session_key
    return World(
        users=users,
        sessions=sessions,
        a=a,
        b=b,
        superuser=make_user(email="m-root@example.com", is_staff=True, is_superuser=True),
        staff2=make_user(Role.STAFF, email="m-staff-two@example.com"),
        feed=feed,
        inactive_feed=inactive_feed,
    )
