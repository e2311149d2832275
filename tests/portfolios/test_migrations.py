"""The uploaded files' move to a table of their own keeps the files of waiting imports."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import make_portfolio

BEFORE = [("portfolios", "0003_import_bounds")]
AFTER = [("portfolios", "0004_tapeupload")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_stored_files_move_to_their_own_table_and_back():
    apps = _migrate(BEFORE)
    try:
        TapeImport = apps.get_model("portfolios", "TapeImport")
        portfolio = make_portfolio()
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
