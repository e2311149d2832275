"""The clause library's pages (issue 12): attorneys own the words. The library, a clause with
its history and redline, the edit with its checks and preview, new clauses and state
variants, approval and withdrawal; frozen agreements never change."""

import pytest
from django.urls import reverse

from noteinvest.access import Role
from settlements import clause_services, clauses, services
from settlements.models import AgreementVersion, ClauseStatus, ClauseVersion
from settlements.terms import terms_for
from tests.factories import agreement_in_review, clause_edit, draft_agreement, make_loan, make_user
from tests.settlements.test_parties import pdf_words

pytestmark = pytest.mark.django_db

NEW_WORDS = "Neither party admits liability or any wrongdoing by signing this agreement."


@pytest.fixture
def lawyer(client, attorney):
    client.force_login(attorney)
    return client


@pytest.fixture
def second_attorney(db):
    return make_user(Role.ATTORNEY, email="second-counsel@example.com")


def edit_url(key):
    return reverse("settlements:clause_edit", args=[key])


def page_url(key):
    return reverse("settlements:clause", args=[key])


def opened(client, key) -> dict:
    """The edit form as the page prefills it: what an attorney's browser would post back."""
    response = client.get(edit_url(key))
    assert response.status_code == 200
    initial = response.context["form"].initial
    data = {
        "title": initial["title"],
        "body": initial["body"],
        "kinds": list(initial["kinds"]),
        "states": list(initial["states"]),
        "instrument": initial["instrument"],
        "when": initial["when"],
        "position": str(initial["position"]),
        "note": initial["note"] or "Plainer words.",
        "based_on": initial["based_on"],
    }
    for flag in ("required", "active"):
        if initial[flag]:
            data[flag] = "on"
    return data


def draft_token(client, key) -> str:
    return client.get(page_url(key)).context["draft_token"]


def approver():
    """Another attorney: the one who approves what the first drafts."""
    from accounts.models import User

    found = User.objects.filter(email="approver@example.com").first()
    return found or make_user(Role.ATTORNEY, email="approver@example.com")


def approve_on_page(client, key):
    """Approved by a second attorney (the drafter may not approve their own draft); the client
    is logged in as before afterwards."""
    from accounts.models import User

    back = User.objects.get(pk=client.session["_auth_user_id"])
    client.force_login(approver())
    response = client.post(
        reverse("settlements:clause_approve", args=[key]),
        {"based_on": draft_token(client, key)},
        follow=True,
    )
    client.force_login(back)
    return response


def current(key) -> ClauseVersion:
    return (
        ClauseVersion.objects.filter(key=key, status=ClauseStatus.APPROVED)
        .order_by("number")
        .last()
    )


def pdf_text(client, agreement, number) -> tuple[bytes, str]:
    response = client.get(reverse("settlements:pdf", args=[agreement.pk, number]))
    assert response.status_code == 200
    data = b"".join(response) if response.streaming else response.content
    return data, pdf_words(data)


# --- the test ------------------------------------------------------------------------


def test_an_attorney_edits_a_clause_new_drafts_use_it_and_an_approved_pdf_never_changes(
    client, attorney, staff, portfolio
):
    old = make_loan(portfolio, "LIB-1")
    approved = agreement_in_review(old, staff, attorney)
    services.approve(agreement=approved, by=attorney)
    version = approved.versions.get()
    client.force_login(staff)
    before_pdf, before_words = pdf_text(client, approved, version.number)
    assert "the rest of it stays in effect" in before_words
    before_text = version.text

    # The attorney edits "Severability" through the pages and approves it.
    client.force_login(attorney)
    data = opened(client, "severability")
    data.update(body=NEW_WORDS, note="Plainer words, as counsel asked.")
    response = client.post(edit_url("severability"), data)
    assert response.status_code == 302 and response["Location"] == page_url("severability")
    draft = ClauseVersion.objects.get(key="severability", status=ClauseStatus.DRAFT)
    assert (draft.number, draft.drafted_by, draft.body) == (2, attorney, NEW_WORDS)
    assert current("severability").number == 1  # not used until approved
    response = approve_on_page(client, "severability")
    assert "Version 2 of “Severability” approved" in response.text
    assert current("severability") == draft
    draft.refresh_from_db()
    # Approved by another attorney: the drafter may not approve their own draft.
    assert draft.approved_by == approver() and draft.approved_at is not None

    # A new draft uses the new words at once: its frozen PDF, read back, says them.
    fresh = agreement_in_review(make_loan(portfolio, "LIB-2"), staff, attorney)
    frozen = fresh.versions.get()
    assert {"key": "severability", "version": 2, "title": "Severability",
            "body": NEW_WORDS} in frozen.terms["clauses"]  # fmt: skip
    client.force_login(staff)
    _, words = pdf_text(client, fresh, frozen.number)
    assert NEW_WORDS in words and "the rest of it stays in effect" not in words

    # The agreement approved before: the same PDF bytes, the same text, rendered the same.
    after_pdf, _ = pdf_text(client, approved, version.number)
    assert after_pdf == before_pdf
    version = AgreementVersion.objects.get(pk=version.pk)
    assert version.text == before_text
    assert clauses.plain_text(version.terms) == before_text
    assert NEW_WORDS not in before_text


