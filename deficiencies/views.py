"""Deficiency pages: record a liquidation, the deficiency and its assessment, the workflow,
portfolio summaries, deadlines (with an iCalendar feed) and the state rules.

Objects come through `noteinvest.access`: out of scope is a 404. Staff record and change;
investors read their own; everyone reads the state rules.
"""

import re
import secrets
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_http_methods, require_POST

from deficiencies import reversal, services
from deficiencies.forms import (
    BankruptcyForm,
    CollectionActionForm,
    ConditionAnswerForm,
    DeficiencyFilterForm,
    JudgmentForm,
    JudgmentRenewalForm,
    LiquidationForm,
    ProvisionForm,
    RecoveryForm,
    StateRuleForm,
    StatusForm,
    SuitForm,
)
from deficiencies.ics import calendar_for
from deficiencies.models import (
    EXTINGUISHED,
    CalendarFeed,
    Deadline,
    Deficiency,
    EventType,
    LiquidationEvent,
    PortfolioStamp,
    Provision,
    Regime,
    StateRule,
    Status,
    Verdict,
    live_deadlines,
)
from noteinvest.access import Role, get_visible_or_404, has_role, role_required
from noteinvest.money import format_money
from noteinvest.sorting import sort_by
from portfolios.choices import STATE_CHOICES, LoanStatus
from portfolios.corrections import CorrectionError, Gone
from portfolios.forms import CorrectionForm
from portfolios.models import Loan, Portfolio

PAGE_SIZE = 50


def _deficiency(request, pk) -> Deficiency:
    deficiency = get_visible_or_404(
        services.with_relations(Deficiency.objects).select_related("loan__portfolio"),
        request.user,
        pk=pk,
    )
    if deficiency.assessed_on != timezone.localdate():
        services.refresh([deficiency])  # its verdict as of today, not as last stored
    return deficiency


# --- the loan page's panel ----------------------------------------------------------------------


def loan_panel(request, loan) -> str:
    deficiency = (
        Deficiency.objects.filter(loan=loan)
        .select_related("event", "judgment", "bankruptcy")
        .first()
        if hasattr(loan, "pk")
        else None
    )
    if deficiency is None and not has_role(request.user, Role.STAFF):
        return ""
    if deficiency is not None and deficiency.assessed_on != timezone.localdate():
        services.refresh([deficiency])  # its verdict as of today, not as last stored
    context = {"loan": loan, "deficiency": deficiency}
    if deficiency is not None:
        context["judgment"] = getattr(deficiency, "judgment", None)
        context["owed"] = deficiency.owed
        # The reason that decided the verdict, with the section it rests on.
        decision = services.assessment_for(deficiency)
        context["why"] = next((r for r in decision.reasons if r.citation), None) or (
            decision.reasons[0] if decision.reasons else None
        )
    return render_to_string("deficiencies/_loan_panel.html", context, request=request)


def portfolio_links(request, portfolio) -> list[tuple[str, str]]:
    return [("Deficiencies", reverse("deficiencies:portfolio", args=[portfolio.pk]))]


