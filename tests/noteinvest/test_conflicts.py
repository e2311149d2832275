"""A unique constraint refusing a concurrent double submit answers 409, never 500 (round 2,
finding E): the view's transaction is rolled back and the refusal is one log line."""

import logging

import pytest
from django.db import IntegrityError

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict_urls(settings):
    settings.ROOT_URLCONF = "tests.noteinvest.conflict_urls"


def test_integrity_error_answers_409_and_rolls_back_the_view(client, owner, conflict_urls, caplog):
    client.force_login(owner)
    with caplog.at_level(logging.WARNING):
        response = client.post("/test-double-submit/", {"email": "owner@example.com"})
    assert response.status_code == 409
    assert "Someone saved the same record at the same moment" in response.text
    assert "nothing of yours was half-written" in response.text.lower()
    assert "Reload the page" in response.text
    assert "no-store" in response.headers["Cache-Control"]
    # The row written before the constraint refused the second one is gone too.
    assert not User.objects.filter(email="first-write@example.com").exists()
    records = [r for r in caplog.records if getattr(r, "status_code", None) == 409]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "IntegrityError" in records[0].getMessage()
    assert "/test-double-submit/" in records[0].getMessage()


def test_other_errors_are_not_turned_into_409(client, owner, conflict_urls):
    client.force_login(owner)
    client.raise_request_exception = False
    response = client.post("/test-double-submit/", {})  # KeyError: a real bug stays a 500
    assert response.status_code == 500


def test_an_admin_save_refused_by_the_database_answers_409(client, staff, owner, monkeypatch):
    from accounts.admin import UserAdmin

    def refused(self, request, form, formsets, change):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(UserAdmin, "save_related", refused)
    client.force_login(staff)
    response = client.post(
        f"/admin/accounts/user/{owner.pk}/change/",
        {"email": owner.email, "full_name": "Changed Name", "is_active": "on",
         "groups": list(owner.groups.values_list("pk", flat=True))},
    )  # fmt: skip
    assert response.status_code == 409
    owner.refresh_from_db()
    assert owner.full_name == "Olive Owner"  # the admin's atomic block was rolled back
