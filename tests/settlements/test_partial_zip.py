"""Issue 9: a loan imported with a partial ZIP (an agency tape's 3-digit prefix or masked ZIP,
stored as 752XX) cannot be sent for review until the full ZIP is entered on the loan."""

import pytest

from portfolios.models import Loan
from settlements import services
from tests.factories import draft_agreement

pytestmark = pytest.mark.django_db


def test_a_partial_zip_is_a_problem_until_the_full_zip_is_entered(staff, loan):
    Loan.objects.filter(pk=loan.pk).update(property_zip="752XX")
    loan.refresh_from_db()
    agreement = draft_agreement(loan, staff)
    found = [p for p in services.problems(agreement) if p.startswith("The property's address")]
    assert found == [
        "The property's address is complete (Missing the full ZIP (only its first three digits "
        "are known: 752XX): enter it in the loan's form. The agreement names the property by "
        "its address (agency tapes give no street and only part of the ZIP).)"
    ]
    Loan.objects.filter(pk=loan.pk).update(property_zip="75201")
    agreement.loan.refresh_from_db()
    assert not [p for p in services.problems(agreement) if p.startswith("The property's address")]
