"""The URL × role matrix: every route, every kind of user, own and other objects, GET and POST.

What it checks
--------------
The routes come from the URL configuration itself (`matrix.walk`, through every include).
Each one needs a `Case` in CASES below, or `test_every_route_has_an_expectation` fails and
lists it. The Django admin is left out (`admin:...`), except its entry points (index, login,
logout) and every named route of the accounts admin (`admin/accounts/...`: a new one fails
the suite too); Django's own account views (login, logout, password change and reset) are
in the table like any route.

For each case, each user kind (world.USERS: anon, investor, other, staff, attorney,
other_attorney, inv_att, staff_att), each side ("own": the objects the user may
legitimately reach; "other": the other investor's) and each method (GET, and POST with the
case's `data`, empty by default), the test client sends the request and the response must
be the outcome written in the table:

    ok      2xx, 3xx that is not a log-in redirect, or 400 (a form re-displayed with errors)
    login   a redirect to the log-in page (the site's or the admin's)
    403     the user's role may not use the page
    404     the object is outside the user's scope (exactly like a missing id)
    405     the method is not allowed (checked after the role, before the object)
    refused a rule forbids this action on an object the user may see (a Staff holder
            approving, a comment after approval): 403, or the app's way of reporting it,
            a redirect carrying an error message and no success message

A 500 (or an exception) always fails, naming the URL and the user. Every "ok" GET must also
carry `Cache-Control: private, no-store`. Wherever the other investor's object is looked up
(its cell is ok or 404), the same request with a missing id (every integer in the URL
replaced by 10**20) must answer 404, like an object out of scope. And every route refuses a
POST without its CSRF token (the matrix's client, like Django's, skips that check).
What the list pages show each user (nothing out of scope) is in test_lists.py.

The world (world.py) is built once per module in a transaction that is rolled back at the
end; each test runs inside a savepoint, so what one POST changes, the next test never sees.

Adding a route
--------------
Add one `Case` to CASES, next to its app's other routes:

    Case("deficiencies:detail",
         kwargs=lambda w, s: {"pk": s.deficiency.pk},   # s: the side tested (own or other)
         get=expect(owners_read(), attorney=(OK, F404)),  # a preset, then per-kind changes
         post=expect(owners_read(), attorney=(OK, F404))),

- `get` and `post` give every user kind a cell (`expect()` refuses a missing kind). Start
  from a preset — `everyone(OK)`, `logged_in()`, `staff_only()`, `owners_read()`,
  `admin_staff()` — and override kinds. A cell is one outcome, or an `(own, other)` pair.
- A URL without an object (or whose object does not depend on the side): `sided=False`.
- The same route with another object (an agreement in review, then a signed one): another
  Case with the same name and a `variant` label.
- A route that takes a POST body to reach its check: `data={...}` (or a function of the
  world, for a file).
- A cell is what the app must do: when a change alters an outcome on purpose, change its
  cell in the same commit, and say why in the commit message.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.security.matrix import (
    F403,
    F404,
    F405,
    OK,
    REFUSED,
    Case,
    admin_staff,
    client_for,
    everyone,
    expect,
    logged_in,
    login_paths,
    matches,
    owners_read,
    probes,
    routes,
    staff_only,
)

PDF = b"%PDF-1.4\n% a matrix probe, not a readable PDF\n"
COMMENT = {"body": "Matrix probe: a comment."}
NOTE = {"note": "Matrix probe: please change."}

# Staff-only pages that accept POST only: the role is checked first, then the method.
STAFF_POST_ONLY_GET = expect(staff_only(F405))
STAFF_FORM = expect(staff_only())


def _provision():
    """A provision to edit or review (the data files load theirs after a flush)."""
    from deficiencies.models import Provision

    provision, _ = Provision.objects.get_or_create(
        provision_id="NY-matrix-probe",
        defaults={"state_code": "NY", "kind": "other", "events": "foreclosure_sale",
                  "effect_note": "A matrix probe.", "confidence": "low"},
    )  # fmt: skip
    return provision


# --- agreements ----------------------------------------------------------------------------------
# Investors see an agreement of their own loans once approved; an attorney sees one while
# it is in review with them, and not after: attorney powers end with the review, then the
# investor rules apply (issue 8 item 7); staff see all. inv_att is an investor of side B
# who holds Attorney but reviews nothing: on B, the investor rules apply.
AGREEMENT_DRAFT = expect(
    logged_in(F404),
    staff=OK,
    staff_att=OK,
    inv_att=(F404, F404),
)
AGREEMENT_IN_REVIEW = expect(
    AGREEMENT_DRAFT,
    attorney=(OK, F404),
    other_attorney=(OK, F404),
)
AGREEMENT_SIGNED = expect(
    owners_read(),
    attorney=(F404, F404),
    other_attorney=(F404, F404),
)
# POST-only attorney actions: the role first (403), then the method (405 on GET).
ATTORNEY_POST_ONLY_GET = expect(
    logged_in(F403),
    attorney=F405,
    other_attorney=F405,
    inv_att=F405,
    staff_att=F405,
)
# Deciding on the agreement in review (approve, request changes): its reviewer only.
# inv_att's own side is an in-review draft they must not even see (item 7). Nobody who
# holds Staff reviews (item 2): staff_att sees every agreement, so the decision itself is
# refused (a redirect with the error message, or 403).
DECIDE_IN_REVIEW = expect(
    logged_in(F403),
    attorney=(OK, F404),
    other_attorney=(OK, F404),
    inv_att=(F404, F404),
    staff_att=REFUSED,
)
COMMENT_IN_REVIEW = expect(DECIDE_IN_REVIEW, staff_att=REFUSED)
# After approval nobody comments: the reviewer no longer sees the agreement; an investor
# who holds Attorney sees it as an investor, who may not comment (item 7).
COMMENT_AFTER_APPROVAL = expect(
    logged_in(F403),
    attorney=(F404, F404),
    other_attorney=(F404, F404),
    inv_att=(REFUSED, F404),
    staff_att=REFUSED,
)

# Resolving a comment is POST-only, for staff and attorneys: the role first, then the method.
RESOLVE_GET = expect(ATTORNEY_POST_ONLY_GET, staff=F405, staff_att=F405)


def _rider_of(agreement) -> int:
    from settlements.models import Rider

    rider, _ = Rider.objects.get_or_create(
        agreement=agreement,
        title="Access",
        defaults={"body": "Access once.", "added_by": agreement.drafted_by},
    )
    return rider.pk


def _comment_of(agreement) -> int:
    from settlements.models import ReviewComment

    return ReviewComment.objects.filter(version__agreement=agreement).first().pk


# inv_att reviewing side A's agreement sent to them: attorney powers apply there.
COUNSEL_INV_ATT = expect(logged_in(F404), staff=OK, staff_att=OK, inv_att=OK)
COUNSEL_INV_ATT_DECIDE = expect(
    logged_in(F403),
    attorney=F404,
    other_attorney=F404,
    inv_att=OK,
    staff_att=REFUSED,
)
COUNSEL_INV_ATT_COMMENT = expect(COUNSEL_INV_ATT_DECIDE, staff_att=REFUSED)

# staff_att as the reviewer of side B's agreement (assigned before item 2's fix offered
# no Staff holder as reviewer): they still see it as staff, and may not review it.
COUNSEL_STAFF_ATT = expect(logged_in(F404), staff=OK, staff_att=OK, inv_att=F404)
COUNSEL_STAFF_ATT_POST = expect(
    logged_in(F403),
    attorney=F404,
    other_attorney=F404,
    inv_att=F404,
    staff_att=REFUSED,
)

# --- the clause library -------------------------------------------------------------------------
# Attorneys and staff read it (investors 403); attorneys write (staff 403). A clause is found
# by its key: an unknown key answers 404 to whoever may use the page.
CLAUSES_READ = expect(
    logged_in(F403), staff=OK, staff_att=OK, attorney=OK, other_attorney=OK, inv_att=OK
)
CLAUSES_WRITE = expect(logged_in(F403), attorney=OK, other_attorney=OK, inv_att=OK, staff_att=OK)


def _clauses(base: dict, outcome: str) -> dict:
    """`base` with `outcome` for every kind it lets in."""
    return expect(base, **{kind: outcome for kind, cell in base.items() if cell == OK})


# --- deficiencies ----------------------------------------------------------------------------------
# An attorney sees a deficiency while an agreement about it is in review with them, and
# not after (item 7, deficiencies part).
DEFICIENCY_IN_REVIEW = expect(owners_read(), attorney=(OK, F404), other_attorney=(OK, F404))
LOAN_IN_REVIEW = DEFICIENCY_IN_REVIEW
DEFICIENCY_SETTLED = expect(
    owners_read(),
    attorney=(F404, F404),
    other_attorney=(F404, F404),
)

# --- the accounts admin (item 1) -----------------------------------------------------------
# Staff manage investor accounts; an attorney's account is read-only to them but for
# deactivating it and mailing a reset link to its address (the page takes their POST). A
# superuser's or another staff member's change page is read-only to them (a POST is
# refused), they never type anyone's password, and mail a reset link only to investors and
# attorneys.
ADMIN_FORBIDDEN = expect(admin_staff(F403))
ADMIN_READ_ONLY = expect(admin_staff())


def _admin_user(target):
    return lambda w, s: {"object_id": getattr(w, target).pk}


def _admin_id(target):
    return lambda w, s: {"id": getattr(w, target).pk}


CASES = [
    # --- site -------------------------------------------------------------------------------
    Case("home", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    Case("healthz", sided=False, get=expect(everyone(OK)), post=expect(everyone(F405))),
    # The search box: every role searches what it may see (what it finds: test_lists.py).
    Case("search:results", sided=False, get=expect(logged_in()), post=expect(logged_in(F405))),
    # Each person's own e-mail choices (no object id: nobody can reach another's).
    Case(
        "notifications:preferences",
        sided=False,
        get=expect(logged_in()),
        post=expect(logged_in()),
    ),  # fmt: skip
    # --- Django's account views -------------------------------------------------------------
    # The log-in page sends a logged-in user home.
    Case("login", sided=False, get=expect(everyone(OK)), post=expect(everyone(OK))),
    Case("logout", sided=False, get=expect(everyone(F405)), post=expect(everyone(OK))),
    Case("password_change", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    Case(
        "password_change_done",
        sided=False,
        get=expect(logged_in()),
        post=expect(logged_in(F405)),
    ),
    Case("password_reset", sided=False, get=expect(everyone(OK)), post=expect(everyone(OK))),
    Case("password_reset_done", sided=False, get=expect(everyone(OK)), post=expect(everyone(F405))),
    Case(
        "password_reset_confirm",
        variant="bad link",
        sided=False,
        kwargs=lambda w, s: {"uidb64": "MA", "token": "set-password"},
        get=expect(everyone(OK)),
        post=expect(everyone(OK)),
    ),
    Case(
        "password_reset_complete",
        sided=False,
        get=expect(everyone(OK)),
        post=expect(everyone(F405)),
    ),
    # --- portfolios and loans ---------------------------------------------------------------
    Case("portfolios:list", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    Case("portfolios:create", sided=False, get=STAFF_FORM, post=STAFF_FORM),
    Case(
        "portfolios:detail",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=expect(owners_read()),
        post=expect(owners_read()),
    ),
    Case(
        "portfolios:edit",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:export",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=expect(owners_read()),
        post=expect(owners_read()),
    ),
    Case(
        "portfolios:loan_create",
        kwargs=lambda w, s: {"portfolio_pk": s.portfolio.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_start",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_detail",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_status",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_problems",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_cancel",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_POST_ONLY_GET,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_checked",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_POST_ONLY_GET,
        post=STAFF_FORM,
    ),
    # Corrections (issue 14): staff only, confirm on GET, act on POST with a reason (the
    # matrix's empty POST re-displays the form). The history: staff and investors (their own).
    Case(
        "portfolios:correct",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:loan_correct",
        kwargs=lambda w, s: {"pk": s.loan_free.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:import_delete",
        kwargs=lambda w, s: {"pk": s.tape_import.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:corrections",
        sided=False,
        get=expect(logged_in(), attorney=F403, other_attorney=F403),
        post=expect(logged_in(F405), attorney=F403, other_attorney=F403),
    ),
    # Sellers' saved column mappings: staff only, every seller's (staff see everything).
    Case("portfolios:mappings", sided=False, get=STAFF_FORM, post=expect(staff_only(F405))),
    Case(
        "portfolios:mapping_edit",
        kwargs=lambda w, s: {"pk": s.seller_mapping.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "portfolios:mapping_delete",
        kwargs=lambda w, s: {"pk": s.seller_mapping.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    # The reviewing attorney reads the loan of an agreement in review with them (issue 12);
    # once the review ends (the settled loan's agreement was approved), 404 again.
    Case(
        "portfolios:loan_detail",
        variant="agreement in review",
        kwargs=lambda w, s: {"pk": s.loan.pk},
        get=LOAN_IN_REVIEW,
        post=LOAN_IN_REVIEW,
    ),
    Case(
        "portfolios:loan_detail",
        variant="agreement signed",
        kwargs=lambda w, s: {"pk": s.signed.loan_id},
        get=expect(owners_read()),
        post=expect(owners_read()),
    ),
    Case(
        "portfolios:loan_edit",
        kwargs=lambda w, s: {"pk": s.loan.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    # --- deficiencies -----------------------------------------------------------------------
    Case(
        "deficiencies:record",
        kwargs=lambda w, s: {"loan_pk": s.loan_free.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "deficiencies:detail",
        variant="in review",
        kwargs=lambda w, s: {"pk": s.deficiency.pk},
        get=DEFICIENCY_IN_REVIEW,
        post=DEFICIENCY_IN_REVIEW,
    ),
    Case(
        "deficiencies:detail",
        variant="settled",
        kwargs=lambda w, s: {"pk": s.deficiency_settled.pk},
        get=DEFICIENCY_SETTLED,
        post=DEFICIENCY_SETTLED,
    ),
    Case(
        "deficiencies:reverse",
        kwargs=lambda w, s: {"pk": s.deficiency.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "deficiencies:edit_event",
        kwargs=lambda w, s: {"pk": s.deficiency.pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    *(
        Case(
            f"deficiencies:{name}",
            kwargs=lambda w, s: {"pk": s.deficiency.pk},
            get=STAFF_POST_ONLY_GET,
            post=STAFF_FORM,
        )
        for name in (
            "status",
            "suit",
            "judgment",
            "judgment_renewal",
            "answer",
            "bankruptcy",
            "action",
            "recovery",
        )
    ),
    Case(
        "deficiencies:portfolio",
        kwargs=lambda w, s: {"pk": s.portfolio.pk},
        get=expect(owners_read()),
        post=expect(owners_read()),
    ),
    Case("deficiencies:deadlines", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    Case(
        "deficiencies:calendar_link",
        sided=False,
        get=expect(logged_in(F405)),
        post=expect(logged_in()),
    ),
    # The feed needs no log-in: its token is the key.
    Case(
        "deficiencies:calendar",
        variant="valid token",
        sided=False,
        kwargs=lambda w, s: {"token": w.feed.token},
        get=expect(everyone(OK)),
        post=expect(everyone(OK)),
    ),
    Case(
        "deficiencies:calendar",
        variant="deactivated user's token",
        sided=False,
        kwargs=lambda w, s: {"token": w.inactive_feed.token},
        get=expect(everyone(F404)),
        post=expect(everyone(F404)),
    ),
    *(
        Case(
            "deficiencies:calendar",
            variant=variant,
            sided=False,
            kwargs=lambda w, s, token=token: {"token": token},
            get=expect(everyone(F404)),
            post=expect(everyone(F404)),
        )
        for variant, token in (
            ("unknown token", "A" * 43),
            ("malformed token", "no such token!"),
        )
    ),
    Case("deficiencies:rules", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    Case(
        "deficiencies:rule_detail",
        sided=False,
        kwargs=lambda w, s: {"code": "NY"},
        get=expect(logged_in()),
        post=expect(logged_in()),
    ),
    Case(
        "deficiencies:rule_edit",
        sided=False,
        kwargs=lambda w, s: {"code": "NY"},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "deficiencies:rule_review",
        sided=False,
        kwargs=lambda w, s: {"code": "NY"},
        data={"version": "1"},
        get=ATTORNEY_POST_ONLY_GET,
        post=expect(logged_in(F403), attorney=OK, other_attorney=OK, inv_att=OK, staff_att=OK),
    ),
    Case(
        "deficiencies:provision_edit",
        sided=False,
        kwargs=lambda w, s: {"pk": _provision().pk},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    # Counsel's review mark: attorneys only (Staff edit provisions, attorneys review them).
    Case(
        "deficiencies:provision_review",
        sided=False,
        kwargs=lambda w, s: {"pk": _provision().pk},
        data={"version": "1"},
        get=ATTORNEY_POST_ONLY_GET,
        post=expect(logged_in(F403), attorney=OK, other_attorney=OK, inv_att=OK, staff_att=OK),
    ),
    # --- settlements ------------------------------------------------------------------------
    Case("settlements:list", sided=False, get=expect(logged_in()), post=expect(logged_in())),
    # The background page (issue 13): workers, daily jobs, tasks; staff only.
    Case("background", sided=False, get=STAFF_FORM, post=STAFF_POST_ONLY_GET),
    # Review batches (issue 13): staff send drafts for review several at once.
    Case("settlements:batch_new", sided=False, get=STAFF_POST_ONLY_GET, post=STAFF_FORM),
    Case(
        "settlements:batch",
        sided=False,
        kwargs=lambda w, s: {"pk": w.a.batch.pk},
        get=STAFF_FORM,
        post=STAFF_POST_ONLY_GET,
    ),
    # Verifying a PDF: staff and attorneys (any attorney, with or without an agreement).
    Case(
        "settlements:verify",
        sided=False,
        data=lambda w: {"file": SimpleUploadedFile("probe.pdf", PDF, "application/pdf")},
        get=expect(
            logged_in(F403), staff=OK, attorney=OK, other_attorney=OK, inv_att=OK, staff_att=OK
        ),
        post=expect(
            logged_in(F403), staff=OK, attorney=OK, other_attorney=OK, inv_att=OK, staff_att=OK
        ),
    ),
    Case(
        "settlements:start",
        kwargs=lambda w, s: {"loan_pk": s.loan_free.pk},
        get=STAFF_POST_ONLY_GET,
        post=STAFF_FORM,
    ),
    Case(
        "settlements:detail",
        variant="draft",
        kwargs=lambda w, s: {"pk": s.draft.pk},
        get=AGREEMENT_DRAFT,
        post=AGREEMENT_DRAFT,
    ),
    Case(
        "settlements:detail",
        variant="in review",
        kwargs=lambda w, s: {"pk": s.review.pk},
        get=AGREEMENT_IN_REVIEW,
        post=AGREEMENT_IN_REVIEW,
    ),
    Case(
        "settlements:detail",
        variant="signed",
        kwargs=lambda w, s: {"pk": s.signed.pk},
        get=AGREEMENT_SIGNED,
        post=AGREEMENT_SIGNED,
    ),
    Case(
        "settlements:detail",
        variant="in review with inv_att",
        sided=False,
        kwargs=lambda w, s: {"pk": w.a.review_by_inv_att.pk},
        get=COUNSEL_INV_ATT,
        post=COUNSEL_INV_ATT,
    ),
    Case(
        "settlements:pdf",
        variant="in review with inv_att",
        sided=False,
        kwargs=lambda w, s: {"pk": w.a.review_by_inv_att.pk, "number": 1},
        get=COUNSEL_INV_ATT,
        post=COUNSEL_INV_ATT,
    ),
    *(
        Case(
            name,
            variant="in review with inv_att",
            sided=False,
            kwargs=lambda w, s: {"pk": w.a.review_by_inv_att.pk},
            data=data,
            get=ATTORNEY_POST_ONLY_GET,
            post=post,
        )
        for name, data, post in (
            ("settlements:comment", COMMENT, COUNSEL_INV_ATT_COMMENT),
            ("settlements:request_changes", NOTE, COUNSEL_INV_ATT_DECIDE),
            ("settlements:approve", {}, COUNSEL_INV_ATT_DECIDE),
        )
    ),
    Case(
        "settlements:detail",
        variant="in review with staff_att",
        sided=False,
        kwargs=lambda w, s: {"pk": w.b.review_by_staff_att.pk},
        get=COUNSEL_STAFF_ATT,
        post=COUNSEL_STAFF_ATT,
    ),
    *(
        Case(
            name,
            variant="in review with staff_att",
            sided=False,
            kwargs=lambda w, s: {"pk": w.b.review_by_staff_att.pk},
            data=data,
            get=ATTORNEY_POST_ONLY_GET,
            post=COUNSEL_STAFF_ATT_POST,
        )
        for name, data in (
            ("settlements:comment", COMMENT),
            ("settlements:request_changes", NOTE),
            ("settlements:approve", {}),
        )
    ),
    Case(
        "settlements:edit",
        kwargs=lambda w, s: {"pk": s.draft.pk, "step": "parties"},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "settlements:preview",
        kwargs=lambda w, s: {"pk": s.draft.pk, "step": "parties"},
        get=STAFF_POST_ONLY_GET,
        post=STAFF_FORM,
    ),
    Case(
        "settlements:comment",
        variant="in review",
        kwargs=lambda w, s: {"pk": s.review.pk},
        data=COMMENT,
        get=ATTORNEY_POST_ONLY_GET,
        post=COMMENT_IN_REVIEW,
    ),
    Case(
        "settlements:comment",
        variant="signed",
        kwargs=lambda w, s: {"pk": s.signed.pk},
        data=COMMENT,
        get=ATTORNEY_POST_ONLY_GET,
        post=COMMENT_AFTER_APPROVAL,
    ),
    # Resolving a review comment: staff, or the attorney reviewing the agreement now; after
    # approval nobody (refused to those who still see the agreement).
    Case(
        "settlements:resolve_comment",
        variant="in review",
        kwargs=lambda w, s: {"pk": s.review.pk, "comment_pk": _comment_of(s.review)},
        get=RESOLVE_GET,
        post=expect(
            logged_in(F403),
            staff=OK,
            staff_att=OK,
            attorney=(OK, F404),
            other_attorney=(OK, F404),
            inv_att=(F404, F404),
        ),
    ),
    Case(
        "settlements:resolve_comment",
        variant="signed",
        kwargs=lambda w, s: {"pk": s.signed.pk, "comment_pk": _comment_of(s.signed)},
        get=RESOLVE_GET,
        post=expect(
            logged_in(F403),
            staff=REFUSED,
            staff_att=REFUSED,
            attorney=(F404, F404),
            other_attorney=(F404, F404),
            inv_att=(REFUSED, F404),
        ),
    ),
    # Approving a rider: the reviewing attorney only, like a decision.
    Case(
        "settlements:approve_rider",
        kwargs=lambda w, s: {"pk": s.review.pk, "rider_pk": _rider_of(s.review)},
        get=ATTORNEY_POST_ONLY_GET,
        post=DECIDE_IN_REVIEW,
    ),
    Case(
        "settlements:edit",
        variant="riders",
        kwargs=lambda w, s: {"pk": s.draft.pk, "step": "riders"},
        get=STAFF_FORM,
        post=STAFF_FORM,
    ),
    Case(
        "settlements:request_changes",
        kwargs=lambda w, s: {"pk": s.review.pk},
        data=NOTE,
        get=ATTORNEY_POST_ONLY_GET,
        post=DECIDE_IN_REVIEW,
    ),
    Case(
        "settlements:approve",
        kwargs=lambda w, s: {"pk": s.review.pk},
        get=ATTORNEY_POST_ONLY_GET,
        post=DECIDE_IN_REVIEW,
    ),
    *(
        Case(
            f"settlements:{name}",
            kwargs=lambda w, s: {"pk": s.signed.pk},
            get=STAFF_POST_ONLY_GET,
            post=STAFF_FORM,
            data=data,
        )
        for name, data in (
            ("sent", {}),
            # These two check the form before the agreement: a valid body reaches the lookup.
            ("signed", lambda w: {"version": "1", "file": SimpleUploadedFile("s.pdf", PDF)}),
            ("payment", lambda w: {"received_on": str(timezone.localdate()), "amount": "1.00"}),
            ("status", {}),
        )
    ),
    Case(
        "settlements:signed_pdf",
        kwargs=lambda w, s: {"pk": s.signed.pk},
        get=AGREEMENT_SIGNED,
        post=AGREEMENT_SIGNED,
    ),
    Case(
        "settlements:pdf",
        variant="in review",
        kwargs=lambda w, s: {"pk": s.review.pk, "number": 1},
        get=AGREEMENT_IN_REVIEW,
        post=AGREEMENT_IN_REVIEW,
    ),
    Case(
        "settlements:pdf",
        variant="approved",
        kwargs=lambda w, s: {"pk": s.signed.pk, "number": s.signed.approved_version.number},
        get=AGREEMENT_SIGNED,
        post=AGREEMENT_SIGNED,
    ),
    # --- the clause library: attorneys and staff read, attorneys write (issue 12) -------------
    Case("settlements:clauses", sided=False, get=CLAUSES_READ, post=CLAUSES_READ),
    Case("settlements:clause_new", sided=False, get=CLAUSES_WRITE, post=CLAUSES_WRITE),
    Case(
        "settlements:clause_preview",
        sided=False,
        data={"title": "Probe", "body": "Loan {loan_number}.", "kinds": "dpo"},
        get=ATTORNEY_POST_ONLY_GET,
        post=CLAUSES_WRITE,
    ),
    *(
        Case(
            name,
            variant=variant,
            sided=False,
            kwargs=lambda w, s, key=key: {"key": key},
            get=get,
            post=post,
        )
        for key, variant, found in (("notices", "", OK), ("no-such-clause", "unknown key", F404))
        for name, get, post in (
            ("settlements:clause", _clauses(CLAUSES_READ, found), _clauses(CLAUSES_READ, found)),
            (
                "settlements:clause_edit",
                _clauses(CLAUSES_WRITE, found),
                _clauses(CLAUSES_WRITE, found),
            ),
            # No draft awaits approval: the attorney's decision is refused with a message.
            (
                "settlements:clause_approve",
                ATTORNEY_POST_ONLY_GET,
                _clauses(CLAUSES_WRITE, REFUSED if found == OK else F404),
            ),
            (
                "settlements:clause_withdraw",
                ATTORNEY_POST_ONLY_GET,
                _clauses(CLAUSES_WRITE, REFUSED if found == OK else F404),
            ),
        )
    ),
    # --- the admin: its entry points and the accounts admin ---------------------------------
    Case("admin:index", sided=False, get=expect(admin_staff()), post=expect(admin_staff())),
    Case("admin:login", sided=False, get=expect(everyone(OK)), post=expect(everyone(OK))),
    # Without admin access, the admin's log-out sends to the admin's index (then to log in).
    Case(
        "admin:logout",
        sided=False,
        get=expect(everyone(OK), staff=F405, staff_att=F405),
        post=expect(everyone(OK)),
    ),
    Case(
        "admin:accounts_user_changelist",
        sided=False,
        get=expect(admin_staff()),
        post=expect(admin_staff()),
    ),
    Case(
        "admin:accounts_user_add",
        sided=False,
        get=expect(admin_staff()),
        post=expect(admin_staff()),
    ),
    *(
        Case(
            "admin:accounts_user_change",
            variant=kind,
            sided=False,
            kwargs=lambda w, s, kind=kind: {"object_id": w.users[kind].pk},
            get=expect(admin_staff()),
            post=expect(admin_staff()),
        )
        for kind in ("investor", "attorney")
    ),
    Case(
        "admin:accounts_user_change",
        variant="superuser",
        sided=False,
        kwargs=_admin_user("superuser"),
        get=ADMIN_READ_ONLY,
        post=ADMIN_FORBIDDEN,
    ),
    Case(
        "admin:accounts_user_change",
        variant="staff member",
        sided=False,
        kwargs=_admin_user("staff2"),
        get=ADMIN_READ_ONLY,
        post=ADMIN_FORBIDDEN,
    ),
    *(
        Case(
            "admin:auth_user_password_change",
            variant=variant,
            sided=False,
            kwargs=kwargs,
            get=ADMIN_FORBIDDEN,
            post=ADMIN_FORBIDDEN,
        )
        for variant, kwargs in (
            ("investor", lambda w, s: {"id": w.users["investor"].pk}),
            ("attorney", lambda w, s: {"id": w.users["attorney"].pk}),
            ("superuser", _admin_id("superuser")),
            ("staff member", _admin_id("staff2")),
        )
    ),
    *(
        Case(
            "admin:accounts_user_send_reset_link",
            variant=variant,
            sided=False,
            kwargs=kwargs,
            get=expect(admin_staff(outcome)),
            post=expect(admin_staff(outcome)),
        )
        for variant, kwargs, outcome in (
            ("investor", lambda w, s: {"id": w.users["investor"].pk}, OK),
            ("attorney", lambda w, s: {"id": w.users["attorney"].pk}, OK),
            ("superuser", _admin_id("superuser"), F403),
            ("staff member", _admin_id("staff2"), F403),
        )
    ),
    Case(
        "admin:accounts_user_history",
        variant="investor",
        sided=False,
        kwargs=lambda w, s: {"object_id": w.users["investor"].pk},
        get=expect(admin_staff()),
        post=expect(admin_staff()),
    ),
    # Staff hold no delete permission: accounts are deactivated, never deleted.
    Case(
        "admin:accounts_user_delete",
        variant="investor",
        sided=False,
        kwargs=lambda w, s: {"object_id": w.users["investor"].pk},
        get=expect(admin_staff(F403)),
        post=expect(admin_staff(F403)),
    ),
]


def needs_expectation(key: str, pattern: str) -> bool:
    """Every route but the Django admin's; of the admin, its entry points (in CASES) and
    every named route of the accounts admin (staff manage accounts there)."""
    if not key.startswith(("admin:", "admin/")):
        return True
    return key.startswith("admin:") and pattern.startswith("admin/accounts/")


PROBES = probes(CASES)


@pytest.mark.parametrize("probe", [pytest.param(p, id=p.id) for p in PROBES])
def test_route(probe, world, db):
    url = reverse(probe.case.name, kwargs=probe.kwargs(world))
    client = client_for(world, probe.user)
    where = f"{probe.method} {url} as {probe.user}"
    where += f" ({probe.which} objects)" if probe.case.sided else ""
    try:
        response = (
            client.get(url) if probe.method == "GET" else client.post(url, probe.case.body(world))
        )
    except Exception as exc:  # noqa: BLE001 - any exception is a 500: name the request
        pytest.fail(f"{where} raised {exc!r}")
    if response.status_code >= 500:
        pytest.fail(f"{where} answered {response.status_code}")
    expected = probe.expected
    ok, got = matches(expected, response, login_paths())
    detail = f" -> {response.get('Location')}" if response.has_header("Location") else ""
    assert ok, f"{where}: expected {expected}, got {got} ({response.status_code}{detail})"
    if probe.method == "GET" and got == OK:
        cache_control = response.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, (
            f"{where}: Cache-Control is {cache_control!r}"
        )


@pytest.mark.parametrize("user", ["anon", "staff"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in CASES])
def test_a_post_without_its_csrf_token_is_refused(case, user, world, db):
    # The matrix's client skips CSRF checks (as Django's does); a browser's forged POST
    # carries no token: every route refuses it before its view runs.
    client = client_for(world, user)
    client.handler.enforce_csrf_checks = True
    url = reverse(case.name, kwargs=case.kwargs(world, world.a))
    response = client.post(url, case.body(world))
    assert response.status_code == 403, f"POST {url} as {user}: {response.status_code}"
    assert "403_csrf.html" in [t.name for t in response.templates], "not the CSRF refusal"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
@pytest.mark.parametrize(
    ("name", "method", "user"),
    [
        ("login", "GET", "investor"),  # a logged-in user is sent on at once
        ("logout", "POST", "investor"),
        ("logout", "POST", "anon"),
        ("admin:login", "GET", "staff"),
        ("admin:logout", "POST", "staff"),
    ],
)
def test_next_never_leaves_the_site(name, method, user, target, world, db):
    client = client_for(world, user)
    url = f"{reverse(name)}?next={target}"
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 302, f"{method} {url} as {user}: {response.status_code}"
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_every_route_has_an_expectation():
    covered = {case.name for case in CASES}
    missing = [
        f"{key} ({route.pattern})"
        for key, route in routes().items()
        if key not in covered and needs_expectation(key, route.pattern)
    ]
    assert not missing, "Routes without an expectation in tests/security/test_matrix.py: " + (
        ", ".join(missing)
    )


def test_every_expectation_names_a_route():
    known = set(routes())
    stale = sorted({case.name for case in CASES} - known)
    assert not stale, f"Expectations for routes that no longer exist: {', '.join(stale)}"


def test_sided_cases_and_only_they_depend_on_the_side(world, db):
    # A "sided" case whose URL ignores the side would test the same object twice and call
    # one of them the other investor's; an unsided one would hide a side.
    for case in CASES:
        own = reverse(case.name, kwargs=case.kwargs(world, world.a))
        other = reverse(case.name, kwargs=case.kwargs(world, world.b))
        assert (own != other) == case.sided, case.label
