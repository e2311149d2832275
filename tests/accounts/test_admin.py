"""Staff manage investor accounts and may deactivate attorneys; superusers keep full power
(item 1; round 2 finding A: the Attorney role is a superuser's to give, and an attorney's
address a superuser's to change)."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.reset import in_background as real_in_background
from noteinvest.access import Role, roles_of
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Typed-By-Staff-2026"


@pytest.fixture
def superuser(db):
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def colleague(db):
    return make_user(Role.STAFF, email="colleague@example.com", full_name="Carl Colleague")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def group(role):
    return Group.objects.get(name=role.value)


def url(name, user):
    return reverse(f"admin:{name}", args=[user.pk])


def change_data(user, **overrides):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "groups": [g.pk for g in user.groups.all()],
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def password_data():
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"}


# --- other staff and superusers: read-only, never changed ---------------------------------


@pytest.mark.parametrize("target", ["superuser", "colleague"])
def test_staff_see_privileged_accounts_read_only(staff_client, target, request):
    user = request.getfixturevalue(target)
    response = staff_client.get(url("accounts_user_change", user))
    assert response.status_code == 200
    assert 'name="email"' not in response.text
    assert 'name="groups"' not in response.text
    assert "Send password reset link" not in response.text
    assert user.password not in response.text  # never the hash


@pytest.mark.parametrize("target", ["superuser", "colleague"])
def test_staff_cannot_change_privileged_accounts(staff_client, staff, target, request):
    user = request.getfixturevalue(target)
    before = (user.email, user.is_active, set(user.groups.all()))
    response = staff_client.post(
        url("accounts_user_change", user),
        change_data(user, email="attacker@example.com", groups=[group(Role.ATTORNEY).pk]),
    )
    assert response.status_code == 403
    response = staff_client.post(url("accounts_user_change", user), change_data(user, is_active=""))
    assert response.status_code == 403
    user.refresh_from_db()
    assert (user.email, user.is_active, set(user.groups.all())) == before


@pytest.mark.parametrize("target", ["superuser", "colleague", "owner", "attorney", "staff"])
def test_staff_never_type_a_password(staff_client, target, request):
    user = request.getfixturevalue(target)
    page = url("auth_user_password_change", user)
    assert staff_client.get(page).status_code == 403
    assert staff_client.post(page, password_data()).status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("target", ["superuser", "colleague", "owner", "attorney", "staff"])
def test_staff_delete_nobody(staff_client, target, request):
    user = request.getfixturevalue(target)
    page = url("accounts_user_delete", user)
    assert staff_client.get(page).status_code == 403
    assert staff_client.post(page, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_cannot_bulk_delete(staff_client, owner, colleague):
    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [owner.pk, colleague.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert User.objects.filter(pk__in=[owner.pk, colleague.pk]).count() == 2


def test_history_of_a_privileged_account_is_read_only_for_staff(staff_client, superuser):
    response = staff_client.get(url("accounts_user_history", superuser))
    assert response.status_code == 200  # viewing is allowed; it changes nothing


# --- investors: staff manage them; attorneys: staff may deactivate them -----------------------


def test_staff_edit_an_investor(staff_client, owner, mail_jobs):
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(
            owner,
            email="Olive@New-Address.example",
            full_name="Olive Owner-Smith",
            groups=[group(Role.INVESTOR).pk],
            is_staff="on",  # not offered to staff: ignored
            is_superuser="on",
        ),
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "olive@new-address.example"
    assert owner.full_name == "Olive Owner-Smith"
    assert roles_of(owner) == {Role.INVESTOR}
    assert not owner.is_staff and not owner.is_superuser
    # The old address is told (after the change is committed).
    assert mail.outbox == []
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    notice = mail.outbox[0]
    assert "sign-in address was changed" in notice.subject
    assert "olive@new-address.example" in notice.body
    assert "Stella Staff (staff-member@example.com)" in notice.body
    assert "your NoteInvest administrator" in notice.body


def test_staff_cannot_take_over_an_attorney(staff_client, attorney, mail_jobs):
    """The attacker's sequence: change the attorney's address to a mailbox of staff's own,
    Attorney role kept, then mail the attorney a reset link."""
    before = (attorney.email, attorney.full_name, set(attorney.groups.all()))
    response = staff_client.post(
        url("accounts_user_change", attorney),
        change_data(attorney, email="staff.mailbox@example.com", full_name="Alex Attorney"),
    )
    assert response.status_code == 302  # the active flag, the one field offered, unchanged
    attorney.refresh_from_db()
    assert (attorney.email, attorney.full_name, set(attorney.groups.all())) == before
    assert attorney.is_active
    assert staff_client.post(url("accounts_user_send_reset_link", attorney)).status_code == 302
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["counsel@example.com"]]  # the address on file
    assert not User.objects.filter(email="staff.mailbox@example.com").exists()


def test_staff_see_an_attorney_read_only_but_may_deactivate_it(staff_client, attorney):
    response = staff_client.get(url("accounts_user_change", attorney))
    assert response.status_code == 200
    for field in ("email", "full_name", "groups", "is_staff", "is_superuser"):
        assert f'name="{field}"' not in response.text, field
    assert 'name="is_active"' in response.text
    assert "Send password reset link" in response.text
    assert "only a superuser changes its e-mail address" in response.text


def test_an_investor_who_is_also_an_attorney_is_read_only_too(staff_client, owner, mail_jobs):
    owner.groups.add(group(Role.ATTORNEY))
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(owner, email="staff.mailbox@example.com", groups=[group(Role.INVESTOR).pk]),
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert roles_of(owner) == {Role.INVESTOR, Role.ATTORNEY}  # Attorney not removed
    assert mail_jobs == []


def test_staff_cannot_give_the_attorney_role(staff_client, owner):
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(owner, full_name="Typed name", groups=[group(Role.ATTORNEY).pk]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="Typed name"' in response.text
    owner.refresh_from_db()
    assert roles_of(owner) == {Role.INVESTOR}


def test_staff_cannot_create_an_attorney(staff_client, mail_jobs):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "staff.second.mailbox@example.com", "full_name": "Second Me",
         "groups": [group(Role.ATTORNEY).pk]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="staff.second.mailbox@example.com"' in response.text
    assert not User.objects.filter(email="staff.second.mailbox@example.com").exists()
    assert mail_jobs == []


def test_staff_cannot_reactivate_an_attorney(staff_client, attorney):
    attorney.is_active = False
    attorney.save()
    response = staff_client.get(url("accounts_user_change", attorney))
    assert 'name="is_active"' not in response.text
    response = staff_client.post(
        url("accounts_user_change", attorney), change_data(attorney, is_active="on")
    )
    assert response.status_code == 302
    attorney.refresh_from_db()
    assert not attorney.is_active


def test_superuser_manages_attorneys(client, superuser, attorney, owner, mail_jobs):
    client.force_login(superuser)
    response = client.post(
        url("accounts_user_change", attorney),
        change_data(attorney, email="ada.new@example.com", full_name="Ada A. Attorney"),
    )
    assert response.status_code == 302
    attorney.refresh_from_db()
    assert (attorney.email, attorney.full_name) == ("ada.new@example.com", "Ada A. Attorney")
    response = client.post(
        url("accounts_user_change", owner),
        change_data(owner, groups=[group(Role.INVESTOR).pk, group(Role.ATTORNEY).pk]),
    )
    assert response.status_code == 302
    assert roles_of(User.objects.get(pk=owner.pk)) == {Role.INVESTOR, Role.ATTORNEY}
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "new-counsel@example.com", "groups": [group(Role.ATTORNEY).pk]},
    )
    assert response.status_code == 302
    mail_jobs.run()
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [
        ("counsel@example.com", "Your NoteInvest sign-in address was changed"),
        ("new-counsel@example.com", "Your NoteInvest account: choose a password"),
    ]
    notice = next(m for m in mail.outbox if m.to == ["counsel@example.com"])
    assert "ada.new@example.com" in notice.body and "root@example.com" in notice.body


def test_no_notice_when_the_address_is_unchanged(staff_client, owner, mail_jobs):
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(owner, email="OWNER@Example.com", full_name="Olive O."),
    )
    assert response.status_code == 302
    assert mail_jobs == []


def test_staff_changing_their_own_address_notifies_the_old_one(staff_client, staff, mail_jobs):
    response = staff_client.post(
        url("accounts_user_change", staff),
        {"email": "stella.new@example.com", "full_name": staff.full_name},
    )
    assert response.status_code == 302
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["staff-member@example.com"]]


def test_the_notice_is_mailed_only_after_the_change_commits(
    staff_client, owner, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError

    from accounts.admin import UserAdmin

    # The real in_background: the task queued on commit, run at once (immediate backend).
    monkeypatch.setattr("accounts.reset.in_background", real_in_background)
    page = url("accounts_user_change", owner)
    real_save_related = UserAdmin.save_related

    def refused(self, *args):
        raise IntegrityError("refused by the database")

    monkeypatch.setattr(UserAdmin, "save_related", refused)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(page, change_data(owner, email="first@example.com"))
    assert response.status_code == 409
    assert callbacks == [] and mail.outbox == []  # rolled back: no notice
    monkeypatch.setattr(UserAdmin, "save_related", real_save_related)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(page, change_data(owner, email="second@example.com"))
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "second@example.com" in mail.outbox[0].body


def test_staff_deactivate_an_attorney(staff_client, attorney):
    response = staff_client.post(
        url("accounts_user_change", attorney), change_data(attorney, is_active="")
    )
    assert response.status_code == 302
    attorney.refresh_from_db()
    assert not attorney.is_active


def test_staff_are_not_offered_the_staff_role(staff_client, owner):
    response = staff_client.get(url("accounts_user_change", owner))
    choices = set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', response.text))
    assert choices == {"Investor"}
    assert 'name="is_staff"' not in response.text
    assert 'name="is_superuser"' not in response.text
    assert owner.password not in response.text
    assert "Send password reset link" in response.text


def test_staff_cannot_mint_staff(staff_client, owner):
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(owner, full_name="Typed name", groups=[group(Role.STAFF).pk]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="Typed name"' in response.text
    owner.refresh_from_db()
    assert roles_of(owner) == {Role.INVESTOR} and not owner.is_staff


def test_groups_staff_are_not_offered_are_kept(staff_client, owner):
    other = Group.objects.create(name="Newsletter")
    owner.groups.add(other)
    response = staff_client.post(
        url("accounts_user_change", owner),
        change_data(owner, groups=[]),
    )
    assert response.status_code == 302
    assert set(owner.groups.values_list("name", flat=True)) == {"Newsletter"}


def test_staff_own_roles_and_active_flag_are_read_only(staff_client, staff):
    response = staff_client.get(url("accounts_user_change", staff))
    assert response.status_code == 200
    assert 'name="groups"' not in response.text
    assert 'name="is_active"' not in response.text
    response = staff_client.post(
        url("accounts_user_change", staff),
        {
            "email": staff.email,
            "full_name": "Stella S. Staff",
            "groups": [group(Role.ATTORNEY).pk, group(Role.STAFF).pk],
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "Stella S. Staff"
    assert staff.is_active and not staff.is_superuser
    assert roles_of(staff) == {Role.STAFF}


# --- creating accounts: no password typed, a link mailed ------------------------------------


def test_add_form_asks_for_no_password(staff_client):
    response = staff_client.get(reverse("admin:accounts_user_add"))
    assert response.status_code == 200
    assert 'name="password1"' not in response.text
    assert 'name="usable_password"' not in response.text
    assert 'name="email"' in response.text


def test_new_account_gets_a_link_to_choose_its_password(staff_client, mail_jobs, client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "New.Investor@Example.com", "full_name": "Nia New",
         "groups": [group(Role.INVESTOR).pk]},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(email="new.investor@example.com")
    assert not user.has_usable_password()
    assert roles_of(user) == {Role.INVESTOR}
    assert mail.outbox == []  # mailed after the response
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["new.investor@example.com"]]
    body = mail.outbox[0].body
    assert "account was created" in body
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", body).group(1)
    page = client.get(link, follow=True)
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Fresh-Meadow-2026", "new_password2": "Fresh-Meadow-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Fresh-Meadow-2026")


def test_staff_cannot_create_staff(staff_client, mail_jobs):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "boss@example.com", "full_name": "Boss", "groups": [group(Role.STAFF).pk],
         "is_staff": "on", "is_superuser": "on", "password1": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'value="boss@example.com"' in response.text
    assert not User.objects.filter(email="boss@example.com").exists()
    assert mail_jobs == []


def test_another_spelling_of_a_taken_address_is_refused_beside_the_field(staff_client, owner):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "OWNER@example.com", "groups": [group(Role.INVESTOR).pk]},
    )
    assert response.status_code == 200
    assert "already exists" in response.text
    assert 'value="OWNER@example.com"' in response.text
    assert User.objects.filter(email__iexact="owner@example.com").count() == 1


def test_control_characters_in_a_name_are_refused(staff_client, owner):
    response = staff_client.post(
        url("accounts_user_change", owner), change_data(owner, full_name="Olive\x1bOwner")
    )
    assert response.status_code == 200
    assert "control characters" in response.text


# --- the reset link: button and action ----------------------------------------------------


@pytest.mark.parametrize("target", ["owner", "attorney"])
def test_staff_mail_a_reset_link(staff_client, mail_jobs, target, request):
    user = request.getfixturevalue(target)
    page = url("accounts_user_send_reset_link", user)
    confirm = staff_client.get(page)
    assert confirm.status_code == 200
    assert user.email in confirm.text
    response = staff_client.post(page)
    assert response.status_code == 302
    assert response["Location"] == url("accounts_user_change", user)
    assert mail.outbox == []
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "/accounts/reset/" in mail.outbox[0].body
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # unchanged until its owner follows the link
    assert LogEntry.objects.filter(object_id=str(user.pk), change_message__contains="reset")


@pytest.mark.parametrize("target", ["superuser", "colleague", "staff"])
def test_staff_cannot_mail_a_reset_link_to_staff(staff_client, mail_jobs, target, request):
    user = request.getfixturevalue(target)
    page = url("accounts_user_send_reset_link", user)
    assert staff_client.get(page).status_code == 403
    assert staff_client.post(page).status_code == 403
    assert mail_jobs == []


def test_reset_link_for_an_unknown_id_is_404(staff_client):
    response = staff_client.get(reverse("admin:accounts_user_send_reset_link", args=[99999]))
    assert response.status_code == 404


def test_reset_link_action(staff_client, mail_jobs, owner, attorney, superuser, colleague):
    other = make_user(Role.INVESTOR, email="inactive@example.com", is_active=False)
    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "send_password_reset_links",
            "_selected_action": [owner.pk, attorney.pk, superuser.pk, colleague.pk, other.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "on its way to 2 account(s)" in response.text
    assert "No link for 3 account(s)" in response.text
    mail_jobs.run()
    assert sorted(m.to[0] for m in mail.outbox) == ["counsel@example.com", "owner@example.com"]


# --- superusers keep full power; other roles never reach the admin ------------------------------


def test_superuser_sets_a_password_and_grants_staff(client, superuser, colleague, owner, mail_jobs):
    client.force_login(superuser)
    page = url("auth_user_password_change", colleague)
    assert client.get(page).status_code == 200
    assert client.post(page, password_data()).status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)
    response = client.post(
        url("accounts_user_change", owner),
        change_data(owner, groups=[group(Role.STAFF).pk], is_staff="on"),
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert roles_of(owner) == {Role.STAFF} and owner.is_staff
    # The Staff role brings admin-site access, as with create_user.
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "new-staff@example.com", "groups": [group(Role.STAFF).pk]},
    )
    assert response.status_code == 302
    assert User.objects.get(email="new-staff@example.com").is_staff
    assert client.post(url("accounts_user_send_reset_link", colleague)).status_code == 302
    assert len(mail_jobs) == 2  # the new staff member's welcome, the colleague's link


@pytest.mark.parametrize("who", ["owner", "attorney"])
def test_other_roles_never_reach_the_admin(client, who, request, superuser):
    client.force_login(request.getfixturevalue(who))
    for page in (
        url("accounts_user_change", superuser),
        url("auth_user_password_change", superuser),
        url("accounts_user_send_reset_link", superuser),
    ):
        assert client.get(page).status_code == 302  # to the admin's log-in
        assert client.post(page, password_data()).status_code == 302
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


# --- a double submit: the address taken in between is a form error, not a 500 ---------------


def test_an_address_taken_between_check_and_save_is_a_form_error(
    staff_client, mail_jobs, monkeypatch
):
    """Six staff tabs adding one address at once: all pass the form's check, the database
    takes one. Simulated: the check is skipped once, as if the other insert came after it."""
    from accounts.admin import UserCreationForm

    make_user(Role.INVESTOR, email="racer@example.com")  # the request that won
    real_validate = UserCreationForm.validate_unique
    calls = []

    def validate_after_the_race(form):
        calls.append(1)
        if len(calls) > 1:  # the first check ran before the other request's insert
            real_validate(form)

    monkeypatch.setattr(UserCreationForm, "validate_unique", validate_after_the_race)
    monkeypatch.setattr(UserCreationForm, "validate_constraints", lambda form: None, raising=False)
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "Racer@example.com", "full_name": "Second Tab",
         "groups": [group(Role.INVESTOR).pk]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already exists" in response.text
    assert 'value="Racer@example.com"' in response.text
    assert 'value="Second Tab"' in response.text
    assert User.objects.filter(email="racer@example.com").count() == 1
    assert mail_jobs == []  # no welcome mail for an account that was not created


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("a@" + ".".join(["ﬃ" * 20] * 11) + ".com", "longer than 254"),
        ("victim@evil.com＠example.org", "not one once normalized"),
    ],
)
def test_an_address_that_changes_when_normalized_is_checked_again(
    staff_client, owner, typed, message
):
    # Both were stored (or a 500 on PostgreSQL) while only the typed form was checked.
    added = staff_client.post(
        reverse("admin:accounts_user_add"), {"email": typed, "groups": [group(Role.INVESTOR).pk]}
    )
    assert added.status_code == 200 and message in added.text
    changed = staff_client.post(url("accounts_user_change", owner), change_data(owner, email=typed))
    assert changed.status_code == 200 and message in changed.text
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert User.objects.count() == 2  # owner and staff only