def test_a_state_variant_is_used_by_a_draft_in_its_state_and_not_in_another(
    client, attorney, staff, portfolio
):
    """A variant of the release clause for Virginia (a deed-of-trust state), made through
    the "New variant" page. It names a state and no instrument, so it is chosen by the state
    alone (a state outranks an instrument); the next test adds the loan's instrument."""
    client.force_login(attorney)
    response = client.get(reverse("settlements:clause_new") + "?variant_of=release-of-lien")
    form = response.context["form"]
    assert form.initial["variant_of"] == "release-of-lien"
    assert form.initial["body"] == current("release-of-lien").body
    assert form.initial["states"] == [] and form.initial["note"] == ""
    words = (
        "Within {lien_release_days} days after the final payment clears, the Holder will "
        "deliver to the trustee a request for reconveyance of its Virginia deed of trust."
    )
    data = {
        "key": "release-of-lien-va", "variant_of": "release-of-lien",
        "title": "Reconveyance of the Deed of Trust (Virginia)", "body": words,
        "kinds": ["dpo"], "states": ["VA"], "instrument": "", "when": "before_liquidation",
        "position": "800", "required": "on", "active": "on",
        "note": "Virginia loans are secured by deeds of trust.", "based_on": "new",
    }  # fmt: skip
    response = client.post(reverse("settlements:clause_new"), data)
    assert response.status_code == 302, response.context["form"].errors
    variant = ClauseVersion.objects.get(key="release-of-lien-va")
    assert (variant.slot, variant.status, variant.number) == (
        "release-of-lien",
        ClauseStatus.DRAFT,
        1,
    )
    approve_on_page(client, "release-of-lien-va")

    virginia = draft_agreement(make_loan(portfolio, "VA-1", property_state="VA"), staff)
    new_york = draft_agreement(make_loan(portfolio, "NY-1"), staff)
    va_text = services._document_text(virginia)
    ny_text = services._document_text(new_york)
    assert "request for reconveyance of its Virginia deed of trust" in va_text
    assert "Reconveyance of the Deed of Trust (Virginia)" in va_text
    assert "Virginia deed of trust" not in ny_text
    assert "present a satisfaction of its mortgage" in ny_text  # New York's own variant
    # The library lists it under the clause it varies, with its state.
    page = client.get(reverse("settlements:clauses")).text
    assert 'data-clause="release-of-lien-va"' in page
    assert "Variant: <a" in page and "VA" in page


