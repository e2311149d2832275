import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from noteinvest.access import Role, roles_of

pytestmark = pytest.mark.django_db


def test_create_user_with_role_and_password():
    call_command(
        "create_user",
        "New.Person@Example.com",
        "--role",
        "investor",
        "--password",
        "Maple-Stone-88",
        "--no-input",
    )
    user = User.objects.get(email="new.person@example.com")
    assert roles_of(user) == {Role.INVESTOR}
    assert user.check_password("Maple-Stone-88")
    assert not user.is_staff


def test_create_staff_user_gets_admin_access_to_accounts():
    call_command("create_user", "boss@example.com", "--role", "staff", "--no-input")
    user = User.objects.get(email="boss@example.com")
    assert roles_of(user) == {Role.STAFF}
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("accounts.add_user")
    assert not user.has_usable_password()


def test_create_user_with_several_roles():
    call_command(
        "create_user", "two@example.com", "--role", "investor", "--role", "attorney", "--no-input"
    )
    assert roles_of(User.objects.get(email="two@example.com")) == {Role.INVESTOR, Role.ATTORNEY}


def test_duplicate_email_is_refused_whatever_its_case(owner):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "OWNER@example.com", "--role", "investor", "--no-input")


def test_weak_password_is_refused_and_nothing_created():
    with pytest.raises(CommandError, match="too common|too short"):
        call_command("create_user", "w@example.com", "--role", "staff", "--password", "password")
    assert not User.objects.filter(email="w@example.com").exists()


def test_unknown_role_is_refused():
    with pytest.raises(CommandError):
        call_command("create_user", "x@example.com", "--role", "admin", "--no-input")


def test_invalid_email_is_refused():
    with pytest.raises(CommandError, match="valid email"):
        call_command("create_user", "not-an-email", "--role", "staff", "--no-input")


def test_duplicate_email_is_refused_in_any_unicode_spelling():
    call_command("create_user", "victim@bigbusiness.com", "--role", "investor", "--no-input")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "Victim@BigBusinesſ.com", "--role", "staff", "--no-input")
    assert User.objects.get(email="victim@bigbusiness.com").roles == {Role.INVESTOR}
