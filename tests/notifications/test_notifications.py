"""E-mail notifications: each event mailed once, by the background, to whom it concerns,
never to someone who turned that kind off, as it happens or in the morning digest."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from noteinvest.access import Role
from notifications import services, tasks
from notifications.models import Delivery, Kind, Notice, Preference
from settlements import services as agreements
from settlements.models import Agreement
from tests.factories import (
    agreement_in_review,
    draft_agreement,
    make_loan,
    make_user,
    signed_agreement,
)

pytestmark = pytest.mark.django_db


def prefer(user, **choices):
    Preference.objects.update_or_create(user=user, defaults=choices)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def loan(portfolio):
    return make_loan(portfolio, "N-1")


def test_sent_for_review_mails_the_reviewer_once_after_the_commit(
    loan, staff, attorney, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://notes.example.com"
    agreement = draft_agreement(loan, staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agreements.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    assert mail.outbox == []  # nothing before the move is committed
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [attorney.email]
    assert message.subject == f"NoteInvest: {agreement.number} is sent to you for review"
    assert f"https://notes.example.com{agreement.get_absolute_url()}" in message.body
    assert "loan N-1" in message.body and "Stella Staff" in message.body
    assert "https://notes.example.com/account/notifications/" in message.body
    # The same move's task again (a retry): nothing new.
    change_id = Notice.objects.get().key.split(":")[1]
    tasks.mail_status_change.enqueue(int(change_id))
    assert len(mail.outbox) == 1


def test_changes_requested_and_approved_mail_the_drafter_not_the_attorney(
    loan, staff, attorney, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agreement = agreement_in_review(loan, staff, attorney)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agreements.request_changes(agreement=agreement, note="Fix the payee.", by=attorney)
    [message] = mail.outbox
    assert message.to == [staff.email]
    assert message.subject == f"NoteInvest: Changes requested on {agreement.number}"
    assert "“Fix the payee.”" in message.body and "Ada Attorney" in message.body
    second = draft_agreement(make_loan(loan.portfolio, "N-2"), staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agreements.submit_for_review(agreement=second, reviewer=attorney, by=staff)
        agreements.approve(agreement=Agreement.objects.get(pk=second.pk), by=attorney)
    assert [m.to for m in mail.outbox] == [[attorney.email], [staff.email]]
    assert mail.outbox[1].subject == f"NoteInvest: {second.number} is approved"


def test_whoever_sent_it_for_review_is_told_too_and_the_mover_never_is(
    loan, staff, attorney, django_capture_on_commit_callbacks
):
    colleague = make_user(Role.STAFF, email="colleague@example.com")
    agreement = draft_agreement(loan, staff)
    with django_capture_on_commit_callbacks(execute=True):
        agreements.submit_for_review(agreement=agreement, reviewer=attorney, by=colleague)
        agreements.request_changes(
            agreement=Agreement.objects.get(pk=agreement.pk), note="", by=attorney
        )
    told = sorted(m.to[0] for m in mail.outbox if "Changes requested" in m.subject)
    assert told == sorted([staff.email, colleague.email])


def test_a_kind_turned_off_is_never_mailed(
    loan, staff, attorney, client, django_capture_on_commit_callbacks
):
    client.force_login(attorney)
    response = client.post(
        reverse("notifications:preferences"), {"delivery": "each"}
    )  # every box cleared
    assert response.status_code == 302
    assert not Preference.objects.get(user=attorney).review_requested
    with django_capture_on_commit_callbacks(execute=True):
        agreement_in_review(loan, staff, attorney)
    assert mail.outbox == [] and not Notice.objects.filter(user=attorney).exists()


def test_turned_off_after_the_event_but_before_the_mail_is_not_mailed(loan, staff, attorney):
    prefer(staff, delivery=Delivery.DIGEST)
    services.notify([staff], Kind.APPROVED, "status:test", "X is approved", "https://x/")
    assert mail.outbox == []  # waits for the digest
    prefer(staff, approved=False, delivery=Delivery.DIGEST)
    assert tasks.mail_digests.enqueue().return_value == {"mailed": 0, "swept": 0}
    assert mail.outbox == []
    assert Notice.objects.get(user=staff).state == Notice.State.SKIPPED


def test_the_digest_gathers_the_days_notices_in_one_mail_once(
    loan, staff, attorney, django_capture_on_commit_callbacks
):
    prefer(staff, delivery=Delivery.DIGEST)
    first = draft_agreement(loan, staff)
    second = draft_agreement(make_loan(loan.portfolio, "N-2"), staff)
    with django_capture_on_commit_callbacks(execute=True):
        for agreement in (first, second):
            agreements.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
            agreements.request_changes(
                agreement=Agreement.objects.get(pk=agreement.pk), note="Again.", by=attorney
            )
    assert mails_to(staff) == []  # the attorney got hers; staff wait for the morning
    assert len(mails_to(attorney)) == 2
    assert tasks.mail_digests.enqueue().return_value == {"mailed": 1, "swept": 0}
    [digest] = mails_to(staff)
    assert digest.subject == "NoteInvest: your daily digest, 2 notices"
    assert first.number in digest.body and second.number in digest.body
    assert tasks.mail_digests.enqueue().return_value == {"mailed": 0, "swept": 0}


def late_dpo(loan, staff, attorney, days_late=3):
    agreement = signed_agreement(loan, staff, attorney)
    Agreement.objects.filter(pk=agreement.pk).update(
        lump_sum_due=timezone.localdate() - timedelta(days=days_late)
    )
    return agreement


def test_a_late_payment_is_mailed_once_to_staff_and_the_owner_only(
    loan, staff, attorney, owner, other_investor
):
    agreement = late_dpo(loan, staff, attorney)
    mail.outbox.clear()
    result = tasks.mail_late_payments.enqueue().return_value
    assert result == {"late": 1, "mailed": 2}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, owner.email])
    assert all(agreement.number in m.body and "was due" in m.body for m in mail.outbox)
    assert not mails_to(other_investor) and not mails_to(attorney)
    assert tasks.mail_late_payments.enqueue().return_value == {"late": 1, "mailed": 0}


def test_an_investor_who_no_longer_owns_the_portfolio_is_not_mailed(loan, staff, attorney, owner):
    late_dpo(loan, staff, attorney)
    mail.outbox.clear()
    prefer(owner, delivery=Delivery.DIGEST)
    tasks.mail_late_payments.enqueue()
    loan.portfolio.owners.remove(owner)
    tasks.mail_digests.enqueue()
    assert not mails_to(owner)
    assert Notice.objects.get(user=owner).state == Notice.State.SKIPPED


def test_an_investor_is_never_offered_or_sent_agreement_moves(owner, staff, attorney):
    services.notify([owner], Kind.APPROVED, "status:x", "X is approved", "https://x/")
    assert not Notice.objects.filter(user=owner).exists()
    assert services.offered_kinds(owner) == [Kind.PAYMENT_LATE, Kind.DEADLINE]
    assert services.offered_kinds(attorney) == [Kind.REVIEW_REQUESTED]


def test_a_notice_claimed_by_another_worker_is_not_mailed_twice(staff):
    services.notify([staff], Kind.APPROVED, "status:y", "Y is approved", "https://y/")
    notice = Notice.objects.get()
    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.SENT, claim="other")
    assert services._send(staff, [notice], digest=False) is False
    assert mail.outbox == []


def test_a_refused_address_is_retried_then_given_up(staff, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("550 mailbox unavailable")

    monkeypatch.setattr(services, "send_mail", refuse)
    services.notify([staff], Kind.APPROVED, "status:z", "Z is approved", "https://z/")
    for _ in range(services.MAX_ATTEMPTS):
        assert services.send_pending() == 0
    notice = Notice.objects.get()
    assert notice.state == Notice.State.FAILED and notice.attempts == services.MAX_ATTEMPTS


def test_nothing_is_mailed_in_the_request(
    loan, staff, attorney, client, tasks_wait, django_capture_on_commit_callbacks
):
    agreement = agreement_in_review(loan, staff, attorney)
    client.force_login(attorney)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("settlements:request_changes", args=[agreement.pk]),
            {"note": "Please fix.", "version": agreement.version},
        )
    assert response.status_code == 302
    assert mail.outbox == []  # queued for a worker, not sent by the request
    queued = [r.task.name for r in default_task_backend.results]
    assert queued == ["mail_status_change"]


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        (Role.STAFF, ["changes_requested", "approved", "payment_late", "deadline"],
         ["review_requested"]),
        (Role.ATTORNEY, ["review_requested"], ["approved", "deadline"]),
        (Role.INVESTOR, ["payment_late", "deadline"], ["approved", "review_requested"]),
    ],
)  # fmt: skip
def test_each_role_chooses_only_its_own_kinds(client, role, shown, hidden):
    user = make_user(role, email=f"{role.value.lower()}-prefs@example.com")
    client.force_login(user)
    page = client.get(reverse("notifications:preferences")).content.decode()
    for name in shown:
        assert f'name="{name}"' in page
    for name in hidden:
        assert f'name="{name}"' not in page
    assert "E-mail notifications" in client.get(reverse("home")).content.decode()


def test_a_bad_choice_is_shown_beside_the_field_and_nothing_is_saved(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("notifications:preferences"),
        {"delivery": "hourly", "deadline": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice. hourly is not one of the available choices." in page
    # What was typed is kept: the deadline box still ticked, the approved box still clear.
    assert re.search(r'<input[^>]*name="deadline"[^>]*checked', page)
    assert not re.search(r'<input[^>]*name="approved"[^>]*checked', page)
    prefs = Preference.objects.get(user=staff)  # nothing of the bad post saved: the defaults
    assert prefs.delivery == Delivery.EACH and prefs.approved and prefs.deadline


def test_a_saved_choice_is_kept_and_shown(client, staff):
    client.force_login(staff)
    client.post(reverse("notifications:preferences"), {"delivery": "digest", "deadline": "on"})
    prefs = Preference.objects.get(user=staff)
    assert prefs.delivery == Delivery.DIGEST and prefs.deadline and not prefs.approved
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Your e-mail choices are saved." in page


def test_the_page_lists_only_the_users_own_notices(client, staff, owner):
    services.notify([staff], Kind.APPROVED, "status:s", "Staff-only notice", "https://s/")
    client.force_login(owner)
    assert (
        "Staff-only notice" not in client.get(reverse("notifications:preferences")).content.decode()
    )
    client.force_login(staff)
    assert "Staff-only notice" in client.get(reverse("notifications:preferences")).content.decode()


def test_deadline_reminders_skip_whoever_turned_them_off(portfolio, staff, owner):
    from deficiencies import tasks as deficiency_tasks
    from deficiencies.models import Deadline
    from tests.factories import record_sale

    record = record_sale(make_loan(portfolio, "D-30"), staff)
    Deadline.objects.all().delete()
    Deadline.objects.create(
        deficiency=record, kind=Deadline.Kind.FILING,
        due_on=timezone.localdate() + timedelta(days=30), portfolio_id=portfolio.pk,
        state_code=record.loan.property_state, loan_number="D-30", note="Cal. CCP § 580a",
    )  # fmt: skip
    prefer(staff, deadline=False)
    result = deficiency_tasks.mail_deadline_reminders.enqueue().return_value
    assert result == {"deadlines": 1, "mailed": 1}
    [message] = mail.outbox
    assert message.to == [owner.email] and "Cal. CCP § 580a" in message.body


def test_a_worker_that_died_mid_send_leaves_the_notice_to_be_mailed_again(staff):
    services.notify([staff], Kind.APPROVED, "status:c", "C is approved", "https://c/")
    # Claimed by a worker killed before it mailed (state "sending", 20 minutes ago).
    Notice.objects.update(
        state=Notice.State.SENDING, claim="dead", sent_at=timezone.now() - timedelta(minutes=20)
    )
    assert services.send_pending() == 1
    assert Notice.objects.get().state == Notice.State.SENT and len(mail.outbox) == 1
    # One claimed a minute ago is left to its (live) worker.
    services.notify([staff], Kind.APPROVED, "status:d", "D is approved", "https://d/")
    Notice.objects.filter(key="status:d").update(
        state=Notice.State.SENDING, claim="busy", sent_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.send_pending() == 0


def test_the_morning_run_sweeps_a_refused_notice_and_one_left_by_the_digest(staff, monkeypatch):
    real = services.send_mail
    monkeypatch.setattr(services, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    services.notify([staff], Kind.APPROVED, "status:e", "E is approved", "https://e/")
    assert services.send_pending([staff.pk]) == 0  # refused: waits
    monkeypatch.setattr(services, "send_mail", real)
    prefer(staff, delivery=Delivery.DIGEST)
    services.notify([staff], Kind.APPROVED, "status:f", "F is approved", "https://f/")
    prefer(staff, delivery=Delivery.EACH)  # switched back before the digest went out
    assert tasks.mail_digests.enqueue().return_value == {"mailed": 0, "swept": 1}
    [message] = mail.outbox
    assert "E is approved" in message.body and "F is approved" in message.body


def test_control_characters_never_reach_the_mail_and_a_long_note_says_it_continues(staff):
    services.notify(
        [staff], Kind.APPROVED, "status:g", "G\x1b[31m is\u202e approved",
        "https://g/", "Fix\r\nBcc: x@example.com " + "word " * 800,
    )  # fmt: skip
    notice = Notice.objects.get()
    assert notice.title == "G[31m is approved"
    assert "\n" not in notice.line and notice.line.endswith("… (continued in NoteInvest)")
    assert len(notice.line) == services.LINE_MAX
