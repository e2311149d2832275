"""Borrowers added in the loan form take the next position: only the first is the primary
borrower, the others are shown as co-borrowers."""

import re

import pytest
from django.urls import reverse

from tests.portfolios.test_pages import loan_post_data, make_loans

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(portfolio):
    return make_loans(portfolio, 1)[0]


def labels(page: str) -> list[str]:
    return re.findall(r'<span class="small text-body-secondary">(primary|co-borrower)</span>', page)


def test_a_co_borrower_added_to_a_loan_is_not_primary(client, staff, loan):
    client.force_login(staff)
    data = loan_post_data(loan, **{
        "borrowers-TOTAL_FORMS": "3", "borrowers-1-loan": loan.pk, "borrowers-1-name": "Cora Co",
        "borrowers-2-loan": loan.pk, "borrowers-2-name": "Dan Third",
    })  # fmt: skip
    assert client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data).status_code == 302
    positions = list(loan.borrowers.order_by("position").values_list("position", "name"))
    assert positions == [(1, "Borrower of L000000"), (2, "Cora Co"), (3, "Dan Third")]
    assert labels(client.get(loan.get_absolute_url()).text) == [
        "primary",
        "co-borrower",
        "co-borrower",
    ]


def test_a_new_loan_with_two_borrowers_numbers_them(client, staff, portfolio, loan):
    client.force_login(staff)
    data = loan_post_data(loan, **{
        "loan_number": "NEW-2", "version": "", "borrowers-INITIAL_FORMS": "0",
        "borrowers-TOTAL_FORMS": "2", "borrowers-0-id": "", "borrowers-0-loan": "",
        "borrowers-0-name": "Ann First", "borrowers-1-name": "Bob Second",
    })  # fmt: skip
    assert (
        client.post(reverse("portfolios:loan_create", args=[portfolio.pk]), data).status_code == 302
    )
    new = portfolio.loans.get(loan_number="NEW-2")
    assert list(new.borrowers.values_list("position", "name")) == [
        (1, "Ann First"),
        (2, "Bob Second"),
    ]


def test_a_sole_borrower_is_the_primary(client, owner, loan):
    client.force_login(owner)
    assert labels(client.get(loan.get_absolute_url()).text) == ["primary"]
