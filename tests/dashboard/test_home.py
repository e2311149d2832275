"""Each role lands on its own home page and sees only its own navigation."""

import pytest
from django.urls import reverse

from noteinvest.access import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def get_home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def nav_labels(response):
    return [item["label"] for item in response.context["nav_items"]]


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_investor_home_lists_only_own_portfolios(client, owner, portfolio, other_portfolio):
    response = get_home(client, owner)
    assert "Your portfolios" in response.text
    assert "Owner&#x27;s Pool" in response.text
    assert "Other&#x27;s Pool" not in response.text
    assert "Back office" not in response.text
    assert "review queue" not in response.text
    assert nav_labels(response) == ["Home", "Portfolios", "Deadlines", "Settlements", "State rules"]


def test_staff_home_shows_back_office_and_every_portfolio(
    client, staff, portfolio, other_portfolio
):
    response = get_home(client, staff)
    assert "Back office" in response.text
    assert "Owner&#x27;s Pool" in response.text
    assert "Other&#x27;s Pool" in response.text
    assert "owner@example.com" in response.text
    assert nav_labels(response) == [
        "Home",
        "Portfolios",
        "Deadlines",
        "Settlements",
        "Clause library",
        "State rules",
        "Accounts",
    ]


def test_attorney_home_shows_review_queue_and_no_portfolios(client, attorney, portfolio):
    response = get_home(client, attorney)
    assert "Your review queue" in response.text
    assert "Nothing is waiting for your review." in response.text
    assert "Owner&#x27;s Pool" not in response.text
    assert nav_labels(response) == ["Home", "Review queue", "Clause library", "State rules"]


def test_user_with_two_roles_sees_both_sections(client, portfolio):
    both = make_user(Role.INVESTOR, Role.ATTORNEY)
    portfolio.owners.add(both)
    response = get_home(client, both)
    assert "Your portfolios" in response.text
    assert "Your review queue" in response.text


def test_user_without_role_is_told_to_ask_staff(client):
    response = get_home(client, make_user())
    assert "has no role yet" in response.text


def test_home_query_count_does_not_grow_with_portfolios(client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_portfolio

    owners = [make_user(Role.INVESTOR) for _ in range(3)]
    for _ in range(2):
        make_portfolio(*owners)
    client.force_login(staff)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(20):
        make_portfolio(*owners)
    client.get(reverse("home"))  # totals of new portfolios are computed once, then cached
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert 0 < len(many.captured_queries) == len(few.captured_queries)


def test_only_staff_reach_account_administration(client, staff, owner, attorney):
    url = reverse("admin:accounts_user_add")
    client.force_login(staff)
    assert client.get(url).status_code == 200
    for outsider in (owner, attorney):
        client.force_login(outsider)
        assert client.get(url).status_code == 302  # admin sends non-admins to its login


def test_staff_cannot_make_a_superuser_in_admin(client, staff, owner):
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.text


def test_pages_carry_a_content_security_policy(client, owner):
    response = get_home(client, owner)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "https:" not in csp


def test_pages_load_assets_only_from_the_app(client, owner):
    response = get_home(client, owner)
    assert "http://" not in response.text.replace("http://www.w3.org", "")
    assert "https://" not in response.text
    assert "/static/bootstrap/css/bootstrap.min.css" in response.text


@pytest.mark.django_db(transaction=True)
def test_bundled_assets_are_served(live_server):
    import urllib.request

    for path in (
        "/static/bootstrap/css/bootstrap.min.css",
        "/static/bootstrap/js/bootstrap.bundle.min.js",
        "/static/css/app.css",
        "/static/img/logo.svg",
    ):
        with urllib.request.urlopen(live_server.url + path) as response:
            assert response.status == 200
