"""Import a loan tape from the command line: manage.py import_loan_tape "PORTFOLIO" FILE."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portfolios.choices import DayCount
from portfolios.models import Portfolio
from portfolios.services import process_tape, saved_mapping_for
from portfolios.tape.columns import (
    BY_KEY,
    auto_map,
    deferred_note,
    derived_note,
    derives_paid_to,
    missing_required,
    names_note,
    status_note,
)
from portfolios.tape.readers import MAX_BYTES, TapeFileError, open_tape

WARNINGS_LISTED = 50


class Command(BaseCommand):
    help = (
        "Check every row of a CSV or XLSX loan tape and, if all are good, import it into the "
        "named portfolio (all or nothing). Loans are matched by loan number."
    )

    def add_arguments(self, parser):
        parser.add_argument("portfolio", help="the portfolio's name, exactly")
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--day-count",
            default=DayCount.THIRTY_360,
            choices=DayCount.values,
            help="day count for rows without one (default 30/360)",
        )
        parser.add_argument(
            "--use-column",
            action="append",
            default=[],
            metavar="HEADER=LETTER",
            help="for a header the tape lists more than once, the column to read (e.g. "
            "UPB=K); without it, copies that differ on a row are a problem on that row",
        )

    def handle(self, *args, portfolio, file, dry_run, day_count, use_column, **options):
        try:
            target = Portfolio.objects.get(name=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"No portfolio is named “{portfolio}”.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{file}: larger than {MAX_BYTES // (1024 * 1024)} MB.")
        try:
            tape = open_tape(path.name, path.read_bytes())
        except TapeFileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        column_choice = _column_choice(use_column, tape.headers)
        mapping = auto_map(tape.headers, saved_mapping_for(target.seller))
        missing = missing_required(mapping)
        if missing:
            names = ", ".join(BY_KEY[k].label for k in missing)
            raise CommandError(
                f"{file}: no column found for {names}. Rename the tape's headers "
                "(see docs/loan-tape.md) or map them once in the browser import, which saves "
                "the mapping for the seller."
            )
        if derives_paid_to(mapping):
            self.stdout.write(derived_note(mapping))
        if status_note(mapping):
            self.stdout.write(status_note(mapping))
        if deferred_note(mapping):
            self.stdout.write(deferred_note(mapping))
        try:
            outcome = process_tape(
                portfolio=target, tape=tape, mapping=mapping, default_day_count=day_count,
                dry_run=dry_run, column_choice=column_choice,
            )  # fmt: skip
        except TapeFileError as exc:  # unreadable past its header, or too many rows
            raise CommandError(f"{file}: {exc} Nothing was written.") from None
        if outcome.problem_count:
            for p in outcome.problems:
                self.stderr.write(
                    f"row {p.row}, {p.column or '-'}: {p.message} (value: {p.value!r})"
                )
            count = outcome.problem_count
            if count > len(outcome.problems):
                self.stderr.write(f"...and {count - len(outcome.problems)} more. By kind:")
                for kind, n in outcome.problem_kinds:
                    self.stderr.write(f"  {n} x {kind}")
            raise CommandError(
                f"{count} problem(s) in {outcome.row_count} row(s): nothing was written."
            )
        c = outcome.counts
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {outcome.row_count} loan{'s' if outcome.row_count != 1 else ''}: "
                f"{c.created} created, {c.updated} updated, {c.unchanged} unchanged."
            )
        )
        if names_note(mapping, c.unnamed):
            self.stdout.write(names_note(mapping, c.unnamed))
        if outcome.ignored_headers:
            self.stdout.write("Columns not imported: " + ", ".join(outcome.ignored_headers))
        self._report_readings(outcome)

    def _report_readings(self, outcome) -> None:
        """How the tape as a whole was read, and every value read with a caveat."""
        for note in outcome.notes:
            self.stdout.write(note)
        for w in outcome.warnings[:WARNINGS_LISTED]:
            self.stdout.write(
                self.style.WARNING(f"warning: row {w.row}, {w.column}: {w.message} "
                                   f"(value: {w.value!r})")
            )  # fmt: skip
        if outcome.warning_count > WARNINGS_LISTED:
            more = outcome.warning_count - WARNINGS_LISTED
            self.stdout.write(f"...and {more:,} more warning(s). By kind:")
            for kind, n in outcome.warning_kinds:
                self.stdout.write(f"  {n} x {kind}")


def _column_index(letters: str) -> int | None:
    """'A' -> 0, 'K' -> 10, 'AA' -> 26; None for anything but letters."""
    letters = letters.strip().upper()
    if not letters.isascii() or not letters.isalpha() or len(letters) > 3:
        return None
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_choice(given: list[str], headers: list[str]) -> dict[str, int]:
    """--use-column HEADER=LETTER: the copy of a repeated header to read."""
    choice = {}
    for item in given:
        header, sep, letters = item.rpartition("=")
        header, index = header.strip(), _column_index(letters)
        if not sep or not header or index is None:
            raise CommandError(f"--use-column {item!r}: write it as HEADER=LETTER, e.g. UPB=K.")
        copies = [i for i, h in enumerate(headers) if h == header]
        if len(copies) < 2:
            raise CommandError(
                f"--use-column {item!r}: the tape lists “{header}” only once or not at all."
            )
        if index not in copies:
            raise CommandError(
                f"--use-column {item!r}: column {letters.strip().upper()} is not headed “{header}”."
            )
        choice[header] = index
    return choice
