"""Review that works (issue 12): resolved comments, approval with open comments confirmed,
a redline that covers the signature block, and sections numbered alike in every rendering."""

import html
import re

import pytest
from django.urls import reverse

from noteinvest.access import Role
from settlements import clauses, documents, services
from settlements.models import ReviewComment, Status
from settlements.redline import compare
from settlements.terms import terms_for
from tests.factories import make_user
from tests.settlements.test_new_clauses import _parties_post
from tests.settlements.test_parties import pdf_words

pytestmark = pytest.mark.django_db


def in_review(draft, staff, attorney):
    services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    draft.refresh_from_db()
    return draft


def _resolve(client, agreement, comment, **data):
    return client.post(
        reverse("settlements:resolve_comment", args=[agreement.pk, comment.pk]), data
    )


# --- 1. comments resolved and reopened, with who and when ---------------------------------


def test_the_reviewing_attorney_resolves_a_comment_and_staff_reopen_it(
    client, draft, staff, attorney
):
    agreement = in_review(draft, staff, attorney)
    comment = services.add_comment(
        agreement=agreement, section=2, body="Fix the date.", by=attorney
    )
    client.force_login(attorney)
    page = client.get(agreement.get_absolute_url())
    assert "1 open, 0 resolved." in page.content.decode()
    response = _resolve(client, agreement, comment)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == attorney and comment.resolved_at is not None
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "0 open, 1 resolved." in page
    assert f"Resolved by {attorney.email}" in page
    client.force_login(staff)
    _resolve(client, agreement, comment, action="reopen")
    comment.refresh_from_db()
    assert comment.is_open and comment.resolved_by is None
    _resolve(client, agreement, comment)
    comment.refresh_from_db()
    assert comment.resolved_by == staff


def test_staff_resolve_comments_while_revising_after_changes_were_requested(
    client, draft, staff, attorney
):
    agreement = in_review(draft, staff, attorney)
    services.request_changes(agreement=agreement, note="Wrong bank.", by=attorney)
    comment = ReviewComment.objects.get()
    client.force_login(staff)
    _resolve(client, agreement, comment)
    comment.refresh_from_db()
    assert comment.resolved_by == staff


def test_others_cannot_resolve(client, draft, staff, attorney, owner):
    agreement = in_review(draft, staff, attorney)
    comment = services.add_comment(agreement=agreement, section=None, body="Hm.", by=attorney)
    other_attorney = make_user(Role.ATTORNEY)
    client.force_login(other_attorney)
    assert _resolve(client, agreement, comment).status_code == 404  # not theirs to see
    client.force_login(owner)
    assert _resolve(client, agreement, comment).status_code == 403  # investors never
    comment.refresh_from_db()
    assert comment.is_open


def test_a_comment_of_another_agreement_is_404(client, draft, staff, attorney, loan):
    agreement = in_review(draft, staff, attorney)
    comment = services.add_comment(agreement=agreement, section=None, body="Hm.", by=attorney)
    other = services.start_draft(loan=loan, kind="short_sale", by=staff)
    client.force_login(staff)
    url = reverse("settlements:resolve_comment", args=[other.pk, comment.pk])
    assert client.post(url).status_code == 404


def test_after_approval_comments_are_no_longer_resolved(draft, staff, attorney):
    agreement = in_review(draft, staff, attorney)
    comment = services.add_comment(agreement=agreement, section=None, body="Hm.", by=attorney)
    services.approve(agreement=agreement, by=attorney, open_confirmed=1)
    with pytest.raises(services.AgreementError, match="only while"):
        services.resolve_comment(comment=comment, by=staff)


# --- 3. approving with open comments asks for confirmation and says so ---------------------


def test_approving_with_open_comments_needs_the_box_ticked(client, draft, staff, attorney):
    agreement = in_review(draft, staff, attorney)
    services.add_comment(agreement=agreement, section=None, body="One.", by=attorney)
    services.add_comment(agreement=agreement, section=1, body="Two.", by=attorney)
    client.force_login(attorney)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "I approve with 2 open comments" in page
    url = reverse("settlements:approve", args=[agreement.pk])
    response = client.post(url, {"version": agreement.version}, follow=True)
    assert "There are 2 open comments" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.IN_REVIEW
    # A stale count (one was added since the page was opened) is refused too.
    response = client.post(url, {"version": agreement.version, "open_confirmed": "1"})
    agreement.refresh_from_db()
    assert agreement.status == Status.IN_REVIEW
    client.post(url, {"version": agreement.version, "open_confirmed": "2"})
    agreement.refresh_from_db()
    assert agreement.status == Status.APPROVED
    assert agreement.history.last().note == "Version 1 approved with 2 open comments."


