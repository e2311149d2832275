"""URLs for bench_portfolio_page: the site's own, plus a bare paginated view to compare with."""

from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.template import Context, Template
from django.urls import include, path

from portfolios.models import Loan

BARE_TEMPLATE = Template(
    """<table>{% for loan in page.object_list %}<tr><td>{{ loan.loan_number }}</td>
<td>{{ loan.property_state }}</td><td>{{ loan.status }}</td><td>{{ loan.upb }}</td>
<td>{{ loan.note_rate }}</td><td>{{ loan.paid_to_date }}</td></tr>{% endfor %}</table>
<p>Page {{ page.number }} of {{ page.paginator.num_pages }}</p>"""
)


def bare_view(request, pk):
    """The baseline: the same loans, 50 to a page, a plain template, no access checks."""
    loans = Loan.objects.filter(portfolio_id=pk).order_by("loan_number")
    page = Paginator(loans, 50).get_page(request.GET.get("page"))
    return HttpResponse(BARE_TEMPLATE.render(Context({"page": page})))


urlpatterns = [path("bare/<int:pk>/", bare_view), path("", include("noteinvest.urls"))]


def bare_deficiencies(request, pk):
    """Baseline for the summary page: the same deficiencies, 50 to a page, plain template."""
    from deficiencies.models import Deficiency

    rows = Deficiency.objects.filter(portfolio_id=pk).order_by("-debt_as_of", "-pk")
    rows = rows.annotate(a=F("debt_as_of"), b=F("recoverable"), c=F("status"))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return HttpResponse(BARE_ROWS.render(Context({"page": page})))


def bare_deadlines(request):
    """Baseline for the deadlines page: the same deadline rows, 50 to a page, plain template."""
    from deficiencies.models import Deadline

    rows = Deadline.objects.order_by("due_on", "pk")
    rows = rows.annotate(a=F("due_on"), b=F("kind"), c=F("loan_number"))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return HttpResponse(BARE_ROWS.render(Context({"page": page})))


BARE_ROWS = Template(
    """<table>{% for row in page.object_list %}<tr><td>{{ row.pk }}</td><td>{{ row.a }}</td>
<td>{{ row.b }}</td><td>{{ row.c }}</td></tr>{% endfor %}</table>
<p>Page {{ page.number }} of {{ page.paginator.num_pages }}</p>"""
)


urlpatterns = [
    path("bare/deficiencies/<int:pk>/", bare_deficiencies),
    path("bare/deadlines/", bare_deadlines),
    *urlpatterns,
]
