"""The lockout keys on the real client behind a configured number of proxies (item 12)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from accounts.clientip import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PROXY = "10.9.9.9"


def request_from(remote="203.0.113.7", xff=None):
    headers = {"REMOTE_ADDR": remote}
    if xff is not None:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **headers)


def test_without_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(xff="198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        (2, "198.51.100.1", "203.0.113.7"),  # fewer entries than proxies
        (1, "not-an-address", "203.0.113.7"),
        (1, "198.51.100.1, ", "203.0.113.7"),
        (1, "", "203.0.113.7"),
        (1, None, "203.0.113.7"),
        (1, "198.51.100.1:8080", "203.0.113.7"),
    ],
)
def test_behind_proxies_the_nth_entry_from_the_right(settings, count, xff, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(xff=xff)) == expected


def fail_login(xff, email="owner@example.com"):
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)
    return client.post(LOGIN, {"username": email, "password": "wrong"})


def test_spoofed_header_is_ignored_without_trusted_proxies(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 0
    # An attacker varies the header; the lock still keys on the connecting address.
    for n in range(6):
        fail_login(f"198.51.100.{n}", email=f"guess{n}@example.com")
    response = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50").post(
        LOGIN, {"username": "owner@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_behind_one_proxy_lockout_keys_on_each_real_client(settings, owner):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(6):
        fail_login("198.51.100.66", email=f"guess{n}@example.com")
    # The attacker is locked out, whatever they put in front of the proxy's entry...
    spoofed = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50, 198.51.100.66")
    assert spoofed.post(LOGIN, {"username": "x@example.com", "password": "x"}).status_code == 429
    # ...while another client behind the same proxy still logs in.
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50")
    response = other.post(LOGIN, {"username": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_axes_records_the_real_client(settings, owner):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    fail_login("198.51.100.66")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}


def _settings_with(env):
    code = "import noteinvest.settings as s; print(s.TRUSTED_PROXY_COUNT)"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, "0"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "1", "DJANGO_SECURE_PROXY_SSL_HEADER": "1"}, "1"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "1"}, "DJANGO_SECURE_PROXY_SSL_HEADER=1"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "one", "DJANGO_SECURE_PROXY_SSL_HEADER": "1"}, "0 to 10"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "-1", "DJANGO_SECURE_PROXY_SSL_HEADER": "1"}, "0 to 10"),
    ],
)
def test_trusted_proxy_count_setting(env, outcome):
    result = _settings_with(env)
    assert outcome in (result.stdout + result.stderr)
