"""The uploaded files' move to a table of their own keeps the files of waiting imports."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("portfolios", "0003_import_bounds")]
AFTER = [("portfolios", "0004_tapeupload")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _portfolio(apps):
    """A portfolio as the migration state stores it (the current model has later columns)."""
    return apps.get_model("portfolios", "Portfolio").objects.create(name="Migrated pool")


@pytest.mark.django_db(transaction=True)
def test_stored_files_move_to_their_own_table_and_back():
    apps = _migrate(BEFORE)
    try:
        TapeImport = apps.get_model("portfolios", "TapeImport")
        portfolio = _portfolio(apps)
        common = dict(
            portfolio_id=portfolio.pk, filename="t.csv", kind="csv", sha256="0" * 64,
            default_day_count="30/360",
        )  # fmt: skip
        waiting = TapeImport.objects.create(
            **common, size=3, status="needs_mapping", content=b"a,b"
        )
        running = TapeImport.objects.create(**common, size=2, status="running", content=b"\x00\xff")
        done = TapeImport.objects.create(**common, size=3, status="succeeded", content=None)

        apps = _migrate(AFTER)
        TapeUpload = apps.get_model("portfolios", "TapeUpload")
        moved = {pk: bytes(c) for pk, c in TapeUpload.objects.values_list("pk", "content")}
        assert moved == {waiting.pk: b"a,b", running.pk: b"\x00\xff"}
        fields = {f.name for f in apps.get_model("portfolios", "TapeImport")._meta.fields}
        assert "content" not in fields

        apps = _migrate(BEFORE)  # and back, should the migration be undone
        TapeImport = apps.get_model("portfolios", "TapeImport")
        back = {pk: c and bytes(c) for pk, c in TapeImport.objects.values_list("pk", "content")}
        assert back == {waiting.pk: b"a,b", running.pk: b"\x00\xff", done.pk: None}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_loans_stored_before_the_facts_know_none_of_them_and_the_step_undoes():
    before, after = (
        [("portfolios", "0009_seller_mappings_and_repeated_headers")],
        [("portfolios", "0010_loan_facts")],
    )
    apps = _migrate(before)
    try:
        Loan = apps.get_model("portfolios", "Loan")
        portfolio = _portfolio(apps)
        loan = Loan.objects.create(
            portfolio_id=portfolio.pk, loan_number="L-1", property_state="TX", upb=1000,
            note_rate=6, paid_to_date="2024-03-01",
        )  # fmt: skip
        apps = _migrate(after)
        stored = apps.get_model("portfolios", "Loan").objects.values(
            "units", "acreage", "borrower_type", "lender_type", "refinanced",
            "home_equity_loan", "high_cost_loan", "default_date",
        ).get(pk=loan.pk)  # fmt: skip
        assert stored == {
            "units": None, "acreage": None, "default_date": None, "borrower_type": "unknown",
            "lender_type": "unknown", "refinanced": "unknown", "home_equity_loan": "unknown",
            "high_cost_loan": "unknown",
        }  # fmt: skip
        apps = _migrate(before)
        fields = {f.name for f in apps.get_model("portfolios", "Loan")._meta.fields}
        assert "borrower_type" not in fields and "units" not in fields
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
