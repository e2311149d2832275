"""Plausible dates, one money spelling, no control characters, bounded periods and row
counts on every settlement form (issue 8 item 19), shown again beside the field."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements import services
from settlements.models import Agreement, Installment, Payment, Status

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _parties(agreement, **changes):
    data = {"version": agreement.version, "holder_name": "Owner Fund LLC",
            "holder_address": "1 Fund Way\nAlbany, NY", "agreement_date": str(today()),
            "governing_state": "NY"}  # fmt: skip
    data.update(changes)
    return reverse("settlements:edit", args=[agreement.pk, "parties"]), data


def _dpo_terms(agreement, **changes):
    data = {"version": agreement.version, "settlement_amount": "150000.00",
            "lump_sum_due": str(today() + timedelta(days=45)), "payment_method": "wire",
            "payment_instructions": "", "offer_expires_on": str(today() + timedelta(days=30)),
            "lien_release_days": "30", "cure_days": "15"}  # fmt: skip
    data.update(changes)
    return reverse("settlements:edit", args=[agreement.pk, "terms"]), data


def _refused(client, url, data, field, message):
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in str(errors.get(field)), errors
    assert f'value="{data[field]}"' in response.text or data[field] in response.text
    return response


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "1900-01-01"])
def test_the_agreement_date_is_within_a_year_of_today(staff_client, draft, typed):
    url, data = _parties(draft, agreement_date=typed)
    _refused(staff_client, url, data, "agreement_date", "between 1 years ago and 1 years from")
    draft.refresh_from_db()
    assert draft.agreement_date == today()


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("offer_expires_on", "9999-12-31"),
        ("offer_expires_on", "0001-01-01"),
        ("lump_sum_due", "9999-12-31"),
        ("lump_sum_due", "0001-01-01"),
        ("lump_sum_due", "future+11y"),
    ],
)
def test_dpo_dates_run_from_tomorrow_to_ten_years_out(staff_client, draft, field, typed):
    if typed == "future+11y":
        typed = str(today() + timedelta(days=366 * 11))
    url, data = _dpo_terms(draft, **{field: typed})
    _refused(staff_client, url, data, field, "between tomorrow and 10 years from today")
    draft.refresh_from_db()
    assert draft.offer_expires_on == today() + timedelta(days=30)


@pytest.mark.parametrize("typed", ["1_000", "1e3", ".5", "１２３", "١٢٣", "1 000", "12.345"])
def test_odd_money_spellings_are_refused_and_shown_again(staff_client, draft, typed):
    url, data = _dpo_terms(draft, settlement_amount=typed)
    _refused(staff_client, url, data, "settlement_amount", "")
    draft.refresh_from_db()
    assert draft.settlement_amount == D("150000.00")


def test_the_one_money_spelling_is_accepted(staff_client, draft):
    url, data = _dpo_terms(draft, settlement_amount="$120,000.50")
    assert staff_client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.settlement_amount == D("120000.50")


@pytest.mark.parametrize(("field", "typed"), [("cure_days", "0"), ("cure_days", "32767"),
                                              ("lien_release_days", "91")])  # fmt: skip
def test_periods_in_days_are_bounded(staff_client, draft, field, typed):
    url, data = _dpo_terms(draft, **{field: typed})
    _refused(staff_client, url, data, field, "")


def test_short_sale_dates_and_amounts(staff_client, loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    data = {"version": agreement.version, "minimum_net_proceeds": "100,000.00",
            "listing_signed_by": str(today() + timedelta(days=10)),
            "closing_deadline": "9999-12-31", "offer_forward_days": "3",
            "relocation_amount": "1e3", "offer_expires_on": str(today() + timedelta(days=30))}  # fmt: skip
    response = staff_client.post(url, data)
    errors = response.context["form"].errors
    assert "between tomorrow and 10 years from today" in str(errors["closing_deadline"])
    assert "not an amount of money" in str(errors["relocation_amount"])
    assert 'value="1e3"' in response.text and 'value="9999-12-31"' in response.text
    assert "minimum_net_proceeds" not in errors  # 100,000.00 is the accepted spelling


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"holder_name": "Owner\x07Fund LLC"}, "holder_name"),
        ({"holder_name": "Owner\nFund LLC"}, "holder_name"),
        ({"holder_address": "1 Fund Way\x1b[31m"}, "holder_address"),
        ({"holder_address": "x" * 501}, "holder_address"),
    ],
)
def test_parties_text_refuses_control_characters_and_overlong_text(
    staff_client, draft, changes, field
):
    url, data = _parties(draft, **changes)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.holder_name == "Owner Fund LLC"


def test_an_address_on_several_lines_is_fine(staff_client, draft):
    url, data = _parties(draft)
    assert staff_client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.holder_address.splitlines() == ["1 Fund Way", "Albany, NY"]


def _installments(agreement, rows):
    data = {"version": agreement.version, "inst-TOTAL_FORMS": str(len(rows)),
            "inst-INITIAL_FORMS": "0", "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for n, (due, amount) in enumerate(rows):
        data[f"inst-{n}-due_on"], data[f"inst-{n}-amount"] = due, amount
    return reverse("settlements:edit", args=[agreement.pk, "payments"]), data


def test_installment_dates_and_amounts_are_checked_beside_each_row(staff_client, draft):
    soon = str(today() + timedelta(days=30))
    url, data = _installments(draft, [("9999-12-31", "75,000.00"), (soon, "1_000")])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "between tomorrow and 10 years from today" in str(forms[0].errors["due_on"])
    assert "amount" in forms[1].errors
    assert 'value="1_000"' in response.text and 'value="9999-12-31"' in response.text
    assert not Installment.objects.exists()


def test_at_most_120_installments(staff_client, draft):
    due = str(today() + timedelta(days=30))
    url, data = _installments(draft, [(due, "1,000.00")] * 121)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "120" in str(response.context["formset"].non_form_errors())
    assert not Installment.objects.exists()


@pytest.fixture
def signed(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    services.approve(agreement=draft, by=attorney)
    Agreement.objects.filter(pk=draft.pk).update(status=Status.SIGNED)
    draft.refresh_from_db()
    return draft


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"received_on": "tomorrow"}, "received_on", "between 30 years ago and today"),
        ({"received_on": "0001-01-01"}, "received_on", "between 30 years ago and today"),
        ({"received_on": "before"}, "received_on", "before the agreement"),
        ({"amount": "1e3"}, "amount", "not an amount of money"),
        ({"amount": "１０"}, "amount", "not an amount of money"),
        ({"note": "wire ref\x0012"}, None, None),  # NUL: the middleware answers 400
        ({"note": "wire ref\x1b12"}, "note", "control characters"),
        ({"note": "n" * 301}, "note", "at most 300"),
    ],
)
def test_payments_are_checked_beside_the_field(staff_client, signed, changes, field, message):
    data = {"received_on": str(today()), "amount": "1,000.00", "note": ""}
    data.update(changes)
    if data["received_on"] == "tomorrow":
        data["received_on"] = str(today() + timedelta(days=1))
    if data["received_on"] == "before":
        data["received_on"] = str(signed.agreement_date - timedelta(days=1))
    response = staff_client.post(reverse("settlements:payment", args=[signed.pk]), data)
    if field is None:
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert message in str(response.context["payment_form"].errors[field])
        assert data[field][:20] in response.text  # what was typed, shown again
    assert not Payment.objects.exists()


def test_the_payment_service_checks_dates_too(signed, staff):
    for day, message in ((today() + timedelta(days=1), "before it is received"),
                         (signed.agreement_date - timedelta(days=1), "before the agreement")):  # fmt: skip
        with pytest.raises(services.AgreementError, match=message):
            services.record_payment(
                agreement=signed, payment=Payment(received_on=day, amount=D("10.00")), by=staff
            )


def test_the_checklist_refuses_dates_too_far_out(draft):
    Agreement.objects.filter(pk=draft.pk).update(offer_expires_on=date(2199, 1, 1))
    draft.refresh_from_db()
    assert any("more than 10 years away" in p for p in services.problems(draft))


def test_a_comment_with_control_characters_is_refused(client, draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    client.force_login(attorney)
    response = client.post(
        reverse("settlements:comment", args=[draft.pk]), {"body": "See \x1b[2J here"}
    )
    assert response.status_code == 200
    assert "control characters" in str(response.context["comment_form"].errors["body"])


@pytest.mark.parametrize("version", ["²", "٣", "1" * 40, "-1"])
def test_odd_version_numbers_never_give_a_500(staff_client, draft, version):
    url, data = _parties(draft, version=version)
    response = staff_client.post(url, data, follow=True)
    assert response.status_code == 200
    response = staff_client.post(
        reverse("settlements:status", args=[draft.pk]), {"to": "cancelled", "version": version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
