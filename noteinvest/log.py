"""Logging helpers: a refused request is one line, not a traceback."""

import logging


class OneLineRefusals(logging.Filter):
    """Drop the traceback from Django's log of a 400/403/404 (PermissionDenied, Http404,
    SuspiciousOperation): the refusal is expected, and its line says what and where.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (status is not None and 400 <= status < 500) or record.name.startswith(
            "django.security"
        ):
            record.exc_info = None
            record.exc_text = None
        return True
