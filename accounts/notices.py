"""Notices about an account mailed to its owner: a changed sign-in address.

Whoever changes an account's address controls where its reset links go from then on, so
the OLD address is told, after the change is committed (a rolled-back save mails
nothing), by a background worker as reset links are (accounts.reset.in_background).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import reset


def address_changed_later(old_email: str, user, *, by) -> None:
    """Queue the notice to `old_email` that `user`'s address is now `user.email`."""
    context = {
        "old_email": old_email,
        "new_email": user.email,
        "changed_by": f"{by.get_full_name()} ({by.email})" if by.full_name else by.email,
        "changed_at": timezone.localtime().isoformat(),
        "contact": settings.ACCOUNT_CONTACT,
    }
    from accounts import tasks

    reset.in_background(tasks.mail_address_changed, context)


def mail_address_changed(context: dict) -> None:
    """Job body: mail the notice (to the old address only)."""
    subject = render_to_string("registration/address_changed_subject.txt", context).strip()
    body = render_to_string("registration/address_changed_email.txt", context)
    send_mail(subject, body, None, [context["old_email"]])
