"""Issue 10: a state's provisions are shown with their conditions, window and citation;
staff edit them with history; only an attorney marks one reviewed by counsel, and an edit
clears the mark."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deficiencies.models import Provision, ProvisionChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def provision(db):
    # Cal. Civ. Proc. Code § 580e, written as a provision.
    return Provision.objects.create(
        state_code="CA", provision_id="CA-test-580e", kind="bar", events="short_sale",
        conditions="lender_consented;units_1_4;natural_person_borrower",
        effect_note="No deficiency after a short sale the holder consented to in writing.",
        citation="Cal. Civ. Proc. Code § 580e", confidence="high", verified=True,
    )  # fmt: skip


def form_data(provision, **changes):
    data = {
        "version": provision.version, "kind": provision.kind, "events": ["short_sale"],
        "process": provision.process, "conditions": provision.conditions, "window_number": "",
        "window_unit": "", "trigger": "", "rate_percent": "", "effect_note": provision.effect_note,
        "citation": provision.citation, "source_urls": "", "confidence": provision.confidence,
        "verified": "on", "audit_note": "", "change_note": "Checked against the statute.",
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_state_page_shows_each_provision_readably(client, owner, provision):
    client.force_login(owner)
    page = client.get(reverse("deficiencies:rule_detail", args=["CA"])).text
    assert 'id="CA-test-580e"' in page
    assert "Cal. Civ. Proc. Code § 580e" in page
    assert (
        "the holder consented to the short sale in writing; the property has one to four "
        "dwelling units; the borrower is a natural person" in page
    )
    assert "Not reviewed by counsel" in page
    assert "provision_edit" not in page and "Mark reviewed by counsel" not in page


def test_staff_see_edit_and_attorneys_see_review(client, staff, attorney, provision):
    url = reverse("deficiencies:rule_detail", args=["CA"])
    client.force_login(staff)
    page = client.get(url).text
    assert reverse("deficiencies:provision_edit", args=[provision.pk]) in page
    assert "Mark reviewed by counsel" not in page
    client.force_login(attorney)
    page = client.get(url).text
    assert "Mark reviewed by counsel" in page
    assert reverse("deficiencies:provision_edit", args=[provision.pk]) not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [({"conditions": "owner;units_1_4"}, "conditions", "“owner” is not in the conditions"),
     ({"window_number": "3"}, "window_unit", "A window&#x27;s unit is one of days, months"),
     ({"window_number": "3", "window_unit": "months", "trigger": "whenever"}, "trigger",
      "A window&#x27;s trigger is one of"),
     ({"citation": ""}, "citation", "A bar provision must cite the section it rests on"),
     ({"rate_percent": "75"}, "rate_percent", "A rate is a percentage between 0 and 50"),
     ({"events": []}, "events", "This field is required")],
)  # fmt: skip
def test_an_edit_is_checked_beside_the_field_and_kept(client, staff, provision, changes, field,
                                                      message):  # fmt: skip
    client.force_login(staff)
    url = reverse("deficiencies:provision_edit", args=[provision.pk])
    response = client.post(url, form_data(provision, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.text
    provision.refresh_from_db()
    assert provision.version == 1 and not ProvisionChange.objects.exists()


def test_an_edit_is_saved_with_its_history_and_clears_the_review(client, staff, attorney,
                                                                 provision):  # fmt: skip
    client.force_login(attorney)
    review = reverse("deficiencies:provision_review", args=[provision.pk])
    assert client.post(review, {"version": "1"}).status_code == 302
    provision.refresh_from_db()
    assert (provision.reviewed_by, provision.version) == (attorney, 2)
    client.force_login(staff)
    url = reverse("deficiencies:provision_edit", args=[provision.pk])
    data = form_data(provision, window_number="3", window_unit="months", trigger="closing",
                     conditions=" lender_consented ; units_1_4 ")  # fmt: skip
    assert client.post(url, data).status_code == 302
    provision.refresh_from_db()
    assert (provision.window_number, provision.window_unit, provision.trigger) == (
        3, "months", "closing"
    )  # fmt: skip
    assert provision.conditions == "lender_consented;units_1_4"
    assert provision.reviewed_by is None and provision.reviewed_on is None
    change = provision.changes.first()
    assert change.changed_by == staff and change.note == "Checked against the statute."
    assert change.changes["window_number"] == [None, 3]
    assert change.changes["reviewed by counsel"][1] is None
    page = client.get(reverse("deficiencies:rule_detail", args=["CA"])).text
    assert "3 months from the closing" in page and "Not reviewed by counsel" in page
    assert "Short sales" in page


def test_a_stale_edit_is_refused(client, staff, provision):
    client.force_login(staff)
    url = reverse("deficiencies:provision_edit", args=[provision.pk])
    first = form_data(provision, effect_note="First editor's wording.")
    second = form_data(provision, effect_note="Second editor's wording.")
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone else changed this provision" in response.text
    provision.refresh_from_db()
    assert provision.effect_note == "First editor's wording."


def test_only_an_attorney_marks_a_provision_reviewed(client, staff, attorney, provision):
    review = reverse("deficiencies:provision_review", args=[provision.pk])
    client.force_login(staff)
    assert client.post(review, {"version": "1"}).status_code == 403
    client.force_login(attorney)
    stale = client.post(review, {"version": "7"}, follow=True)
    assert "Someone else changed this provision" in stale.text
    provision.refresh_from_db()
    assert provision.reviewed_on is None
    client.post(review, {"version": "1"})
    provision.refresh_from_db()
    assert provision.reviewed_by == attorney
    assert provision.changes.first().changes["reviewed by counsel"][0] is None


def test_the_engine_reads_a_stored_provision(provision):
    engine = provision.engine()
    assert engine.events == ("short_sale",)
    assert engine.conditions == ("lender_consented", "units_1_4", "natural_person_borrower")
    provision.rate_percent = Decimal("6.5")
    assert provision.engine().rate_percent == Decimal("6.5")


def test_a_period_above_30_years_is_saved_only_once_confirmed(client, staff, provision):
    client.force_login(staff)
    url = reverse("deficiencies:provision_edit", args=[provision.pk])
    data = form_data(provision, kind="limitation_period", window_number="35",
                     window_unit="years", trigger="default")  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "35 years is longer than 30 years" in response.text
    provision.refresh_from_db()
    assert provision.window_number is None
    assert client.post(url, {**data, "confirm_period": "on"}).status_code == 302
    provision.refresh_from_db()
    assert (provision.kind, provision.window_number) == ("limitation_period", 35)
    # 400 months is 33 years and 4 months: also asked.
    data = form_data(provision, kind="limitation_period", window_number="400",
                     window_unit="months", trigger="default")  # fmt: skip
    assert client.post(url, data).status_code == 200


def test_the_page_leaves_what_the_app_cannot_record_to_counsel(client, owner, portfolio, staff):
    # K.S.A. §§ 60-303, 60-307: no personal deficiency judgment after service by publication
    # alone, a fact the app does not record.
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "KS-1", property_state="KS", borrower_type="individual")
    deficiency = record_sale(loan, staff, process="judicial")
    client.force_login(owner)
    page = client.get(reverse("deficiencies:detail", args=[deficiency.pk])).text
    assert "For counsel to decide:" in page
    assert "an attorney licensed in the state decides whether it holds" in page
    assert "counsel decides whether it holds" in page
    needed = page.split("Needed for a verdict:")[1][:300] if "Needed for a verdict:" in page else ""
    assert "publication" not in needed  # never asked to "record" what no field holds


def test_the_state_page_gives_filing_windows_in_the_statutes_own_unit(client, owner):
    # Cal. Civ. Proc. Code § 726(b): 3 months after a judicial sale, not "90 days".
    client.force_login(owner)
    page = client.get(reverse("deficiencies:rule_detail", args=["CA"])).text
    windows = page.split('data-testid="filing-windows">')[1].split("</ul>")[0]
    assert "3 months from the sale (judicial sales; Cal. Civ. Proc. Code § 726(b)" in windows
    assert "the provisions below decide every verdict and deadline" in page


def test_counsels_answer_to_a_condition_decides_the_verdict(client, owner, staff, portfolio):
    # K.S.A. §§ 60-303, 60-307: no personal deficiency judgment after service by publication
    # alone. The app does not record how the borrower was served: counsel answers it.
    from deficiencies.models import ConditionAnswer, Deficiency
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "KS-2", property_state="KS", borrower_type="individual")
    deficiency = record_sale(loan, staff, process="judicial")
    assert deficiency.verdict == "undetermined"
    condition = "borrower served only by publication (no personal service or appearance)"
    url = reverse("deficiencies:answer", args=[deficiency.pk])

    def answer(**data):
        version = Deficiency.objects.get(pk=deficiency.pk).version
        return client.post(
            url, {"answer-version": version, **{f"answer-{k}": v for k, v in data.items()}}
        )

    client.force_login(staff)
    page = client.get(deficiency.get_absolute_url()).text
    assert 'data-testid="counsel-answers"' in page and "not answered" in page
    # An answer needs its basis, shown beside the field; nothing is saved.
    refused = answer(condition=condition, answer="no")
    assert refused.status_code == 400
    assert "Say on what basis" in refused.text
    assert not ConditionAnswer.objects.exists()
    # Personally served: the bar does not apply, and the verdict is decided.
    done = answer(
        condition=condition, answer="no", note="Return of service in the file: personal service."
    )
    assert done.status_code == 302
    deficiency = Deficiency.objects.get(pk=deficiency.pk)
    assert deficiency.verdict not in ("undetermined", "barred")
    page = client.get(deficiency.get_absolute_url()).text
    assert "does not hold" in page and "Return of service in the file" in page
    assert "For counsel: “borrower served only by publication" in page  # the history row
    # Served by publication only: barred, citing the section.
    answer(condition=condition, answer="yes", note="Counsel's memo: publication only.")
    assert Deficiency.objects.get(pk=deficiency.pk).verdict == "barred"
    # Cleared: undetermined again.
    answer(condition=condition, answer="clear")
    assert Deficiency.objects.get(pk=deficiency.pk).verdict == "undetermined"
    # A condition the provisions do not leave to counsel is refused; investors cannot answer.
    forged = answer(condition="anything at all", answer="yes", note="x")
    assert forged.status_code == 400 and "not one this deficiency" in forged.text
    client.force_login(owner)
    assert answer(condition=condition, answer="yes", note="x").status_code == 403
    assert "not answered" in client.get(deficiency.get_absolute_url()).text


def test_counsels_answers_refuse_a_stale_page_an_invisible_basis_and_a_closed_deficiency(
    client, staff, portfolio
):
    # K.S.A. §§ 60-303, 60-307, as above.
    from deficiencies.models import ConditionAnswer, Deficiency
    from deficiencies.services import change_status
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "KS-3", property_state="KS", borrower_type="individual")
    deficiency = record_sale(loan, staff, process="judicial")
    condition = "borrower served only by publication (no personal service or appearance)"
    url = reverse("deficiencies:answer", args=[deficiency.pk])
    client.force_login(staff)
    stale = deficiency.version
    ok = client.post(url, {"answer-version": stale, "answer-condition": condition,
                           "answer-answer": "no", "answer-note": "Personal service."})  # fmt: skip
    assert ok.status_code == 302
    # A second page opened before the first answer: refused, the first answer stands.
    late = client.post(url, {"answer-version": stale, "answer-condition": condition,
                             "answer-answer": "yes", "answer-note": "Publication."})  # fmt: skip
    assert late.status_code == 400 and "Someone else changed this deficiency" in late.text
    assert ConditionAnswer.objects.get().holds is False
    # A basis of zero-width characters only is no basis.
    version = Deficiency.objects.get(pk=deficiency.pk).version
    blank = client.post(url, {"answer-version": version, "answer-condition": condition,
                              "answer-answer": "yes", "answer-note": "\u200b\u2060\ufeff"})  # fmt: skip
    assert blank.status_code == 400 and "Say on what basis" in blank.text
    # Waived: no more answers.
    change_status(deficiency=Deficiency.objects.get(pk=deficiency.pk), to="waived", by=staff)
    version = Deficiency.objects.get(pk=deficiency.pk).version
    closed = client.post(url, {"answer-version": version, "answer-condition": condition,
                               "answer-answer": "yes", "answer-note": "Publication."})  # fmt: skip
    assert closed.status_code == 400 and "no longer turns on counsel" in closed.text
    assert ConditionAnswer.objects.get().holds is False


def test_an_answer_from_another_states_provisions_is_not_listed(client, staff, portfolio):
    from deficiencies.models import Deficiency
    from deficiencies.services import answer_condition
    from tests.factories import make_loan, record_sale

    loan = make_loan(portfolio, "KS-4", property_state="KS", borrower_type="individual")
    deficiency = record_sale(loan, staff, process="judicial")
    condition = "borrower served only by publication (no personal service or appearance)"
    answer_condition(deficiency=deficiency, condition=condition, holds=False, note="Served.",
                     by=staff)  # fmt: skip
    loan.property_state = "NY"
    loan.save()
    client.force_login(staff)
    page = client.get(Deficiency.objects.get(pk=deficiency.pk).get_absolute_url()).text
    assert "served only by publication" not in page.split("Status and history")[0]