def test_a_deed_of_trust_states_variant_is_chosen_by_state_and_instrument(lawyer, staff, portfolio):
    """A Virginia variant for a deed of trust only. Each loan's instrument is the one it
    records (Loan.security_instrument, portfolios/instruments.py), else its state's
    customary one: a Virginia loan recorded as a mortgage does not get the variant."""
    words = "Within {lien_release_days} days, the Holder will have the trustee reconvey it."
    data = {
        "key": "release-of-lien-deed-of-trust-va", "variant_of": "release-of-lien",
        "title": "Reconveyance (Virginia)", "body": words, "kinds": ["dpo"], "states": ["VA"],
        "instrument": "deed_of_trust", "when": "before_liquidation", "position": "800",
        "required": "on", "active": "on", "note": "Virginia's trustees.", "based_on": "new",
    }  # fmt: skip
    assert lawyer.post(reverse("settlements:clause_new"), data).status_code == 302
    approve_on_page(lawyer, "release-of-lien-deed-of-trust-va")

    def release(number, state, recorded=""):
        loan = make_loan(portfolio, number, property_state=state, security_instrument=recorded)
        agreement = draft_agreement(loan, staff)
        security = terms_for(agreement, version_number=1)["security"]
        return (security["kind"], security["customary"]), services._document_text(agreement)

    # Virginia's customary instrument is a deed of trust: the variant.
    security, virginia = release("DT-VA", "VA")
    assert security == ("deed_of_trust", True)
    assert "Reconveyance (Virginia)" in virginia and "have the trustee reconvey it" in virginia
    # A Virginia loan recorded as a mortgage: the general mortgage release, not the variant.
    security, recorded_mortgage = release("MO-VA", "VA", recorded="mortgage")
    assert security == ("mortgage", False)
    assert "Release of the Mortgage" in recorded_mortgage
    assert "Reconveyance (Virginia)" not in recorded_mortgage
    assert "have the trustee reconvey it" not in recorded_mortgage
    assert "the Holder will record a satisfaction of its mortgage" in recorded_mortgage
    # Another deed-of-trust state: the general reconveyance.
    security, colorado = release("DT-CO", "CO")
    assert security == ("deed_of_trust", True)
    assert "Reconveyance of the Deed of Trust" in colorado and "Virginia" not in colorado
    # A mortgage state: its own variant; a loan there recorded as a deed of trust: the
    # general reconveyance (New York's variant is for a mortgage).
    security, new_york = release("NY-1", "NY")
    assert security == ("mortgage", True)
    assert "Satisfaction of the Mortgage" in new_york and "Virginia" not in new_york
    security, recorded_deed = release("DT-NY", "NY", recorded="deed_of_trust")
    assert security == ("deed_of_trust", False)
    assert "Reconveyance of the Deed of Trust" in recorded_deed
    assert "Satisfaction of the Mortgage" not in recorded_deed and "Virginia" not in recorded_deed


# --- who may use the pages -------------------------------------------------------------------


def test_staff_read_the_library_but_cannot_edit(client, staff):
    client.force_login(staff)
    assert client.get(reverse("settlements:clauses")).status_code == 200
    page = client.get(page_url("no-admission"))
    assert page.status_code == 200 and "Edit</a>" not in page.text
    assert client.get(edit_url("no-admission")).status_code == 403
    assert client.post(edit_url("no-admission"), {"title": "x"}).status_code == 403
    assert client.get(reverse("settlements:clause_new")).status_code == 403
    for action in ("clause_approve", "clause_withdraw"):
        assert (
            client.post(reverse(f"settlements:{action}", args=["no-admission"])).status_code == 403
        )
    assert not ClauseVersion.objects.filter(status=ClauseStatus.DRAFT).exists()


def test_investors_cannot_read_the_library(client, owner):
    client.force_login(owner)
    for url in (reverse("settlements:clauses"), page_url("no-admission"), edit_url("notices")):
        assert client.get(url).status_code == 403


def test_an_unknown_clause_is_404(lawyer):
    for url in (page_url("no-such-clause"), edit_url("no-such-clause")):
        assert lawyer.get(url).status_code == 404
    for action in ("clause_approve", "clause_withdraw"):
        url = reverse(f"settlements:{action}", args=["no-such-clause"])
        assert lawyer.post(url).status_code == 404


def test_the_navigation_offers_the_library_to_attorneys_and_staff(client, attorney, staff, owner):
    for user, shown in ((attorney, True), (staff, True), (owner, False)):
        client.force_login(user)
        labels = [i["label"] for i in client.get(reverse("home")).context["nav_items"]]
        assert ("Clause library" in labels) is shown


# --- the library and a clause's page -------------------------------------------------------


def test_the_library_lists_every_clause_by_document_in_order(lawyer):
    clause_edit("hardship", active=False)
    ClauseVersion.objects.create(
        **{f: getattr(current("counsel"), f) for f in ("key", "slot", "title", "kinds",
           "states", "instrument", "when", "position", "required", "active")},
        body="A draft.", number=2, note="Why not.",
    )  # fmt: skip
    response = lawyer.get(reverse("settlements:clauses"))
    groups = {g["kind"]: g for g in response.context["groups"]}
    dpo = [e["head"]["key"] for e in groups["dpo"]["entries"]]
    assert dpo[:4] == ["parties", "debt-collector-notices", "dpo-purpose", "amount-owed"]
    assert "the-sale" not in dpo and "the-sale" in [
        e["head"]["key"] for e in groups["short_sale"]["entries"]
    ]
    positions = [e["head"]["position"] for e in groups["dpo"]["entries"]]
    assert positions == sorted(positions)
    release = next(e for e in groups["dpo"]["entries"] if e["head"]["key"] == "release-of-lien")
    assert {v["key"] for v in release["variants"]} >= {
        "release-of-lien-deed-of-trust-ca",
        "release-of-lien-mortgage-ny",
    }
    ca = next(v for v in release["variants"] if v["key"] == "release-of-lien-deed-of-trust-ca")
    assert ca["states"] == ["CA"] and ca["instrument"] == "Deed of trust"
    text = response.text
    # The condition in words, required, withdrawn, and a draft awaiting approval.
    assert "Only when: the loan is a junior lien (second or later)" in text
    hardship = text.split('data-clause="hardship"')[1].split("</li>")[0]
    assert "withdrawn (not in use)" in hardship and "required" not in hardship
    counsel = text.split('data-clause="counsel"')[1].split("</li>")[0]
    assert "draft awaiting approval" in counsel and "required" in counsel
    assert response.context["awaiting"] == 1


