"""Settlement agreement pages: start from a loan, draft step by step with a live preview,
submit for review, the attorney's review (comments, redline, request changes, approve),
and the stored PDFs. Objects come through `noteinvest.access`: out of scope is a 404."""

import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BinaryField
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from noteinvest.access import Role, get_visible_or_404, has_role, role_required
from noteinvest.sorting import sort_by
from portfolios.models import Loan
from settlements import clauses, library, services
from settlements import verify as verify_pdf
from settlements.batch_views import batch_reviewers
from settlements.forms import (
    CommentForm,
    DecisionForm,
    DpoTermsForm,
    InstallmentFormSet,
    PartiesForm,
    PaymentForm,
    RiderFormSet,
    ShortSaleTermsForm,
    SignedUploadForm,
    StartForm,
    SubmitForm,
)
from settlements.models import (
    Agreement,
    AgreementVersion,
    Kind,
    ReviewBatch,
    ReviewComment,
    Rider,
    Status,
    acts_as_reviewer,
    review_refusal,
)
from settlements.redline import compare
from settlements.terms import terms_for
from settlements.verify import VerifyForm

STEPS = [
    ("parties", "Parties"),
    ("terms", "Terms"),
    ("payments", "Payments"),
    ("riders", "Riders"),
    ("review", "Check and submit"),
]


def _agreement(request, pk) -> Agreement:
    """The agreement if the user may see it (`Agreement.objects.visible_to`), else 404."""
    return get_visible_or_404(
        Agreement.objects.select_related("loan__portfolio", "drafted_by", "reviewer", "deficiency"),
        request.user,
        pk=pk,
    )


def _internal(user, agreement) -> bool:
    """Staff, and the attorney reviewing it now, read drafts, every version, the comments
    and the notes in the history; everyone else what an investor reads."""
    return has_role(user, Role.STAFF) or acts_as_reviewer(user, agreement)


# Only what a list shows: a row with an out-of-range stored amount never breaks a list.
LIST_FIELDS = (
    "number", "kind", "status", "created_at", "version", "loan", "loan__loan_number",
    "loan__portfolio_id", "reviewer", "reviewer__email", "drafted_by", "drafted_by__email",
)  # fmt: skip


OUTCOME_FIELDS = (
    "completed_on", "received_total", "forgiven_total", "forgiven_principal", "forgiven_other",
)  # fmt: skip


def loan_panel(request, loan) -> str:
    agreements = list(
        Agreement.objects.visible_to(request.user)
        .filter(loan=loan)
        .select_related("loan", "reviewer", "drafted_by")
        .only(*LIST_FIELDS, *OUTCOME_FIELDS)
    )
    if not agreements and not has_role(request.user, Role.STAFF):
        return ""
    return render_to_string(
        "settlements/_loan_panel.html",
        {
            "loan": loan,
            "agreements": agreements,
            "staff": has_role(request.user, Role.STAFF),
            "liquidated": hasattr(loan, "liquidation"),
            "settled": loan.status in services.SETTLED_LOAN,
            "parties_refusal": services.parties_refusal([b.name for b in loan.borrowers.all()]),
        },
        request=request,
    )


