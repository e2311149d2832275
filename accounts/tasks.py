"""Background tasks of the accounts: reset links, welcome mail, changed-address notices.

Queued once the request's transaction commits (accounts.reset.in_background): a rolled-back
change mails nothing, and no mail is ever sent inside a request.
"""

from django.tasks import task
from django.utils.dateparse import parse_datetime

# Ahead of long work (an import, a batch) in the queue: someone is waiting for this mail.
MAIL_PRIORITY = 50


@task(priority=MAIL_PRIORITY)
def mail_reset_link(email: str, domain: str, use_https: bool, welcome: bool = False) -> None:
    from accounts.reset import mail_reset_link as send

    send(email, domain=domain, use_https=use_https, welcome=welcome)


@task(priority=MAIL_PRIORITY)
def mail_address_changed(context: dict) -> None:
    from accounts.notices import mail_address_changed as send

    send({**context, "changed_at": parse_datetime(context["changed_at"])})
