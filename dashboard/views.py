"""Home: one page per role; a user with several roles sees each role's section."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from background.status import waiting_without_worker
from dashboard.queues import queues_for
from noteinvest.access import Role, roles_of
from portfolios.models import Portfolio, TapeImport
from portfolios.services import expire_interrupted
from portfolios.stats import grand_total, portfolio_totals
from settlements.models import Agreement, Status


def _portfolio_rows(portfolios, today):
    portfolios = list(portfolios)
    totals = portfolio_totals(portfolios, today)
    return [(p, totals[p.pk]) for p in portfolios], grand_total(totals)


@login_required
def home(request):
    user = request.user
    roles = roles_of(user)
    today = timezone.localdate()
    context = {"roles": roles, "today": today, "active_nav": "home"}
    wait = False  # totals not current: is a worker running to compute them?
    if Role.INVESTOR in roles:
        rows, totals = _portfolio_rows(Portfolio.objects.active().filter(owners=user), today)
        context["investor"] = {"rows": rows, "totals": totals}
        wait = wait or not totals.current
    if Role.STAFF in roles:
        expire_interrupted()
        User = get_user_model()
        rows, totals = _portfolio_rows(Portfolio.objects.active().prefetch_related("owners"), today)
        people = dict(
            User.objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
            .values_list("groups__name")
            .annotate(n=Count("pk", distinct=True))
        )
        wait = wait or not totals.current
        context["staff"] = {
            "rows": rows,
            "totals": totals,
            "people": people,
            # Never the uploaded files or problem reports: a list shows names and statuses.
            "imports": TapeImport.objects.select_related("portfolio", "created_by").defer(
                *TapeImport.HEAVY_FIELDS
            )[:5],
        }
    if Role.ATTORNEY in roles:
        context["attorney"] = {
            "queue": Agreement.objects.filter(reviewer=user, status=Status.IN_REVIEW)
            .select_related("loan", "drafted_by")
            .order_by("updated_at")
        }
    context["queues"] = queues_for(user, today)
    context["totals_wait"] = wait and waiting_without_worker()
    return render(request, "dashboard/home.html", context)
