"""Navigation: each role sees only the sections it may use."""

from noteinvest.access import Role, roles_of
from noteinvest.navigation import counts_for, register, sections_for

register(order=0, label="Home", url_name="home", key="home", roles=set(Role))
register(
    order=90, label="Accounts", url_name="admin:accounts_user_changelist", key="accounts",
    roles={Role.STAFF},
)  # fmt: skip


def navigation(request):
    roles = roles_of(getattr(request, "user", None))
    if not roles:
        return {"nav_items": [], "user_roles": []}
    counts = counts_for(request)
    items = sections_for(roles)
    if counts:
        items = [{**item, "count": counts.get(item["key"], 0)} for item in items]
    return {"nav_items": items, "user_roles": sorted(r.value for r in roles)}
