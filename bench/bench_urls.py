"""URLs for bench_portfolio_page: the site's own, plus a bare paginated view to compare with."""

from django.core.paginator import Paginator
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
