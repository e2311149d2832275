"""The client's network address, for the log-in lockout and the password-reset throttle.

Without a proxy (DJANGO_TRUSTED_PROXY_COUNT=0, the default) it is REMOTE_ADDR and any
X-Forwarded-For header is ignored: a client can write anything there.

Behind N trusted proxies each one appends the address it received the request from, so
the client's address is the Nth entry from the right of X-Forwarded-For; whatever lies
further left was written by the client and is ignored. A header with fewer than N
entries, or whose Nth entry is not an IP address, is not trusted: REMOTE_ADDR then.
"""

import ipaddress

from django.conf import settings


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address to count failures and requests under (AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        return remote
    return _ip(entries[-proxies]) or remote
