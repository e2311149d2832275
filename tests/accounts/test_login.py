"""Log-in by e-mail, logout, throttling, password change and reset, CSRF."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
BAD_LOGIN = "That e-mail address and password do not match an active account."


def post_login(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def test_login_page_asks_for_email(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "E-mail address" in response.text
    assert 'type="email"' in response.text


def test_login_by_email_lands_on_home(client, owner):
    response = post_login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == owner


def test_login_email_is_case_insensitive(client, owner):
    response = post_login(client, "Owner@Example.COM", PASSWORD)
    assert response.status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_message(client, owner):
    unknown = post_login(client, "nobody@example.com", PASSWORD)
    wrong = post_login(client, "owner@example.com", "wrong-password")
    for response in (unknown, wrong):
        assert response.status_code == 200
        assert BAD_LOGIN in response.text
    # The e-mail typed is kept in the form.
    assert 'value="nobody@example.com"' in unknown.text


def test_inactive_user_cannot_log_in(client, owner):
    owner.is_active = False
    owner.save()
    response = post_login(client, "owner@example.com", PASSWORD)
    assert BAD_LOGIN in response.text


def test_logout_is_a_post_and_ends_the_session(client, owner):
    client.force_login(owner)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert "You are logged out" in response.text
    assert client.get(reverse("home")).status_code == 302


def test_six_failures_lock_the_account_for_15_minutes(client, owner):
    for _ in range(5):
        assert post_login(client, "owner@example.com", "wrong").status_code == 200
    sixth = post_login(client, "owner@example.com", "wrong")
    assert sixth.status_code == 429
    assert "locked for 15 minutes" in sixth.text
    # Even the right password is refused while locked.
    locked = post_login(client, "owner@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_for_unknown_user_looks_the_same(client):
    for _ in range(5):
        post_login(client, "ghost@example.com", "wrong")
    response = post_login(client, "ghost@example.com", "wrong")
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.text


def test_lock_by_username_holds_from_another_address(owner):
    first = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(6):
        post_login(first, "owner@example.com", "wrong")
    second = Client(REMOTE_ADDR="10.0.0.2")
    assert post_login(second, "owner@example.com", PASSWORD).status_code == 429


def test_lock_by_address_holds_across_usernames(owner):
    attacker = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(6):
        post_login(attacker, f"guess{n}@example.com", "wrong")
    assert post_login(attacker, "owner@example.com", PASSWORD).status_code == 429
    # The owner, from their own address, still gets in.
    assert (
        post_login(Client(REMOTE_ADDR="10.0.0.5"), "owner@example.com", PASSWORD).status_code == 302
    )


def test_success_before_the_limit_resets_the_count(client, owner):
    for _ in range(5):
        post_login(client, "owner@example.com", "wrong")
    assert post_login(client, "owner@example.com", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(5):
        assert post_login(client, "owner@example.com", "wrong").status_code == 200


def test_password_change_validates_and_keeps_session(client, owner):
    client.force_login(owner)
    url = reverse("password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200
    assert "too common" in weak.text or "entirely numeric" in weak.text
    ok = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Blue-Harbor-71x",
            "new_password2": "Blue-Harbor-71x",
        },
    )
    assert ok.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Blue-Harbor-71x")


def test_password_reset_sends_a_link_only_to_known_addresses(client, owner, mail_jobs):
    url = reverse("password_reset")
    assert client.post(url, {"email": "owner@example.com"}).status_code == 302
    assert client.post(url, {"email": "nobody@example.com"}).status_code == 302
    mail_jobs.run()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Quiet-River-2026", "new_password2": "Quiet-River-2026"},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Quiet-River-2026")


def test_post_without_csrf_token_gets_403(owner):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 403
    assert "nothing was saved" in response.text


def test_unknown_url_gets_the_404_page(client, owner):
    client.force_login(owner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.text


def test_no_public_sign_up(client):
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/register/").status_code == 404


def test_failures_count_whatever_the_case_of_the_email(client, owner):
    for n in range(6):
        email = "OWNER@example.com" if n % 2 else "owner@example.com"
        post_login(Client(REMOTE_ADDR=f"10.0.1.{n}"), email, "wrong")
    assert post_login(client, "Owner@Example.com", PASSWORD).status_code == 429


def test_a_good_login_to_another_account_does_not_reset_the_lock(owner, other_investor):
    """The attacker's sequence: 4 times over, 5 wrong passwords for the victim, then a good
    log-in to the attacker's own account, all from one address; then the victim's right
    password. Axes' reset-on-success deleted every attempt from the address."""
    attacker = "10.0.3.1"
    codes = []
    for cycle in range(4):
        for n in range(5):
            response = post_login(Client(REMOTE_ADDR=attacker), "owner@example.com", f"g{cycle}{n}")
            codes.append(response.status_code)
        own = post_login(Client(REMOTE_ADDR=attacker), "other@example.com", PASSWORD)
        codes.append(own.status_code)
    assert codes[:6] == [200] * 5 + [302]
    assert set(codes[6:]) == {429}  # the seventh attempt on is refused
    victim = post_login(Client(REMOTE_ADDR=attacker), "owner@example.com", PASSWORD)
    assert victim.status_code == 429
    # The victim's address is locked from anywhere, not only from the attacker's.
    elsewhere = post_login(Client(REMOTE_ADDR="10.0.3.2"), "owner@example.com", PASSWORD)
    assert elsewhere.status_code == 429


def test_rotating_victims_from_one_address_stays_locked_by_address(owner, other_investor):
    attacker = "10.0.4.1"
    for n in range(5):
        post_login(Client(REMOTE_ADDR=attacker), f"victim{n}@example.com", "wrong")
    assert (
        post_login(Client(REMOTE_ADDR=attacker), "other@example.com", PASSWORD).status_code == 302
    )
    # The five failures against other addresses still count for the client's address.
    response = post_login(Client(REMOTE_ADDR=attacker), "victim9@example.com", "wrong")
    assert response.status_code == 429
    assert (
        post_login(Client(REMOTE_ADDR=attacker), "owner@example.com", PASSWORD).status_code == 429
    )


def test_own_success_clears_only_own_failures_under_every_spelling(owner):
    from axes.models import AccessAttempt

    post_login(Client(REMOTE_ADDR="10.0.5.1"), "victim@example.com", "wrong")
    for n in range(3):
        post_login(Client(REMOTE_ADDR=f"10.0.5.{n + 2}"), "OWNER@Example.com", "wrong")
    assert (
        post_login(Client(REMOTE_ADDR="10.0.5.9"), "owner@example.com", PASSWORD).status_code == 302
    )
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["victim@example.com"]
