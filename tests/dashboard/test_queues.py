"""Each role's work queues on the home page: an item appears with the event that creates it
and leaves with the one that resolves it (issue 14)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dashboard.queues import payments_due, queues_for
from settlements import services
from settlements.models import Payment
from tests.factories import (
    agreement_in_review,
    draft_agreement,
    make_loan,
    make_user,
    record_sale,
    signed_agreement,
)

pytestmark = pytest.mark.django_db


def queue(user, role, key):
    return next(q for q in queues_for(user)[role] if q.key == key)


def numbers(q):
    return [item.label.split(",")[0] for item in q.items]


def test_an_agreement_moves_through_the_staff_queues_as_its_status_moves(
    portfolio, staff, attorney
):
    agreement = draft_agreement(make_loan(portfolio), staff)
    assert numbers(queue(staff, "staff", "drafts")) == [agreement.number]
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    agreement.refresh_from_db()
    assert queue(staff, "staff", "drafts").count == 0
    assert numbers(queue(attorney, "attorney", "review")) == [agreement.number]
    services.request_changes(agreement=agreement, note="Fix the date.", by=attorney)
    agreement.refresh_from_db()
    assert numbers(queue(staff, "staff", "changes")) == [agreement.number]
    assert queue(attorney, "attorney", "review").count == 0
    # Revised, it is a draft again (off "changes requested"): the rest with another one.
    agreement = agreement_in_review(make_loan(portfolio, "L-2"), staff, attorney)
    services.approve(agreement=agreement, by=attorney)
    agreement.refresh_from_db()
    assert numbers(queue(staff, "staff", "approved")) == [agreement.number]
    services.mark_sent(agreement=agreement, by=staff)
    agreement.refresh_from_db()
    assert queue(staff, "staff", "approved").count == 0
    assert numbers(queue(staff, "staff", "sent")) == [agreement.number]
    pdf = bytes(agreement.versions.order_by("-number")[0].pdf)
    services.record_signed(agreement=agreement, upload=SimpleUploadedFile("s.pdf", pdf), by=staff)
    assert queue(staff, "staff", "sent").count == 0


def test_a_payment_due_within_seven_days_is_listed_then_late_then_gone_once_paid(
    portfolio, staff, attorney
):
    agreement = signed_agreement(make_loan(portfolio), staff, attorney)
    due = agreement.lump_sum_due or agreement.offer_expires_on
    assert agreement.lump_sum_due, "the factory's DPO is a lump sum"
    week_before = due - timedelta(days=7)
    assert [(a.pk, late) for a, _d, _amt, late in payments_due(week_before)] == [
        (agreement.pk, False)
    ]
    assert payments_due(due - timedelta(days=8)) == []  # not yet within 7 days
    ((_, _, owed, late),) = payments_due(due + timedelta(days=1))
    assert late and owed == agreement.settlement_amount
    services.record_payment(
        agreement=agreement,
        payment=Payment(received_on=timezone.localdate(), amount=agreement.settlement_amount),
        by=staff,
    )
    assert payments_due(due + timedelta(days=1)) == []  # paid: completed, off the queue


def test_part_paid_installments_leave_the_rest_due(portfolio, staff, attorney):
    agreement = signed_agreement(make_loan(portfolio), staff, attorney)
    today = timezone.localdate()
    agreement.lump_sum_due = None
    agreement.save(update_fields=["lump_sum_due"])
    half = (agreement.settlement_amount / 2).quantize(Decimal("0.01"))
    agreement.installments.create(due_on=today - timedelta(days=3), amount=half)
    agreement.installments.create(
        due_on=today + timedelta(days=5), amount=agreement.settlement_amount - half
    )
    ((_, due, owed, late),) = payments_due(today)
    assert (due, owed, late) == (today - timedelta(days=3), half, True)
    Payment.objects.create(agreement=agreement, received_on=today, amount=half, recorded_by=staff)
    ((_, due, owed, late),) = payments_due(today)
    assert (due, owed, late) == (
        today + timedelta(days=5),
        agreement.settlement_amount - half,
        False,
    )


def test_deadlines_within_30_days_for_staff_and_the_owner_only(
    portfolio, other_portfolio, owner, other_investor, staff
):
    today = timezone.localdate()
    record_sale(make_loan(portfolio, "MINE-1"), staff, on=today - timedelta(days=60))
    record_sale(make_loan(other_portfolio, "THEIRS-1"), staff, on=today - timedelta(days=60))
    from deficiencies.models import Deadline

    Deadline.objects.update(due_on=today + timedelta(days=10))
    staff_items = [i.label for i in queue(staff, "staff", "deadlines").items]
    assert any("MINE-1" in label for label in staff_items)
    assert any("THEIRS-1" in label for label in staff_items)
    mine = [i.label for i in queue(owner, "investor", "deadlines").items]
    assert mine and all("MINE-1" in label for label in mine)
    Deadline.objects.update(due_on=today + timedelta(days=31))
    assert queue(owner, "investor", "deadlines").count == 0


def test_a_comment_awaits_the_attorney_until_resolved(portfolio, staff, attorney):
    agreement = agreement_in_review(make_loan(portfolio), staff, attorney)
    mine = services.add_comment(agreement=agreement, section=None, body="Check §2.", by=attorney)
    assert queue(attorney, "attorney", "comments").count == 0  # their own comment
    services.resolve_comment(comment=mine, by=attorney)
    services.resolve_comment(comment=mine, by=staff, reopen=True)  # staff reopen it: a reply
    mine.refresh_from_db()
    mine.author = staff  # a staff comment, as staff answer in the thread
    mine.save(update_fields=["author"])
    assert queue(attorney, "attorney", "comments").count == 1
    services.resolve_comment(comment=mine, by=attorney)
    assert queue(attorney, "attorney", "comments").count == 0


def test_an_investor_sees_their_agreements_completed_this_month(
    portfolio, other_portfolio, owner, staff, attorney
):
    done = signed_agreement(make_loan(portfolio), staff, attorney, paid=None)
    services.record_payment(
        agreement=done,
        payment=Payment(received_on=timezone.localdate(), amount=done.settlement_amount),
        by=staff,
    )
    signed_agreement(make_loan(other_portfolio, "THEIRS"), staff, attorney)
    assert numbers(queue(owner, "investor", "completed")) == [done.number]


def test_a_failed_import_waits_on_staff(portfolio, staff):
    from portfolios.models import TapeImport

    job = TapeImport.objects.create(
        portfolio=portfolio, filename="bad.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=TapeImport.Status.FAILED,
    )  # fmt: skip
    assert [i.url for i in queue(staff, "staff", "imports").items] == [job.get_absolute_url()]
    TapeImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=15))
    assert queue(staff, "staff", "imports").count == 0


def test_the_home_page_shows_each_roles_queues_and_never_another_investors(
    client, portfolio, other_portfolio, owner, staff, attorney
):
    theirs = draft_agreement(make_loan(other_portfolio, "THEIRS"), staff)
    client.force_login(owner)
    page = client.get(reverse("home")).text
    assert 'data-queues="investor"' in page and 'data-queues="staff"' not in page
    assert theirs.number not in page
    client.force_login(staff)
    page = client.get(reverse("home")).text
    assert 'data-queues="staff"' in page and theirs.number in page
    assert theirs.get_absolute_url() in page
    client.force_login(attorney)
    assert 'data-queues="attorney"' in client.get(reverse("home")).text


def test_the_home_pages_queries_do_not_grow_with_the_queues(
    client, portfolio, staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)
    client.get(reverse("home"))
    draft_agreement(make_loan(portfolio, "Q-1"), staff)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for n in range(2, 9):
        draft_agreement(make_loan(portfolio, f"Q-{n}"), staff)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) <= len(few) + 1  # the count query once a queue is longer than shown


def test_a_user_without_a_role_has_no_queues():
    assert queues_for(make_user()) == {}


def test_home_in_the_navigation_counts_what_waits_refreshed_once_a_minute(
    client, portfolio, staff, monkeypatch
):
    from noteinvest import navigation

    client.force_login(staff)
    assert 'data-nav-count="home"' not in client.get(reverse("portfolios:list")).text
    draft_agreement(make_loan(portfolio, "N-1"), staff)
    draft_agreement(make_loan(portfolio, "N-2"), staff)
    # Kept in the session for a minute: still none shown.
    assert 'data-nav-count="home"' not in client.get(reverse("portfolios:list")).text
    monkeypatch.setattr(navigation, "COUNTS_SECONDS", 0)
    page = client.get(reverse("portfolios:list")).text
    assert 'data-nav-count="home">2<span class="visually-hidden"> waiting</span>' in page
