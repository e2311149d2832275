"""One spelling of an e-mail address for lookup, storage and the lockout (issue 8, item 15)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.emails import normalize_email
from accounts.models import User
from accounts.views import throttle_key
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Owner@Example.COM", "owner@example.com"),
        ("  owner@example.com\u3000", "owner@example.com"),  # ideographic space
        ("victim@bigbusinesſ.com", "victim@bigbusiness.com"),  # long s
        ("STRAßE@example.com", "strasse@example.com"),
        ("\u212aelvin@example.com", "kelvin@example.com"),  # Kelvin sign
        ("ｏｗｎｅｒ@example.com", "owner@example.com"),  # full-width letters
        ("oﬃce@example.com", "office@example.com"),  # ligature
        (None, ""),
    ],
)
def test_normalize_email(typed, stored):
    assert normalize_email(typed) == stored
    assert normalize_email(stored) == stored  # stable


def test_accounts_are_stored_normalized():
    user = make_user(email="Victim@BigBusinesſ.com")
    assert user.email == "victim@bigbusiness.com"
    user.email = "Owner@Straße.example"
    user.full_clean(exclude=["password"])
    assert user.email == "owner@strasse.example"


def test_another_spelling_of_a_taken_address_is_refused():
    make_user(email="victim@bigbusiness.com")
    duplicate = User(email="VICTIM@bigbusinesſ.com")
    with pytest.raises(Exception, match="already exists"):
        duplicate.full_clean(exclude=["password"])


def test_login_and_natural_key_find_the_account_under_any_spelling():
    user = make_user(email="victim@bigbusiness.com")
    assert User.objects.get_by_natural_key("Victim@BigBusinesſ.com") == user
    response = Client().post(LOGIN, {"username": "victim@bigbusinesſ.com", "password": PASSWORD})
    assert response.status_code == 302


def test_lock_holds_under_another_unicode_spelling():
    make_user(email="victim@bigbusiness.com")
    for n in range(6):
        Client(REMOTE_ADDR=f"10.0.2.{n}").post(
            LOGIN, {"username": "victim@bigbusiness.com", "password": "wrong"}
        )
    for spelling in ("victim@bigbusinesſ.com", "VICTIM@BIGBUSINESS.COM", "victim@bigbuſineſs.com"):
        response = Client(REMOTE_ADDR="10.0.3.1").post(
            LOGIN, {"username": spelling, "password": PASSWORD}
        )
        assert response.status_code == 429, spelling


def test_throttle_key_is_normalized_and_fits_axes_column():
    assert throttle_key(None, {"username": " Victim@BigBusinesſ.com "}) == "victim@bigbusiness.com"
    # NFKC turns each ligature into three letters: 240 typed characters become 720.
    long_domain = ".".join(["ﬃ" * 60] * 4)
    assert len(throttle_key(None, {"username": f"a@{long_domain}"})) == 255
    assert throttle_key(None, {}) == ""


def test_an_address_that_grows_when_normalized_does_not_break_login():
    from axes.models import AccessAttempt

    long_domain = ".".join(["ﬃ" * 60] * 4)
    response = Client().post(LOGIN, {"username": f"a@{long_domain}", "password": "wrong"})
    assert response.status_code == 200
    assert all(len(a.username) <= 255 for a in AccessAttempt.objects.all())


@pytest.mark.parametrize(
    "typed", ["owner@example.com\x01", "owner\x7f@example.com", "a\u2028@b.co"]
)
def test_control_characters_in_the_login_are_a_form_error(typed):
    make_user(email="owner@example.com")
    response = Client().post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_nul_in_the_login_is_refused_with_400():
    response = Client().post(LOGIN, {"username": "owner@example.com\x00", "password": "x"})
    assert response.status_code == 400


def _migration():
    return importlib.import_module("accounts.migrations.0003_normalize_emails")


def test_data_migration_normalizes_existing_addresses():
    user = make_user(email="someone@example.com")
    other = make_user(email="victim@example.com")
    User.objects.filter(pk=user.pk).update(email="SomeOne@Example.COM")
    User.objects.filter(pk=other.pk).update(email="Victim@Bigbusinesſ.com")
    _migration().normalize_emails(apps, None)
    assert User.objects.get(pk=user.pk).email == "someone@example.com"
    assert User.objects.get(pk=other.pk).email == "victim@bigbusiness.com"


def test_data_migration_stops_on_addresses_that_collide_and_changes_nothing():
    first = make_user(email="victim@bigbusiness.com")
    second = make_user(email="placeholder@example.com")
    untouched = make_user(email="x@example.com")
    User.objects.filter(pk=second.pk).update(email="victim@bigbusinesſ.com")
    User.objects.filter(pk=untouched.pk).update(email="X@Example.com")
    with pytest.raises(RuntimeError) as raised:
        _migration().normalize_emails(apps, None)
    message = str(raised.value)
    assert f"user id {first.pk}" in message and f"user id {second.pk}" in message
    assert "nothing was changed" in message
    assert User.objects.get(pk=untouched.pk).email == "X@Example.com"


def test_an_address_that_normalizes_beyond_254_characters_is_a_form_error():
    # 236 characters as typed, 676 once each "ﬃ" ligature becomes "ffi" (was a 500 on
    # PostgreSQL: the column holds 254).
    typed = "a@" + ".".join(["ﬃ" * 20] * 11) + ".com"
    assert len(typed) <= 254 < len(normalize_email(typed))
    user = User(email=typed)
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "longer than 254" in str(caught.value.message_dict["email"])


def test_a_full_width_at_sign_cannot_make_an_address_of_two():
    user = User(email="victim@evil.com＠example.org")
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "not one once normalized" in str(caught.value.message_dict["email"])
