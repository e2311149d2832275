from django.apps import AppConfig


class DeficienciesConfig(AppConfig):
    name = "deficiencies"
    verbose_name = "Deficiencies"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from deficiencies import services, views
        from deficiencies.reference import ensure_provisions, ensure_state_rules
        from noteinvest.access import Role
        from noteinvest.navigation import register
        from portfolios.panels import (
            after_sale,
            freshen,
            liquidated_on,
            loan_panel,
            loans_changed,
            portfolio_links,
        )

        post_migrate.connect(ensure_state_rules, sender=self)
        post_migrate.connect(ensure_provisions, sender=self)
        # A loan's facts (state, occupancy, lien position, units...) decide its deficiency's
        # verdict: a saved loan is re-assessed at once.
        post_save.connect(services.loan_saved, sender="portfolios.Loan",
                          dispatch_uid="deficiencies.loan_saved")  # fmt: skip
        loan_panel(views.loan_panel)
        portfolio_links(views.portfolio_links)
        after_sale(services.AFTER_SALE_FIELDS)(services.owed_after_sale)
        liquidated_on(services.liquidated_on)
        freshen(services.assess_today, marker=services.assessed_marker)
        loans_changed(services.loans_changed)
        register(
            order=20, label="Deadlines", url_name="deficiencies:deadlines", key="deadlines",
            roles={Role.INVESTOR, Role.STAFF},
        )  # fmt: skip
        register(
            order=30, label="State rules", url_name="deficiencies:rules", key="rules",
            roles=set(Role),
        )  # fmt: skip
