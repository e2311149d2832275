"""The agreement workflow per role: drafting, checks, review, approval, signing, payments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from noteinvest.access import Role
from settlements import services
from settlements.models import TRANSITIONS, Agreement, AgreementVersion, Installment, Status
from tests.factories import make_loan, make_user
from tests.settlements.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
SIGNED = pdf_bytes()
D = Decimal


def in_review(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    return draft


def test_draft_is_prefilled_from_loan_portfolio_and_payoff(draft, loan):
    assert draft.number.startswith(f"SA-{timezone.localdate().year}-")
    assert draft.holder_name == "Owner Fund LLC"
    assert draft.governing_state == "NY"
    assert draft.total_debt > draft.principal == D("200000.00")
    assert draft.status == Status.DRAFT


def test_checks_pass_for_a_consistent_draft(draft):
    assert services.problems(draft) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"settlement_amount": D("999999999.00")}, "below the payoff"),
        ({"offer_expires_on": "past"}, "not in the future"),
        ({"holder_address": ""}, "holder's legal name and address"),
        ({"payment_method": ""}, "How to pay"),
    ],
)
def test_inconsistent_drafts_cannot_go_to_review(draft, staff, attorney, change, problem):
    for name, value in change.items():
        setattr(draft, name, timezone.localdate() - timedelta(days=1) if value == "past" else value)
    draft.save()
    with pytest.raises(services.AgreementError, match=problem):
        services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not AgreementVersion.objects.exists()


def test_installments_must_add_up(draft, staff, attorney):
    today = timezone.localdate()
    Installment.objects.create(
        agreement=draft, due_on=today + timedelta(days=30), amount=D("100000.00")
    )
    Installment.objects.create(
        agreement=draft, due_on=today + timedelta(days=60), amount=D("40000.00")
    )
    with pytest.raises(services.AgreementError, match="Installments add up"):
        services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)


def test_submit_freezes_a_version_with_its_pdf(draft, staff, attorney):
    version = services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.reviewer == attorney
    assert version.number == 1 and bytes(version.pdf).startswith(b"%PDF-")


def test_staff_cannot_approve_and_nobody_approves_what_they_drafted(draft, staff, attorney):
    in_review(draft, staff, attorney)
    with pytest.raises(services.AgreementError, match="Only an attorney"):
        services.approve(agreement=draft, by=staff)
    both = make_user(Role.STAFF, Role.ATTORNEY)
    own = services.start_draft(loan=draft.loan, kind="short_sale", by=both)
    with pytest.raises(services.AgreementError, match="holds the Staff role"):
        services.submit_for_review(agreement=own, reviewer=both, by=both)


def test_only_the_assigned_attorney_approves(draft, staff, attorney):
    in_review(draft, staff, attorney)
    other = make_user(Role.ATTORNEY)
    with pytest.raises(services.AgreementError, match="another attorney"):
        services.approve(agreement=draft, by=other)
    services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert draft.approved_version.number == 1


def test_a_changed_byte_is_detected_and_blocks_approval(draft, staff, attorney):
    in_review(draft, staff, attorney)
    version = draft.versions.get()
    data = bytearray(bytes(version.pdf))
    data[-10] ^= 1
    AgreementVersion.objects.filter(pk=version.pk).update(pdf=bytes(data))
    with pytest.raises(services.AgreementError, match="does not match its hash"):
        services.approve(agreement=draft, by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW and draft.approved_version is None


def test_two_people_acting_at_once_one_wins(draft, staff, attorney):
    in_review(draft, staff, attorney)
    opened = draft.version
    services.approve(agreement=draft, by=attorney, expected_version=opened)
    with pytest.raises(services.AgreementError, match="Someone else changed"):
        services.change_status(agreement=draft, to="cancelled", by=staff, expected_version=opened)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("target", [Status.EXPIRED, Status.CANCELLED, Status.DEFAULTED])
def test_expire_cancel_default_follow_the_table(draft, staff, start, target):
    Agreement.objects.filter(pk=draft.pk).update(status=start)
    draft.refresh_from_db()
    if target in TRANSITIONS[start]:
        services.change_status(agreement=draft, to=target, by=staff)
        draft.refresh_from_db()
        assert draft.status == target
    else:
        with pytest.raises(services.AgreementError, match="cannot become"):
            services.change_status(agreement=draft, to=target, by=staff)


def test_request_changes_then_resubmit_and_the_redline_shows_the_new_amount(
    client, draft, staff, attorney
):
    in_review(draft, staff, attorney)
    services.request_changes(agreement=draft, note="Settle at 160,000.", by=attorney)
    draft.refresh_from_db()
    assert draft.status == Status.CHANGES_REQUESTED
    client.force_login(staff)
    url = reverse("settlements:edit", args=[draft.pk, "terms"])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(settlement_amount="160000.00", payment_method="wire", version=draft.version,
                offer_expires_on=str(draft.offer_expires_on), lump_sum_due=str(draft.lump_sum_due))  # fmt: skip
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.settlement_amount == D("160000.00")
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    client.force_login(attorney)
    page = client.get(draft.get_absolute_url())
    redline = page.context["redline"]
    assert (redline["from"], redline["to"]) == (1, 2)
    text = page.text
    assert "<del>Fifty</del>" in text and "<ins>Sixty</ins>" in text
    assert "<del>($150,000.00)</del>" in text and "<ins>($160,000.00)</ins>" in text


def test_settlement_at_or_above_payoff_is_refused_in_the_form(client, draft, staff):
    client.force_login(staff)
    url = reverse("settlements:edit", args=[draft.pk, "terms"])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(settlement_amount=str(draft.total_debt), version=draft.version, payment_method="wire",
                offer_expires_on=str(draft.offer_expires_on))  # fmt: skip
    response = client.post(url, data)
    assert "at or above the payoff" in str(response.context["form"].errors["settlement_amount"])
    assert f'value="{draft.total_debt}"' in response.text


def test_installments_that_do_not_add_up_are_refused_in_the_form(client, draft, staff):
    client.force_login(staff)
    today = timezone.localdate()
    url = reverse("settlements:edit", args=[draft.pk, "payments"])
    data = {"version": draft.version, "inst-TOTAL_FORMS": "2", "inst-INITIAL_FORMS": "0",
            "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "1000",
            "inst-0-due_on": str(today + timedelta(days=30)), "inst-0-amount": "100000.00",
            "inst-1-due_on": str(today + timedelta(days=60)), "inst-1-amount": "10000.00"}  # fmt: skip
    response = client.post(url, data)
    assert "add up to $110,000.00, not the settlement amount of $150,000.00" in response.text
    assert not Installment.objects.exists()


def test_short_sale_closing_before_listing_is_refused(client, loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    client.force_login(staff)
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    today = timezone.localdate()
    response = client.post(url, {
        "version": agreement.version, "minimum_net_proceeds": "100000.00",
        "listing_signed_by": str(today + timedelta(days=20)), "closing_deadline": str(today + timedelta(days=10)),
        "offer_forward_days": 3, "relocation_amount": "0", "offer_expires_on": str(today + timedelta(days=30)),
    })  # fmt: skip
    assert "must come after the listing deadline" in str(
        response.context["form"].errors["closing_deadline"]
    )


def test_after_approval_sent_signed_and_paid_in_full(client, draft, staff, attorney):
    in_review(draft, staff, attorney)
    services.approve(agreement=draft, by=attorney)
    services.mark_sent(agreement=draft, by=staff)
    with pytest.raises(services.AgreementError, match="must be a PDF"):
        services.record_signed(
            agreement=draft, upload=SimpleUploadedFile("x.pdf", b"GIF89a"), by=staff
        )
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with pytest.raises(services.AgreementError, match="larger than 20 MB"):
        services.record_signed(agreement=draft, upload=big, by=staff)
    services.record_signed(agreement=draft, upload=SimpleUploadedFile("s.pdf", SIGNED), by=staff)
    from settlements.models import Payment

    services.record_payment(
        agreement=draft,
        payment=Payment(received_on=timezone.localdate(), amount=D("150000.00")),
        by=staff,
    )
    draft.refresh_from_db()
    assert draft.status == Status.COMPLETED
    assert [h.to_status for h in draft.history.all()] == [
        "draft", "in_review", "approved", "sent", "signed", "completed",
    ]  # fmt: skip


def test_pdf_download_serves_the_stored_bytes(client, draft, staff, attorney):
    version = in_review(draft, staff, attorney).versions.get()
    client.force_login(attorney)
    response = client.get(reverse("settlements:pdf", args=[draft.pk, 1]))
    assert response.status_code == 200
    assert response.content == bytes(version.pdf)
    assert response["X-Content-SHA256"] == version.sha256


def test_investor_sees_only_the_approved_agreement_and_its_pdf(
    client, draft, staff, attorney, owner, other_investor
):
    in_review(draft, staff, attorney)
    client.force_login(owner)
    assert client.get(draft.get_absolute_url()).status_code == 404  # in review: not yet
    services.approve(agreement=draft, by=attorney)
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(reverse("settlements:pdf", args=[draft.pk, 1])).status_code == 200
    client.force_login(other_investor)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("settlements:pdf", args=[draft.pk, 1])).status_code == 404


def test_attorneys_see_only_what_was_sent_to_them(client, draft, staff, attorney):
    client.force_login(attorney)
    assert client.get(draft.get_absolute_url()).status_code == 404
    in_review(draft, staff, attorney)
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(reverse("home")).context["attorney"]["queue"][0] == draft
    other = make_user(Role.ATTORNEY)
    client.force_login(other)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_role_refusals_over_http(client, draft, staff, attorney, owner):
    in_review(draft, staff, attorney)
    client.force_login(owner)
    assert client.post(reverse("settlements:approve", args=[draft.pk])).status_code == 403
    client.force_login(staff)
    assert client.post(reverse("settlements:approve", args=[draft.pk])).status_code == 403
    client.force_login(attorney)
    assert client.post(reverse("settlements:sent", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_the_reviewing_attorney_reads_the_deficiency_being_waived(
    client, portfolio, staff, attorney
):
    from tests.factories import record_sale

    loan = make_loan(portfolio, "WF-D")
    deficiency = record_sale(loan, staff)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.deficiency == deficiency
    assert agreement.total_debt == Decimal("59500.00")  # what is left after the sale
    client.force_login(attorney)
    assert client.get(deficiency.get_absolute_url()).status_code == 404
    agreement.settlement_amount = D("30000.00")
    agreement.payment_method = "wire"
    agreement.holder_address = "1 Fund Way, Albany, NY"
    agreement.save()
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    page = client.get(deficiency.get_absolute_url())
    assert page.status_code == 200
    assert "Change status" not in page.text  # attorneys read, staff change


@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [
        ("settlements:approve", {"attorney"}),
        ("settlements:request_changes", {"attorney"}),
        ("settlements:comment", {"attorney"}),
        ("settlements:sent", {"staff"}),
        ("settlements:signed", {"staff"}),
        ("settlements:payment", {"staff"}),
        ("settlements:status", {"staff"}),
    ],
)
def test_each_action_is_refused_to_the_other_roles(
    client, draft, staff, attorney, owner, url_name, allowed
):
    in_review(draft, staff, attorney)
    users = {"staff": staff, "attorney": attorney, "investor": owner}
    for role, user in users.items():
        client.force_login(user)
        response = client.post(reverse(url_name, args=[draft.pk]), {})
        if role in allowed:
            # Reached the service (which may refuse with a message), or the page again
            # with the form's errors beside its fields.
            assert response.status_code in (200, 302)
        else:
            assert response.status_code == 403
    draft.refresh_from_db()
    # Only the allowed role moved it, and only where the post alone is a complete decision.
    expected = {"settlements:approve": Status.APPROVED,
                "settlements:request_changes": Status.CHANGES_REQUESTED}.get(url_name, Status.IN_REVIEW)  # fmt: skip
    assert draft.status == expected


def test_a_frozen_version_cannot_be_saved_again(draft, staff, attorney):
    version = in_review(draft, staff, attorney).versions.get()
    version.text = "changed"
    with pytest.raises(ValueError, match="cannot be changed"):
        version.save()
    version.refresh_from_db()
    assert version.text != "changed"


def test_a_settlement_not_below_the_debt_says_so_in_words(draft):
    draft.settlement_amount = D("999999999.00")
    draft.save()
    check = next(c for c in services.checks_for(draft) if "below the payoff" in c.label)
    assert not check.ok
    assert check.detail.startswith("999,999,999.00 is not below it: the loan's payoff on ")
    assert "A settlement accepts less than the debt" in check.detail
    draft.settlement_amount = D("150000.00")
    draft.save()
    check = next(c for c in services.checks_for(draft) if "below the payoff" in c.label)
    assert check.ok and check.detail.startswith("150,000.00; the loan's payoff on ")
