"""Home: one page per role; a user with several roles sees each role's section."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render

from noteinvest.access import Role, roles_of
from portfolios.models import Portfolio


@login_required
def home(request):
    user = request.user
    roles = roles_of(user)
    context = {"roles": roles}
    if Role.INVESTOR in roles:
        mine = Portfolio.objects.filter(owners=user)
        context["investor"] = {
            "portfolios": mine,
            "totals": mine.aggregate(count=Count("id"), purchase_price=Sum("purchase_price")),
        }
    if Role.STAFF in roles:
        User = get_user_model()
        everyone = Portfolio.objects.prefetch_related("owners")
        context["staff"] = {
            "portfolios": everyone,
            "totals": Portfolio.objects.aggregate(
                count=Count("id"), purchase_price=Sum("purchase_price")
            ),
            "people": {
                role.value: User.objects.filter(groups__name=role.value, is_active=True).count()
                for role in Role
            },
        }
    if Role.ATTORNEY in roles:
        # Agreements sent for review arrive with the settlements app; until one is
        # assigned to this attorney the queue is empty.
        context["attorney"] = {"queue": []}
    return render(request, "dashboard/home.html", context)