# --- lists ------------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    user = request.user
    agreements = (
        Agreement.objects.visible_to(user)
        .select_related("loan", "reviewer", "drafted_by")
        .only(*LIST_FIELDS)
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        agreements = agreements.filter(status=status)
    agreements, sorting = sort_by(request, agreements, AGREEMENT_COLUMNS)
    queue = []
    if has_role(user, Role.ATTORNEY):
        queue = [
            a
            for a in agreements.filter(reviewer=user, status=Status.IN_REVIEW)
            if acts_as_reviewer(user, a)
        ]
    return render(
        request,
        "settlements/agreement_list.html",
        {
            "agreements": agreements[:200],
            "queue": queue,
            "status": status,
            "statuses": Status.choices,
            # Who reviews is internal: an investor reads the firm's decision, not the name.
            "show_reviewer": has_role(user, Role.STAFF),
            # Staff send drafts for review several at a time (settlements.batch_views).
            "batch_reviewers": batch_reviewers() if has_role(user, Role.STAFF) else None,
            "batches": (
                ReviewBatch.objects.filter(created_by=user)[:5]
                if has_role(user, Role.STAFF)
                else []
            ),
            **sorting,
            "active_nav": "settlements",
        },
    )


AGREEMENT_COLUMNS = {
    "number": ("number",),
    "kind": ("kind",),
    "loan": ("loan__loan_number",),
    "status": ("status",),
    "reviewer": ("reviewer__email",),
}


# --- drafting ------------------------------------------------------------------------------------


@role_required(Role.STAFF)
@require_POST
def start(request, loan_pk):
    loan = get_visible_or_404(Loan.objects.select_related("portfolio"), request.user, pk=loan_pk)
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the kind of agreement.")
        return redirect(loan)
    try:
        agreement = services.start_draft(loan=loan, kind=form.cleaned_data["kind"], by=request.user)
    except services.BorrowersNotNamed as exc:
        messages.error(request, _enter_names(exc, loan))
        return redirect(loan)
    except services.LiveAgreementExists as exc:
        messages.info(request, str(exc))
        return redirect(exc.agreement)
    except services.AgreementError as exc:
        messages.error(request, str(exc))
        return redirect(loan)
    messages.success(request, f"Draft {agreement.number} started from the loan's figures.")
    return redirect("settlements:edit", pk=agreement.pk, step="parties")


def _enter_names(message, loan) -> str:
    """A refusal for borrowers without names, with the link to the loan's form."""
    return format_html(
        '{} <a href="{}" class="alert-link">Enter the borrowers in the loan\'s form</a>.',
        str(message),
        reverse("portfolios:loan_edit", args=[loan.pk]),
    )


def _step_forms(agreement, step, data=None):
    if step == "parties":
        return PartiesForm(data, instance=agreement), None
    if step == "terms":
        cls = DpoTermsForm if agreement.kind == Kind.DPO else ShortSaleTermsForm
        return cls(data, instance=agreement), None
    if step == "payments" and agreement.kind == Kind.DPO:
        form = DpoTermsForm(None, instance=agreement)
        formset = InstallmentFormSet(data, instance=agreement, prefix="inst")
        return form, formset
    if step == "riders":
        return None, RiderFormSet(data, instance=agreement, prefix="rider")
    raise Http404("No such step.")


def _steps(agreement):
    return [(k, label) for k, label in STEPS if k != "payments" or agreement.kind == Kind.DPO]


# The drafting step that edits each section (by its title); any other section is a term.
PARTIES_SECTIONS = (
    "Governing Law", "Counterparts and Electronic Signatures", "Notices",
    "Borrower's Hardship", "Debt Collector Notices",
)  # fmt: skip


def _steps_of(title: str, agreement) -> set[str]:
    if title.startswith("Parties") or title in PARTIES_SECTIONS:
        return {"parties"}
    if title.startswith(library.RIDER_PREFIX):
        return {"riders"}
    if title == "Settlement Payment" and agreement.kind == Kind.DPO:
        return {"terms", "payments"}  # the amount on one, the installments on the other
    return {"terms"}


def comments_for_step(agreement, step: str) -> list:
    """The open review comments staff should read on this drafting step: a comment on a
    section on the step that edits that section (by the section's title in the version it
    was written on), a comment on the whole on every step."""
    titles: dict[int, list[str]] = {}
    shown = []
    for c in services.open_comments(agreement).select_related("author", "version"):
        if c.section is None:
            shown.append(c)
            continue
        if c.version_id not in titles:
            titles[c.version_id] = [t for t, _ in clauses.sections(c.version.terms)]
        names = titles[c.version_id]
        title = names[c.section - 1] if 0 < c.section <= len(names) else ""
        if step in _steps_of(title, agreement):
            shown.append(c)
    return shown


def _preview(agreement, riders=None) -> str:
    terms = terms_for(agreement, version_number=agreement.versions.count() + 1)
    if riders is not None:  # the riders step's unsaved rows
        terms["riders"] = riders
    return render_to_string(
        "settlements/_preview.html",
        {"terms": terms, "title": clauses.title(terms), "sections": clauses.sections(terms)},
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def edit(request, pk, step):
    agreement = _agreement(request, pk)
    if agreement.status not in (Status.DRAFT, Status.CHANGES_REQUESTED):
        messages.info(request, "This agreement is no longer a draft.")
        return redirect(agreement)
    steps = _steps(agreement)
    keys = [k for k, _ in steps]
    if step == "review":
        return _review_step(request, agreement, steps)
    if step not in keys:
        raise Http404("No such step.")
    form, formset = _step_forms(agreement, step, request.POST or None)
    if request.method == "POST":
        valid = form.is_valid() if formset is None else formset.is_valid()
        if valid and step == "riders":
            try:
                services.save_riders(
                    agreement=agreement,
                    formset=formset,
                    expected_version=_expected(request) or -1,
                    by=request.user,
                )
            except services.AgreementError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("settlements:edit", pk=agreement.pk, step="review")
        elif valid:
            try:
                services.save_terms(
                    form=form if formset is None else _Untouched(agreement),
                    installments=formset,
                    expected_version=_expected(request) or -1,  # required on these steps
                    by=request.user,
                    step=step,
                )
            except services.AgreementError as exc:
                messages.error(request, str(exc))
            else:
                next_step = keys[keys.index(step) + 1]
                return redirect("settlements:edit", pk=agreement.pk, step=next_step)
    return render(
        request,
        "settlements/agreement_form.html",
        {
            "agreement": agreement,
            "form": form,
            "formset": formset,
            "step": step,
            "steps": steps,
            "step_comments": comments_for_step(agreement, step),
            "preview": _preview(agreement),
            "active_nav": "settlements",
        },
    )


class _Untouched:
    """For the payments step: saves the installments only, the agreement as it is."""

    def __init__(self, agreement):
        self.instance = agreement

    def save(self, commit=True):
        return self.instance


def _review_step(request, agreement, steps):
    form = SubmitForm(request.POST or None, agreement=agreement, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.submit_for_review(
                agreement=agreement,
                reviewer=form.cleaned_data["reviewer"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.AgreementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Version {version.number} frozen and sent for review.")
            return redirect(agreement)
    return render(
        request,
        "settlements/agreement_form.html",
        {
            "agreement": agreement,
            "form": form,
            "step": "review",
            "steps": steps,
            "step_comments": comments_for_step(agreement, "review"),
            "checks": services.checks_for(agreement),
            "preview": _preview(agreement),
            "active_nav": "settlements",
        },
    )


@role_required(Role.STAFF)
@require_POST
def preview(request, pk, step):
    """The preview with the form's unsaved values, for the live preview beside the form."""
    agreement = _agreement(request, pk)
    if step in ("parties", "terms"):
        form, _ = _step_forms(agreement, step, request.POST)
        form.is_valid()  # fills instance fields that validated; the rest keep saved values
    if step == "riders":
        _, formset = _step_forms(agreement, step, request.POST)
        formset.is_valid()  # the rows that validated, as typed
        rows = [
            {"title": f.cleaned_data["title"].strip(), "body": f.cleaned_data["body"]}
            for f in formset.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and (f.cleaned_data.get("title") or "").strip()
            and (f.cleaned_data.get("body") or "").strip()
        ]
        return HttpResponse(_preview(agreement, riders=rows))
    return HttpResponse(_preview(agreement))


# --- the agreement and its review -------------------------------------------------------------


@login_required
def detail(request, pk):
    return _detail(request, _agreement(request, pk))


def _section_titles(agreement) -> list[str]:
    latest = services.latest_version(agreement)
    return [t for t, _ in clauses.sections(latest.terms)] if latest else []


def _detail(request, agreement, **bound):
    """The agreement's page; `bound` holds a submitted form to show again with its errors."""
    user = request.user
    # The page lists versions and links their PDFs; it never needs the PDF bytes.
    versions = list(
        agreement.versions.select_related("seal").defer("pdf", "seal__pdf").order_by("number")
    )
    latest = versions[-1] if versions else None
    comments = list(
        ReviewComment.objects.filter(version__agreement=agreement).select_related(
            "author", "version", "resolved_by"
        )
    )
    open_count = sum(1 for c in comments if c.is_open)
    internal = _internal(user, agreement)
    refusal = review_refusal(user, agreement) if acts_as_reviewer(user, agreement) else ""
    reviewing = acts_as_reviewer(user, agreement) and not refusal
    context = {
        "agreement": agreement,
        "internal": internal,
        "versions": versions
        if internal
        else [
            v
            for v in versions
            if agreement.approved_version_id and v.pk == agreement.approved_version_id
        ],
        "latest": latest,
        "history": _history(agreement, internal),
        # Review comments are internal: the investor never reads them.
        "all_comments": comments if internal else [],
        "review_refusal": refusal,
        "staff": has_role(user, Role.STAFF),
        "reviewing": reviewing,
        "open_count": open_count,
        "resolved_count": len(comments) - open_count,
        "may_resolve": agreement.status
        in (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED)
        and (has_role(user, Role.STAFF) or reviewing),
        "deficiency": agreement.deficiency,
        # Riders are internal until approved into the document (the investor reads the PDF).
        "riders": list(agreement.riders.select_related("approved_by", "added_by"))
        if internal
        else [],
        "checks": services.checks_for(agreement) if agreement.status == Status.DRAFT else None,
        "payments": agreement.payments.all(),
        "active_nav": "settlements",
    }
    initial = {"version": agreement.version}
    if reviewing:
        titles = [t for t, _ in clauses.sections(latest.terms)]
        context["comment_form"] = bound.get("comment_form") or CommentForm(section_titles=titles)
        context["decision_form"] = bound.get("decision_form") or DecisionForm(initial=initial)
        context["redline"] = _redline_for(user, versions, comments)
    if context["staff"]:
        context["decision_form"] = context.get("decision_form") or DecisionForm(initial=initial)
        context["upload_form"] = bound.get("upload_form") or SignedUploadForm(initial=initial)
        context["payment_form"] = bound.get("payment_form") or PaymentForm(agreement=agreement)
    return render(request, "settlements/agreement_detail.html", context)


@dataclass(frozen=True)
class HistoryEntry:
    label: str
    at: object
    by: str
    note: str = ""


def _history(agreement, internal: bool) -> list[HistoryEntry]:
    """The agreement's history as its reader may see it. Staff and the reviewing attorney
    read every entry, with who (their e-mail address) and the note. Everyone else reads as
    an investor: from the approval onward (drafting and review stay internal), with the
    firm's role instead of a person's address, and no notes."""
    rows = list(agreement.history.select_related("changed_by"))
    if internal:
        return [
            HistoryEntry(r.get_to_status_display(), r.changed_at, r.changed_by.email, r.note)
            for r in rows
        ]
    approved = next((i for i, r in enumerate(rows) if r.to_status == Status.APPROVED), None)
    if approved is None:
        return []
    return [
        HistoryEntry(
            r.get_to_status_display(),
            r.changed_at,
            "the reviewing attorney" if r.to_status == Status.APPROVED else "NoteInvest staff",
        )
        for r in rows[approved:]
    ]


def _redline_for(attorney, versions, comments):
    """What changed since the version this attorney last reviewed (commented on or sent back)."""
    if len(versions) < 2:
        return None
    current = versions[-1]
    reviewed_numbers = {
        c.version.number
        for c in comments
        if c.author_id == attorney.pk and c.version.number < current.number
    }
    base = max(reviewed_numbers) if reviewed_numbers else versions[-2].number
    old = next(v for v in versions if v.number == base)
    diff = compare(old.text, current.text)
    return {
        "from": old.number,
        "to": current.number,
        "paragraphs": diff.paragraphs,
        "shown_whole": diff.shown_whole,
    }


def _back(request, agreement):
    """Back to the agreement, or to the list once the user no longer sees it (an attorney
    after deciding: their powers end with the review)."""
    if Agreement.objects.visible_to(request.user).filter(pk=agreement.pk).exists():
        return redirect(agreement)
    return redirect("settlements:list")


def _act(request, agreement, action, success):
    try:
        action(agreement)
    except services.AgreementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return _back(request, agreement)


def _expected(request):
    """The version the form was opened on: None when not sent; a version that is not a
    number of ASCII digits ("²".isdigit() is true, int("²") fails) matches none (-1)."""
    value = request.POST.get("version")
    if value is None or value == "":
        return None
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else -1


@role_required(Role.ATTORNEY)
@require_POST
def comment(request, pk):
    agreement = _agreement(request, pk)
    form = CommentForm(request.POST, section_titles=_section_titles(agreement))
    if not form.is_valid():
        if acts_as_reviewer(request.user, agreement):
            return _detail(request, agreement, comment_form=form)
        form.cleaned_data = {"section": None, "body": ""}  # the service says why not
    return _act(
        request,
        agreement,
        lambda a: services.add_comment(
            agreement=a,
            section=form.cleaned_data["section"],
            body=form.cleaned_data["body"],
            by=request.user,
        ),
        "Comment added.",
    )


@role_required(Role.ATTORNEY)
@require_POST
def request_changes(request, pk):
    agreement = _agreement(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if acts_as_reviewer(request.user, agreement):
            return _detail(request, agreement, decision_form=form)
        form.cleaned_data = {"note": ""}
    return _act(
        request,
        agreement,
        lambda a: services.request_changes(
            agreement=a,
            note=form.cleaned_data["note"],
            by=request.user,
            expected_version=_expected(request),
        ),
        "Changes requested: the draft went back to staff.",
    )


@role_required(Role.ATTORNEY)
@require_POST
def approve(request, pk):
    # With comments open, the form carries a checkbox naming how many: ticked, it sends that
    # number, and the service approves only if that many are still open.
    confirmed = request.POST.get("open_confirmed", "")
    return _act(
        request,
        _agreement(request, pk),
        lambda a: services.approve(
            agreement=a,
            by=request.user,
            expected_version=_expected(request),
            open_confirmed=int(confirmed) if re.fullmatch(r"[0-9]{1,6}", confirmed) else None,
        ),
        "Approved: this version's PDF is the document of record.",
    )


@role_required(Role.ATTORNEY)
@require_POST
def approve_rider(request, pk, rider_pk):
    """The reviewing attorney approves one rider as it stands in the version in review."""
    agreement = _agreement(request, pk)
    if not Rider.objects.filter(pk=rider_pk, agreement=agreement).exists():
        raise Http404("No such rider.")
    return _act(
        request,
        agreement,
        lambda a: services.approve_rider(agreement=a, rider_pk=rider_pk, by=request.user),
        "Rider approved.",
    )


@role_required(Role.STAFF, Role.ATTORNEY)
@require_POST
def resolve_comment(request, pk, comment_pk):
    """Resolve or reopen one review comment: staff, or the attorney reviewing it now (the
    service refuses anyone else who sees the agreement)."""
    agreement = _agreement(request, pk)
    found = ReviewComment.objects.filter(pk=comment_pk, version__agreement=agreement).first()
    if found is None:
        raise Http404("No such comment.")
    reopen = request.POST.get("action") == "reopen"
    return _act(
        request,
        agreement,
        lambda a: services.resolve_comment(comment=found, by=request.user, reopen=reopen),
        "Comment reopened." if reopen else "Comment resolved.",
    )


@role_required(Role.STAFF)
@require_POST
def mark_sent(request, pk):
    return _act(
        request,
        _agreement(request, pk),
        lambda a: services.mark_sent(
            agreement=a, by=request.user, expected_version=_expected(request)
        ),
        "Marked as sent to the borrower.",
    )


@role_required(Role.STAFF)
@require_POST
def upload_signed(request, pk):
    agreement = _agreement(request, pk)
    form = SignedUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.record_signed(
                agreement=agreement,
                upload=form.cleaned_data["file"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.AgreementError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, "Signed copy stored; the agreement is signed.")
            return redirect(agreement)
    return _show_again(request, pk, "upload_form", form, Status.SENT)


@role_required(Role.STAFF)
@require_POST
def record_payment(request, pk):
    agreement = _agreement(request, pk)
    form = PaymentForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.record_payment(
                agreement=agreement, payment=form.save(commit=False), by=request.user
            )
        except services.AgreementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Payment recorded.")
            return redirect(agreement)
    return _show_again(request, pk, "payment_form", form, Status.SIGNED)


def _show_again(request, pk, key, form, shown_in):
    """The page again with the form's errors beside its fields, when the page (as it is now)
    shows that form; otherwise (the agreement moved on meanwhile) the errors as a message."""
    agreement = _agreement(request, pk)
    if agreement.status == shown_in:
        return _detail(request, agreement, **{key: form})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(agreement)


@role_required(Role.STAFF)
@require_POST
def change_status(request, pk):
    agreement = _agreement(request, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if form.errors.get("note"):
        messages.error(request, "The note: " + " ".join(form.errors["note"]))
        return redirect(agreement)
    return _act(
        request,
        agreement,
        lambda a: services.change_status(
            agreement=a,
            to=request.POST.get("to", ""),
            by=request.user,
            note=note,
            expected_version=_expected(request),
        ),
        "Status changed.",
    )


@login_required
def version_pdf(request, pk, number):
    """A frozen version's stored PDF bytes, never re-rendered: two lean queries. For the
    approved version, the bytes sealed at approval (the frozen ones plus the firm's seal)."""
    agreement = (
        Agreement.objects.visible_to(request.user)
        .filter(pk=pk)
        .only("number", "status", "approved_version_id", "reviewer_id")
        .first()
    )
    if agreement is None:
        raise Http404("No agreement matches the given query.")
    # The approved version's document of record is its sealed PDF (when it was sealed).
    version = (
        AgreementVersion.objects.filter(agreement_id=pk, number=number)
        .annotate(
            body=Coalesce("seal__pdf", "pdf", output_field=BinaryField()),
            digest=Coalesce("seal__sha256", "sha256"),
        )
        .values_list("pk", "body", "digest")
        .first()
    )
    # An unapproved version only for staff and the attorney reviewing it now.
    if version is None or (
        not _internal(request.user, agreement) and version[0] != agreement.approved_version_id
    ):
        raise Http404("No such version.")
    response = HttpResponse(bytes(version[1]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{agreement.number}-v{number}.pdf"'
    response["X-Content-SHA256"] = version[2]
    return response


@login_required
def signed_pdf(request, pk):
    agreement = _agreement(request, pk)
    copy = getattr(agreement, "signed_copy", None)
    if copy is None:
        raise Http404("No signed copy.")
    response = HttpResponse(bytes(copy.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{agreement.number}-signed.pdf"'
    return response


@role_required(Role.STAFF, Role.ATTORNEY)
@require_http_methods(["GET", "POST"])
def verify(request):
    """Upload any PDF: which agreement version its bytes are (the frozen PDF or the sealed
    one), and for a sealed one whether the firm's seal validates. Staff and attorneys."""
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    finding = None
    if request.method == "POST" and form.is_valid():
        finding = verify_pdf.identify(form.cleaned_data["file"].read())
        visible = set(
            Agreement.objects.visible_to(request.user)
            .filter(pk__in=[m.version.agreement_id for m in finding.matches])
            .values_list("pk", flat=True)
        )
        for match in finding.matches:
            match.may_open = match.version.agreement_id in visible
    return render(
        request,
        "settlements/verify.html",
        {"form": form, "finding": finding, "active_nav": "settlements"},
    )
