"""Portfolio and loan pages, the CSV export and the loan-tape import.

Every object is fetched through `noteinvest.access`: a loan or portfolio outside the
user's scope is a 404. Investors read; staff also create, edit and import.
"""

import csv
import functools
import json
from datetime import date, datetime
from html import escape  # django.utils.html.escape without its lazy-string wrapper
from itertools import chain, islice
from types import SimpleNamespace
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, StringAgg, Subquery, Sum, TextField, Value
from django.db.models.functions import Cast, JSONArray
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from background.status import waiting_without_worker
from noteinvest.access import Role, get_visible_or_404, has_role, role_required
from noteinvest.money import format_money
from noteinvest.sorting import sort_rows
from noteinvest.templatetags.money import percent
from noteinvest.text import spreadsheet_safe
from portfolios import services
from portfolios.choices import LoanStatus, Occupancy
from portfolios.forms import (
    BorrowerFormSet,
    ColumnMappingForm,
    DeleteMappingForm,
    LoanFilterForm,
    LoanForm,
    PayoffDateForm,
    PortfolioForm,
    SellerMappingForm,
    TapeUploadForm,
)
from portfolios.models import (
    NOT_ON_THE_TAPE,
    Borrower,
    Loan,
    Portfolio,
    SellerColumnMapping,
    TapeImport,
    TapeUpload,
)
from portfolios.panels import (
    LIQUIDATED_ON,
    LOAN_PANELS,
    PORTFOLIO_LINKS,
    after_sale_fields,
    owed_after_sale,
)
from portfolios.payoff import Payoff, payoff
from portfolios.stats import PAYOFF_FIELDS, grand_total, portfolio_totals
from portfolios.tape.columns import BY_KEY, COLUMNS
from portfolios.tape.readers import TapeFileError, _letters
from portfolios.templatetags.borrowers import borrower_name

PAGE_SIZE = 50
BR = mark_safe("<br>")  # noqa: S308 - a constant tag
OCCUPANCY = dict(Occupancy.choices)
STATUS = dict(LoanStatus.choices)


TABLE_FIELDS = (
    "pk", "loan_number", "property_state", "occupancy", "status", "archived_at", *PAYOFF_FIELDS
)  # fmt: skip
ARCHIVED_MARK = ' <span class="badge text-bg-secondary">Archived</span>'  # shown with ?archived=1


class LoanRow(NamedTuple):
    """One line of the loan table, formatted once in Python (cheaper than template filters;
    a named tuple: 50 frozen dataclasses cost about 2% of the page)."""

    loan: SimpleNamespace  # the table's fields only
    url: str
    borrowers: str  # names, one per line, escaped
    occupancy: str
    status_label: str
    upb: str
    rate: str
    paid_to: str
    payoff: Payoff
    payoff_total: str
    html: str  # the <tr>, escaped (LOAN_ROW)


# The loan table's line, filled in Python once per row: through the template engine, its ten
# variables a row took about a third of the page's time (issue 13).
LOAN_ROW = (
    '<tr><td><a class="fw-semibold" href="{url}">{loan_number}</a></td>'
    '<td class="hide-narrow">{borrowers}</td>'
    "<td>{state}</td>"
    '<td class="hide-narrow">{occupancy}</td>'
    '<td class="hide-narrow"><span class="badge status-badge status-{status}">'
    "{status_label}</span></td>"
    '<td class="text-end num">{upb}</td>'
    '<td class="text-end num hide-narrow">{rate}</td>'
    '<td class="num hide-narrow">{paid_to}</td>'
    '<td class="text-end num fw-semibold">{payoff_total}</td></tr>\n'
)


def filter_selects(filters) -> dict[str, str]:
    """The filter bar's <option> lists (60-odd options), the chosen one marked selected."""
    data = filters.data if filters.is_bound else {}
    return {name: _options(name, data.get(name, "")) for name in ("state", "status", "occupancy")}


def _options(name: str, selected: str) -> str:
    # Built once for each field and choice (a value not among them selects none): the
    # choices are fixed, and building the lists took about 5% of the page's time.
    return _options_html(name, selected if selected in _choices(name) else None)


