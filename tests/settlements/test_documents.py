"""Agreement PDFs read back as text; the URL fetcher refuses everything but static files."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from deficiencies.models import LiquidationEvent  # noqa: F401 - app registry
from portfolios.models import Borrower
from settlements import clauses, documents, services
from settlements.models import Installment
from settlements.wording import amount_in_words, words_and_figures
from tests.factories import make_loan

pytestmark = pytest.mark.django_db
D = Decimal


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def loan(portfolio):
    portfolio.holder_legal_name = "Riverside Note Fund I, LLC"
    portfolio.holder_address = "100 Main St, Suite 400, Albany, NY 12207"
    portfolio.save()
    loan = make_loan(portfolio, "DOC-1", property_address="12 Oak St", property_city="Albany",
                     property_zip="12203", original_balance=D("250000.00"))  # fmt: skip
    Borrower.objects.create(loan=loan, name="Pat Partner", position=2)
    return loan


@pytest.fixture
def dpo(loan, staff):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("150000.00")
    agreement.payment_method = "wire"
    agreement.save()
    return agreement


def test_amounts_in_words():
    assert (
        amount_in_words(D("120450.05"))
        == "One Hundred Twenty Thousand Four Hundred Fifty and 05/100 Dollars"
    )
    assert amount_in_words(D("1234567.89")).startswith(
        "One Million Two Hundred Thirty-Four Thousand"
    )
    assert words_and_figures(D("105")) == "One Hundred Five and 00/100 Dollars ($105.00)"


def test_dpo_pdf_states_the_waiver_figures_notice_names_and_footers(dpo, staff):
    version = services.freeze_version(agreement=dpo, by=staff)
    reader, pages = pdf_text(bytes(version.pdf))
    text = one_line(" ".join(pages))
    total = dpo.total_debt
    waived = total - D("150000.00")
    assert "Waiver of the Remaining Balance" in text
    assert "the Total Debt as of" in text
    assert words_and_figures(total) in text
    assert "One Hundred Fifty Thousand and 00/100 Dollars ($150,000.00)" in text
    assert words_and_figures(waived) in text
    assert "including any deficiency and any deficiency judgment" in text
    assert "This waiver takes effect only on the Holder's receipt of all payments" in text
    assert "does not take effect if that does not happen" in text
    assert "Form 1099-C" in text and "may be taxable income" in text
    assert "their own tax and legal advice" in text
    assert "Riverside Note Fund I, LLC" in text
    assert "Borrower DOC-1" in text and "Pat Partner" in text
    assert (
        "No Admission of Liability" in text
        and "Governing Law" in text
        and "State of New York" in text
    )
    n = len(pages)
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {n}" in page
        assert f"Agreement {dpo.number} · version 1" in page
    assert reader.metadata.title.startswith("Discounted Payoff Agreement")
    assert reader.metadata.author == "Riverside Note Fund I, LLC"


def test_installments_are_listed(dpo, staff):
    from datetime import timedelta

    start = dpo.agreement_date
    Installment.objects.create(
        agreement=dpo, due_on=start + timedelta(days=30), amount=D("100000.00")
    )
    Installment.objects.create(
        agreement=dpo, due_on=start + timedelta(days=60), amount=D("50000.00")
    )
    text = one_line(
        " ".join(pdf_text(bytes(services.freeze_version(agreement=dpo, by=staff).pdf))[1])
    )
    assert "in 2 installments: $100,000.00 by" in text


def test_short_sale_pdf_has_its_terms_and_conditional_waiver(loan, staff):
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    agreement.minimum_net_proceeds = D("165000.00")
    agreement.relocation_amount = D("3000.00")
    agreement.save()
    text = one_line(
        " ".join(pdf_text(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))[1])
    )
    assert "Short Sale Agreement" in text
    assert "One Hundred Sixty-Five Thousand and 00/100 Dollars ($165,000.00)" in text
    assert "relocation payment of Three Thousand and 00/100 Dollars ($3,000.00)" in text
    assert "arm's-length" in text
    assert "this agreement ends and the Holder keeps every right" in text
    assert "This waiver takes effect only on the closing of the sale" in text
    assert "is to receive is at least One Hundred Sixty-Five Thousand and 00/100 Dollars" in text
    assert "receives exactly the Minimum Net Proceeds, the amount the Holder waives is" in text


@pytest.mark.parametrize(
    "name",
    ['<img src="http://127.0.0.1:9/x">', '<link rel="attachment" href="file:///etc/passwd">'],
)
def test_hostile_borrower_names_print_as_text_and_fetch_nothing(loan, staff, name):
    loan.borrowers.filter(position=2).update(name=name)
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("150000.00")
    agreement.save()
    fetcher = documents.fetcher()
    fetcher.refused.clear()
    reader, pages = pdf_text(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))
    assert name in one_line(" ".join(pages))
    assert fetcher.refused == []  # escaped: nothing was even asked for
    assert reader.attachments == {}


def test_the_fetcher_refuses_file_http_and_anything_outside_static():
    fetcher = documents.fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x", "https://example.com/a.css",
                "data:text/plain,hi", "noteinvest-static:../settings.py", "noteinvest-static:/etc/passwd"):  # fmt: skip
        with pytest.raises(documents.RefusedURL):
            fetcher.fetch(url)
    ok = fetcher.fetch("noteinvest-static:fonts/source-serif-pro/SourceSerifPro-Regular.ttf")
    assert ok.read(4) in (b"\x00\x01\x00\x00", b"OTTO", b"true")


def test_unescaped_html_still_cannot_fetch_or_embed_anything():
    # Even if escaping were ever lost, the fetcher stands between the document and the disk.
    fetcher = documents.fetcher()
    fetcher.refused.clear()
    html = ('<html><head><link rel="attachment" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>'
            '<body><img src="file:///etc/hostname"><p>x</p></body></html>')  # fmt: skip
    reader, _ = pdf_text(documents.html_to_pdf(html))
    assert reader.attachments == {}
    assert set(fetcher.refused) >= {"file:///etc/passwd", "http://127.0.0.1:9/evil.css"}


def test_quotes_in_a_loan_number_cannot_break_the_page_style(portfolio, staff):
    loan = make_loan(portfolio, 'Q"; } body { display: none } "')
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("1000.00")
    agreement.save()
    text = one_line(
        " ".join(pdf_text(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))[1])
    )
    assert "Waiver of the Remaining Balance" in text


def test_frozen_version_keeps_its_bytes_and_hash(dpo, staff):
    import hashlib

    version = services.freeze_version(agreement=dpo, by=staff)
    assert hashlib.sha256(bytes(version.pdf)).hexdigest() == version.sha256
    titles = [t for t, _ in clauses.sections(version.terms)]
    number = titles.index("Waiver of the Remaining Balance") + 1
    assert f"\n{number}. Waiver of the Remaining Balance\n" in version.text
    again = services.freeze_version(agreement=dpo, by=staff)
    assert again.number == 2
    assert documents.render_agreement_html(version).count("Waiver of the Remaining Balance") == 1


def test_render_many_yields_one_pdf_per_document_and_restores_gc():
    import gc

    html = "<html><body><p>One page.</p></body></html>"
    pdfs = list(documents.render_many([html] * 3, collect_every=2))
    assert len(pdfs) == 3 and all(p.startswith(b"%PDF-") for p in pdfs)
    assert gc.isenabled()


def test_a_dpo_after_a_foreclosure_settles_what_is_left(loan, staff):
    from tests.factories import record_sale

    deficiency = record_sale(loan, staff)  # NY: 209,500.00 debt on Oct 1, 2026, sale 150,000
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.total_debt == D("59500.00") == deficiency.deficiency
    assert agreement.payoff_as_of == deficiency.debt_as_of
    agreement.settlement_amount = D("20000.00")
    agreement.payment_method = "wire"
    agreement.save()
    text = one_line(
        " ".join(pdf_text(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))[1])
    )
    assert (
        "the total amount owed on the Loan was Two Hundred Nine Thousand Five Hundred and 00/100 Dollars ($209,500.00)"
        in text
    )
    assert "The foreclosure sale of the Property on October 1, 2026 credited $150,000.00" in text
    assert "leaving Fifty-Nine Thousand Five Hundred and 00/100 Dollars ($59,500.00) unpaid" in text
    # Waived: 59,500 - 20,000 = 39,500, not the pre-sale debt less the settlement.
    assert (
        "the amount the Holder waives is Thirty-Nine Thousand Five Hundred and 00/100 Dollars ($39,500.00)"
        in text
    )
    assert "Confirmation of Settlement" in text and "Release of the Lien" not in text


def test_no_short_sale_once_the_property_was_liquidated(loan, staff):
    from tests.factories import record_sale

    record_sale(loan, staff)
    with pytest.raises(services.AgreementError, match="short sale no longer fits"):
        services.start_draft(loan=loan, kind="short_sale", by=staff)


def test_a_loan_without_a_street_address_names_the_state(portfolio, staff):
    # An agency tape's loan: a state, no street, city or ZIP.
    loan = make_loan(portfolio, "NOADDR", property_address="", property_city="", property_zip="")
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = D("1000.00")
    agreement.save()
    text = one_line(
        " ".join(pdf_text(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))[1])
    )
    assert "on property in the State of New York (the “Property”)" in text
    # A draft may say so; it is not ready for the attorney until the address is complete.
    assert (
        "The property's address is complete (Missing the street, the city and the ZIP: enter "
        "it in the loan's form." in " ".join(services.problems(agreement))
    )
