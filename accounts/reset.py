"""Password-reset links: mailed after the response, by a background worker, and throttled.

Asking for a reset must not tell anyone whether an account exists. Rendering and sending
the mail takes a second (SMTP) while an unknown address costs nothing, so the request
itself does the same small work either way: check the throttle and queue a task. The task
(accounts.tasks, queued once the current transaction commits, run by a worker) looks the
address up, and mails a link only to an active account that has it.

Throttle (Django's cache, shared by every server: the database cache by default):
RESET_REQUESTS_PER_CLIENT requests per client address and RESET_MAILS_PER_ADDRESS
requests per e-mail address (known or not) per RESET_WINDOW seconds. Over either limit
nothing is mailed and the page is the same "if an account uses that address..." page.
"""

import hashlib
import logging

from django.core.cache import cache
from django.db import transaction

from accounts.emails import normalize_email

log = logging.getLogger(__name__)

RESET_MAILS_PER_ADDRESS = 3
RESET_REQUESTS_PER_CLIENT = 10
RESET_WINDOW = 60 * 60  # seconds


def _hit(kind: str, value: str) -> int:
    """Count one request under (kind, value) in the current window; the count so far."""
    digest = hashlib.sha256(value.encode()).hexdigest()
    key = f"accounts:reset:{kind}:{digest}"
    cache.add(key, 0, RESET_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW)
        return 1


def allow_reset_request(email: str, client: str | None) -> bool:
    """Count a reset request; False when its client or its address is over the limit."""
    if _hit("client", client or "unknown") > RESET_REQUESTS_PER_CLIENT:
        log.warning("Password reset refused: too many requests from %s", client)
        return False
    if _hit("address", normalize_email(email)) > RESET_MAILS_PER_ADDRESS:
        log.warning("Password reset refused: too many requests for one address from %s", client)
        return False
    return True


def in_background(task, *args, **kwargs) -> None:
    """Queue `task` (a mail) with the current transaction: a change rolled back mails nothing.

    With workers (the database backend) the task is a row written in the same transaction
    as the change, so a saved change always has its mail queued. Where tasks run at once
    (the immediate or dummy backend) it is queued after the commit, never before.
    """
    from background.status import uses_workers

    if uses_workers():
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def mail_reset_link(email: str, *, domain: str, use_https: bool, welcome: bool = False) -> None:
    """Mail a reset link to the active account using `email`, if there is one (job body).

    `welcome`: the account was just created by staff; the mail says so and asks its owner
    to choose a password, instead of answering a reset request.
    """
    from accounts.forms import PasswordResetForm

    form = PasswordResetForm({"email": email})
    if form.is_valid():
        templates = {}
        if welcome:
            templates = {
                "subject_template_name": "registration/account_created_subject.txt",
                "email_template_name": "registration/account_created_email.html",
            }
        form.save(domain_override=domain, use_https=use_https, **templates)


def send_reset_link_later(
    email: str, *, domain: str, use_https: bool, welcome: bool = False
) -> None:
    """Queue the reset mail for `email`; returns at once whether or not an account has it."""
    from accounts import tasks

    in_background(tasks.mail_reset_link, email, domain=domain, use_https=use_https, welcome=welcome)
