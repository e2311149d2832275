"""A loan in the owner's portfolio and a deficiency recorded on it by a foreclosure sale."""

import pytest

from tests.factories import make_loan, record_sale


@pytest.fixture
def loan(portfolio):
    return make_loan(portfolio)


@pytest.fixture
def deficiency(loan, staff):
    return record_sale(loan, staff)