def test_a_clause_shows_its_text_with_field_chips_and_its_history(lawyer, attorney):
    response = lawyer.get(page_url("notices"))
    text = response.text
    assert 'data-field="notice_addresses"' in text
    assert 'title="Every party&#x27;s notice address, one paragraph each"' in text
    assert "Seeded on" in text and "seeded, approved as the library" in text
    clause_edit("notices", by=attorney, title="Notices Between the Parties",
                body=current("notices").body.replace("in writing", "in writing, signed,"),
                note="Signed notices only.")  # fmt: skip
    response = lawyer.get(page_url("notices") + "?compare=2")
    text = response.text
    assert "approved by counsel@example.com" in text and "Signed notices only." in text
    assert response.context["compared"].number == 2
    assert response.context["compared_to"].number == 1
    inserted = [t for para in response.context["redline"].paragraphs for op, t in para
                if op == "ins"]  # fmt: skip
    assert " Between the Parties" in inserted and "writing, signed," in inserted
    assert "<ins> Between the Parties</ins>" in text and "<del>writing</del>" in text
    # The first version compares against nothing: all of it is new.
    first = lawyer.get(page_url("notices") + "?compare=1").context
    assert first["compared_to"] is None
    # A bad version number is ignored.
    assert lawyer.get(page_url("notices") + "?compare=²").status_code == 200


# --- editing: the draft, the preview, the checks -------------------------------------------


def test_saving_again_updates_the_one_open_draft(lawyer, attorney):
    data = opened(lawyer, "severability")
    data["body"] = "If a court finds any part of this agreement unenforceable, the rest stays."
    assert lawyer.post(edit_url("severability"), data).status_code == 302
    data = opened(lawyer, "severability")  # the form now starts from the draft
    assert data["body"].endswith("the rest stays.") and data["note"] == "Plainer words."
    data["body"] += " So does the waiver's condition."
    assert lawyer.post(edit_url("severability"), data).status_code == 302
    drafts = ClauseVersion.objects.filter(key="severability", status=ClauseStatus.DRAFT)
    assert drafts.count() == 1 and drafts.get().body.endswith("waiver's condition.")
    assert drafts.get().number == 2


def test_the_preview_renders_the_typed_words_with_sample_terms_and_saves_nothing(lawyer):
    data = opened(lawyer, "severability")
    data.update(body="Loan {loan_number} settles for {settlement_amount}.", preview="1")
    response = lawyer.post(edit_url("severability"), data)
    assert response.status_code == 200
    previews = response.context["previews"]
    assert [p.kind for p in previews] == ["dpo", "short_sale"]
    assert previews[0].paragraphs == [
        "Loan RB-0010 settles for One Hundred Thousand and 00/100 Dollars ($100,000.00)."
    ]
    assert "Loan RB-0010 settles for" in response.text
    assert not ClauseVersion.objects.filter(key="severability", number=2).exists()
    # A clause whose text these facts leave empty is "left out for these facts".
    data.update(body="{hardship}")
    response = lawyer.post(edit_url("severability"), data)
    assert all(p.left_out for p in response.context["previews"])
    assert "Left out for these facts." in response.text
    # Facts that meet the condition: a junior lien names its senior lienholder.
    data.update(body="Senior: {senior_lienholder}.", when="junior_lien")
    response = lawyer.post(edit_url("severability"), data)
    assert response.context["previews"][0].paragraphs == ["Senior: First Bank, N.A.."]


