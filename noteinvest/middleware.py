"""Site-wide request hygiene: NUL bytes and control characters refused, private responses
never cached."""

import re

from django.db import IntegrityError
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.log import log_response

from noteinvest.connections import close_all, connection_lost

NUL = "\x00"
# C0 control characters but the tab: no header value or cookie has one legitimately.
HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f]")
# WSGI passes these two headers without the HTTP_ prefix.
UNPREFIXED_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _has_nul(querydict) -> bool:
    for key, values in querydict.lists():
        if NUL in key:
            return True
        for value in values:
            if isinstance(value, str) and NUL in value:
                return True
    return False


def _bad_headers(request) -> bool:
    """A control character (tab aside) in a header's name or value, or in a cookie."""
    for key, value in request.META.items():
        if (key.startswith("HTTP_") or key in UNPREFIXED_HEADERS) and (
            HEADER_CONTROL.search(key) or (isinstance(value, str) and HEADER_CONTROL.search(value))
        ):
            return True
    # A quoted cookie value may spell a NUL as the octal escape \000, which only
    # parsing turns into the character.
    return any(
        HEADER_CONTROL.search(name) or HEADER_CONTROL.search(value)
        for name, value in request.COOKIES.items()
    )


class RefuseNulMiddleware:
    """A NUL byte in the path, the query string or a form field, or a control character
    (tab aside) in a header or a cookie, is bad input: 400.

    PostgreSQL cannot store NUL in text, and no legitimate input has one, so it is
    refused before any view or query sees it, for every user, signed in or not. This
    runs before the session, CSRF, authentication and django-axes middleware (which read
    the session cookie, the user agent and the Accept header, and store the last two with
    a failed log-in), and its 400 page needs neither a session nor a user.
    Uploaded files are not read here; the tape reader refuses NUL in cells itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _bad_headers(request):
            return self.refuse(
                request, "The request has a control character in a header or a cookie."
            )
        if (
            NUL in request.path
            or NUL in request.META.get("QUERY_STRING", "")
            or (_has_nul(request.GET))
        ):
            return self.refuse(request)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            if _has_nul(request.POST):
                return self.refuse(request)
            for upload in request.FILES.values():
                if NUL in (upload.name or ""):
                    return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request, reason="The request contains a NUL character, which no field accepts."):
        # Rendered before the session and authentication middleware: the page sees an
        # anonymous visitor (the auth context processor's default) and no messages.
        return render(request, "400.html", {"reason": reason}, status=400)


class PrivateCacheMiddleware:
    """Every page, PDF, CSV and feed the app renders is private: `Cache-Control: private,
    no-store`, so neither a shared proxy nor the browser's disk keeps a copy.

    Static files are served by WhiteNoise before this middleware and keep their own
    long-lived caching headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class ConflictMiddleware:
    """The safety net for a double submit: an IntegrityError escaping a view answers 409.

    Two requests saving the same record at the same moment both pass their form's checks,
    and the database's unique constraint refuses the second: without this, a 500. The
    view's writes were in `transaction.atomic` (services and the admin use it), which
    rolled back when the error left it, so nothing of the request was half-written; the
    409 page says so and asks to reload. Logged as one line (django.request, no traceback).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        response = render(request, "409.html", status=409)
        detail = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
        log_response(
            "Conflict: %s %s (IntegrityError: %s)",
            request.method,
            request.path,
            detail[:200],
            response=response,
            request=request,
        )
        return response


SAFE_METHODS = ("GET", "HEAD")


class RetryLostConnectionMiddleware:
    """A page read while the database drops its connections is read once more, on a new one.

    With `CONN_HEALTH_CHECKS` a kept connection is checked as a request starts, but a
    connection dropped while the request runs (the database restarted or failed over, an
    administrator terminating backends) fails that request's next query: a 500 for a page
    the user only wanted to read. Here a GET or HEAD whose view raised such an error, with
    the connection found unusable, is answered by running the view again once on fresh
    connections. Nothing else is retried: a POST may have written part of its work before
    the drop (its transaction rolled back, but a second run could still differ), a query
    that failed on a working connection (a timeout, bad SQL) fails as before, and a second
    failure is the 500 it would have been.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import connections

        if (
            request.method not in SAFE_METHODS
            or getattr(request, "_noteinvest_retried", False)
            or request.resolver_match is None
            or not connection_lost(exception)
        ):
            return None
        if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
            return None  # inside a transaction someone else opened: theirs to handle
        request._noteinvest_retried = True
        close_all()
        match = request.resolver_match
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Exception:  # noqa: BLE001 - the original error is the one reported
            return None
        log_response(
            "Retried after a lost database connection: %s %s (%s)",
            request.method,
            request.path,
            type(exception).__name__,
            response=response,
            request=request,
            level="warning",
        )
        return response
