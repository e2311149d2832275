from django.contrib import admin

from portfolios.models import Portfolio


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["name", "seller", "acquisition_date", "purchase_price"]
    search_fields = ["name", "seller"]
    filter_horizontal = ["owners"]
