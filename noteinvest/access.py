"""Who may see what: the role rules every view uses.

Roles are Django groups (created by a data migration in accounts): Investor, Staff,
Attorney; one user may hold several. Pages a role may not use answer 403; objects
outside a user's scope answer 404, exactly like a missing id, so a guessed URL
tells a stranger nothing.

Models opt in through a QuerySet method built on `scope_for`:

    class PortfolioQuerySet(models.QuerySet):
        def visible_to(self, user):
            return scope_for(self, user, owner_path="owners")
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404


class Role(StrEnum):
    INVESTOR = "Investor"
    STAFF = "Staff"
    ATTORNEY = "Attorney"


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_noteinvest_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._noteinvest_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user).intersection(roles))


def is_staff_member(user) -> bool:
    return has_role(user, Role.STAFF)


def scope_for(
    queryset: QuerySet,
    user,
    *,
    owner_path: str | None = None,
    reviewer_path: str | None = None,
) -> QuerySet:
    """Restrict `queryset` to what `user` may see.

    Staff see everything. An investor sees rows whose `owner_path` leads to them.
    An attorney sees rows whose `reviewer_path` leads to them (what was sent to them
    for review). A user with several roles sees the union. Everyone else sees nothing.
    """
    roles = roles_of(user)
    if Role.STAFF in roles:
        return queryset.all()
    condition = Q()
    matched = False
    if Role.INVESTOR in roles and owner_path:
        condition |= Q(**{owner_path: user})
        matched = True
    if Role.ATTORNEY in roles and reviewer_path:
        condition |= Q(**{reviewer_path: user})
        matched = True
    if not matched:
        return queryset.none()
    # A path through a many-to-many relation can match one row several times.
    return queryset.filter(condition).distinct()


def get_visible_or_404(queryset: QuerySet, user, **lookup):
    """The one object matching `lookup` among those `user` may see, else 404.

    `queryset` must offer `visible_to(user)`; an object out of scope and a missing
    id give the same 404.
    """
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc


def role_required(*roles: Role) -> Callable:
    """View decorator: log in first, then hold one of `roles`, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