def test_a_browsers_line_breaks_are_read_as_paragraphs(lawyer):
    """A browser sends a textarea's line breaks as CR LF."""
    data = opened(lawyer, "notices")
    data["body"] = "Notices go {property}.\r\n\r\n{notice_addresses}\r\n"
    response = lawyer.post(reverse("settlements:clause_preview"), data)
    assert "<p>Notices go the property at 12 Oak St, Springfield, NY 12203.</p>" in response.text
    assert "<p>To the Holder, Riverside Note Fund I, LLC:" in response.text
    assert lawyer.post(edit_url("notices"), data).status_code == 302
    draft = ClauseVersion.objects.get(key="notices", status=ClauseStatus.DRAFT)
    assert draft.body == "Notices go {property}.\n\n{notice_addresses}"


def test_the_live_preview_renders_what_is_typed(lawyer):
    data = {**opened(lawyer, "counsel"), "body": "Loan {loan_number}, {governing_state}."}
    data["states"] = ["CA"]
    response = lawyer.post(reverse("settlements:clause_preview"), data)
    assert response.status_code == 200
    assert "Loan RB-0010, California." in response.text
    assert "DPO agreement</strong>, California, deed of trust" in response.text
    assert not ClauseVersion.objects.filter(status=ClauseStatus.DRAFT).exists()
    # The edit page sends the form there as the attorney types.
    page = lawyer.get(edit_url("counsel")).text
    assert f'data-preview-url="{reverse("settlements:clause_preview")}"' in page
    assert "js/clause-preview.js" in page


def test_the_sample_terms_render_every_seed_clause():
    from settlements import library, sale_fields

    for kind in library.KINDS:
        for when in library.conditions():
            if kind == "dpo" and when in sale_fields.CONDITIONS:
                continue  # a short sale's own facts
            terms = clause_services.sample_terms(kind, "NY", "mortgage", when)
            assert library.conditions()[when].fn(terms), (kind, when)
            for entry in library.seed_entries():
                library.render_clause(entry, terms)  # no error for any clause


@pytest.mark.parametrize(
    ("key", "changes", "field", "message"),
    [
        ("no-admission", {"body": "Pay by {due_date}."}, "body", "Unknown field(s): {due_date}"),
        ("no-admission", {"body": "Pay {0}."}, "body", "Braces are used only"),
        ("no-admission", {"body": "To: {notice_addresses}"}, "body", "alone in its paragraph"),
        ("no-admission", {"body": ""}, "body", "This field is required."),
        ("no-admission", {"body": "x" * 20_001}, "body", "at most 20000 characters"),
        ("no-admission", {"title": "No\u0007Admission"}, "title", "Remove the control"),
        ("no-admission", {"body": "Text\u0000here"}, "body", "Remove the invisible control"),
        ("no-admission", {"kinds": []}, "kinds", "Choose at least one document."),
        ("no-admission", {"note": ""}, "note", "This field is required."),
        ("no-admission", {"position": "0"}, "position", "greater than or equal to 1"),
        ("no-admission", {"states": ["ZZ"]}, "states", "Select a valid choice"),
        ("no-admission", {"active": None}, "active", "A required clause cannot be taken out"),
        ("dpo-waiver", {"body": "{waiver_figures}\n\nThe Holder may forgive the rest."},
         "body", "must keep the words “the Holder waives and releases"),
        ("dpo-waiver", {"title": "Forgiveness"}, "title",
         "The waiver's title stays “Waiver of the Remaining Balance”"),
        ("senior-approval", {"body": "The senior lienholder {senior_lienholder} must agree."},
         "body", "must keep the words “approves the sale in writing before closing”"),
        ("release-of-lien-deed-of-trust", {"instrument": "mortgage"}, "states",
         "already applies to the same documents, states and instrument"),
        # A required clause keeps its reach (attack review: notices narrowed to Alaska).
        ("notices", {"states": ["AK"]}, "states", "A required clause keeps the documents"),
        ("debt-collector-notices", {"kinds": ["short_sale"]}, "kinds",
         "A required clause keeps the documents"),
        ("bankruptcy-notice", {"when": "hardship"}, "when", "A required clause keeps the"),
        # A field a DPO has no value for would leave the required clause out of every DPO.
        ("tax-notice", {"body": "Reported by {buyer}."}, "body",
         "would be left out of every DPO agreement"),
        # The release's days are the agreement's: the check compares them with the statute.
        ("release-of-lien-mortgage-ny", {"body": "Within one hundred twenty (120) days."},
         "body", "must keep the field {lien_release_days}"),
    ],
)  # fmt: skip
def test_each_refusal_is_shown_beside_its_field_with_what_was_typed(
    lawyer, key, changes, field, message
):
    data = opened(lawyer, key)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    if "\u0000" in data["body"]:
        data["body"] = data["body"].replace("\u0000", "\u0001")  # a NUL never reaches a view
    response = lawyer.post(edit_url(key), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message.lower() in e.lower() for e in errors.get(field, [])), errors
    if changes.get("body") and len(changes["body"]) < 200 and "\u0000" not in changes["body"]:
        assert response.context["form"]["body"].value() == changes["body"]
    assert not ClauseVersion.objects.filter(key=key, status=ClauseStatus.DRAFT).exists()


