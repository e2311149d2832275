"""Writing notices when events happen and mailing them, once each.

`notify` writes one notice per person who wants it (the unique key makes a second call for
the same event a no-op); `send_pending` mails each person's waiting notices in one e-mail,
claiming them first so that two workers never mail the same one, and checking again, at
the moment of mailing, that the person still wants that kind of e-mail, is active and still
holds the role (and, for an investor, still owns the portfolio) it was meant for.
"""

import logging
import unicodedata
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from noteinvest.access import Role, roles_of
from notifications.models import ROLES, Delivery, Kind, Notice, Preference

log = logging.getLogger(__name__)

# A notice the mail server refused this many times is given up (kept, marked failed).
MAX_ATTEMPTS = 5
TITLE_MAX = Notice._meta.get_field("title").max_length
LINE_MAX = 2500  # an attorney's whole change request (at most 2,000) and its preamble
# A notice claimed by a worker that died before mailing it goes back to waiting after this:
# mailed again rather than lost (at least once; a crash mid-send can mean a second copy).
STALE_CLAIM = timedelta(minutes=15)


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def preference_for(user) -> Preference:
    """The person's choices, or the defaults (unsaved) when they never chose."""
    try:
        return user.notification_preference
    except Preference.DoesNotExist:
        return Preference(user=user)


def offered_kinds(user) -> list[Kind]:
    """The kinds of e-mail meant for the person's roles, in the order the page lists them."""
    roles = roles_of(user)
    return [kind for kind in Kind if roles.intersection(ROLES[kind])]


def _clip(text: str, limit: int) -> str:
    # Control and format characters (escapes, bidi overrides) dropped; line breaks: a space.
    text = "".join(
        " " if ch in "\t\r\n" else ch
        for ch in (text or "")
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    text = " ".join(text.split())
    more = "… (continued in NoteInvest)"
    return text if len(text) <= limit else text[: limit - len(more)] + more


def _owned(user_ids) -> dict[int, set[int]]:
    """user id -> the ids of the portfolios they own."""
    through = get_user_model().portfolios.through
    owned = defaultdict(set)
    for user_id, portfolio_id in through.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "portfolio_id"
    ):
        owned[user_id].add(portfolio_id)
    return owned


def _may_have(user, kind: str, portfolio_id, owned: dict[int, set[int]]) -> bool:
    """May `user` be mailed a notice of `kind` about `portfolio_id`: active, an address, a
    role the kind is meant for, and for one who is not staff, the portfolio is theirs."""
    if not user.is_active or not user.email:
        return False
    roles = roles_of(user)
    if not roles.intersection(ROLES[Kind(kind)]):
        return False
    if portfolio_id is not None and Role.STAFF not in roles:
        return portfolio_id in owned.get(user.pk, set())
    return True


def _people(users):
    ids = {getattr(u, "pk", u) for u in users if u is not None}
    return list(
        get_user_model().objects.filter(pk__in=ids).select_related("notification_preference")
    )


def notify(users, kind: str, key: str, title: str, url: str, line: str = "", portfolio_id=None):
    """Write the notice for each of `users` (users or ids) who wants `kind` and may have it.
    The ids of the people it was written for (now or by an earlier call for the same key)."""
    people = _people(users)
    owned = _owned([p.pk for p in people])
    wanted = [
        p for p in people
        if preference_for(p).wants(kind) and _may_have(p, kind, portfolio_id, owned)
    ]  # fmt: skip
    Notice.objects.bulk_create(
        [
            Notice(
                user=p,
                kind=kind,
                key=key,
                title=_clip(title, TITLE_MAX),
                line=_clip(line, LINE_MAX),
                url=url,
                portfolio_id=portfolio_id,
            )  # fmt: skip
            for p in wanted
        ],
        ignore_conflicts=True,  # the same event again (a retried task): nothing new
    )
    return {p.pk for p in wanted}


