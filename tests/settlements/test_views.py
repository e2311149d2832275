"""The drafting pages, the preview and the lists, through the test client."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portfolios.models import Borrower
from settlements import services
from settlements.models import Agreement, Status
from tests.factories import make_loan
from tests.settlements.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
SIGNED = pdf_bytes()


@pytest.fixture
def loan(portfolio):
    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    return make_loan(portfolio, "V-1")


def test_staff_start_a_draft_from_the_loan_and_walk_the_steps(client, staff, attorney, loan):
    client.force_login(staff)
    response = client.post(reverse("settlements:start", args=[loan.pk]), {"kind": "dpo"})
    agreement = Agreement.objects.get()
    assert response["Location"] == reverse("settlements:edit", args=[agreement.pk, "parties"])
    parties = client.get(response["Location"])
    assert "Waiver of the Remaining Balance" in parties.text  # the preview beside the form
    data = {"version": agreement.version, "holder_name": "Owner Fund LLC", "holder_address": "1 Fund Way",
            "agreement_date": str(timezone.localdate()), "governing_state": "CA"}  # fmt: skip
    wrong_state = client.post(response["Location"], data)
    assert "its law governs" in str(wrong_state.context["form"].errors["governing_state"])
    data["governing_state"] = "NY"
    assert client.post(response["Location"], data)["Location"].endswith("/edit/terms/")
    agreement.refresh_from_db()
    terms_url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    form = client.get(terms_url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(settlement_amount="120000.00", payment_method="wire", version=agreement.version,
                offer_expires_on=str(agreement.offer_expires_on), lump_sum_due=str(agreement.lump_sum_due))  # fmt: skip
    assert client.post(terms_url, data)["Location"].endswith("/edit/payments/")
    payments = reverse("settlements:edit", args=[agreement.pk, "payments"])
    agreement.refresh_from_db()
    empty = {"version": agreement.version, "inst-TOTAL_FORMS": "0", "inst-INITIAL_FORMS": "0",
             "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "1000"}  # fmt: skip
    assert client.post(payments, empty)["Location"].endswith("/edit/riders/")
    agreement.refresh_from_db()
    riders = reverse("settlements:edit", args=[agreement.pk, "riders"])
    no_rider = {"version": agreement.version, "rider-TOTAL_FORMS": "1", "rider-INITIAL_FORMS": "0",
                "rider-0-title": "", "rider-0-body": ""}  # fmt: skip
    assert client.post(riders, no_rider)["Location"].endswith("/edit/review/")
    review = client.get(reverse("settlements:edit", args=[agreement.pk, "review"]))
    assert all(check.ok for check in review.context["checks"])
    agreement.refresh_from_db()
    done = client.post(reverse("settlements:edit", args=[agreement.pk, "review"]),
                       {"version": agreement.version, "reviewer": attorney.pk})  # fmt: skip
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.IN_REVIEW


def test_a_stale_step_is_refused_with_a_message(client, staff, loan):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    client.force_login(staff)
    url = reverse("settlements:edit", args=[agreement.pk, "parties"])
    data = {"version": agreement.version - 1, "holder_name": "X", "holder_address": "Y",
            "agreement_date": str(timezone.localdate()), "governing_state": "NY"}  # fmt: skip
    response = client.post(url, data, follow=True)
    assert "Someone else changed this agreement" in response.text
    agreement.refresh_from_db()
    assert agreement.holder_name == "Owner Fund LLC"


def test_preview_shows_unsaved_input_and_saves_nothing(client, staff, loan):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("settlements:preview", args=[agreement.pk, "terms"]),
        {"settlement_amount": "99000.00", "payment_method": "wire"},
    )
    assert "Ninety-Nine Thousand and 00/100 Dollars ($99,000.00)" in response.text
    agreement.refresh_from_db()
    assert agreement.settlement_amount is None


def test_a_loan_without_borrowers_cannot_start_an_agreement(client, staff, loan):
    Borrower.objects.filter(loan=loan).delete()
    client.force_login(staff)
    response = client.post(
        reverse("settlements:start", args=[loan.pk]), {"kind": "dpo"}, follow=True
    )
    assert "has no borrower" in response.text
    assert not Agreement.objects.exists()


def test_lists_per_role(client, staff, attorney, owner, loan):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    client.force_login(staff)
    assert agreement.number in client.get(reverse("settlements:list")).text
    client.force_login(owner)
    assert agreement.number not in client.get(reverse("settlements:list")).text  # a draft
    client.force_login(attorney)
    assert agreement.number not in client.get(reverse("settlements:list")).text  # not sent to them


def test_signed_copy_upload_and_download_and_payment_through_the_pages(
    client, staff, attorney, owner, loan
):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("100000.00")
    agreement.payment_method = "wire"
    agreement.save()
    services.submit_for_review(agreement=agreement, reviewer=attorney, by=staff)
    services.approve(agreement=agreement, by=attorney)
    services.mark_sent(agreement=agreement, by=staff)
    agreement.refresh_from_db()
    client.force_login(staff)
    response = client.post(
        reverse("settlements:signed", args=[agreement.pk]),
        {"version": agreement.version, "file": SimpleUploadedFile("signed.txt", b"not a pdf")},
        follow=True,
    )
    assert "must be a PDF file" in response.text
    client.post(
        reverse("settlements:signed", args=[agreement.pk]),
        {
            "version": agreement.version,
            "file": SimpleUploadedFile("signed.pdf", SIGNED),
        },
    )
    agreement.refresh_from_db()
    assert agreement.status == Status.SIGNED
    client.force_login(owner)
    assert client.get(reverse("settlements:signed_pdf", args=[agreement.pk])).content == SIGNED
    client.force_login(staff)
    too_much = client.post(reverse("settlements:payment", args=[agreement.pk]),
                           {"received_on": str(timezone.localdate()), "amount": "100000.01"}, follow=True)  # fmt: skip
    assert "still due" in too_much.text
    client.post(reverse("settlements:payment", args=[agreement.pk]),
                {"received_on": str(timezone.localdate()), "amount": "100000.00"})  # fmt: skip
    agreement.refresh_from_db()
    assert agreement.status == Status.COMPLETED