def test_approving_with_every_comment_resolved_needs_no_box(client, draft, staff, attorney):
    agreement = in_review(draft, staff, attorney)
    comment = services.add_comment(agreement=agreement, section=None, body="One.", by=attorney)
    services.resolve_comment(comment=comment, by=attorney)
    client.force_login(attorney)
    assert "I approve with" not in client.get(agreement.get_absolute_url()).content.decode()
    client.post(reverse("settlements:approve", args=[agreement.pk]), {"version": agreement.version})
    agreement.refresh_from_db()
    assert agreement.status == Status.APPROVED
    assert agreement.history.last().note == "Version 1 approved."


# --- 4. the redline covers the signature block ---------------------------------------------


def test_the_plain_text_ends_with_the_signature_block(draft):
    text = clauses.plain_text(terms_for(draft, version_number=1))
    tail = text.split("SIGNATURES", 1)[1]
    # The blocks the PDF prints (clauses.signatures): the holder by its signatory, each
    # borrower by the name as signed.
    assert "Owner Fund LLC, Holder — By: signature; Name: " in tail
    assert ", Borrower — signature; date" in tail


def test_a_renamed_holder_shows_in_the_signature_block_of_the_redline(draft):
    old = clauses.plain_text(terms_for(draft, version_number=1))
    draft.holder_name = "Owner Fund II LLC"
    new = clauses.plain_text(terms_for(draft, version_number=2))
    changed = [
        "".join(text for op, text in para)
        for para in compare(old, new).paragraphs
        if any(op != "same" for op, _ in para)
    ]
    assert any("Owner Fund II LLC, Holder — By: signature" in p for p in changed)


# --- 5. the reviewing attorney reads (never edits) the loan and the deficiency ------------


def test_the_reviewing_attorney_reads_the_loan_only_while_in_review(client, draft, staff, attorney):
    loan_url = reverse("portfolios:loan_detail", args=[draft.loan_id])
    client.force_login(attorney)
    assert client.get(loan_url).status_code == 404  # a draft: not sent to them yet
    agreement = in_review(draft, staff, attorney)
    page = client.get(loan_url)
    assert page.status_code == 200
    assert "Edit loan" not in page.text
    assert client.get(reverse("portfolios:loan_edit", args=[draft.loan_id])).status_code == 403
    other = make_user(Role.ATTORNEY)
    client.force_login(other)
    assert client.get(loan_url).status_code == 404
    services.approve(agreement=agreement, by=attorney)
    client.force_login(attorney)
    assert client.get(loan_url).status_code == 404  # the review ended


def test_the_reviewing_attorney_reads_the_deficiency_only_while_in_review(
    client, portfolio, staff, attorney
):
    from decimal import Decimal

    from tests.factories import make_loan, record_sale

    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    deficiency = record_sale(make_loan(portfolio, "DEF-1"), staff)
    agreement = services.start_draft(loan=deficiency.loan, kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("30000.00")
    agreement.payment_method = "wire"
    agreement.save()
    url = reverse("deficiencies:detail", args=[deficiency.pk])
    client.force_login(attorney)
    assert client.get(url).status_code == 404
    agreement = in_review(agreement, staff, attorney)
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("portfolios:loan_detail", args=[deficiency.loan_id])).status_code == 200
    )
    client.force_login(make_user(Role.ATTORNEY))
    assert client.get(url).status_code == 404
    services.request_changes(agreement=agreement, note="", by=attorney)
    client.force_login(attorney)
    assert client.get(url).status_code == 404


# --- 2. open comments beside the drafting step they concern --------------------------------


