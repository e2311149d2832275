"""A loan whose portfolio names its holder, and a DPO draft on it: most settlement tests start here."""

from decimal import Decimal

import pytest

from settlements import services
from tests.factories import make_loan


@pytest.fixture
def loan(portfolio):
    portfolio.holder_legal_name = "Owner Fund LLC"
    portfolio.holder_address = "1 Fund Way, Albany, NY"
    portfolio.save()
    return make_loan(portfolio, "SL-1")


@pytest.fixture
def draft(loan, staff):
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    agreement.settlement_amount = Decimal("150000.00")
    agreement.payment_method = "wire"
    agreement.save()
    return agreement