def test_variants_under_conditions_that_exclude_each_other_do_not_compete():
    data = clause_services.data_of(current("release-of-lien"))
    data.update(note="After a sale.", when="after_liquidation")
    slot = "release-of-lien"
    assert clause_services.problems(data, key="release-after-sale", slot=slot, current=None) == {}
    data.update(when="installments")
    errors = clause_services.problems(data, key="release-after-sale", slot=slot, current=None)
    assert "“Release of the Lien” (release-of-lien)" in errors["states"][0]


def test_a_forged_request_is_refused_by_the_service_too(attorney):
    data = clause_services.data_of(current("dpo-waiver"))
    data.update(body="{waiver_figures}", note="Shorter.")
    with pytest.raises(clause_services.ClauseInvalid) as refused:
        clause_services.save_draft(
            key="dpo-waiver", data=data, by=attorney,
            based_on=clause_services.token(current("dpo-waiver")),
        )  # fmt: skip
    assert "must keep the words" in refused.value.errors["body"][0]


# --- two attorneys at once -----------------------------------------------------------------


def test_saving_after_someone_else_changed_the_clause_is_refused_and_shows_their_text(
    client, attorney, second_attorney
):
    client.force_login(attorney)
    mine = opened(client, "counsel")  # the first attorney opens the page...
    other = client.__class__()
    other.force_login(second_attorney)
    theirs = opened(other, "counsel")  # ...the second too, and saves first.
    theirs.update(body="The Borrower has had the chance to consult a lawyer.", note="Shorter.")
    assert other.post(edit_url("counsel"), theirs).status_code == 302

    mine.update(body="Each Borrower was told to consult a lawyer.", note="Clearer.")
    response = client.post(edit_url("counsel"), mine)
    assert response.status_code == 200
    assert "second-counsel@example.com saved the draft (version 2)" in response.text
    assert "nothing was saved" in response.text
    conflict = response.text.split('data-testid="conflict"')[1].split("</section>")[0]
    assert "The Borrower has had the chance to consult a lawyer." in conflict
    assert response.context["form"]["body"].value() == "Each Borrower was told to consult a lawyer."
    draft = ClauseVersion.objects.get(key="counsel", status=ClauseStatus.DRAFT)
    assert draft.body == "The Borrower has had the chance to consult a lawyer."
    assert draft.drafted_by == second_attorney

    # Having read theirs, saving again replaces it (the form is now based on their draft).
    again = dict(mine, based_on=response.context["form"]["based_on"].value())
    assert client.post(edit_url("counsel"), again).status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Each Borrower was told to consult a lawyer."


def test_saving_after_someone_else_approved_is_refused(client, attorney, second_attorney):
    client.force_login(attorney)
    mine = opened(client, "counsel")
    clause_edit("counsel", by=second_attorney, body="Approved meanwhile.", note="Meanwhile.")
    mine.update(body="Mine.")
    response = client.post(edit_url("counsel"), mine)
    assert "second-counsel@example.com approved version 2" in response.text
    assert "Approved meanwhile." in response.text.split('data-testid="conflict"')[1]
    assert not ClauseVersion.objects.filter(key="counsel", status=ClauseStatus.DRAFT).exists()


def test_approving_a_draft_that_changed_since_the_page_is_refused(
    client, attorney, second_attorney
):
    client.force_login(attorney)
    data = opened(client, "counsel")
    data.update(body="First draft.")
    client.post(edit_url("counsel"), data)
    shown = draft_token(client, "counsel")  # the page the first attorney reads
    other = client.__class__()
    other.force_login(second_attorney)
    theirs = opened(other, "counsel")
    theirs.update(body="Second draft.")
    assert other.post(edit_url("counsel"), theirs).status_code == 302
    response = client.post(
        reverse("settlements:clause_approve", args=["counsel"]), {"based_on": shown}, follow=True
    )
    assert "The draft changed since you opened the page" in response.text
    assert current("counsel").number == 1
    # Withdrawn meanwhile: nothing to approve.
    token = draft_token(other, "counsel")
    other.post(reverse("settlements:clause_withdraw", args=["counsel"]), {"based_on": token})
    response = client.post(
        reverse("settlements:clause_approve", args=["counsel"]), {"based_on": token}, follow=True
    )
    assert "Nothing to approve" in response.text
    assert current("counsel").number == 1


