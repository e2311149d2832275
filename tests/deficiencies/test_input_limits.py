"""Every deficiency form: money in the one spelling, dates in plausible ranges, text without
control characters and within its cap; refused beside the field with what was typed shown
again, never a 500 (docs/input-limits/deficiencies.md)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from deficiencies.models import (
    Bankruptcy,
    CollectionAction,
    Deficiency,
    DeficiencySuit,
    Judgment,
    Provision,
    Recovery,
    StateRule,
    StatusChange,
)
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db

YEAR_1, YEAR_9999 = "0001-01-01", "9999-12-31"
RANGE = "between 30 years ago and today"


@pytest.fixture
def deficiency(portfolio, staff):
    return record_sale(make_loan(portfolio), staff)


def refused(client, staff, deficiency, url_name, form_name, data, field, message):
    client.force_login(staff)
    response = client.post(reverse(url_name, args=[deficiency.pk]), data)
    assert response.status_code == 400
    form = response.context[form_name]
    assert message in " ".join(form.errors[field]), form.errors
    return response, form


# --- money ---------------------------------------------------------------------------------------


def test_an_amount_with_thousands_separators_is_accepted(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = client.post(
        reverse("deficiencies:record", args=[loan.pk]),
        {"event_type": "foreclosure_sale", "event_date": "2026-10-01", "sale_process": "judicial",
         "sale_price": "$150,000.00"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Deficiency.objects.get(loan=loan).credited == Decimal("150000.00")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1_000", "is not an amount of money"),
        ("1e3", "is not an amount of money"),
        (".5", "is not an amount of money"),
        ("\uff15\uff10", "is not an amount of money"),
        ("\u0665\u0660", "is not an amount of money"),
        ("-5", "is negative"),
        ("NaN", "is not an amount of money"),
    ],
)
def test_recovery_amounts_in_other_spellings_are_refused(client, staff, deficiency, typed, message):
    data = {"recovery-received_on": "2026-11-20", "recovery-amount": typed,
            "recovery-source": "payment"}  # fmt: skip
    _, form = refused(
        client, staff, deficiency, "deficiencies:recovery", "recovery_form", data, "amount", message
    )
    assert f'value="{typed}"' in str(form["amount"])
    assert not Recovery.objects.exists()


def test_recovery_of_1000_with_a_comma_is_recorded(client, staff, deficiency):
    client.force_login(staff)
    data = {"recovery-received_on": "2026-11-20", "recovery-amount": "1,000.00",
            "recovery-source": "payment"}  # fmt: skip
    assert (
        client.post(reverse("deficiencies:recovery", args=[deficiency.pk]), data).status_code == 302
    )
    deficiency.refresh_from_db()
    assert deficiency.recovered == Decimal("1000.00")


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [YEAR_1, YEAR_9999, "2099-01-01"])
def test_recovery_dates_outside_the_range_are_refused(client, staff, deficiency, day):
    data = {"recovery-received_on": day, "recovery-amount": "10.00", "recovery-source": "payment"}
    _, form = refused(
        client, staff, deficiency, "deficiencies:recovery", "recovery_form", data, "received_on",
        RANGE,
    )  # fmt: skip
    assert f'value="{day}"' in str(form["received_on"])
    assert not Recovery.objects.exists()


def suit_data(**overrides):
    data = {"suit-court": "Supreme Court, Kings County", "suit-county": "Kings",
            "suit-case_number": "2026-001", "suit-filed_on": "2026-11-02"}  # fmt: skip
    data.update({f"suit-{k}": v for k, v in overrides.items()})
    return data


@pytest.mark.parametrize("day", [YEAR_1, YEAR_9999])
def test_suit_filed_dates_outside_the_range_are_refused(client, staff, deficiency, day):
    refused(client, staff, deficiency, "deficiencies:suit", "suit_form",
            suit_data(filed_on=day), "filed_on", RANGE)  # fmt: skip
    assert not DeficiencySuit.objects.exists()


def with_suit(deficiency, staff):
    from deficiencies import services

    services.record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Court", case_number="1", filed_on=date(2026, 11, 2)),
        by=staff,
    )
    deficiency.refresh_from_db()
    return deficiency


def judgment_data(**overrides):
    data = {"judgment-granted_on": "2026-11-10", "judgment-amount": "50,000.00",
            "judgment-interest_rate": "9", "judgment-expires_on": "2046-11-10"}  # fmt: skip
    data.update({f"judgment-{k}": v for k, v in overrides.items()})
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"granted_on": YEAR_1}, "granted_on", RANGE),
        ({"granted_on": YEAR_9999}, "granted_on", RANGE),
        ({"expires_on": YEAR_9999}, "expires_on", "between 30 years ago and 40 years from today"),
        ({"expires_on": YEAR_1}, "expires_on", "between 30 years ago and 40 years from today"),
        ({"granted_on": "2020-01-02", "expires_on": "2060-01-03"}, "expires_on",
         "at most 40 years after the grant"),
        ({"expires_on": "2026-11-10"}, "expires_on", "must come after the grant"),
        ({"amount": "5e4"}, "amount", "is not an amount of money"),
        ({"interest_rate": "1e1"}, "interest_rate", "Enter a rate such as 9"),
        ({"interest_rate": "\u0669"}, "interest_rate", "Enter a rate such as 9"),
        ({"interest_rate": "51"}, "interest_rate", "less than or equal to 50"),
    ],
)  # fmt: skip
def test_judgment_input_is_refused_beside_the_field(
    client, staff, deficiency, overrides, field, message
):
    with_suit(deficiency, staff)
    _, form = refused(client, staff, deficiency, "deficiencies:judgment", "judgment_form",
                      judgment_data(**overrides), field, message)  # fmt: skip
    assert f'value="{overrides[field]}"' in str(form[field])
    assert not Judgment.objects.exists()


def test_a_judgment_within_the_limits_is_recorded(client, staff, deficiency):
    with_suit(deficiency, staff)
    client.force_login(staff)
    url = reverse("deficiencies:judgment", args=[deficiency.pk])
    assert client.post(url, judgment_data(interest_rate="9.5%")).status_code == 302
    judgment = Judgment.objects.get()
    assert judgment.amount == Decimal("50000.00")
    assert judgment.interest_rate == Decimal("9.5")
    assert judgment.expires_on == date(2046, 11, 10)


@pytest.mark.parametrize("field", ["filed_on", "discharged_on", "dismissed_on"])
@pytest.mark.parametrize("day", [YEAR_1, YEAR_9999])
def test_bankruptcy_dates_outside_the_range_are_refused(client, staff, deficiency, field, day):
    data = {"bk-chapter": "7", "bk-case_number": "26-10001", "bk-district": "E.D.N.Y.",
            "bk-filed_on": "2026-10-15"}  # fmt: skip
    data[f"bk-{field}"] = day
    refused(client, staff, deficiency, "deficiencies:bankruptcy", "bankruptcy_form", data, field,
            RANGE)  # fmt: skip
    assert not Bankruptcy.objects.exists()


@pytest.mark.parametrize("day", [YEAR_1, YEAR_9999])
def test_collection_start_dates_outside_the_range_are_refused(client, staff, deficiency, day):
    data = {"action-kind": "bank_levy", "action-started_on": day, "action-state": "active"}
    refused(client, staff, deficiency, "deficiencies:action", "action_form", data, "started_on",
            RANGE)  # fmt: skip
    assert not CollectionAction.objects.exists()


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["court", "county", "case_number"])
def test_suit_identifiers_refuse_line_breaks_and_control_characters(
    client, staff, deficiency, field
):
    typed = "2026-001\r\nSUMMARY:evil"
    refused(client, staff, deficiency, "deficiencies:suit", "suit_form",
            suit_data(**{field: typed}), field, "Remove the control characters")  # fmt: skip
    assert not DeficiencySuit.objects.exists()


def test_bankruptcy_case_number_refuses_control_characters(client, staff, deficiency):
    data = {"bk-chapter": "7", "bk-case_number": "26-1\x1b[31m", "bk-district": "E.D.N.Y.",
            "bk-filed_on": "2026-10-15"}  # fmt: skip
    refused(client, staff, deficiency, "deficiencies:bankruptcy", "bankruptcy_form", data,
            "case_number", "Remove the control characters")  # fmt: skip


@pytest.mark.parametrize(
    ("note", "message"),
    [("levy\x07", "Remove the control characters"),
     ("levy\r\nnext", "Remove the control characters"),
     ("x" * 501, "at most 500 characters")],
)  # fmt: skip
def test_collection_notes_are_one_line_and_capped(client, staff, deficiency, note, message):
    data = {"action-kind": "bank_levy", "action-started_on": "2026-11-02",
            "action-state": "active", "action-note": note}  # fmt: skip
    refused(client, staff, deficiency, "deficiencies:action", "action_form", data, "note", message)


def test_recovery_note_refuses_control_characters(client, staff, deficiency):
    data = {"recovery-received_on": "2026-11-20", "recovery-amount": "10.00",
            "recovery-source": "payment", "recovery-note": "check\x0b123"}  # fmt: skip
    refused(client, staff, deficiency, "deficiencies:recovery", "recovery_form", data, "note",
            "Remove the control characters")  # fmt: skip


@pytest.mark.parametrize(
    ("note", "message"),
    [("call\x1b[2J", "Remove the invisible control characters"),
     ("x" * 2001, "at most 2000 characters")],
)  # fmt: skip
def test_status_notes_refuse_control_characters_and_are_capped(
    client, staff, deficiency, note, message
):
    data = {"to": "pursuing", "version": deficiency.version, "note": note}
    refused(client, staff, deficiency, "deficiencies:status", "status_form", data, "note", message)
    assert StatusChange.objects.filter(deficiency=deficiency).count() == 1


def test_status_notes_keep_their_line_breaks(client, staff, deficiency):
    client.force_login(staff)
    data = {"to": "pursuing", "version": deficiency.version, "note": "Called.\r\nLetter sent."}
    assert (
        client.post(reverse("deficiencies:status", args=[deficiency.pk]), data).status_code == 302
    )
    assert StatusChange.objects.last().note == "Called.\r\nLetter sent."


# --- the state rule form (staff) -----------------------------------------------------------------


def rule_post(client, **overrides):
    url = reverse("deficiencies:rule_edit", args=["NY"])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data["version"] = StateRule.objects.get(state_code="NY").version
    data.update(overrides)
    return client.post(url, data)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"filing_deadline_days_after_sale": "2147483647"}, "filing_deadline_days_after_sale",
         "less than or equal to 3650"),
        ({"filing_deadline_days_after_sale": "0"}, "filing_deadline_days_after_sale",
         "greater than or equal to 1"),
        ({"statute_of_limitations_years": "32767"}, "statute_of_limitations_years",
         "less than or equal to 30"),
        ({"notes": "fine\x00"}, None, None),  # NUL: the middleware answers 400
        ({"notes": "bell\x07"}, "notes", "Remove the invisible control characters"),
        ({"notes": "x" * 5001}, "notes", "at most 5000 characters"),
        ({"filing_deadline_note": "x" * 2001}, "filing_deadline_note", "at most 2000 characters"),
        ({"filing_deadline_note": "a\x1bb"}, "filing_deadline_note", "control characters"),
        ({"source_urls": "https://example.com/\x7f"}, "source_urls", "control characters"),
        ({"source_urls": "javascript:alert(1)"}, "source_urls", "Not a web address"),
        ({"source_urls": "https://" + "a" * 600 + ".com"}, "source_urls", "Not a web address"),
        ({"source_urls": " ".join(f"https://e.com/{n}" for n in range(21))}, "source_urls",
         "at most 20 addresses"),
        ({"change_note": "why\x1b"}, "change_note", "control characters"),
        ({"change_note": "x" * 2001}, "change_note", "at most 2000 characters"),
    ],
)  # fmt: skip
def test_rule_edit_limits_are_refused_beside_the_field(client, staff, overrides, field, message):
    client.force_login(staff)
    before = StateRule.objects.get(state_code="NY")
    response = rule_post(client, **overrides)
    assert response.status_code == 400 if field is None else 200
    if field:
        assert message in " ".join(response.context["form"].errors[field])
    after = StateRule.objects.get(state_code="NY")
    assert after.version == before.version


def test_rule_edit_within_the_limits_is_saved(client, staff):
    client.force_login(staff)
    response = rule_post(
        client,
        filing_deadline_days_after_sale="3650",
        statute_of_limitations_years="30",
        notes="Line one.\r\nLine two.",
    )
    assert response.status_code == 302
    rule = StateRule.objects.get(state_code="NY")
    assert rule.filing_deadline_days_after_sale == 3650
    assert rule.notes == "Line one.\r\nLine two."


def test_every_form_is_hygienic_and_every_date_is_bounded(deficiency):
    from django import forms as django_forms

    from deficiencies import forms
    from noteinvest import text
    from noteinvest.forms import BoundedDateField, HygienicFormMixin

    extra = {
        forms.LiquidationForm: {"loan": deficiency.loan},
        forms.StatusForm: {"deficiency": deficiency},
        forms.StateRuleForm: {"instance": StateRule.objects.get(state_code="NY")},
        forms.ProvisionForm: {"instance": Provision(state_code="NY", events="short_sale")},
    }
    classes = [
        c for c in vars(forms).values()
        if isinstance(c, type) and issubclass(c, django_forms.BaseForm)
        and c.__module__ == forms.__name__ and c is not forms.DeficiencyFilterForm
    ]  # fmt: skip
    assert len(classes) == 11
    for cls in classes:
        assert cls.__mro__[1] is HygienicFormMixin, cls
        form = cls(**extra.get(cls, {}))
        for name, field in form.fields.items():
            if isinstance(field, django_forms.DateField):
                assert isinstance(field, BoundedDateField), (cls, name)
            if isinstance(field, django_forms.DecimalField):
                assert field.decimal_places != 2, (cls, name)  # money is a MoneyFormField
            if isinstance(field, django_forms.CharField):
                hygiene = (text.single_line, text.multi_line)
                assert any(v in hygiene for v in field.validators), (cls, name)