@functools.cache
def _choices(name: str) -> dict[str, str]:
    return dict(LoanFilterForm.base_fields[name].choices)


@functools.cache
def _options_html(name: str, selected: str | None) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label)
         for value, label in _choices(name).items()),
    )  # fmt: skip


@functools.cache
def _table_columns():
    # Each loan's borrowers as JSON arrays [position, id, name], read in the same query (one
    # query fewer a page); loan_rows puts them in order (SQLite's GROUP_CONCAT keeps none).
    one = Cast(JSONArray("position", "pk", "name"), TextField())
    borrowers = (
        Borrower.objects.filter(loan=OuterRef("pk")).order_by().values("loan")
        .annotate(all=StringAgg(one, Value(","))).values("all")
    )  # fmt: skip
    return Loan.objects.annotate(borrowers_json=Subquery(borrowers)).values(
        *TABLE_FIELDS, *after_sale_fields(), "borrowers_json"
    )


def table_columns():
    """Loans as the table reads them: its columns, their borrowers and, for a liquidated
    loan, what its sale left. The query is set up once per process (values() over these 30
    lookups through three joins cost about 4% of each view); each call returns a copy, the
    cached one is never run."""
    return _table_columns().all()


def loan_rows(loans, as_of: date) -> list[LoanRow]:
    """Rows for a page of `loans` (table_columns() narrowed to the page): one query,
    whatever the page."""
    page = [SimpleNamespace(**values) for values in loans]
    extra = after_sale_fields()  # a liquidated loan shows what its sale left
    # One parse for the page: a list per loan of [position, id, name], put in that order.
    lists = json.loads("[" + ",".join(f"[{loan.borrowers_json or ''}]" for loan in page) + "]")
    names = {
        loan.pk: [name for *_, name in sorted(found)]
        for loan, found in zip(page, lists, strict=True)
    }
    # One reverse() for the page, not one per row.
    url_prefix = reverse("portfolios:loan_detail", args=[0]).removesuffix("0/")
    rows = []
    for loan in page:
        figures = payoff(loan, as_of)
        # The row's values hold the after-sale fields too (same query).
        owed = owed_after_sale(vars(loan), as_of) if extra else None
        url = f"{url_prefix}{loan.pk}/"
        # Each name escaped by borrower_name; so is every cell of the row below.
        borrowers = SafeString(BR.join(borrower_name(n) for n in names.get(loan.pk, ())))
        occupancy = OCCUPANCY.get(loan.occupancy, loan.occupancy)
        status_label = STATUS.get(loan.status, loan.status)
        upb = format_money(loan.upb)
        rate = percent(loan.note_rate)
        day = loan.paid_to_date
        paid_to = f"{day.month:02}/{day.day:02}/{day.year}"  # strftime("%m/%d/%Y"), faster
        payoff_total = format_money(figures.total if owed is None else owed)
        html = SafeString(
            LOAN_ROW.format(
                url=escape(url), borrowers=borrowers,
                loan_number=escape(loan.loan_number) + (ARCHIVED_MARK if loan.archived_at else ""),
                state=escape(loan.property_state), occupancy=escape(occupancy),
                status=escape(loan.status), status_label=escape(status_label), upb=escape(upb),
                rate=escape(rate), paid_to=escape(paid_to), payoff_total=escape(payoff_total),
            )
        )  # fmt: skip
        rows.append(
            LoanRow(loan, url, borrowers, occupancy, status_label, upb, rate, paid_to, figures,
                    payoff_total, html)
        )  # fmt: skip
    return rows


def _as_of(request) -> tuple[date, PayoffDateForm]:
    """The payoff date asked for in ?as_of=, else today; with its (bound) form."""
    today = timezone.localdate()
    if "as_of" not in request.GET:
        return today, PayoffDateForm(initial={"as_of": today})
    form = PayoffDateForm(request.GET)
    return (form.cleaned_data["as_of"] if form.is_valid() else today), form


