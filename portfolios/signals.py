"""Keep each portfolio's loans_changed_at current when a single loan is saved or deleted.

Bulk writes (the loan-tape import) skip signals and touch the portfolio themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portfolios.models import Loan, Portfolio


@receiver(post_save, sender=Loan)
@receiver(post_delete, sender=Loan)
def loan_changed(sender, instance, **kwargs):
    Portfolio.touch_loans(instance.portfolio_id)
