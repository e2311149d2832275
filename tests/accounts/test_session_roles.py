"""Roles kept in the session (accounts.middleware): read once, read again after any change.

A staff member loses the Staff role: their next request is refused, whichever way the role
was taken away. The two clients stand for two browsers: the staff member's, kept signed in,
and the superuser's in the admin.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import middleware
from accounts.models import User
from noteinvest.access import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

STAFF_PAGE = reverse("portfolios:create")


def group(role):
    return Group.objects.get(name=role.value)


@pytest.fixture
def staff_browser(staff):
    browser = Client()
    browser.force_login(staff)
    assert browser.get(STAFF_PAGE).status_code == 200  # the roles are now in its session
    return browser


def roles_queries(queries):
    """The queries reading a user's group names (noteinvest.access.roles_of)."""
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith('SELECT "auth_group"."name"')]  # fmt: skip


def test_roles_are_read_once_per_session(staff_browser):
    with CaptureQueriesContext(connection) as queries:
        assert staff_browser.get(STAFF_PAGE).status_code == 200
    assert roles_queries(queries) == []
    assert staff_browser.session[middleware.SESSION_KEY][3] == [Role.STAFF.value]


def test_superuser_removes_staff_in_the_admin_and_the_next_request_is_refused(staff, staff_browser):
    admin = Client()
    admin.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        {"email": staff.email, "full_name": staff.full_name, "is_active": "on",
         "groups": [group(Role.INVESTOR).pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert staff_browser.get(STAFF_PAGE).status_code == 403


@pytest.mark.parametrize(
    "take_away",
    [
        lambda user: user.groups.remove(group(Role.STAFF)),
        lambda user: user.groups.set([group(Role.INVESTOR)]),
        lambda user: user.groups.clear(),
        lambda user: group(Role.STAFF).user_set.remove(user),
        lambda user: group(Role.STAFF).user_set.clear(),
        lambda user: group(Role.STAFF).delete(),
    ],
    ids=["remove", "set", "clear", "group-remove", "group-clear", "group-delete"],
)  # fmt: skip
def test_removed_staff_role_is_refused_on_the_next_request(staff, staff_browser, take_away):
    take_away(staff)
    assert staff_browser.get(STAFF_PAGE).status_code == 403


def test_renamed_group_is_no_longer_the_role(staff, staff_browser):
    staff_group = group(Role.STAFF)
    staff_group.name = "Former staff"
    staff_group.save()
    assert staff_browser.get(STAFF_PAGE).status_code == 403


def test_a_stale_full_save_does_not_restore_the_old_stamp(staff, staff_browser):
    loaded_before = User.objects.get(pk=staff.pk)
    staff.groups.remove(group(Role.STAFF))
    loaded_before.full_name = "Saved with an old copy"
    loaded_before.save()  # a full save of the copy loaded before the change
    assert User.objects.get(pk=staff.pk).roles_version > loaded_before.roles_version
    assert staff_browser.get(STAFF_PAGE).status_code == 403


def test_a_role_given_shows_on_the_next_request(owner):
    browser = Client()
    browser.force_login(owner)
    assert browser.get(STAFF_PAGE).status_code == 403
    owner.groups.add(group(Role.STAFF))
    assert browser.get(STAFF_PAGE).status_code == 200


@pytest.mark.parametrize("unseen", ["raw-sql", "through-rows-deleted", "group-renamed-by-update"])
def test_roles_are_read_again_after_the_recheck_interval(staff, staff_browser, monkeypatch, unseen):
    # A change no signal sees: the session's copy is trusted for RECHECK_SECONDS at most.
    if unseen == "raw-sql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(User.groups.through._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [staff.pk])  # noqa: S608
    elif unseen == "through-rows-deleted":
        User.groups.through.objects.filter(user=staff).delete()
    else:
        Group.objects.filter(name=Role.STAFF.value).update(name="Staff (old)")
    assert staff_browser.get(STAFF_PAGE).status_code == 200
    clock = middleware.time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: clock + middleware.RECHECK_SECONDS)
    assert staff_browser.get(STAFF_PAGE).status_code == 403


def test_roles_kept_for_another_account_are_not_used(owner, staff_browser):
    entry = staff_browser.session[middleware.SESSION_KEY]  # the staff member's, same stamp
    browser = Client()
    browser.force_login(owner)
    session = browser.session
    session[middleware.SESSION_KEY] = entry
    session.save()
    assert User.objects.get(pk=owner.pk).roles_version == entry[1]
    assert browser.get(STAFF_PAGE).status_code == 403