class _AtLeastPaginator(Paginator):
    """Pages over a count that may be short of the rows: the last page is not cut at it."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _figure(name):
    """A totals figure for sorting; None while the totals are being computed."""
    return lambda row: None if row[1].pending else getattr(row[1], name)


# The portfolio list's sortable columns (?sort=), over rows of (portfolio, totals).
PORTFOLIO_COLUMNS = {
    "name": lambda row: row[0].name.casefold(),
    "seller": lambda row: row[0].seller.casefold() or None,
    "loans": _figure("count"),
    "upb": _figure("upb"),
    "debt": _figure("total_debt"),
    "price": lambda row: row[0].purchase_price,
}


def archived_toggle(request) -> str:
    """The query string that shows archived rows (?archived=1) or hides them again, the
    other parameters (filters, sort) kept; the page starts again at 1."""
    query = request.GET.copy()
    query.pop("page", None)
    if query.pop("archived", None) != ["1"]:
        query["archived"] = "1"
    return "?" + query.urlencode()


@login_required
def portfolio_list(request):
    staff = has_role(request.user, Role.STAFF)
    # Archived portfolios are kept for the record, left out unless asked for (?archived=1),
    # and never counted in the totals.
    show_archived = request.GET.get("archived") == "1"
    portfolios = Portfolio.objects.visible_to(request.user).order_by("name")
    if not show_archived:
        portfolios = portfolios.active()
    if staff:
        portfolios = portfolios.prefetch_related("owners")
    portfolios = list(portfolios)
    today = timezone.localdate()
    archived_ids = {p.pk for p in portfolios if p.archived_at is not None}
    totals = portfolio_totals(portfolios, today)
    rows, sorting = sort_rows(request, [(p, totals[p.pk]) for p in portfolios], PORTFOLIO_COLUMNS)
    grand = grand_total({pk: t for pk, t in totals.items() if pk not in archived_ids})
    return render(
        request,
        "portfolios/portfolio_list.html",
        {"rows": rows, "grand": grand, "today": today, "active_nav": "portfolios",
         "totals_wait": not grand.current and waiting_without_worker(),
         "show_owners": staff, **sorting, "show_archived": show_archived,
         "archived_toggle": archived_toggle(request),
         "archived_count": len(archived_ids),
         "purchase_total": sum((p.purchase_price or 0 for p in portfolios
                                if p.pk not in archived_ids), 0)},
    )  # fmt: skip


@login_required
def portfolio_detail(request, pk):
    staff = has_role(request.user, Role.STAFF)
    portfolio = get_visible_or_404(
        Portfolio.objects.prefetch_related("owners") if staff else Portfolio.objects,
        request.user,
        pk=pk,
    )
    today = timezone.localdate()
    filters = LoanFilterForm(request.GET or None)
    # Archived loans are kept for the record, listed only when asked for (?archived=1); the
    # totals never count them.
    show_archived = request.GET.get("archived") == "1"
    loans = filters.filter(portfolio.loans.all() if show_archived else portfolio.loans.active())
    totals = portfolio_totals([portfolio], today)[portfolio.pk]
    unfiltered = not show_archived and not any(
        filters.data.get(f) for f in ("q", "state", "status", "occupancy")
    )
    # Unfiltered, the row count is the totals' count: no COUNT query (it reads every loan's
    # index entry). The last totals, shown while new ones are computed, may not count loans
    # added since: their last page then shows a full page (loans are never deleted).
    paginator = (Paginator if totals.current else _AtLeastPaginator)(loans, PAGE_SIZE)
    if unfiltered and totals.has_figures:
        paginator.__dict__["count"] = totals.count
    page = paginator.get_page(request.GET.get("page"))
    # The page's loans (the paginator's cut) read with the table's columns in the same
    # query, around it: sorting and skipping run on the loans' own columns only (a view of
    # 10,000 loans sorted by UPB took about a quarter less), the 30 columns are read for the
    # 50 loans shown.
    on_page = page.object_list.values("pk")
    rows = loan_rows(table_columns().filter(pk__in=on_page).order_by(*filters.ordering()), today)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    for key in ("page", "sort"):
        sort_query.pop(key, None)
    context = {
        "portfolio": portfolio,
        "filters": filters,
        "staff": staff,
        "extra_links": [link for fn in PORTFOLIO_LINKS for link in fn(request, portfolio)],
        "filter_selects": filter_selects(filters),
        "page": page,
        "rows": rows,
        "rows_html": SafeString("".join(row.html for row in rows)),
        "today": today,
        "totals": totals,
        "totals_wait": not totals.current and waiting_without_worker(),
        "filtered": loans.aggregate(count=Count("pk"), upb=Sum("upb"))
        if filters.has_changed()
        else None,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": filters.data.get("sort", "loan_number") if filters.is_bound else "loan_number",
        "recent_imports": portfolio.imports.only("pk", "filename", "status", "created_at")[:3]
        if staff
        else [],
        "show_archived": show_archived,
        "archived_toggle": archived_toggle(request),
        "archived_loans": portfolio.loans.exclude(archived_at=None).count(),
        "corrections": portfolio.corrections.select_related("by")[:50],
        "active_nav": "portfolios",
    }
    return render(request, "portfolios/portfolio_detail.html", context)


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def portfolio_edit(request, pk=None):
    portfolio = get_visible_or_404(Portfolio.objects, request.user, pk=pk) if pk else None
    form = PortfolioForm(request.POST or None, instance=portfolio)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_portfolio(form=form, by=request.user)
        except services.StaleEdit as exc:
            form.add_error(None, str(exc))
        except services.DuplicateValue as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"Portfolio “{saved}” saved.")
            return redirect(saved)
    return render(
        request, "portfolios/portfolio_form.html",
        {"form": form, "portfolio": portfolio, "active_nav": "portfolios"},
    )  # fmt: skip


@login_required
def loan_detail(request, pk):
    loan = get_visible_or_404(
        Loan.objects.select_related("portfolio").prefetch_related("borrowers"), request.user, pk=pk
    )
    as_of, date_form = _as_of(request)
    # A liquidated loan no longer accrues: its payoff is the debt at the sale, and what it
    # owes is the deficiency (its panel).
    sold_on = next((day for fn in LIQUIDATED_ON if (day := fn(loan))), None)
    return render(
        request,
        "portfolios/loan_detail.html",
        {
            "loan": loan,
            "portfolio": loan.portfolio,
            "payoff": payoff(loan, sold_on or as_of),
            "sold_on": sold_on,
            "panels": [html for panel in LOAN_PANELS if (html := panel(request, loan))],
            "date_form": date_form,
            # What the user typed stays in the box, even when it is not a date.
            "as_of_input": request.GET.get("as_of", "") if date_form.errors else as_of.isoformat(),
            "is_today": as_of == timezone.localdate(),
            "active_nav": "portfolios",
        },
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def loan_edit(request, pk=None, portfolio_pk=None):
    if pk:
        loan = get_visible_or_404(Loan.objects.select_related("portfolio"), request.user, pk=pk)
        portfolio = loan.portfolio
    else:
        portfolio = get_visible_or_404(Portfolio.objects, request.user, pk=portfolio_pk)
        loan = Loan(portfolio=portfolio)
    form = LoanForm(request.POST or None, instance=loan, portfolio=portfolio)
    borrowers = BorrowerFormSet(request.POST or None, instance=loan, prefix="borrowers")
    if request.method == "POST" and form.is_valid() and borrowers.is_valid():
        try:
            saved = services.save_loan(form=form, borrowers=borrowers, by=request.user)
        except services.StaleEdit as exc:
            form.add_error(None, str(exc))
        except services.DuplicateValue as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"Loan {saved.loan_number} saved.")
            return redirect(saved)
    return render(
        request,
        "portfolios/loan_form.html",
        {"form": form, "borrowers": borrowers, "loan": loan if pk else None,
         "portfolio": portfolio, "active_nav": "portfolios"},
    )  # fmt: skip


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = [
    ("Loan Number", "loan_number"), ("Borrower Name", None),
    ("Property Address", "property_address"),
    ("Property City", "property_city"), ("Property State", "property_state"),
    ("Property ZIP", "property_zip"), ("Occupancy", "get_occupancy_display"),
    ("Purchase Money", "get_purchase_money_display"), ("Status", "get_status_display"),
    ("Note Rate", "note_rate"), ("Day Count", "day_count"), ("Paid To Date", "paid_to_date"),
]  # fmt: skip
EXPORT_CHUNK = 500  # loans read per query (and their borrowers) while the CSV streams
EXPORT_PAYOFF = [
    ("UPB", "principal"), ("Deferred Principal", "deferred_principal"),
    ("Accrued Interest", "interest"), ("Fees", "fees"), ("Costs", "costs"),
    ("Escrow Advances", "advances"), ("Suspense", "suspense"), ("Per Diem", "per_diem"),
    ("Interest Days", "days"), ("Total Payoff", "total"),
]  # fmt: skip


@login_required
def portfolio_export(request, pk):
    """The portfolio's loans with their payoff as of ?as_of= (default today), as CSV."""
    portfolio = get_visible_or_404(Portfolio.objects, request.user, pk=pk)
    as_of, form = _as_of(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "as_of must be a date such as 2026-06-30.", status=400, content_type="text/plain"
        )

    loans = (
        portfolio.loans.active()
        .order_by("loan_number")
        .prefetch_related(
            Prefetch("borrowers", queryset=Borrower.objects.order_by("position", "pk"))
        )
    )
    stream = loans.iterator(chunk_size=EXPORT_CHUNK)
    # The first chunk is read here, before the response starts: a database error on it (a
    # connection dropped) is then an error page, read again for a GET
    # (noteinvest.middleware.RetryLostConnectionMiddleware), not a file cut short after its
    # headers went out. A portfolio of up to EXPORT_CHUNK loans is read whole here.
    first = list(islice(stream, EXPORT_CHUNK))

    # The first line is the header, so any CSV reader takes the file as it is; the as-of date
    # is in the file name and, for a sheet that merges several exports, in its own column.
    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(
            [c for c, _ in EXPORT_COLUMNS] + [c for c, _ in EXPORT_PAYOFF] + ["As Of"]
        )
        for loan in chain(first, stream):
            figures = payoff(loan, as_of)
            out = []
            for _, attr in EXPORT_COLUMNS:
                if attr is None:
                    out.append("; ".join(b.name or NOT_ON_THE_TAPE for b in loan.borrowers.all()))
                else:
                    value = getattr(loan, attr)
                    out.append(value() if callable(value) else value)
            out += [getattr(figures, attr) for _, attr in EXPORT_PAYOFF] + [as_of.isoformat()]
            # Text from a seller's tape (names, cities, loan numbers) is never run as a formula.
            yield writer.writerow([spreadsheet_safe(cell) for cell in out])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    # The portfolio's name is user text: slugify it so the header cannot be broken.
    name = f"{slugify(portfolio.name) or 'portfolio'}-payoff-{as_of.isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- Loan-tape import ---------------------------------------------------------------------


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def import_start(request, pk):
    portfolio = get_visible_or_404(Portfolio.objects, request.user, pk=pk)
    form = TapeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_tape_import(
                portfolio=portfolio,
                upload=form.cleaned_data["file"],
                by=request.user,
                default_day_count=form.cleaned_data["default_day_count"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except TapeFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job)
    services.expire_interrupted()
    imports = portfolio.imports.select_related("created_by").defer(*TapeImport.HEAVY_FIELDS)
    saved = services.seller_mapping(portfolio.seller)
    return render(
        request,
        "portfolios/tapeimport_form.html",
        {"form": form, "portfolio": portfolio, "columns": COLUMNS, "active_nav": "portfolios",
         "imports": imports[:10], "saved_mapping": saved},
    )  # fmt: skip


def _staff_import(request, pk, *, only=None) -> TapeImport:
    """An import (its uploaded file is in TapeUpload, never read here); `only` names the few
    fields a view needs."""
    imports = TapeImport.objects.select_related("portfolio")
    imports = imports.only(*only) if only else imports
    return get_object_or_404(imports, pk=pk)


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def import_detail(request, pk):
    services.expire_interrupted()
    job = _staff_import(request, pk)
    mapping_form = None
    if job.status == TapeImport.Status.NEEDS_MAPPING:
        mapping_form = ColumnMappingForm(
            request.POST or None, headers=job.headers, mapping=job.mapping, repeated=job.repeated
        )
        if request.method == "POST" and mapping_form.is_valid():
            try:
                services.set_import_mapping(
                    job=job,
                    mapping=mapping_form.mapping(),
                    by=request.user,
                    remember=mapping_form.cleaned_data["remember"],
                    column_choice=mapping_form.column_choice(),
                )
            except services.TapeImportError as exc:
                mapping_form.add_error(None, str(exc))
            else:
                return redirect(job)
    elif request.method == "POST":
        return redirect(job)
    problems = (
        Paginator(job.problems, 200).get_page(request.GET.get("page")) if job.problems else None
    )
    # A rejected tape lists its problems; its warnings are counted by kind only.
    warnings = (
        Paginator(job.warnings, 200).get_page(request.GET.get("page"))
        if job.warnings and not job.problems
        else None
    )
    return render(
        request,
        "portfolios/tapeimport_detail.html",
        {
            "job": job,
            "portfolio": job.portfolio,
            "mapping_form": mapping_form,
            "problems": problems,
            "warnings": warnings,
            "mapped": [(BY_KEY[k].label, h) for k, h in job.mapping.items() if k in BY_KEY],
            "copies_used": [
                (header, _letters(index)) for header, index in job.column_choice.items()
            ],
            "seller_mapping": _applied_mapping(job.seller_mapping),
            "no_worker": job.status == TapeImport.Status.QUEUED and waiting_without_worker(),
            "checked_file_until": _checked_file_until(job),
            "checked_file_days": TapeImport.CHECKED_FILE_KEPT.days,
            "active_nav": "portfolios",
        },
    )


def _checked_file_until(job: TapeImport):
    """Until when a passed check's file is kept for "Import this file"; None when it is not
    (imported already, pruned, or not a passed check)."""
    if job.status != TapeImport.Status.CHECKED or job.imported_as_id or not job.finished_at:
        return None
    if not TapeUpload.objects.filter(pk=job.pk).exists():
        return None
    return job.finished_at + TapeImport.CHECKED_FILE_KEPT


def _applied_mapping(note: dict) -> dict | None:
    """The seller's saved mapping an import applied (TapeImport.seller_mapping), for its
    page: when and by whom it was saved, and whether it still exists (to link to it)."""
    if not note:
        return None
    saved_at = note.get("saved_at")
    return {
        **note,
        "saved_at": datetime.fromisoformat(saved_at) if saved_at else None,
        "exists": SellerColumnMapping.objects.filter(pk=note.get("id")).exists(),
    }


STATUS_FIELDS = ("pk", "status", "phase", "progress", "rows_done", "rows_total", "reason")


@role_required(Role.STAFF)
def import_status(request, pk):
    """Polled every 600 ms while an import runs: a handful of small columns, one row."""
    services.expire_interrupted()
    job = get_object_or_404(TapeImport.objects.only(*STATUS_FIELDS), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "phase": job.phase,
            "progress": job.progress,
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "finished": job.finished,
            "reason": job.reason,
        }
    )


