"""The role rules every view relies on: owner, other investor, staff, attorney."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from noteinvest.access import Role, get_visible_or_404, has_role, role_required, roles_of
from portfolios.models import Portfolio
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_owner_sees_only_own_portfolios(owner, portfolio, other_portfolio):
    assert list(Portfolio.objects.visible_to(owner)) == [portfolio]


def test_other_investor_gets_404_for_owners_portfolio(other_investor, portfolio):
    with pytest.raises(Http404):
        get_visible_or_404(Portfolio.objects, other_investor, pk=portfolio.pk)


def test_out_of_scope_and_missing_ids_give_the_same_404(other_investor, portfolio):
    with pytest.raises(Http404) as hidden:
        get_visible_or_404(Portfolio.objects, other_investor, pk=portfolio.pk)
    with pytest.raises(Http404) as missing:
        get_visible_or_404(Portfolio.objects, other_investor, pk=portfolio.pk + 1000)
    assert str(hidden.value) == str(missing.value)


def test_owner_gets_own_portfolio(owner, portfolio):
    assert get_visible_or_404(Portfolio.objects, owner, pk=portfolio.pk) == portfolio


def test_staff_see_every_portfolio(staff, portfolio, other_portfolio):
    assert set(Portfolio.objects.visible_to(staff)) == {portfolio, other_portfolio}


def test_attorney_sees_no_portfolio_that_was_not_sent_for_review(attorney, portfolio):
    assert not Portfolio.objects.visible_to(attorney).exists()
    with pytest.raises(Http404):
        get_visible_or_404(Portfolio.objects, attorney, pk=portfolio.pk)


def test_user_without_role_and_anonymous_see_nothing(portfolio):
    nobody = make_user()
    assert not Portfolio.objects.visible_to(nobody).exists()
    assert not Portfolio.objects.visible_to(AnonymousUser()).exists()


def test_inactive_user_has_no_roles(owner, portfolio):
    owner.is_active = False
    assert roles_of(owner) == frozenset()
    assert not Portfolio.objects.visible_to(owner).exists()


def test_a_user_may_hold_several_roles():
    both = make_user(Role.INVESTOR, Role.ATTORNEY)
    assert roles_of(both) == {Role.INVESTOR, Role.ATTORNEY}
    assert has_role(both, Role.ATTORNEY)
    assert not has_role(both, Role.STAFF)


def test_co_owned_portfolio_listed_once(owner, other_investor):
    shared = Portfolio.objects.create(name="Shared")
    shared.owners.add(owner, other_investor)
    assert list(Portfolio.objects.visible_to(owner)) == [shared]


def test_role_required_refuses_other_roles_with_403(owner, staff):
    @role_required(Role.STAFF)
    def staff_page(request):
        return HttpResponse("secret")

    request = RequestFactory().get("/x")
    request.user = staff
    assert staff_page(request).status_code == 200
    request.user = owner
    with pytest.raises(PermissionDenied):
        staff_page(request)


def test_role_required_sends_anonymous_users_to_login():
    @role_required(Role.STAFF)
    def staff_page(request):
        return HttpResponse("secret")

    request = RequestFactory().get("/x")
    request.user = AnonymousUser()
    response = staff_page(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
