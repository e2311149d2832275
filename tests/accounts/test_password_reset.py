"""Password reset reveals nothing and is throttled (issue 8, item 13)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import reset
from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/accounts/password_reset/"


def ask(email, client=None):
    return (client or Client()).post(URL, {"email": email})


def test_the_reset_url_is_ours():
    assert reverse("password_reset") == URL


def test_no_mail_is_sent_inside_the_request(owner, mail_jobs):
    response = ask("owner@example.com")
    assert response.status_code == 302
    assert mail.outbox == []  # nothing looked up or mailed before the response
    assert len(mail_jobs) == 1
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]


def test_known_and_unknown_addresses_get_the_same_answer(owner, mail_jobs):
    known = ask("owner@example.com", Client(REMOTE_ADDR="10.1.0.1"))
    unknown = ask("nobody@example.com", Client(REMOTE_ADDR="10.1.0.2"))
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    # The same work queued for both: one job each, whatever the database holds.
    assert len(mail_jobs) == 2
    done = Client().get(known["Location"])
    assert "If an active account uses that address" in done.text


def test_address_is_looked_up_in_its_normalized_spelling(mail_jobs):
    make_user(email="victim@bigbusiness.com")
    ask("Victim@BigBusinesſ.com")
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["victim@bigbusiness.com"]]


def test_inactive_account_gets_no_mail(owner, mail_jobs):
    owner.is_active = False
    owner.save()
    ask("owner@example.com")
    mail_jobs.run()
    assert mail.outbox == []


def test_account_without_a_password_yet_can_set_one(mail_jobs):
    user = make_user(email="new@example.com")
    user.set_unusable_password()
    user.save()
    ask("new@example.com")
    mail_jobs.run()
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_three_mails_per_address_per_hour(owner, mail_jobs):
    for n in range(30):
        response = ask("owner@example.com", Client(REMOTE_ADDR=f"10.2.0.{n}"))
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    mail_jobs.run()
    assert len(mail.outbox) == reset.RESET_MAILS_PER_ADDRESS == 3


def test_other_spellings_count_against_the_same_address(owner, mail_jobs):
    for spelling in ["owner@example.com", "OWNER@example.com", "ｏwner@example.com"] * 2:
        ask(spelling, Client(REMOTE_ADDR="10.3.0.1"))
    mail_jobs.run()
    assert len(mail.outbox) == 3


def test_ten_requests_per_client_per_hour(mail_jobs):
    for n in range(5):
        make_user(email=f"person{n}@example.com")
    attacker = Client(REMOTE_ADDR="10.4.0.1")
    for n in range(30):
        assert ask(f"person{n % 5}@example.com", attacker).status_code == 302
    assert len(mail_jobs) == reset.RESET_REQUESTS_PER_CLIENT == 10
    # Someone else is not held up by that client.
    ask("person0@example.com", Client(REMOTE_ADDR="10.4.0.2"))
    assert len(mail_jobs) == 11


def test_throttle_window_ends(owner, mail_jobs):
    for _ in range(4):
        ask("owner@example.com")
    assert len(mail_jobs) == 3
    from django.core.cache import cache

    cache.clear()  # the hour is over: the counters have expired
    ask("owner@example.com")
    assert len(mail_jobs) == 4


def test_invalid_address_is_shown_again_with_the_error(mail_jobs):
    response = ask("not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert 'value="not an address"' in response.text
    assert mail_jobs == []


def test_mail_task_is_queued_only_after_commit(
    django_capture_on_commit_callbacks, monkeypatch, tasks_wait
):
    from django.tasks import default_task_backend

    monkeypatch.undo()  # the real in_background, not the test collector
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reset.send_reset_link_later("owner@example.com", domain="x", use_https=True)
    assert default_task_backend.results == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [queued] = default_task_backend.results
    assert queued.task.module_path == "accounts.tasks.mail_reset_link"
    assert (queued.args, queued.kwargs) == (
        ["owner@example.com"],
        {"domain": "x", "use_https": True, "welcome": False},
    )
    assert mail.outbox == []  # queued for a worker, not sent in the request


def test_mail_job_sends_the_link(owner):
    reset.mail_reset_link("OWNER@example.com", domain="notes.example.com", use_https=True)
    assert len(mail.outbox) == 1
    assert "https://notes.example.com/accounts/reset/" in mail.outbox[0].body
    assert not User.objects.filter(email="OWNER@example.com").exists()