def test_withdrawing_a_draft_keeps_it_in_the_history_unused(lawyer):
    data = opened(lawyer, "counsel")
    data.update(body="A draft to drop.")
    lawyer.post(edit_url("counsel"), data)
    response = lawyer.post(
        reverse("settlements:clause_withdraw", args=["counsel"]),
        {"based_on": draft_token(lawyer, "counsel")},
        follow=True,
    )
    assert "Draft version 2 of “Advice of Counsel” withdrawn" in response.text
    withdrawn = ClauseVersion.objects.get(key="counsel", number=2)
    assert withdrawn.status == ClauseStatus.WITHDRAWN
    assert "draft withdrawn" in response.text and current("counsel").number == 1
    # The next edit starts from the current version and is version 3.
    data = opened(lawyer, "counsel")
    assert data["body"] == current("counsel").body
    data.update(body="Another try.")
    lawyer.post(edit_url("counsel"), data)
    assert ClauseVersion.objects.get(key="counsel", status=ClauseStatus.DRAFT).number == 3


def test_taking_a_clause_out_of_use(lawyer, staff, portfolio):
    data = opened(lawyer, "hardship")
    data.pop("active")
    data["note"] = "Not in our agreements any more."
    assert lawyer.post(edit_url("hardship"), data).status_code == 302
    approve_on_page(lawyer, "hardship")
    assert current("hardship").active is False
    agreement = draft_agreement(make_loan(portfolio, "HS-1"), staff)
    agreement.hardship = "job loss"
    agreement.save()
    assert "Borrower's Hardship" not in services._document_text(agreement)
    assert "withdrawn (not in use)" in lawyer.get(reverse("settlements:clauses")).text


# --- new clauses -----------------------------------------------------------------------------

NEW_CLAUSE = {
    "key": "mediation", "variant_of": "", "title": "Mediation",
    "body": "Before suing on this agreement, the parties will mediate in {governing_state}.",
    "kinds": ["dpo", "short_sale"], "states": [], "instrument": "", "when": "always",
    "position": "1275", "active": "on", "note": "Counsel's standard clause.", "based_on": "new",
}  # fmt: skip