# --- recording a liquidation ---------------------------------------------------------------------


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def record_liquidation(request, loan_pk):
    loan = get_visible_or_404(Loan.objects.select_related("portfolio"), request.user, pk=loan_pk)
    existing = Deficiency.objects.filter(loan=loan).first()
    if existing:
        if request.method == "POST":
            messages.error(
                request, "A liquidation is already recorded for this loan, so nothing was saved."
            )
        return redirect(existing)
    form = LiquidationForm(request.POST or None, loan=loan, instance=LiquidationEvent(loan=loan))
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            deficiency = services.record_liquidation(
                loan=loan, event=form.save(commit=False), by=request.user
            )
        except services.AlreadyRecorded as exc:
            form.add_error(None, str(exc))
            existing_url = exc.url
        except (services.DeficiencyError, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Liquidation recorded and the deficiency assessed.")
            return redirect(deficiency)
    return render(
        request,
        "deficiencies/liquidation_form.html",
        {
            "form": form,
            "loan": loan,
            "portfolio": loan.portfolio,
            "existing_url": existing_url,
            "active_nav": "portfolios",
        },
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def edit_liquidation(request, pk):
    deficiency = _deficiency(request, pk)
    loan = deficiency.loan
    form = LiquidationForm(
        request.POST or None,
        loan=loan,
        instance=deficiency.event,
        initial={"version": deficiency.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_liquidation(
                deficiency=deficiency,
                event=form.save(commit=False),
                expected_version=form.cleaned_data.get("version"),
                by=request.user,
            )
        except services.DeficiencyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Liquidation corrected; the figures were recomputed.")
            return redirect(deficiency)
    return render(
        request,
        "deficiencies/liquidation_form.html",
        {
            "form": form,
            "loan": loan,
            "portfolio": loan.portfolio,
            "deficiency": deficiency,
            "active_nav": "portfolios",
        },
    )


# --- the deficiency -------------------------------------------------------------------------------


def _detail_context(request, deficiency, **forms):
    rule = services.rule_for(deficiency.loan.property_state)
    staff = has_role(request.user, Role.STAFF)
    context = {
        "deficiency": deficiency,
        "loan": deficiency.loan,
        "portfolio": deficiency.loan.portfolio,
        "event": deficiency.event,
        "rule": rule,
        "assessment": services.assessment_for(deficiency, rule),
        "history": deficiency.history.select_related("changed_by"),
        "actions": deficiency.actions.all(),
        "recoveries": deficiency.recoveries.select_related("recorded_by"),
        "suit": getattr(deficiency, "suit", None),
        "sold_out": deficiency.event.sold_out(deficiency.loan.lien_position),
        "judgment": getattr(deficiency, "judgment", None),
        "bankruptcy": getattr(deficiency, "bankruptcy", None),
        "staff": staff,
        "active_nav": "portfolios",
    }
    assessment = context["assessment"]
    context["purchaser_cap"] = (
        services.purchaser_cap(
            deficiency.loan, deficiency.credited, deficiency.event.fair_market_value
        )
        if assessment.purchaser_cap is not None and deficiency.loan.purchase_price is not None
        else None
    )
    answers = {a.condition: a for a in deficiency.answers.select_related("answered_by")}
    conditions = services.counsel_conditions(deficiency, assessment)
    context["counsel"] = [(c, answers.get(c)) for c in conditions]
    context["answer_form"] = forms.get("answer_form")
    if staff:
        context.update(
            status_form=forms.get("status_form") or StatusForm(deficiency=deficiency),
            suit_form=forms.get("suit_form") or SuitForm(prefix="suit"),
            judgment_form=forms.get("judgment_form") or JudgmentForm(prefix="judgment"),
            renewal_form=forms.get("renewal_form")
            or JudgmentRenewalForm(prefix="renewal", judgment=context["judgment"]),
            bankruptcy_form=forms.get("bankruptcy_form")
            or BankruptcyForm(prefix="bk", instance=context["bankruptcy"]),
            action_form=forms.get("action_form") or CollectionActionForm(prefix="action"),
            recovery_form=forms.get("recovery_form") or RecoveryForm(prefix="recovery"),
        )
    return context


@login_required
def deficiency_detail(request, pk):
    deficiency = _deficiency(request, pk)
    return render(
        request, "deficiencies/deficiency_detail.html", _detail_context(request, deficiency)
    )


def _act(request, pk, form_name, form_factory, service, success):
    """POST handler shared by the deficiency's staff forms: validate, call, report.

    `service` may return a warning (a part of the request that was refused while the rest
    was saved): it is shown beside the success message."""
    deficiency = _deficiency(request, pk)
    form = form_factory(request, deficiency)
    if form.is_valid():
        try:
            warning = service(deficiency, form)
        except services.DeficiencyError as exc:
            form.add_error(None, str(exc))
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
            if isinstance(warning, str) and warning:
                messages.warning(request, warning)
            return redirect(deficiency)
    else:
        messages.error(request, "Nothing was saved: see the messages beside the form's fields.")
    deficiency = _deficiency(request, pk)
    context = _detail_context(request, deficiency, **{form_name: form})
    context["open_form"] = form_name
    return render(request, "deficiencies/deficiency_detail.html", context, status=400)


@role_required(Role.STAFF)
@require_POST
def change_status(request, pk):
    return _act(
        request,
        pk,
        "status_form",
        lambda r, d: StatusForm(r.POST, deficiency=d),
        lambda d, f: services.change_status(
            deficiency=d,
            to=f.cleaned_data["to"],
            note=f.cleaned_data["note"],
            by=request.user,
            expected_version=f.cleaned_data["version"],
            amount=f.cleaned_data.get("amount"),
        ),
        "Status changed.",
    )


@role_required(Role.STAFF)
@require_POST
def record_suit(request, pk):
    return _act(
        request,
        pk,
        "suit_form",
        lambda r, d: SuitForm(r.POST, prefix="suit", deficiency=d),
        lambda d, f: services.record_suit(deficiency=d, suit=f.save(commit=False), by=request.user),
        "Suit recorded.",
    )


@role_required(Role.STAFF)
@require_POST
def record_judgment(request, pk):
    return _act(
        request,
        pk,
        "judgment_form",
        lambda r, d: JudgmentForm(r.POST, prefix="judgment", deficiency=d),
        lambda d, f: _record_judgment(d, f, request.user),
        "Judgment recorded.",
    )


@role_required(Role.STAFF)
@require_POST
def answer_condition(request, pk):
    return _act(
        request,
        pk,
        "answer_form",
        lambda r, d: ConditionAnswerForm(r.POST, prefix="answer"),
        lambda d, f: services.answer_condition(
            deficiency=d,
            condition=f.cleaned_data["condition"],
            holds=f.holds,
            note=f.cleaned_data.get("note", ""),
            by=request.user,
            expected_version=f.cleaned_data["version"],
        ),  # fmt: skip
        "Counsel's answer recorded; the deficiency was re-assessed.",
    )


@role_required(Role.STAFF)
@require_POST
def renew_judgment(request, pk):
    return _act(
        request,
        pk,
        "renewal_form",
        lambda r, d: JudgmentRenewalForm(
            r.POST, prefix="renewal", judgment=getattr(d, "judgment", None)
        ),
        lambda d, f: services.renew_judgment(
            deficiency=d,
            renewed_on=f.cleaned_data["renewed_on"],
            expires_on=f.cleaned_data["expires_on"],
            by=request.user,
        ),  # fmt: skip
        "Renewal recorded.",
    )


def _record_judgment(deficiency, form, by) -> str:
    """Save the judgment; the note says when the rate is the state's fixed rate."""
    judgment = form.save(commit=False)
    services.record_judgment(deficiency=deficiency, judgment=judgment, by=by)
    if not judgment.interest_rate_source:
        return ""
    return (
        f"The rate was left blank: {judgment.interest_rate_source}, "
        f"{judgment.interest_rate.normalize():f}% a year, is used. Correct it if the court set "
        "another."
    )


@role_required(Role.STAFF)
@require_POST
def record_bankruptcy(request, pk):
    return _act(
        request,
        pk,
        "bankruptcy_form",
        lambda r, d: BankruptcyForm(r.POST, prefix="bk", instance=getattr(d, "bankruptcy", None)),
        lambda d, f: _record_bankruptcy(d, f.save(commit=False), request.user),
        "Bankruptcy recorded.",
    )


def _record_bankruptcy(deficiency, bankruptcy, by) -> str:
    """Save the bankruptcy; the warning says why a discharge left the status as it was."""
    saved = services.record_bankruptcy(deficiency=deficiency, bankruptcy=bankruptcy, by=by)
    return services.discharge_refusal(saved, bankruptcy)


@role_required(Role.STAFF)
@require_POST
def add_action(request, pk):
    return _act(
        request,
        pk,
        "action_form",
        lambda r, d: CollectionActionForm(r.POST, prefix="action"),
        lambda d, f: services.add_collection_action(
            deficiency=d, action=f.save(commit=False), by=request.user
        ),
        "Collection action recorded.",
    )


@role_required(Role.STAFF)
@require_POST
def add_recovery(request, pk):
    return _act(
        request,
        pk,
        "recovery_form",
        lambda r, d: RecoveryForm(r.POST, prefix="recovery"),
        lambda d, f: services.add_recovery(
            deficiency=d, recovery=f.save(commit=False), by=request.user
        ),
        "Recovery recorded.",
    )


# --- a portfolio's deficiencies -------------------------------------------------------------------


# A deficiency whose outstanding figure needs more than its own columns: a judgment (its
# interest to today) or a settlement for less (what it still has to pay).
FIGURED_ONE_BY_ONE = Q(judgment__isnull=False) | Q(status=Status.SETTLED, settled_for__isnull=False)
# The fields services.outstanding_from reads (its AFTER_SALE_FIELDS, on the deficiency
# itself), with the verdict, the regime and what a settlement released.
SUMMARY_FIELDS = (
    "verdict",
    "regime",
    "released",
    *(f.removeprefix("deficiency__") for f in services.AFTER_SALE_FIELDS if f != "deficiency__id"),
)


def _summary(deficiencies, today):
    """Totals by verdict, by regime and overall, of what is outstanding today: the
    recoverable estimate less recovered, or a judgment with its interest to today less
    recovered (services.outstanding_from). One grouped query for the plain ones, one row
    each for those with a judgment or a settlement for less.

    Barred and extinguished deficiencies, and closed ones, are never summed as recoverable:
    `total` counts the others (and what settlements for less still have to pay, apart in
    `settlements`), and equals the sum of the by-verdict amounts of the recoverable verdicts
    plus `settlements`. Each verdict's amount leaves out the satisfied and written-off ones;
    the barred and the extinguished are counted apart (an extinguished one's amount being
    what was left to recover when it ended)."""
    zero = Decimal("0.00")
    by_verdict: dict = {}
    by_regime: dict = {}
    totals = {
        "n": 0, "total": zero, "recovered": zero, "extinguished": zero, "extinguished_n": 0,
        "barred": zero, "barred_n": 0, "settlements": zero, "settlements_n": 0,
    }  # fmt: skip

    def add(verdict, regime, status, n, outstanding, recovered, settled=False, released=zero):
        row = by_verdict.setdefault(verdict, {"n": 0, "total": zero})
        regime_row = by_regime.setdefault(regime, {"n": 0, "total": zero})
        row["n"] += n
        regime_row["n"] += n
        totals["n"] += n
        totals["recovered"] += recovered
        if settled:  # the holder's by the settlement: counted apart, and in the total
            totals["settlements_n"] += n
            totals["settlements"] += outstanding
            totals["total"] += outstanding
            regime_row["total"] += outstanding
            totals["extinguished_n"] += n  # the rest was released
            totals["extinguished"] += released
            return
        if status in (Status.SATISFIED, Status.WRITTEN_OFF):
            return
        row["total"] += outstanding
        if verdict == Verdict.EXTINGUISHED or status in EXTINGUISHED:
            totals["extinguished_n"] += n
            totals["extinguished"] += outstanding
        elif verdict == Verdict.BARRED:
            totals["barred_n"] += n
            totals["barred"] += outstanding
        else:
            totals["total"] += outstanding
            regime_row["total"] += outstanding

    groups = (
        deficiencies.exclude(FIGURED_ONE_BY_ONE)
        .order_by()
        .values("verdict", "regime", "status")
        .annotate(
            n=Count("pk"),
            outstanding=Sum(Greatest(F("recoverable") - F("recovered"), Value(zero))),
            recovered=Sum("recovered"),
        )
    )
    for g in groups:
        add(g["verdict"], g["regime"], g["status"], g["n"], g["outstanding"], g["recovered"])
    for r in deficiencies.filter(FIGURED_ONE_BY_ONE).order_by().values(*SUMMARY_FIELDS):
        outstanding = services.outstanding_from(r, today, prefix="")
        settled = r["status"] == Status.SETTLED and r["settled_for"] is not None
        add(r["verdict"], r["regime"], r["status"], 1, outstanding, r["recovered"], settled,
            r["released"] or zero)  # fmt: skip
    return by_verdict, by_regime, totals


@login_required
def portfolio_deficiencies(request, pk):
    portfolio = get_visible_or_404(Portfolio.objects, request.user, pk=pk)
    today = timezone.localdate()
    # An archived loan's deficiency is kept for the record, left out of the summary and the
    # list (archiving it moves the stamp below: portfolios.corrections tells LOANS_CHANGED).
    every = Deficiency.objects.filter(portfolio=portfolio, loan__archived_at__isnull=True)
    # Filing windows close and judgments lapse as days pass: re-assessed once a day.
    stamp = PortfolioStamp.objects.filter(pk=portfolio.pk).first()
    if stamp is None or stamp.assessed_on != today:
        services.assess_today([portfolio.pk], today)
        stamp = PortfolioStamp.objects.get(pk=portfolio.pk)
    key = f"deficiency-summary:{portfolio.pk}:{stamp.changed_at}:{today}".replace(" ", "T")
    summary = cache.get(key)
    if summary is None:
        summary = _summary(every, today)
        cache.set(key, summary, timeout=6 * 3600)
    by_verdict, by_regime, totals = summary
    filters = DeficiencyFilterForm(request.GET or None)
    listed = every.all()
    filters.is_valid()  # an unknown value is ignored, and its message shown beside its field
    chosen = getattr(filters, "cleaned_data", {})  # none when there is no query
    for field, column in (
        ("verdict", "verdict"),
        ("status", "status"),
        ("state", "loan__property_state"),
    ):
        if field not in filters.errors and chosen.get(field):
            listed = listed.filter(**{column: chosen[field]})
    ordered, sorting = sort_by(request, listed.order_by("-debt_as_of", "-pk"), DEFICIENCY_COLUMNS)
    # Count on the filtered rows alone, without the joins the listed values need.
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = ordered.values(
        "pk", "loan__loan_number", "loan__property_state", "event__event_type",
        "event__event_date", *SUMMARY_FIELDS,
    )  # fmt: skip
    rows = listed[page.start_index() - 1 : page.end_index()] if page.paginator.count else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deficiencies/portfolio_deficiencies.html",
        {
            "portfolio": portfolio,
            "verdict_rows": [(v, by_verdict.get(v.value)) for v in Verdict],
            "regime_rows": [(r, by_regime.get(r.value)) for r in Regime],
            "totals": totals,
            "filters": filters,
            "page": page,
            "rows": deficiency_rows(rows, today),
            "query": query.urlencode(),
            **sorting,
            "active_nav": "portfolios",
        },
    )


# The summary table's sortable columns (?sort=): what is outstanding today is computed per
# row (a judgment's interest), so it is not one of them; the estimate and recoveries are.
DEFICIENCY_COLUMNS = {
    "loan": ("loan__loan_number",),
    "state": ("loan__property_state",),
    "event": ("event__event_date",),
    "verdict": ("verdict",),
    "status": ("status",),
    "deficiency": ("recoverable",),
    "recovered": ("recovered",),
}

VERDICT_LABELS = dict(Verdict.choices)
STATUS_LABELS = dict(Status.choices)
EVENT_LABELS = dict(EventType.choices)


def deficiency_rows(rows, today) -> list[dict]:
    """The summary's table rows, formatted once in Python (what is outstanding today as the
    tiles count it: services.outstanding_from)."""
    url_prefix = reverse("deficiencies:detail", args=[0]).removesuffix("0/")
    rule_prefix = reverse("deficiencies:rule_detail", args=["XX"]).removesuffix("XX/")
    out = []
    for r in rows:
        state, day = r["loan__property_state"], r["event__event_date"]
        kind = r["event__event_type"]
        out.append(
            {
                "url": f"{url_prefix}{r['pk']}/",
                "loan_number": r["loan__loan_number"],
                "state": state,
                "rule_url": f"{rule_prefix}{state}/",
                "event": f"{EVENT_LABELS.get(kind, kind)}, {day:%m/%d/%Y}",
                "verdict": r["verdict"],
                "verdict_label": VERDICT_LABELS.get(r["verdict"], ""),
                "status": STATUS_LABELS.get(r["status"], r["status"]),
                "recoverable": format_money(r["recoverable"]),
                "recovered": format_money(r["recovered"]),
                "outstanding": format_money(services.outstanding_from(r, today, prefix="")),
            }
        )
    return out


# --- deadlines ---------------------------------------------------------------------------------


def deadlines_for(user, portfolios=None):
    """The deadlines in `user`'s scope. Closed deficiencies have no Deadline rows (the
    services delete them), so no join. Pass the user's visible portfolios when already
    loaded: their ids then filter directly, and staff need no filter at all."""
    if has_role(user, Role.STAFF):
        return live_deadlines()
    if portfolios is None:
        portfolios = Portfolio.objects.visible_to(user).only("pk")
    return live_deadlines().filter(portfolio_id__in=[p.pk for p in portfolios])


KIND_LABELS = dict(Deadline.Kind.choices)
STATE_CHOICES_BY_CODE = sorted(STATE_CHOICES)


def options(pairs, selected: str) -> str:
    """<option> tags built in Python (cheaper than a template loop on every view)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in pairs),
    )


def deadline_rows(rows, today):
    soon = today + timedelta(days=30)
    url_prefix = reverse("deficiencies:detail", args=[0]).removesuffix("0/")
    rule_prefix = reverse("deficiencies:rule_detail", args=["XX"]).removesuffix("XX/")
    out = []
    for row in rows:
        due = row["due_on"]
        out.append(
            {
                **row,
                "due": f"{due:%b} {due.day}, {due.year}",
                "label": KIND_LABELS.get(row["kind"], row["kind"]),
                "url": f"{url_prefix}{row['deficiency_id']}/",
                "rule_url": f"{rule_prefix}{row['state_code']}/",
                "overdue": due < today,
                "soon": today <= due <= soon,
            }
        )
    return out


STATE_CODES = frozenset(code for code, _ in STATE_CHOICES)


def _deadline_filters(query, portfolios) -> tuple[str, str, list[str]]:
    """The portfolio id and state code asked for, each one only if it is one of the user's
    portfolios or a state code; anything else is ignored with a message saying so."""
    problems = []
    portfolio_id = query.get("portfolio", "")
    if portfolio_id and portfolio_id not in {str(p.pk) for p in portfolios}:
        problems.append("That portfolio is not one of yours: showing every portfolio.")
        portfolio_id = ""
    state = query.get("state", "")
    if state and state.upper() not in STATE_CODES:
        problems.append("That is not a state code: showing every state.")
        state = ""
    return portfolio_id, state.upper(), problems


@login_required
def deadlines(request):
    today = timezone.localdate()
    portfolios = list(Portfolio.objects.visible_to(request.user).only("pk", "name"))
    services.assess_today([p.pk for p in portfolios], today)  # windows close as days pass
    rows = deadlines_for(request.user, portfolios)
    portfolio_id, state, filter_problems = _deadline_filters(request.GET, portfolios)
    if portfolio_id:
        rows = rows.filter(portfolio_id=int(portfolio_id))
    if state:
        rows = rows.filter(state_code=state)
    rows = rows.order_by("due_on", "pk").values(
        "pk", "deficiency_id", "kind", "due_on", "note", "state_code", "loan_number"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "deficiencies/deadlines.html",
        {
            "page": page,
            "rows": deadline_rows(page.object_list, today),
            "portfolio_options": options(((str(p.pk), p.name) for p in portfolios), portfolio_id),
            "state_options": options(((c, c) for c, _ in STATE_CHOICES_BY_CODE), state),
            "portfolio_id": portfolio_id,
            "state": state,
            "query": query.urlencode(),
            "filter_problems": filter_problems,
            "feed_url": request.build_absolute_uri(feed.get_absolute_url()) if feed else None,
            "active_nav": "deadlines",
        },
    )


@login_required
@require_POST
def calendar_link(request):
    """Create the user's private calendar link, or replace it (revoking the old one)."""
    if request.POST.get("action") != "revoke":
        services.renew_calendar_link(request.user, secrets.token_urlsafe(32))
        messages.success(
            request, "Your calendar link is ready: the old one, if any, no longer works."
        )
    else:
        services.revoke_calendar_link(request.user)
        messages.info(request, "Your calendar link is revoked.")
    return redirect("deficiencies:deadlines")


# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}", re.ASCII)


def calendar(request, token):
    """The iCalendar feed: no login (calendar apps cannot log in), the token is the key.

    A token not shaped like the ones `calendar_link` makes answers 404 without a query.
    """
    if not TOKEN_SHAPE.fullmatch(token):
        raise Http404("No such calendar.")
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    portfolios = list(Portfolio.objects.visible_to(feed.user).only("pk"))
    services.assess_today([p.pk for p in portfolios])  # windows close as days pass
    rows = deadlines_for(feed.user, portfolios).order_by("due_on")[:2000]
    response = HttpResponse(
        calendar_for(rows, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="noteinvest-deadlines.ics"'
    return response


# --- state rules ---------------------------------------------------------------------------------


RULE_COLUMNS = {
    "state": ("state_name",),
    "regime": ("deficiency_regime",),
    "process": ("primary_foreclosure_process",),
    "window": ("filing_deadline_days_after_sale",),
    "reviewed": ("last_reviewed_by_counsel",),
}


@login_required
def rule_list(request):
    rules, sorting = sort_by(request, StateRule.objects.all(), RULE_COLUMNS)
    return render(
        request, "deficiencies/rule_list.html", {"rules": rules, **sorting, "active_nav": "rules"}
    )


@login_required
def rule_detail(request, code):
    rule = get_object_or_404(StateRule, state_code=code.upper())
    provisions = Provision.objects.filter(state_code=rule.state_code).select_related("reviewed_by")
    filing_windows = []
    for provision in provisions:
        read = provision.engine()
        if read.kind == "filing_window" and read.window:
            process = {"judicial": "judicial sales", "non_judicial": "trustee sales"}
            covers = process.get(read.process) or ", ".join(
                e.replace("_", " ") + "s" for e in read.events
            )
            filing_windows.append(
                {"text": read.window_text, "covers": covers, "citation": read.citation}
            )
    return render(
        request,
        "deficiencies/rule_detail.html",
        {
            "rule": rule,
            "provisions": [(p, explain_conditions(p)) for p in provisions],
            "filing_windows": filing_windows,
            "changes": rule.changes.select_related("changed_by")[:50],
            "active_nav": "rules",
        },
    )


def explain_conditions(provision) -> list[str]:
    """A provision's conditions as sentences ("the borrower occupied the property")."""
    from deficiencies.provisions import condition_label

    return [condition_label(token) for token in provision.engine().conditions]


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def provision_edit(request, pk):
    provision = get_object_or_404(Provision, pk=pk)
    form = ProvisionForm(request.POST or None, instance=Provision.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            _, changes = services.update_provision(
                provision=provision,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                note=form.cleaned_data["change_note"],
            )
        except services.DeficiencyError as exc:
            form.add_error(None, str(exc))
        else:
            if changes:
                messages.success(request, f"{provision.provision_id} saved, with its history.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(provision)
    return render(
        request,
        "deficiencies/provision_form.html",
        {
            "form": form,
            "provision": provision,
            "changes": provision.changes.select_related("changed_by")[:50],
            "active_nav": "rules",
        },
    )


def _mark_reviewed(request, record, review, label: str):
    """Counsel's review mark on a provision or a state's rule: the posted version must be
    the current one (a stale page is refused with a message)."""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        review(record, expected_version=version, by=request.user)
    except services.DeficiencyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{label} marked reviewed by counsel.")
    return redirect(record)


@role_required(Role.ATTORNEY)
@require_POST
def provision_review(request, pk):
    provision = get_object_or_404(Provision, pk=pk)
    return _mark_reviewed(
        request, provision, lambda p, **kw: services.review_provision(provision=p, **kw),
        provision.provision_id,
    )  # fmt: skip


@role_required(Role.ATTORNEY)
@require_POST
def rule_review(request, code):
    rule = get_object_or_404(StateRule, state_code=code.upper())
    return _mark_reviewed(
        request, rule, lambda r, **kw: services.review_state_rule(rule=r, **kw),
        f"{rule.state_name}'s rule",
    )  # fmt: skip


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def rule_edit(request, code):
    rule = get_object_or_404(StateRule, state_code=code.upper())
    form = StateRuleForm(request.POST or None, instance=StateRule.objects.get(pk=rule.pk))
    if request.method == "POST" and form.is_valid():
        try:
            _, changes = services.update_state_rule(
                rule=rule,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                note=form.cleaned_data["change_note"],
            )
        except services.DeficiencyError as exc:
            form.add_error(None, str(exc))
        else:
            if changes:
                messages.success(
                    request, f"{rule.state_name} updated; its deficiencies were re-assessed."
                )
            else:
                messages.info(request, "Nothing changed.")
            return redirect(rule)
    return render(
        request, "deficiencies/rule_form.html", {"form": form, "rule": rule, "active_nav": "rules"}
    )


# --- reversing a liquidation ---------------------------------------------------------------------


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def reverse_liquidation(request, pk):
    """Confirm page: what a reversal deletes, what blocks it; POST with its reason reverses."""
    deficiency = get_visible_or_404(
        services.with_relations(Deficiency.objects).select_related("loan__portfolio"),
        request.user,
        pk=pk,
    )
    loan = deficiency.loan
    blockers = reversal.reversal_blockers(deficiency)
    form = CorrectionForm(request.POST or None, actions=[] if blockers else ["reversed"])
    if request.method == "POST" and form.is_valid():
        try:
            reversal.reverse_liquidation(
                deficiency=deficiency, by=request.user, reason=form.cleaned_data["reason"]
            )
        except Gone as exc:
            messages.info(request, str(exc))
            return redirect(loan)
        except CorrectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"The liquidation of loan {loan.loan_number} was reversed: its deficiency is "
                "deleted and the loan counts at its payoff again.",
            )
            return redirect(loan)
    return render(
        request,
        "deficiencies/liquidation_reverse.html",
        {"form": form, "deficiency": deficiency, "loan": loan, "event": deficiency.event,
         "portfolio": loan.portfolio, "blockers": blockers,
         "status_before": LoanStatus(reversal.status_after_reversal(deficiency.event)).label,
         "active_nav": "portfolios"},
    )  # fmt: skip
