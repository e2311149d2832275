"""Issue 9: a loan's deferred (non-interest-bearing) principal in the deficiency figures and
the settlement agreements (snapshot, terms and PDF). Figures are worked by hand."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from settlements import clauses, services
from tests.factories import make_loan, record_sale

pytestmark = pytest.mark.django_db
D = Decimal


def _pdf_text(agreement, staff) -> str:
    pdf = bytes(services.freeze_version(agreement=agreement, by=staff).pdf)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return re.sub(r"\s+", " ", " ".join(pages))


@pytest.fixture
def loan(portfolio):
    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY 12207"
    portfolio.save()
    # UPB 200,000.00 of which 50,000.00 deferred, 6 % 30/360, paid to Jan 1, 2026, fees 500.
    return make_loan(portfolio, "DEF-1", deferred_principal=D("50000.00"))


def test_the_deficiency_debt_accrues_no_interest_on_the_deferred_principal(client, staff, loan):
    deficiency = record_sale(loan, staff)  # foreclosure sale on Oct 1, 2026 at 150,000.00
    # Jan 1 -> Oct 1 (30/360) = 270 days on 150,000: 150,000 x 6% x 270 / 360 = 6,750.00
    # (on the whole 200,000: 9,000.00). Debt 200,000 + 6,750 + 500 = 207,250.00;
    # deficiency 207,250 - 150,000 = 57,250.00
    assert (deficiency.principal, deficiency.deferred_principal) == (
        D("200000.00"), D("50000.00"),
    )  # fmt: skip
    assert deficiency.interest == D("6750.00")
    assert deficiency.per_diem == D("25.00")  # 9,000 / 360
    assert deficiency.total_debt == D("207250.00")
    assert deficiency.deficiency == D("57250.00")
    client.force_login(staff)
    text = client.get(deficiency.get_absolute_url()).text
    assert "Interest-bearing principal" in text and "$150,000.00" in text
    assert "Together the unpaid principal, $200,000.00" in text
    assert 'data-testid="deficiency-deferred">$50,000.00<' in text


def test_a_dpo_snapshot_and_pdf_show_the_deferred_principal_line(monkeypatch, staff, loan):
    monkeypatch.setattr(services.timezone, "localdate", lambda: date(2026, 7, 1))
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    # Jan 1 -> Jul 1 (30/360) = 180 days on 150,000: 150,000 x 6% x 180 / 360 = 4,500.00
    # total 200,000 + 4,500 + 500 = 205,000.00
    assert (agreement.principal, agreement.deferred_principal) == (D("200000.00"), D("50000.00"))
    assert agreement.interest == D("4500.00")
    assert agreement.total_debt == D("205000.00")
    agreement.settlement_amount = D("100000.00")
    agreement.payment_method = "wire"
    agreement.save()
    text = _pdf_text(agreement, staff)
    assert "Two Hundred Five Thousand and 00/100 Dollars ($205,000.00)" in text
    assert (
        "unpaid principal $200,000.00, of which $50,000.00 is deferred principal that bears no "
        "interest; interest accrued to that date $4,500.00; fees $500.00" in text
    )
    # 150,000 x 6% / 360 = 25.00 a day after the good-through date (issue 11).
    assert "interest accrues on the interest-bearing unpaid principal at $25.00 a day" in text


def test_a_dpo_after_a_sale_shows_the_deferred_principal_in_the_debt_before_it(staff, loan):
    record_sale(loan, staff)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.deferred_principal == D("50000.00")
    assert agreement.total_debt == D("57250.00")
    agreement.settlement_amount = D("20000.00")
    agreement.payment_method = "wire"
    agreement.save()
    text = _pdf_text(agreement, staff)
    assert "($207,250.00): unpaid principal $200,000.00, of which $50,000.00 is deferred " in text
    assert "principal that bears no interest; interest accrued" in text
    assert "leaving Fifty-Seven Thousand Two Hundred Fifty and 00/100 Dollars ($57,250.00)" in text


def test_without_a_deferred_principal_the_wording_is_unchanged(portfolio, staff):
    loan = make_loan(portfolio, "PLAIN-1")
    portfolio.holder_address = "1 Fund Way, Albany, NY 12207"
    portfolio.save()
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.deferred_principal == D("0.00")
    terms = {"payoff": {"as_of": "2026-07-01", "principal": "200000.00",
                        "deferred_principal": "0.00", "interest": "6000.00", "fees": "500.00",
                        "costs": "0.00", "advances": "0.00", "suspense": "0.00",
                        "total": "206500.00"}}  # fmt: skip
    text = clauses._amount_owed(terms)
    assert "unpaid principal $200,000.00; interest accrued" in text
    assert "deferred" not in text and "interest-bearing" not in text
    # A version frozen before the field existed has no deferred principal in its terms.
    del terms["payoff"]["deferred_principal"]
    assert clauses._amount_owed(terms) == text