def test_open_comments_are_shown_beside_the_step_that_edits_their_section(
    client, draft, staff, attorney
):
    agreement = in_review(draft, staff, attorney)
    titles = [t for t, _ in clauses.sections(agreement.versions.get().terms)]
    payment = titles.index("Settlement Payment") + 1
    services.add_comment(agreement=agreement, section=1, body="Spell the name.", by=attorney)
    services.add_comment(agreement=agreement, section=payment, body="Wire by the 5th.", by=attorney)
    services.add_comment(
        agreement=agreement, section=titles.index("Purpose") + 1, body="Purpose?", by=attorney
    )
    services.request_changes(agreement=agreement, note="See my comments.", by=attorney)
    client.force_login(staff)

    def shown(step):
        page = client.get(reverse("settlements:edit", args=[agreement.pk, step]))
        assert page.status_code == 200
        return {c.body for c in page.context["step_comments"]}

    whole = "See my comments."
    assert shown("parties") == {"Spell the name.", whole}
    assert shown("terms") == {"Purpose?", "Wire by the 5th.", whole}  # the amount
    assert shown("payments") == {"Wire by the 5th.", whole}
    assert shown("review") == {whole}
    page = client.get(reverse("settlements:edit", args=[agreement.pk, "payments"])).text
    assert "Open review comments for this step" in page and "Wire by the 5th." in page
    comment = ReviewComment.objects.get(body="Wire by the 5th.")
    services.resolve_comment(comment=comment, by=staff)
    assert shown("payments") == {whole}


# --- 6. one source of sections: the document, the PDF, the review page and the redline ------


def _numbered(terms) -> list[str]:
    return [f"{n}. {title}" for n, (title, _) in enumerate(clauses.sections(terms), 1)]


def _in_order(text: str, items: list[str]) -> None:
    at = 0
    for item in items:
        found = text.find(item, at)
        assert found >= 0, f"{item!r} missing, or out of order"
        at = found + len(item)


def test_the_html_the_pdf_and_the_redline_number_the_sections_as_sections_does(
    client, draft, staff, attorney
):
    """For version 2, the numbered headings `sections(terms)` gives are, in the same order, the
    document HTML's, the PDF's, the review page's, and the lines of the text the redline
    compares. Version 2 adds a section as section 2, so the redline from version 1 shows
    every later heading renumbered: version 2's numbering on its new side, version 1's on
    its old side (the unchanged first heading it does not show)."""
    in_review(draft, staff, attorney)
    services.request_changes(agreement=draft, note="The holder is a debt collector.", by=attorney)
    draft.refresh_from_db()
    client.force_login(staff)
    url, data = _parties_post(draft, holder_is_debt_collector="on")
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.holder_is_debt_collector
    version = services.submit_for_review(agreement=draft, reviewer=attorney, by=staff)
    first = draft.versions.get(number=1)
    headings, before = _numbered(version.terms), _numbered(first.terms)
    assert len(headings) > 20 and headings[1] == "2. Debt Collector Notice"
    assert [h.split(". ", 1)[1] for h in headings[2:]] == [h.split(". ", 1)[1] for h in before[1:]]

    # The document's HTML, as frozen into the PDF: exactly these headings.
    document = documents.render_agreement_html(version)
    assert [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", document)] == headings
    # The PDF, read back.
    _in_order(pdf_words(bytes(version.pdf)), headings)
    # The text the redline compares: exactly these heading lines.
    lines = [line for line in version.text.splitlines() if re.match(r"\d+\. [A-Z]", line)]
    assert lines == headings

    # The reviewing attorney's page: the sections to comment on, and the redline.
    client.force_login(attorney)
    page = client.get(draft.get_absolute_url())
    options = re.findall(r"<option value=\"\d+\"[^>]*>Section (\d+\. [^<]*)</option>", page.text)
    assert [html.unescape(o) for o in options] == headings
    assert (page.context["redline"]["from"], page.context["redline"]["to"]) == (1, 2)
    shown = page.text.split('<div class="redline small mb-3">', 1)[1].split("</div>", 1)[0]
    paragraphs = re.findall(r"<p>(.*?)</p>", shown, re.S)

    def side(drop: str) -> list[str]:
        texts = [re.sub(rf"<{drop}>.*?</{drop}>", "", p, flags=re.S) for p in paragraphs]
        texts = [html.unescape(re.sub(r"<[^>]+>", "", t)) for t in texts]
        return [t for t in texts if re.match(r"\d+\. [A-Z]", t)]

    assert side("del") == headings[1:]  # what version 2 says
    assert side("ins") == before[1:]  # what version 1 said
