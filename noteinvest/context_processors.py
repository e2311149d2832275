"""Navigation: each role sees only the sections it may use."""

from django.urls import reverse

from noteinvest.access import Role, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    roles = roles_of(user)
    if not roles:
        return {"nav_items": [], "user_roles": roles}
    items = [{"label": "Home", "url": reverse("home"), "key": "home"}]
    if roles & {Role.INVESTOR, Role.STAFF}:
        items.append(
            {"label": "Portfolios", "url": reverse("portfolios:list"), "key": "portfolios"}
        )
    if Role.STAFF in roles:
        items.append(
            {
                "label": "Accounts",
                "url": reverse("admin:accounts_user_changelist"),
                "key": "accounts",
            }
        )
    return {"nav_items": items, "user_roles": sorted(r.value for r in roles)}
