"""Who wants which e-mail, and every notice the app decided to mail (sent once each).

A notice is written when its event happens (an agreement moves, a payment turns late, a
deadline comes within 30 or 7 days), keyed so that the same event never makes a second
row for the same person; the background mails it, as it happens or in the morning digest,
and only while the person still wants that kind of e-mail and still holds the role it
was meant for.
"""

from django.conf import settings
from django.db import models

from noteinvest.access import Role


class Kind(models.TextChoices):
    REVIEW_REQUESTED = "review_requested", "An agreement is sent to me for review"
    CHANGES_REQUESTED = "changes_requested", "Changes are requested on an agreement of mine"
    APPROVED = "approved", "An agreement I drafted or sent is approved"
    PAYMENT_LATE = "payment_late", "A settlement payment is late"
    DEADLINE = "deadline", "A deadline is 30 or 7 days away"


# The roles each kind is meant for: the preference is offered to them, and a notice is
# mailed only while its person still holds one of them.
ROLES = {
    Kind.REVIEW_REQUESTED: (Role.ATTORNEY,),
    Kind.CHANGES_REQUESTED: (Role.STAFF,),
    Kind.APPROVED: (Role.STAFF,),
    Kind.PAYMENT_LATE: (Role.STAFF, Role.INVESTOR),
    Kind.DEADLINE: (Role.STAFF, Role.INVESTOR),
}


class Delivery(models.TextChoices):
    EACH = "each", "As each happens"
    DIGEST = "digest", "One daily digest (at 07:00)"


class Preference(models.Model):
    """One person's choices; a person without a row has the defaults (everything on, each
    as it happens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    review_requested = models.BooleanField(Kind.REVIEW_REQUESTED.label, default=True)
    changes_requested = models.BooleanField(Kind.CHANGES_REQUESTED.label, default=True)
    approved = models.BooleanField(Kind.APPROVED.label, default=True)
    payment_late = models.BooleanField(Kind.PAYMENT_LATE.label, default=True)
    deadline = models.BooleanField(Kind.DEADLINE.label, default=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.EACH)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Notification choices of {self.user}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, Kind(kind).value))


class Notice(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be mailed"
        SENDING = "sending", "Being mailed"
        SENT = "sent", "Mailed"
        SKIPPED = "skipped", "Not mailed (turned off, or no longer yours)"
        FAILED = "failed", "Not mailed: the mail server refused it"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The event, once per person: "status:<change id>", "payment:<agreement>:<due date>",
    # "deadline:<deficiency>:<kind>:<due date>:<30 or 7>".
    key = models.CharField(max_length=120)
    # The portfolio it is about: an investor is mailed it only while they own it.
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    line = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set while one worker mails it: two workers never mail the same notice.
    claim = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notifications_notice_once"),
        ]
        indexes = [models.Index(fields=["state", "user"], name="notifications_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user}: {self.title}"
