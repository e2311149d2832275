"""Separation of duties (who may review) and combined roles (what each role sees), issue 8
items 2 and 7."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from noteinvest.access import Role
from settlements import services
from settlements.models import Agreement, DraftingStep, ReviewComment, Status
from tests.factories import make_user

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def both():
    """An account holding Staff and Attorney."""
    return make_user(Role.STAFF, Role.ATTORNEY, email="both@example.com")


def _terms_post(client, agreement, **changes):
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(
        payment_method="wire",
        version=agreement.version,
        offer_expires_on=str(agreement.offer_expires_on),
        lump_sum_due=str(agreement.lump_sum_due),
    )
    data.update(changes)
    return client.post(url, data)


def _reviewer_choices(client, agreement):
    page = client.get(reverse("settlements:edit", args=[agreement.pk, "review"]))
    return set(page.context["form"].fields["reviewer"].queryset), page


# --- item 2: separation of duties --------------------------------------------------------------


def test_staff_attorney_who_edited_a_draft_is_not_offered_and_a_forged_post_is_refused(
    client, draft, both, attorney
):
    client.force_login(both)
    assert _terms_post(client, draft, settlement_amount="1.00").status_code == 302
    draft.refresh_from_db()
    assert draft.settlement_amount == D("1.00")
    assert DraftingStep.objects.filter(agreement=draft, by=both, step="terms").exists()
    offered, page = _reviewer_choices(client, draft)
    assert offered == {attorney}
    assert f'<option value="{both.pk}"' not in page.text
    forged = client.post(
        reverse("settlements:edit", args=[draft.pk, "review"]),
        {"version": draft.version, "reviewer": both.pk},
    )
    assert forged.status_code == 200
    assert "reviewer" in forged.context["form"].errors
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.reviewer is None


def test_the_service_refuses_a_staff_holder_or_an_editor_as_reviewer(draft, staff, both):
    with pytest.raises(services.AgreementError, match="holds the Staff role"):
        services.submit_for_review(agreement=draft, reviewer=both, by=staff)
    # An attorney who edited the draft while they held Staff stays a drafter after losing it.
    services.save_terms(
        form=_Unchanged(draft), expected_version=draft.version, by=both, step="terms"
    )
    both.groups.remove(Group.objects.get(name=Role.STAFF.value))
    former = type(both).objects.get(pk=both.pk)  # roles are cached per user object
    with pytest.raises(services.AgreementError, match="drafted, edited or submitted"):
        services.submit_for_review(agreement=draft, reviewer=former, by=staff)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_whoever_submitted_an_earlier_version_may_not_review_a_later_one(draft, staff, attorney):
    submitter = make_user(Role.STAFF, Role.ATTORNEY, email="submitter@example.com")
    services.submit_for_review(agreement=draft, reviewer=attorney, by=submitter)
    services.request_changes(agreement=draft, note="Fix it.", by=attorney)
    draft.refresh_from_db()
    submitter.groups.remove(Group.objects.get(name=Role.STAFF.value))
    submitter = type(submitter).objects.get(pk=submitter.pk)
    services.save_terms(form=_Unchanged(draft), expected_version=draft.version, by=staff)
    draft.refresh_from_db()
    from settlements.models import eligible_reviewers

    assert submitter not in eligible_reviewers(draft)
    assert attorney in eligible_reviewers(draft)
    with pytest.raises(services.AgreementError, match="drafted, edited or submitted"):
        services.submit_for_review(agreement=draft, reviewer=submitter, by=staff)


def test_a_reviewer_who_is_a_drafter_or_holds_staff_cannot_approve_comment_or_send_back(
    client, draft, staff, both
):
    # Forged state: the agreement is in review and sent to a Staff+Attorney account that
    # also edited it (what the old code allowed).
    services.save_terms(form=_Unchanged(draft), expected_version=draft.version, by=both)
    services.freeze_version(agreement=draft, by=staff)
    Agreement.objects.filter(pk=draft.pk).update(reviewer=both, status=Status.IN_REVIEW)
    draft.refresh_from_db()
    for action in (
        lambda: services.approve(agreement=draft, by=both),
        lambda: services.request_changes(agreement=draft, note="x", by=both),
        lambda: services.add_comment(agreement=draft, section=None, body="fine", by=both),
    ):
        with pytest.raises(services.AgreementError, match="Staff role"):
            action()
    client.force_login(both)
    page = client.get(draft.get_absolute_url())
    assert page.context["reviewing"] is False
    assert "you cannot review it" in page.text
    assert "Approve version" not in page.text
    client.post(reverse("settlements:approve", args=[draft.pk]), {"version": draft.version})
    client.post(reverse("settlements:comment", args=[draft.pk]), {"body": "fine"})
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.approved_version is None
    assert not ReviewComment.objects.exists()


def test_an_eligible_attorney_is_offered_and_approves(client, draft, staff, attorney, both):
    client.force_login(staff)
    offered, _ = _reviewer_choices(client, draft)
    assert offered == {attorney}  # not `both`, who holds Staff
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED


class _Unchanged:
    """A stand-in for a step form: saves the agreement as it is (one drafting step)."""

    def __init__(self, agreement):
        self.instance = agreement

    def save(self, commit=True):
        return self.instance


# --- item 7: combined roles and scope -----------------------------------------------------------


@pytest.fixture
def investor_attorney(portfolio):
    """An investor who owns the loan and is also an attorney."""
    user = make_user(Role.INVESTOR, Role.ATTORNEY, email="inv-att@example.com")
    portfolio.owners.add(user)
    return user


def _in_review_with_comment(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    services.add_comment(
        agreement=draft, section=None, body="Internal: the borrower can pay more.", by=attorney
    )
    draft.refresh_from_db()
    return draft


def test_investor_attorney_does_not_see_an_in_review_draft_of_their_own_loan(
    client, draft, staff, attorney, investor_attorney, loan
):
    agreement = _in_review_with_comment(draft, staff, attorney)
    client.force_login(investor_attorney)
    assert client.get(agreement.get_absolute_url()).status_code == 404
    assert client.get(reverse("settlements:pdf", args=[agreement.pk, 1])).status_code == 404
    assert agreement.number not in client.get(reverse("settlements:list")).text
    assert agreement.number not in client.get(loan.get_absolute_url()).text
    response = client.post(reverse("settlements:comment", args=[agreement.pk]), {"body": "hi"})
    assert response.status_code == 404
    assert ReviewComment.objects.count() == 1


def test_after_approval_the_investor_attorney_reads_as_an_investor(
    client, draft, staff, attorney, investor_attorney
):
    agreement = _in_review_with_comment(draft, staff, attorney)
    services.request_changes(agreement=agreement, note="Internal note to staff.", by=attorney)
    agreement.refresh_from_db()
    services.save_terms(form=_Unchanged(agreement), expected_version=agreement.version, by=staff)
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    services.approve(agreement=agreement, by=attorney, open_confirmed=2)
    client.force_login(investor_attorney)
    page = client.get(agreement.get_absolute_url())
    assert page.status_code == 200
    assert "Internal: the borrower can pay more." not in page.text
    assert "Internal note to staff." not in page.text  # the history's notes too
    assert [v.number for v in page.context["versions"]] == [2]
    assert client.get(reverse("settlements:pdf", args=[agreement.pk, 2])).status_code == 200
    assert client.get(reverse("settlements:pdf", args=[agreement.pk, 1])).status_code == 404
    client.post(reverse("settlements:comment", args=[agreement.pk]), {"body": "late"})
    assert not ReviewComment.objects.filter(author=investor_attorney).exists()


def test_another_attorney_cannot_see_or_comment(client, draft, staff, attorney):
    agreement = _in_review_with_comment(draft, staff, attorney)
    other = make_user(Role.ATTORNEY, email="other-counsel@example.com")
    client.force_login(other)
    assert client.get(agreement.get_absolute_url()).status_code == 404
    assert (
        client.post(
            reverse("settlements:comment", args=[agreement.pk]), {"body": "me too"}
        ).status_code
        == 404
    )
    with pytest.raises(services.AgreementError, match="another attorney"):
        services.add_comment(agreement=agreement, section=None, body="me too", by=other)
    assert ReviewComment.objects.count() == 1


def test_the_reviewing_attorney_loses_attorney_powers_after_approval(
    client, draft, staff, attorney
):
    agreement = _in_review_with_comment(draft, staff, attorney)
    client.force_login(attorney)
    assert agreement.number in client.get(reverse("settlements:list")).text  # review queue
    response = client.post(
        reverse("settlements:approve", args=[agreement.pk]),
        {"version": agreement.version, "open_confirmed": "1"},
    )
    assert response["Location"] == reverse("settlements:list")  # no longer theirs to read
    agreement.refresh_from_db()
    assert agreement.status == Status.APPROVED
    assert client.get(agreement.get_absolute_url()).status_code == 404
    assert client.get(reverse("settlements:pdf", args=[agreement.pk, 1])).status_code == 404
    listing = client.get(reverse("settlements:list"))
    assert agreement.number not in listing.text and listing.context["queue"] == []
    assert (
        client.post(
            reverse("settlements:comment", args=[agreement.pk]), {"body": "after"}
        ).status_code
        == 404
    )
    with pytest.raises(services.AgreementError, match="not in review"):
        services.add_comment(agreement=agreement, section=None, body="after", by=attorney)
    assert ReviewComment.objects.count() == 1


def test_request_changes_sends_the_attorney_back_to_the_queue(client, draft, staff, attorney):
    agreement = _in_review_with_comment(draft, staff, attorney)
    client.force_login(attorney)
    response = client.post(
        reverse("settlements:request_changes", args=[agreement.pk]),
        {"version": agreement.version, "note": "Use 160,000."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("settlements:list")
    assert "Changes requested" in response.text
    agreement.refresh_from_db()
    assert agreement.status == Status.CHANGES_REQUESTED


def test_the_owner_investor_sees_approved_agreements_without_internal_comments(
    client, draft, staff, attorney, owner
):
    agreement = _in_review_with_comment(draft, staff, attorney)
    services.approve(agreement=agreement, by=attorney, open_confirmed=1)
    client.force_login(owner)
    page = client.get(agreement.get_absolute_url())
    assert page.status_code == 200
    assert "Internal: the borrower can pay more." not in page.text
    assert "Review comments" not in page.text
    assert agreement.number in client.get(reverse("settlements:list")).text


# --- round 2, finding A: the note holder's own owner never reviews --------------------------------


@pytest.fixture
def owner_attorney(portfolio):
    """An attorney who also owns the portfolio holding the loan (and holds nothing else)."""
    user = make_user(Role.INVESTOR, Role.ATTORNEY, email="owner-counsel@example.com")
    portfolio.owners.add(user)
    return user


def test_an_owner_of_the_loans_portfolio_is_not_offered_as_reviewer(
    client, draft, staff, attorney, owner_attorney
):
    client.force_login(staff)
    offered, page = _reviewer_choices(client, draft)
    assert offered == {attorney}
    assert f'<option value="{owner_attorney.pk}"' not in page.text


def test_a_forged_submit_to_an_owner_is_refused(client, draft, staff, owner_attorney):
    client.force_login(staff)
    forged = client.post(
        reverse("settlements:edit", args=[draft.pk, "review"]),
        {"version": draft.version, "reviewer": owner_attorney.pk},
    )
    assert forged.status_code == 200
    assert "reviewer" in forged.context["form"].errors
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.reviewer is None
    with pytest.raises(services.AgreementError, match="owns the portfolio"):
        services.submit_for_review(agreement=draft, reviewer=owner_attorney, by=staff)


def test_an_owner_assigned_as_reviewer_cannot_approve_comment_or_send_back(
    client, draft, staff, owner_attorney
):
    # Forged state (what the old code allowed): in review, sent to an owner of the portfolio.
    services.freeze_version(agreement=draft, by=staff)
    Agreement.objects.filter(pk=draft.pk).update(reviewer=owner_attorney, status=Status.IN_REVIEW)
    draft.refresh_from_db()
    client.force_login(owner_attorney)
    page = client.get(draft.get_absolute_url())
    assert page.context["reviewing"] is False
    assert "Approve version" not in page.text
    client.post(reverse("settlements:approve", args=[draft.pk]), {"version": draft.version})
    client.post(reverse("settlements:comment", args=[draft.pk]), {"body": "fine"})
    client.post(
        reverse("settlements:request_changes", args=[draft.pk]),
        {"version": draft.version, "note": "x"},
    )
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.approved_version is None
    assert not ReviewComment.objects.exists()
    with pytest.raises(services.AgreementError, match="owns the portfolio"):
        services.approve(agreement=draft, by=owner_attorney)


def test_an_attorney_who_owns_another_portfolio_may_still_review(draft, staff, other_portfolio):
    counsel = make_user(Role.INVESTOR, Role.ATTORNEY, email="elsewhere@example.com")
    other_portfolio.owners.add(counsel)
    from settlements.models import eligible_reviewers

    assert counsel in eligible_reviewers(draft)
    services.submit_for_review(agreement=draft, reviewer=counsel, by=staff)
    services.approve(agreement=draft, by=counsel)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED


# --- round 2, finding F: what an investor reads of the history ------------------------------------


def _approved_after_a_round_of_changes(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    services.request_changes(agreement=draft, note="Raise it.", by=attorney)
    draft.refresh_from_db()
    services.save_terms(form=_Unchanged(draft), expected_version=draft.version, by=staff)
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    services.approve(agreement=draft, by=attorney, open_confirmed=1)
    services.mark_sent(agreement=draft, by=staff)
    draft.refresh_from_db()
    return draft


def test_an_investor_reads_the_history_from_the_approval_with_roles_not_addresses(
    client, draft, staff, attorney, owner
):
    agreement = _approved_after_a_round_of_changes(draft, staff, attorney)
    client.force_login(owner)
    page = client.get(agreement.get_absolute_url())
    assert page.status_code == 200
    history = page.context["history"]
    assert [h.label for h in history] == ["Approved", "Sent to the borrower"]
    assert [h.by for h in history] == ["the reviewing attorney", "NoteInvest staff"]
    text = page.text
    for internal in ("In review", "Changes requested", "Raise it."):
        assert internal not in text
    assert staff.email not in text and attorney.email not in text
    listing = client.get(reverse("settlements:list"))
    assert agreement.number in listing.text
    assert attorney.email not in listing.text and staff.email not in listing.text


def test_staff_still_read_the_whole_history_with_addresses_and_notes(
    client, draft, staff, attorney
):
    agreement = _approved_after_a_round_of_changes(draft, staff, attorney)
    client.force_login(staff)
    page = client.get(agreement.get_absolute_url())
    labels = [h.label for h in page.context["history"]]
    assert labels == ["Draft", "In review", "Changes requested", "Draft", "In review",
                      "Approved", "Sent to the borrower"]  # fmt: skip
    assert "Raise it." in page.text and attorney.email in page.text
    assert attorney.email in client.get(reverse("settlements:list")).text
