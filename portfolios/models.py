"""Portfolios: pools of mortgage notes an investor bought from a seller."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from noteinvest.access import scope_for


class PortfolioQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every portfolio; an investor sees the ones they own."""
        return scope_for(self, user, owner_path="owners")


class Portfolio(models.Model):
    name = models.CharField(max_length=200, unique=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="portfolios",
        help_text="The investors who own this portfolio and may see it.",
    )
    seller = models.CharField(max_length=200, blank=True)
    acquisition_date = models.DateField(null=True, blank=True)
    purchase_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PortfolioQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purchase_price__isnull=True) | Q(purchase_price__gte=0),
                name="portfolio_purchase_price_non_negative",
            ),
        ]

    def __str__(self):
        return self.name