def test_a_new_clause_is_a_draft_until_approved_then_new_drafts_use_it(lawyer, staff, portfolio):
    response = lawyer.post(reverse("settlements:clause_new"), NEW_CLAUSE)
    assert response.status_code == 302 and response["Location"] == page_url("mediation")
    agreement = draft_agreement(make_loan(portfolio, "MD-1"), staff)
    assert "Mediation" not in services._document_text(agreement)
    page = lawyer.get(page_url("mediation")).text
    assert "never approved yet" in page and "Approve version 1" not in page
    assert "You drafted this version: another attorney approves it." in page
    approve_on_page(lawyer, "mediation")
    text = services._document_text(agreement)
    assert "the parties will mediate in New York" in text
    assert text.index("Severability") < text.index("Mediation") < text.index("Entire Agreement")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"key": "Mediation"}, "key", "Lowercase letters, digits"),
        ({"key": "media--tion"}, "key", "Lowercase letters, digits"),
        ({"key": "new"}, "key", "is the name of a page"),
        ({"key": "preview"}, "key", "is the name of a page"),
        ({"key": "notices"}, "key", "A clause with the key “notices” exists"),
        ({"key": "x" * 61}, "key", "at most 60 characters"),
        ({"variant_of": "no-such-slot"}, "variant_of", "Select a valid choice"),
        ({"kinds": []}, "kinds", "Choose at least one document."),
        ({"when": "full_moon"}, "when", "Select a valid choice"),
        # A variant for every state under a condition that can hold with its clause's.
        ({"variant_of": "no-admission", "when": "junior_lien"}, "states", "already applies"),
    ],
)
def test_a_new_clause_is_checked(lawyer, changes, field, message):
    response = lawyer.post(reverse("settlements:clause_new"), {**NEW_CLAUSE, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message.lower() in e.lower() for e in errors.get(field, [])), errors
    assert response.context["form"]["body"].value() == NEW_CLAUSE["body"]
    assert (
        not ClauseVersion.objects.filter(key=changes.get("key", "mediation"))
        .exclude(key="notices")
        .exists()
    )


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_seeded_library_again():
    """Every transactional test (the browser tests) ends with a flush: the library must be
    there again for the next one, as the seed migration left it."""
    from django.core.management import call_command

    clause_edit("counsel", body="Edited.")
    call_command("flush", interactive=False, verbosity=0)
    assert current("counsel").number == 1
    assert ClauseVersion.objects.count() == len(clause_services.library.seed_entries())
    clause_edit("counsel", body="Edited.")
    call_command("migrate", "settlements", verbosity=0)  # a library edited is left alone
    assert current("counsel").body == "Edited."


@pytest.mark.parametrize(
    "changes",
    [
        {"position": "１２"},
        {"position": "9" * 30},
        {"kinds": ["dpo", "lease"]},
        {"instrument": "land_contract"},
        {"based_on": "x" * 500},
        {"when": ""},
        {"title": "t" * 161},
        {"note": "n" * 2001},
    ],
)
def test_odd_input_is_refused_with_a_message_never_an_error(lawyer, changes):
    data = {**opened(lawyer, "counsel"), **changes}
    for url in (edit_url("counsel"), reverse("settlements:clause_new")):
        response = lawyer.post(url, {**data, "key": "odd-input"})
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors
        preview = lawyer.post(url, {**data, "key": "odd-input", "preview": "1"})
        assert preview.status_code == 200
    assert not ClauseVersion.objects.filter(status=ClauseStatus.DRAFT).exists()


def test_an_edit_without_the_version_it_was_based_on_is_refused(lawyer):
    data = {**opened(lawyer, "counsel"), "based_on": "", "body": "Mine."}
    response = lawyer.post(edit_url("counsel"), data)
    assert response.status_code == 200 and "nothing was saved" in response.text
    assert not ClauseVersion.objects.filter(status=ClauseStatus.DRAFT).exists()


def test_a_clause_created_at_the_same_moment_is_refused_not_an_error(lawyer, attorney, monkeypatch):
    """Two attorneys create the same key at once: the second one's lock found no row yet,
    and the unique version number refuses its insert."""
    data = {**NEW_CLAUSE, "key": "mediation"}
    assert lawyer.post(reverse("settlements:clause_new"), data).status_code == 302
    monkeypatch.setattr(clause_services, "_locked", lambda key: [])
    monkeypatch.setattr(clause_services, "key_problems", lambda key, variant_of="": {})
    response = lawyer.post(reverse("settlements:clause_new"), {**data, "body": "Mine."})
    assert response.status_code == 200
    assert "saved this clause at the same moment" in response.text
    assert ClauseVersion.objects.get(key="mediation").body == NEW_CLAUSE["body"]


def test_the_drafter_and_staff_may_not_approve_a_clause(lawyer, staff):
    """Two attorneys for the wording of every future agreement (attack review): not the one
    who drafted it, and nobody who also holds Staff."""
    data = opened(lawyer, "counsel")
    data.update(body="Each Borrower had the chance to see a lawyer.", note="Shorter.")
    assert lawyer.post(edit_url("counsel"), data).status_code == 302
    response = lawyer.post(
        reverse("settlements:clause_approve", args=["counsel"]),
        {"based_on": draft_token(lawyer, "counsel")},
        follow=True,
    )
    assert "You drafted this version: another attorney approves it." in response.text
    both = make_user(Role.STAFF, Role.ATTORNEY, email="both@example.com")
    lawyer.force_login(both)
    response = lawyer.post(
        reverse("settlements:clause_approve", args=["counsel"]),
        {"based_on": draft_token(lawyer, "counsel")},
        follow=True,
    )
    assert "You also hold Staff" in response.text
    assert ClauseVersion.objects.get(key="counsel", number=2).status == ClauseStatus.DRAFT


def test_the_librarys_query_count_does_not_grow_with_its_clauses(lawyer, attorney):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("settlements:clauses")
    lawyer.get(url)
    with CaptureQueriesContext(connection) as before:
        assert lawyer.get(url).status_code == 200
    base = current("counsel")
    for n in range(15):
        ClauseVersion.objects.create(
            **{f: getattr(base, f) for f in ("title", "kinds", "states", "instrument", "when",
               "position", "required", "active")},
            key=f"extra-{n}", slot=f"extra-{n}", number=1, body="More words.",
            status=ClauseStatus.APPROVED, drafted_by=attorney,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        response = lawyer.get(url)
    assert "extra-14" in response.text
    assert len(after.captured_queries) == len(before.captured_queries)