@role_required(Role.STAFF)
def import_problems_csv(request, pk):
    job = get_object_or_404(
        TapeImport.objects.only("pk", "problems", "problem_count", "problem_kinds"), pk=pk
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    writer = csv.writer(response)
    writer.writerow(["Row", "Column", "Value", "Problem"])
    for p in job.problems:
        # Values come from the seller's tape: a spreadsheet must show them, not run them.
        writer.writerow(
            [spreadsheet_safe(cell) for cell in (p["row"], p["column"], p["value"], p["message"])]
        )
    if job.problems_not_listed:
        writer.writerow(
            ["", "", "", f"…and {job.problems_not_listed:,} more problems, not listed one by one"]
        )
        for kind, count in job.problem_kinds:
            writer.writerow(["", "", count, spreadsheet_safe(kind)])
    return response


@role_required(Role.STAFF)
@require_POST
def import_cancel(request, pk):
    job = _staff_import(request, pk, only=("pk", "status", "portfolio_id"))
    if job.status == TapeImport.Status.NEEDS_MAPPING:
        services.cancel_tape_import(job=job, by=request.user)
        messages.info(request, "Import cancelled: nothing was written.")
        return redirect("portfolios:import_start", pk=job.portfolio_id)
    if services.cancel_tape_import(job=job, by=request.user):
        messages.info(request, "Import cancelled: nothing was written.")
    else:
        job.refresh_from_db(fields=["status"])
        messages.warning(
            request,
            f"The import had already ended ({job.get_status_display()}): nothing was cancelled.",
        )
    return redirect(job)


@role_required(Role.STAFF)
@require_POST
def import_checked(request, pk):
    """Import the file a passed check read, without a second upload."""
    job = _staff_import(request, pk, only=("pk", "status", "portfolio_id", "imported_as_id"))
    try:
        fresh = services.import_checked_tape(job=job, by=request.user)
    except services.AlreadyImported as exc:
        messages.info(request, "This check was already imported: here is that import.")
        return redirect(exc.job)
    except services.TapeImportError as exc:
        messages.error(request, str(exc))
        return redirect(job)
    messages.success(request, "The checked file is being imported: no second upload needed.")
    return redirect(fresh)


# --- Sellers' saved column mappings (staff) ---------------------------------------------------


@role_required(Role.STAFF)
@require_GET
def mapping_list(request):
    mappings = SellerColumnMapping.objects.select_related("updated_by").order_by("seller")
    portfolios: dict[str, list[Portfolio]] = {}
    for portfolio in Portfolio.objects.filter(seller__in=[m.seller for m in mappings]).only(
        "pk", "name", "seller"
    ):
        portfolios.setdefault(portfolio.seller, []).append(portfolio)
    rows = [
        (m, [BY_KEY[k].label for k in BY_KEY if k in m.mapping], portfolios.get(m.seller, []))
        for m in mappings
    ]
    return render(
        request, "portfolios/mapping_list.html", {"rows": rows, "active_nav": "portfolios"}
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def mapping_edit(request, pk):
    mapping = get_object_or_404(SellerColumnMapping.objects.select_related("updated_by"), pk=pk)
    form = SellerMappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_seller_mapping(form=form, by=request.user)
        except services.StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Column mapping for {mapping.seller} saved: the seller's next tape uses it.",
            )
            return redirect("portfolios:mappings")
    return render(
        request,
        "portfolios/mapping_form.html",
        {
            "form": form,
            "mapping": mapping,
            "active_nav": "portfolios",
            # Offered as each field's suggestions: the headers this mapping knows.
            "known_headers": sorted({*mapping.mapping.values(), *mapping.ignored}),
        },
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def mapping_delete(request, pk):
    mapping = get_object_or_404(SellerColumnMapping.objects.select_related("updated_by"), pk=pk)
    form = DeleteMappingForm(request.POST or None, initial={"version": mapping.version})
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_seller_mapping(mapping=mapping, version=form.cleaned_data["version"])
        except services.StaleEdit:
            # Shown as it is now, to be confirmed again.
            stale = True
            form = DeleteMappingForm(initial={"version": mapping.version})
        else:
            messages.success(
                request,
                f"Column mapping for {mapping.seller} deleted: the seller's next tape is "
                "matched by name, with a mapping step if needed.",
            )
            return redirect("portfolios:mappings")
    labels = [(BY_KEY[k].label, h) for k, h in mapping.mapping.items() if k in BY_KEY]
    return render(
        request,
        "portfolios/mapping_delete.html",
        {
            "form": form,
            "mapping": mapping,
            "labels": labels,
            "stale": stale,
            "active_nav": "portfolios",
        },
    )
