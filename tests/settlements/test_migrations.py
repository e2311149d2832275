"""The drafting-steps backfill: agreements written before it count their drafters."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from noteinvest.access import Role
from tests.factories import make_loan, make_portfolio, make_user


@pytest.mark.django_db(transaction=True)
def test_existing_agreements_get_their_drafters_backfilled():
    executor = MigrationExecutor(connection)
    executor.migrate([("settlements", "0001_initial")])
    apps = executor.loader.project_state([("settlements", "0001_initial")]).apps
    try:
        Agreement = apps.get_model("settlements", "Agreement")
        Version = apps.get_model("settlements", "AgreementVersion")
        Change = apps.get_model("settlements", "AgreementStatusChange")
        starter, submitter, reopener = (
            make_user(Role.STAFF, email=f"{n}@example.com") for n in ("a", "b", "c")
        )
        loan = make_loan(make_portfolio(), "MIG-1")
        agreement = Agreement.objects.create(
            number="SA-OLD-1", kind="dpo", loan_id=loan.pk, drafted_by_id=starter.pk,
            holder_name="H", holder_address="A", agreement_date="2026-01-01",
            governing_state="NY", payoff_as_of="2026-01-01", principal=1, interest=0, fees=0,
            costs=0, advances=0, suspense=0, total_debt=1,
        )  # fmt: skip
        Version.objects.create(
            agreement_id=agreement.pk, number=1, terms={}, text="", pdf=b"", sha256="",
            created_by_id=submitter.pk,
        )  # fmt: skip
        Change.objects.create(
            agreement_id=agreement.pk, from_status="changes_requested", to_status="draft",
            changed_by_id=reopener.pk,
        )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate([("settlements", "0002_drafting_steps")])
        apps = executor.loader.project_state([("settlements", "0002_drafting_steps")]).apps
        Step = apps.get_model("settlements", "DraftingStep")
        steps = set(Step.objects.values_list("by_id", "step"))
        assert steps == {
            (starter.pk, "started"),
            (submitter.pk, "submitted"),
            (reopener.pk, "terms"),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
