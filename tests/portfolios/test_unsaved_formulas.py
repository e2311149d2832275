"""A workbook formula without its saved value is reported cell by cell, never read as blank
or 0 (issue 14: 'formulas without cached values are read as blank or 0 without a word')."""

import io
import zipfile

import pytest

from portfolios.models import Loan, TapeImport
from portfolios.services import start_tape_import
from portfolios.tape.readers import open_tape
from tests.portfolios.tapes import good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = list(good_row(1))


def row(n, **overrides):
    return list(good_row(n, **overrides).values())


class Upload(io.BytesIO):
    def __init__(self, data, name="tape.xlsx"):
        super().__init__(data)
        self.name, self.size = name, len(data)


def with_saved_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook with a saved value after the formulas named ({formula: value}), as
    Excel writes them (openpyxl saves formulas without their values)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = content.decode()
                for formula, value in values.items():
                    text = text.replace(
                        f"<f>{formula}</f><v></v>", f"<f>{formula}</f><v>{value}</v>"
                    )
                    text = text.replace(f"<f>{formula}</f><v />", f"<f>{formula}</f><v>{value}</v>")
                    text = text.replace(f"<f>{formula}</f>", f"<f>{formula}</f><v>{value}</v>")
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_each_formula_without_a_saved_value_is_a_problem_of_its_cell(portfolio, staff):
    data = xlsx_bytes(HEADER, [
        row(1, UPB="=100000+50000.25"),
        row(2),
        row(3, **{"Fees": "=SUM(1,2)", "Note Rate": "=6.5/100"}),
    ])  # fmt: skip
    job = start_tape_import(portfolio=portfolio, upload=Upload(data), by=staff,
                            default_day_count="30/360", dry_run=False)  # fmt: skip
    job.refresh_from_db()
    assert job.status == TapeImport.Status.REJECTED and not Loan.objects.exists()
    found = {(p["row"], p["column"], p["value"]) for p in job.problems}
    assert found == {
        (2, "UPB", "=100000+50000.25"),
        (4, "Fees", "=SUM(1,2)"),
        (4, "Note Rate", "=6.5/100"),
    }
    assert all("formula without a saved value" in p["message"] for p in job.problems)
    assert dict(job.problem_kinds)["Fees is a formula without a saved value: open the file in "
        "Excel and save it again (Excel saves the value of each formula), or paste the column "
        "as values"] == 1  # fmt: skip


def test_a_formula_with_its_saved_value_is_read_as_that_value(portfolio, staff):
    data = with_saved_values(
        xlsx_bytes(HEADER, [row(1, UPB="=100000+50000.25")]), {"100000+50000.25": "150000.25"}
    )
    tape = open_tape("tape.xlsx", data)
    ((_, cells, _),) = list(tape.rows())
    assert cells[HEADER.index("UPB")] == 150000.25
    job = start_tape_import(portfolio=portfolio, upload=Upload(data), by=staff,
                            default_day_count="30/360", dry_run=False)  # fmt: skip
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED, job.problems
    assert str(Loan.objects.get().upb) == "150000.25"


def test_a_formula_in_a_column_not_imported_is_not_a_problem(portfolio):
    from portfolios.services import process_tape
    from portfolios.tape.columns import auto_map

    tape = open_tape(
        "tape.xlsx", xlsx_bytes([*HEADER, "Analyst Notes"], [[*row(1), '=CONCAT("a","b")']])
    )
    mapping = auto_map(tape.headers)
    assert "Analyst Notes" not in mapping.values()
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=mapping,
                           default_day_count="30/360", dry_run=True)  # fmt: skip
    assert outcome.problem_count == 0 and outcome.counts.created == 1
