"""The clause library's pages: the library (attorneys and staff read), a clause with its
history and redlines, and the attorney's edit, new clause or variant, approve and withdraw.
Writes go through settlements.clause_services; investors answer 403, an unknown clause 404."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from noteinvest.access import Role, has_role, role_required
from settlements import clause_services as svc
from settlements import library
from settlements.clause_forms import ClauseForm, NewClauseForm
from settlements.models import ClauseStatus, ClauseVersion

READERS = (Role.STAFF, Role.ATTORNEY)
NAV = "clauses"


def _versions_or_404(key: str) -> list[ClauseVersion]:
    versions = svc.versions_of(key)
    if not versions:
        raise Http404("No such clause.")
    return versions


def _row(versions) -> dict:
    """One clause as the library lists it: its current version (else its draft)."""
    current, draft = svc.current_of(versions), svc.draft_of(versions)
    shown = current or draft or versions[-1]
    condition = library.conditions().get(shown.when)
    return {
        "key": shown.key,
        "slot": shown.slot,
        "title": shown.title,
        "number": shown.number,
        "kinds": shown.kinds,
        "position": shown.position,
        "states": shown.states,
        "instrument": svc.INSTRUMENT_LABELS.get(shown.instrument, shown.instrument)
        if shown.instrument
        else "",
        "condition": condition.description if condition and shown.when != "always" else "",
        "required": shown.required,
        "withdrawn": current is not None and not current.active,
        "awaiting": draft is not None,
        "unapproved": current is None,
        "specificity": (bool(shown.states), bool(shown.instrument)),
    }


@role_required(*READERS)
def clause_library(request):
    by_key: dict[str, list] = {}
    for v in ClauseVersion.objects.order_by("key", "number"):
        by_key.setdefault(v.key, []).append(v)
    rows = [_row(vs) for vs in by_key.values()]
    groups = []
    for kind in library.KINDS:
        slots: dict[str, list] = {}
        for row in rows:
            if kind in row["kinds"]:
                slots.setdefault(row["slot"], []).append(row)
        entries = []
        for members in slots.values():
            members.sort(key=lambda r: (r["specificity"], r["states"], r["instrument"], r["key"]))
            entries.append({"head": members[0], "variants": members[1:]})
        entries.sort(key=lambda e: (e["head"]["position"], e["head"]["key"]))
        groups.append({"kind": kind, "label": svc.KIND_LABELS[kind], "entries": entries})
    return render(
        request,
        "settlements/clauses/library.html",
        {
            "groups": groups,
            "awaiting": sum(1 for r in rows if r["awaiting"]),
            "attorney": has_role(request.user, Role.ATTORNEY),
            "active_nav": NAV,
        },
    )


def _number(value) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 9 else None


@role_required(*READERS)
def clause_detail(request, key):
    versions = _versions_or_404(key)
    current, draft = svc.current_of(versions), svc.draft_of(versions)
    shown = current or draft or versions[-1]
    wanted = _number(request.GET.get("compare"))
    compared = next((v for v in versions if v.number == wanted), None) or draft or shown
    old, redline = svc.diff(versions, compared)
    return render(
        request,
        "settlements/clauses/detail.html",
        {
            "key": key,
            "shown": shown,
            "current": current,
            "draft": draft,
            "draft_token": svc.token(draft) if draft else "",
            "text": svc.chips(shown.body),
            "draft_text": svc.chips(draft.body) if draft else None,
            "condition": library.conditions().get(shown.when),
            "instrument": svc.INSTRUMENT_LABELS.get(shown.instrument, shown.instrument),
            "kinds": [svc.KIND_LABELS.get(k, k) for k in shown.kinds],
            "history": list(reversed(versions)),
            "compared": compared,
            "compared_to": old,
            "redline": redline,
            "attorney": has_role(request.user, Role.ATTORNEY),
            "approval_refusal": svc.approval_refusal(draft, request.user) if draft else "",
            "active_nav": NAV,
        },
    )


def _typed(data) -> dict:
    """What the form holds, valid or not, for the preview."""
    return {
        "title": data.get("title", ""),
        "body": svc.newlines(data.get("body", "")),
        "kinds": data.getlist("kinds"),
        "states": data.getlist("states"),
        "instrument": data.get("instrument", ""),
        "when": data.get("when", "always"),
    }


def _fields() -> list:
    return sorted(library.fields().values(), key=lambda f: f.name)


def _form_page(request, form, *, versions=None, conflict=None, previewing=False, title=""):
    data = _typed(form.data) if form.is_bound else form.initial
    basis = svc.basis_of(versions) if versions else None
    return render(
        request,
        "settlements/clauses/form.html",
        {
            "form": form,
            "basis": basis,
            "key": basis.key if basis else "",
            "heading": title,
            "conflict": conflict,
            "conflict_text": svc.chips(conflict.body) if conflict else None,
            "fields": _fields(),
            "previews": svc.preview(data),
            "previewing": previewing,
            "active_nav": NAV,
        },
    )


def _post_errors(form, exc: svc.ClauseError) -> None:
    if isinstance(exc, svc.ClauseInvalid):
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, str(exc))


@role_required(Role.ATTORNEY)
@require_http_methods(["GET", "POST"])
def clause_edit(request, key):
    versions = _versions_or_404(key)
    basis, current = svc.basis_of(versions), svc.current_of(versions)
    kwargs = {"key": key, "slot": basis.slot, "current": current}
    if request.method == "GET":
        initial = svc.data_of(basis)
        if basis.status != ClauseStatus.DRAFT:
            initial["note"] = ""  # each version says why it was made
            initial["active"] = True if basis.status == ClauseStatus.WITHDRAWN else basis.active
        form = ClauseForm(initial={**initial, "based_on": svc.token(basis)}, **kwargs)
        return _form_page(request, form, versions=versions, title=f"Edit “{basis.title}”")
    form = ClauseForm(request.POST.copy(), **kwargs)
    title = f"Edit “{basis.title}”"
    if "preview" in request.POST:
        form.is_valid()  # the messages beside the fields, nothing saved
        return _form_page(request, form, versions=versions, previewing=True, title=title)
    if form.is_valid():
        try:
            draft = svc.save_draft(
                key=key, data=form.cleaned_data, based_on=form.cleaned_data["based_on"],
                by=request.user,
            )  # fmt: skip
        except svc.StaleClause as exc:
            form.add_error(None, str(exc))
            # Saving again (after reading theirs) replaces it: the form is now based on it.
            form.data["based_on"] = svc.token(exc.current)
            return _form_page(
                request, form, versions=svc.versions_of(key), conflict=exc.current, title=title
            )
        except svc.ClauseError as exc:
            _post_errors(form, exc)
        else:
            messages.success(
                request,
                f"Draft version {draft.number} of “{draft.title}” saved: it is used once an "
                "attorney approves it.",
            )
            return redirect("settlements:clause", key=key)
    return _form_page(request, form, versions=versions, title=title)


@role_required(Role.ATTORNEY)
@require_http_methods(["GET", "POST"])
def clause_new(request):
    title = "A new clause"
    if request.method == "GET":
        initial = {"kinds": list(library.KINDS), "when": "always", "active": True}
        slot = request.GET.get("variant_of", "")[:60]
        in_slot = ClauseVersion.objects.filter(slot=slot, status=ClauseStatus.APPROVED)
        base = (
            in_slot.filter(key=slot).order_by("-number").first()
            or in_slot.order_by("-number").first()
        )
        if base is not None:
            base = svc.basis_of(svc.versions_of(slot)) or base
            initial.update(svc.data_of(base), variant_of=base.slot, note="", active=True)
            initial.update(states=[], instrument="")
            title = f"A new variant of “{base.title}”"
        form = NewClauseForm(initial={**initial, "based_on": "new"})
        return _form_page(request, form, title=title)
    form = NewClauseForm(request.POST.copy())
    if "preview" in request.POST:
        form.is_valid()
        return _form_page(request, form, previewing=True, title=title)
    if form.is_valid():
        data = form.cleaned_data
        try:
            draft = svc.save_draft(
                key=data["key"], data=data, based_on="new", by=request.user,
                slot=data.get("variant_of") or data["key"],
            )  # fmt: skip
        except svc.StaleClause as exc:
            form.add_error("key", str(exc))
            return _form_page(request, form, conflict=exc.current, title=title)
        except svc.ClauseError as exc:
            _post_errors(form, exc)
        else:
            messages.success(
                request,
                f"“{draft.title}” saved as a draft: it is used once an attorney approves it.",
            )
            return redirect("settlements:clause", key=draft.key)
    return _form_page(request, form, title=title)


def _decide(request, key, action, success):
    _versions_or_404(key)
    try:
        version = action(key=key, based_on=request.POST.get("based_on", "")[:40], by=request.user)
    except svc.ClauseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success.format(number=version.number, title=version.title))
    return redirect(reverse("settlements:clause", kwargs={"key": key}))


@role_required(Role.ATTORNEY)
@require_POST
def clause_approve(request, key):
    return _decide(
        request, key, svc.approve,
        "Version {number} of “{title}” approved: new drafts of agreements use it now; "
        "versions already frozen keep the words they were frozen with.",
    )  # fmt: skip


@role_required(Role.ATTORNEY)
@require_POST
def clause_withdraw(request, key):
    return _decide(
        request, key, svc.withdraw,
        "Draft version {number} of “{title}” withdrawn: it stays in the history, unused.",
    )  # fmt: skip


@role_required(Role.ATTORNEY)
@require_POST
def clause_preview(request):
    """The edit form's live preview: the typed clause rendered with sample terms, unsaved."""
    html = render_to_string(
        "settlements/clauses/_preview.html", {"previews": svc.preview(_typed(request.POST))}
    )
    return HttpResponse(html)
