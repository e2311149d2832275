"""0007_event_facts: stored liquidations learn who bought from their credit-bid flag."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_loan, make_portfolio, make_user

BEFORE = [("deficiencies", "0006_load_provisions")]
AFTER = [("deficiencies", "0007_event_facts")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_a_stored_credit_bid_makes_the_holder_the_buyer_and_the_rest_stay_unknown():
    apps = _migrate(BEFORE)
    try:
        Event = apps.get_model("deficiencies", "LiquidationEvent")
        portfolio, user = make_portfolio(), make_user()
        events = {}
        for number, credit_bid in (("CB", True), ("TP", False)):
            loan = make_loan(portfolio, number)  # the loans' table is as today's
            events[number] = Event.objects.create(
                loan_id=loan.pk, event_type="foreclosure_sale", event_date="2024-06-01",
                sale_process="non_judicial", sale_price=900, credit_bid=credit_bid,
                created_by_id=user.pk,
            ).pk  # fmt: skip
        apps = _migrate(AFTER)
        stored = dict(
            apps.get_model("deficiencies", "LiquidationEvent").objects.values_list("pk", "buyer")
        )
        assert stored == {events["CB"]: "holder", events["TP"]: "unknown"}
        apps = _migrate(BEFORE)  # and back
        fields = {f.name for f in apps.get_model("deficiencies", "LiquidationEvent")._meta.fields}
        assert "buyer" not in fields and "credit_bid" in fields
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
