"""A refused request is one log line, also in DEBUG (round 2, finding F)."""

import io
import logging

import pytest
from django.urls import reverse


def _pytests(handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


@pytest.fixture
def log_output():
    """Every handler that would print a `django.request` record, writing into one buffer."""
    buffer = io.StringIO()
    swapped = []
    logger = logging.getLogger("django.request")
    while logger is not None:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not _pytests(handler):
                swapped.append((handler, handler.setStream(buffer)))
        logger = logger.parent if logger.propagate else None
    yield buffer
    for handler, stream in swapped:
        handler.setStream(stream)


@pytest.mark.django_db
def test_a_403_in_debug_is_logged_once_without_a_traceback(
    client, staff, owner, settings, log_output, caplog
):
    settings.DEBUG = True  # Django's own console handler only printed in DEBUG
    client.force_login(staff)
    page = reverse("admin:auth_user_password_change", args=[owner.pk])
    with caplog.at_level(logging.WARNING):
        response = client.get(page)
    assert response.status_code == 403
    printed = log_output.getvalue()
    assert printed.count("Forbidden") == 1, printed
    assert "Traceback" not in printed
    records = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert len(records) == 1
    assert records[0].exc_info is None


def test_the_django_logger_has_no_console_of_its_own():
    django_logger = logging.getLogger("django")
    assert [h for h in django_logger.handlers if not _pytests(h)] == []
    assert django_logger.propagate
