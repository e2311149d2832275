"""The PDF read back (issue 11): figures good through a date with their per diem, the rule
for a later payment or closing, the short-sale floor, the senior lender's approval and the
tax notice that informs without advising."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from settlements import services
from settlements.models import Agreement
from settlements.wording import long_date
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db
D = Decimal


def pdf_text(agreement, by) -> str:
    version = services.freeze_version(agreement=Agreement.objects.get(pk=agreement.pk), by=by)
    pages = PdfReader(io.BytesIO(bytes(version.pdf))).pages
    words = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    return re.sub(PAGE_BREAK, " ", words)


# A page's running header and footer, read between the last words of a page and the first
# of the next: the text reads on without them.
PAGE_BREAK = r" ?Loan \S+ Agreement SA-\d{4}-\d{4} · version \d+ Page \d+ of \d+ ?"


def test_a_dpo_states_its_good_through_date_per_diem_and_the_rule_after_it(draft, staff):
    good = long_date(timezone.localdate())
    text = pdf_text(draft, staff)
    # 200,000 x 6% / 360 = 33.33 a day.
    assert f"The Total Debt is stated as of {good} (the “Good-Through Date”)" in text
    assert "interest accrues on the unpaid principal at $33.33 a day (the “Per Diem”)" in text
    waived = draft.total_debt - D("150000.00")
    assert "the amount the Holder waives is" in text and f"(${waived:,.2f}) as of {good}" in text
    assert (
        f"If the Holder receives the final payment after {good}, the amount waived is the Total "
        f"Debt plus the Per Diem of $33.33 for each day after {good} up to and including the day "
        "the Holder receives the final payment, less the Settlement Amount received."
    ) in text
    assert "Interest continues to accrue" not in text


def test_after_a_sale_without_judgment_nothing_accrues(loan, staff):
    record_sale(loan, staff)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("20000.00")
    agreement.payment_method = "wire"
    agreement.save()
    text = pdf_text(agreement, staff)
    assert "no interest accrues on it after that date (a Per Diem of $0.00)" in text
    assert "(no interest accrues after the Good-Through Date) as of the day the Holder" in text


def test_a_short_sale_minimum_is_a_floor_and_the_waiver_shrinks_above_it(loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    agreement.minimum_net_proceeds = D("150000.00")
    agreement.save()
    text = pdf_text(agreement, staff)
    assert "is to receive is at least One Hundred Fifty Thousand and 00/100 Dollars" in text
    assert "(the Minimum Net Proceeds: a floor, not a fixed price)" in text
    # A figure for one case, never a cap that accruing interest would contradict.
    assert "if the sale closes on" in text
    assert "receives exactly the Minimum Net Proceeds, the amount the Holder waives is" in text
    assert "at most" not in text
    assert "“Net proceeds” means what the Holder itself receives at closing" in text
    assert "This offer ends unless the Borrower signs this agreement" in text
    assert "plus the Per Diem of $33.33 for each day after" in text
    assert "the sale closes, less the net proceeds the Holder actually receives at closing" in text
    assert (
        "every dollar the Holder receives above the Minimum Net Proceeds reduces the amount "
        "waived by one dollar" in text
    )


def test_a_junior_liens_short_sale_pdf_makes_the_senior_approval_a_condition(portfolio, staff):
    portfolio.holder_address = "1 Fund Way, Albany, NY 12207"
    portfolio.save()
    junior = make_loan(portfolio, "JR-PDF", lien_position=2)
    agreement = services.start_draft(loan=junior, kind="short_sale", by=staff)
    agreement.minimum_net_proceeds = D("150000.00")
    agreement.senior_lienholder = "First Bank, N.A."
    agreement.save()
    text = pdf_text(agreement, staff)
    assert "Senior Lienholder's Approval" in text
    assert "held by First Bank, N.A. (the “Senior Lienholder”)" in text
    assert "only if the Senior Lienholder approves the sale in writing before closing" in text
    # Only the release and the waiver wait for it; net proceeds count after the senior is paid.
    assert "the Borrower's other duties under this agreement apply from signing" in text
    assert "Net proceeds are counted after the Senior Lienholder is paid" in text


def test_the_tax_notice_informs_without_advising(draft, staff):
    text = pdf_text(draft, staff)
    assert "IRS Publication 4681" in text
    # Box 3 is "Interest, if included in box 2": part of box 2, never on top of it.
    assert "Box 2 of Form 1099-C shows the amount of debt discharged" in text
    assert "any interest it does include is also" in text and "shown in box 3" in text
    assert "only the forgiven principal" not in text
    assert "(IRS Instructions for Forms 1099-A and 1099-C)" in text
    assert "insolvent" in text and "bankruptcy" in text and "26 U.S.C. § 108(a)" in text
    assert "The Holder gives no tax or legal advice" in text
    # Informs, never advises: no "you should exclude", "you qualify" and the like.
    assert not re.search(r"\b(qualif|should (claim|exclude|file))", text, re.IGNORECASE)


def test_the_dpo_still_says_what_a_default_restores_on_a_debt_the_law_allows(draft, staff):
    # The collection wording stays for a debt still owed; a barred one is never drafted
    # (test_checks.test_a_barred_deficiency_cannot_be_drafted).
    assert "stays due" in pdf_text(draft, staff)


def test_a_judgments_per_diem_is_post_judgment_interest(loan, staff):
    from deficiencies.models import DeficiencySuit, Judgment
    from deficiencies.services import record_judgment, record_suit

    today = timezone.localdate()
    deficiency = record_sale(loan, staff, on=today - timedelta(days=200))
    record_suit(
        deficiency=deficiency,
        suit=DeficiencySuit(court="Supreme Court", case_number="C-2",
                            filed_on=today - timedelta(days=100)),
        by=staff,
    )  # fmt: skip
    record_judgment(
        deficiency=deficiency,
        judgment=Judgment(granted_on=today - timedelta(days=30), amount=D("36500.00"),
                          interest_rate=D("9")),
        by=staff,
    )  # fmt: skip
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("10000.00")
    agreement.payment_method = "wire"
    agreement.save()
    text = pdf_text(agreement, staff)
    good = long_date(today)
    assert (
        f"A deficiency judgment was entered on {long_date(today - timedelta(days=30))} for "
        "$36,500.00, bearing post-judgment interest at 9% a year. On that judgment, with its "
        "post-judgment interest and less what was recovered, the amount the Holder claims is "
        f"Thirty-Six Thousand Seven Hundred Seventy and 00/100 Dollars ($36,770.00) as of {good}"
    ) in text
    # Its default clause speaks of the judgment's interest, and its satisfaction's time.
    # (the PDF's text may break "post-judgment" at its hyphen)
    assert re.search(r"the rest of the Total Debt, with post- ?judgment interest, stays due", text)
    assert "file a satisfaction of the deficiency judgment entered on" in text
    assert "within 20 days after it receives the final payment" in text
    assert re.search(
        r"post- ?judgment interest accrues on the judgment's unpaid amount at \$9\.00 a day", text
    )
    assert "plus the Per Diem of $9.00 for each day after" in text


def test_the_payment_instructions_end_in_one_period(draft, staff):
    draft.payment_instructions = "To the account in the holder's signed wire letter."
    draft.save()
    text = pdf_text(draft, staff)
    assert "signed wire letter. A payment counts" in text
    assert "letter.." not in text