def _subject(notices, digest: bool) -> str:
    count = len(notices)
    if digest:
        return f"NoteInvest: your daily digest, {count} notice{'s' if count != 1 else ''}"
    kinds = {n.kind for n in notices}
    if kinds == {Kind.DEADLINE}:
        return f"NoteInvest: {count} deadline{'s' if count != 1 else ''} in 30 or 7 days"
    if count == 1:
        return _clip(f"NoteInvest: {notices[0].title}", 200)
    return f"NoteInvest: {count} notices"


def _mail(user, notices, digest: bool) -> None:
    context = {
        "user": user,
        "digest": digest,
        "notices": notices,
        "deadlines": any(n.kind == Kind.DEADLINE for n in notices),
        "deadlines_url": site_url(reverse("deficiencies:deadlines")),
        "preferences_url": site_url(reverse("notifications:preferences")),
    }
    body = render_to_string("notifications/mail.txt", context)
    send_mail(_subject(notices, digest), body, None, [user.email])


def send_pending(user_ids=None, *, digest: bool = False) -> int:
    """Mail the waiting notices: each person's in one e-mail. `digest`: the morning run for
    people who chose the digest; otherwise for those who chose each as it happens. The
    number of e-mails sent."""
    Notice.objects.filter(
        state=Notice.State.SENDING, sent_at__lt=timezone.now() - STALE_CLAIM
    ).update(state=Notice.State.PENDING, claim="", sent_at=None)
    pending = Notice.objects.filter(state=Notice.State.PENDING)
    if user_ids is not None:
        pending = pending.filter(user_id__in=list(user_ids))
    by_user = defaultdict(list)
    for notice in pending.order_by("created_at", "pk"):
        by_user[notice.user_id].append(notice)
    if not by_user:
        return 0
    people = {p.pk: p for p in _people(by_user)}
    owned = _owned(list(people))
    mailed = 0
    for user_id, notices in by_user.items():
        user = people.get(user_id)
        if user is None:
            continue
        prefs = preference_for(user)
        if (prefs.delivery == Delivery.DIGEST) != digest:
            continue  # the other run mails these
        keep = [
            n for n in notices
            if prefs.wants(n.kind) and _may_have(user, n.kind, n.portfolio_id, owned)
        ]  # fmt: skip
        dropped = [n.pk for n in notices if n not in keep]
        if dropped:
            Notice.objects.filter(pk__in=dropped, state=Notice.State.PENDING).update(
                state=Notice.State.SKIPPED
            )
        if keep and _send(user, keep, digest):
            mailed += 1
    return mailed


def _send(user, notices, digest: bool) -> bool:
    token = uuid.uuid4().hex
    ids = [n.pk for n in notices]
    Notice.objects.filter(pk__in=ids, state=Notice.State.PENDING).update(
        state=Notice.State.SENDING, claim=token, sent_at=timezone.now(),
        attempts=F("attempts") + 1,
    )  # fmt: skip
    mine = Notice.objects.filter(pk__in=ids, claim=token)
    claimed = list(mine.order_by("created_at", "pk"))
    if not claimed:
        return False  # another worker mailed them
    try:
        _mail(user, claimed, digest)
    except Exception:  # noqa: BLE001 - one refused address must not stop the others
        log.exception("A notification e-mail could not be sent")
        mine.filter(attempts__lt=MAX_ATTEMPTS).update(
            state=Notice.State.PENDING, claim="", sent_at=None
        )
        mine.exclude(state=Notice.State.PENDING).update(state=Notice.State.FAILED, sent_at=None)
        return False
    mine.update(state=Notice.State.SENT, sent_at=timezone.now())
    return True


def staff_members():
    """Active holders of the Staff role (not admin-site flags, which outlive a role)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.STAFF.value)
        .distinct()
        .values_list("pk", flat=True)
    )


def owners_of(portfolio_ids) -> dict[int, list[int]]:
    through = get_user_model().portfolios.through
    out = defaultdict(list)
    for portfolio_id, user_id in through.objects.filter(
        portfolio_id__in=list(portfolio_ids)
    ).values_list("portfolio_id", "user_id"):
        out[portfolio_id].append(user_id)
    return out
