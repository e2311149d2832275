"""The portfolio page's loan table, built in Python: escaped cells, sort links, filter options."""

import pytest
from django.urls import reverse

from portfolios.models import Borrower
from tests.factories import make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, owner, portfolio):
    client.force_login(owner)
    return lambda **query: client.get(reverse("portfolios:detail", args=[portfolio.pk]), query)


def test_every_cell_of_a_row_is_escaped(page, portfolio):
    loan = make_loan(portfolio, number='<b id="n">1</b>')
    Borrower.objects.filter(loan=loan).update(name="<script>alert('x')</script>")
    Borrower.objects.create(loan=loan, name="Ann & Bob", position=2)
    response = page()
    text = response.text
    assert "<script>alert" not in text and '<b id="n">' not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>Ann &amp; Bob" in text
    assert f'href="{reverse("portfolios:loan_detail", args=[loan.pk])}"' in text
    assert "&lt;b id=&quot;n&quot;&gt;1&lt;/b&gt;</a>" in text


def test_borrowers_are_listed_in_their_order_whatever_their_names(page, portfolio):
    # The names travel as JSON inside the table's query: quotes, commas, brackets,
    # backslashes and control characters come back as they were.
    loan = make_loan(portfolio)
    Borrower.objects.filter(loan=loan).update(position=3)
    Borrower.objects.create(loan=loan, name='Zoë "Q", [x] \\ y\x1f', position=1)
    Borrower.objects.create(loan=loan, name="Second", position=3)
    (row,) = page().context["rows"]
    assert row.borrowers == "Zoë &quot;Q&quot;, [x] \\ y\x1f<br>Borrower L-1<br>Second"


def test_a_blank_borrower_name_reads_not_on_the_tape(page, portfolio):
    loan = make_loan(portfolio)
    Borrower.objects.filter(loan=loan).update(name="")
    assert "Not on the tape" in page().text


def test_sort_links_show_the_order_and_keep_the_filters(page, portfolio):
    make_loan(portfolio)
    text = page().text  # by loan number, ascending
    assert ('<a class="sort-link active" href="?sort=-loan_number" aria-label="Loan, sorted '
            'ascending; sort descending">Loan <span aria-hidden="true">▲</span></a>') in text  # fmt: skip
    assert '<a class="sort-link" href="?sort=upb">UPB</a>' in text
    text = page(state="NY", sort="-upb", page="1").text
    assert ('<a class="sort-link active" href="?state=NY&amp;sort=upb" aria-label="UPB, sorted '
            'descending; sort ascending">UPB <span aria-hidden="true">▼</span></a>') in text  # fmt: skip
    assert '<a class="sort-link" href="?state=NY&amp;sort=loan_number">Loan</a>' in text


def test_filter_options_mark_the_chosen_value_only(page, portfolio):
    make_loan(portfolio)
    assert '<option value="NY" selected>' in page(state="NY").text
    text = page(state="ZZ").text  # not a choice: none is marked
    assert " selected>" not in text.split('id="id_state"')[1].split("</select>")[0]
    assert '<option value="" selected>All states</option>' in page().text
