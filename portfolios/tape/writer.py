"""Write a checked tape's loans: in one transaction, a batch at a time.

`apply_tape` takes the checked rows (CheckResult.rows(): the file read again, one row at a
time) BATCH at a time: it matches each batch's loans with the stored ones by loan number,
inserts the new loans and their borrowers, updates the changed ones, and holds no more
than one batch. The whole write is one transaction: a refusal found on a later batch, a
cancel or an error rolls back every batch written before it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import batched

from django.db import connections, router, transaction
from django.db.models import CharField
from django.utils import timezone

from portfolios.models import Borrower, Loan, Portfolio
from portfolios.tape import values as v
from portfolios.tape.importer import BY_UNITS, DERIVED_STATUS, DERIVED_TYPE, KEEP_CO, TRANSIENT
from portfolios.tape.readers import TapeFileError

BATCH = 1000
"""Rows read, matched and written at a time: what the write holds in memory."""
BORROWER_FIELDS = ("name", "mailing_address", "email", "phone")
DATED = {"default_date", "origination_date"}
UNITS_AND_TYPE = {"units", "property_type"}
NAMED = 10
"""Loan numbers a refusal names; the others are counted."""


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unnamed: int = 0  # the tape's loans left with a borrower "not on the tape" (no name)


class Inserter:
    """Many rows of one model inserted at once: PostgreSQL's COPY, elsewhere one prepared
    INSERT run for every row (executemany).

    bulk_create builds a model instance per row and compiles each value of each row into
    SQL (on SQLite a statement per ~20 loans, for its 999 parameters): it was most of an
    import's time. Here each value is still prepared by its field's get_db_prep_save, as
    bulk_create prepares it; a field a row does not give gets the field's default, and an
    auto_now or auto_now_add field gets `now`, as a new instance would. Like bulk_create,
    no signal is sent and no validator run: the tape's values were checked before.
    (5,000 loans on PostgreSQL: bulk_create 3.4 s, executemany 2.1 s, COPY 0.4 s.)
    """

    def __init__(self, model, *, now):
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        fields = [
            f
            for f in model._meta.concrete_fields
            if f is not model._meta.auto_field and not getattr(f, "generated", False)
        ]
        self.names = frozenset(f.attname for f in fields)
        self.columns = []
        for f in fields:
            stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            default = f.get_db_prep_save(now if stamped else f.get_default(), self.connection)
            self.columns.append((f.attname, f.get_db_prep_save, default, _keeps_text(f)))
        quote = self.connection.ops.quote_name
        # Names from the model's own metadata, quoted; the values are parameters.
        table, names = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        self.copy = f"COPY {table} ({names}) FROM STDIN"

    def insert(self, rows: list[dict]) -> None:
        """Insert `rows`, each {attname: value}; a name the model lacks is an error."""
        if not rows:
            return
        if unknown := set().union(*rows) - self.names:
            raise ValueError(f"{self.model.__name__} has no field {', '.join(sorted(unknown))}")
        connection, columns = self.connection, self.columns
        params = []
        for row in rows:
            values = []
            for name, prepare, default, keeps_text in columns:
                value = row.get(name, _ABSENT)
                if value is _ABSENT:
                    values.append(default)
                elif keeps_text and type(value) is str:
                    values.append(value)  # what prepare() would return, at a tenth of the cost
                else:
                    values.append(prepare(value, connection))
            params.append(values)
        with connection.cursor() as cursor:
            if not hasattr(cursor.cursor, "copy"):  # not psycopg 3's PostgreSQL cursor
                cursor.executemany(self.sql, params)
                return
            # psycopg's own cursor; its errors made Django's (an IntegrityError stays one).
            with connection.wrap_database_errors, cursor.cursor.copy(self.copy) as copy:
                for row in params:
                    copy.write_row(row)


_ABSENT = object()


def _keeps_text(field) -> bool:
    """A CharField whose preparation of a str is Django's own, which returns it unchanged
    (CharField.to_python): no method of it overridden."""
    kind = type(field)
    return isinstance(field, CharField) and all(
        getattr(kind, name) is getattr(CharField, name)
        for name in ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")
    )


@dataclass
class _Named:
    """Loan numbers a refusal names: the first NAMED, and how many there are."""

    first: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, loan_number: str) -> None:
        self.count += 1
        if len(self.first) < NAMED:
            self.first.append(loan_number)

    def shown(self) -> str:
        more = self.count - len(self.first)
        return ", ".join(self.first) + (f" and {more:,} more" if more else "")

    def loans(self) -> str:
        return "loans" if self.count > 1 else "loan"


def _named(loan_numbers) -> _Named:
    named = _Named()
    for number in loan_numbers:
        named.add(number)
    return named


def _about_loans(loan_numbers, text: str) -> str:
    """`text` with {loans} ("loan" or "loans") and {shown} (the first numbers, then how
    many more) filled in for these loan numbers."""
    named = loan_numbers if isinstance(loan_numbers, _Named) else _named(loan_numbers)
    return text.format(loans=named.loans(), shown=named.shown())


def deferred_over_message(loan_numbers) -> str:
    return _about_loans(
        loan_numbers,
        "The tape's UPB is less than the deferred principal stored on {loans} {shown}. The "
        "UPB includes the deferred (non-interest-bearing) principal: add a Deferred "
        "Principal column to the tape, or correct those loans first.",
    )


def units_misfit_message(loan_numbers) -> str:
    return _about_loans(
        loan_numbers,
        "The tape's Property Type does not fit the dwelling units stored on {loans} {shown} "
        "(a 2-4 unit type on a one-unit loan, say), and the tape gives no units for them: "
        "add a Number of Units column, or correct those loans first.",
    )


def default_before_message(loan_numbers) -> str:
    return _about_loans(
        loan_numbers,
        "The date of default would fall before the origination date on {loans} {shown} (one "
        "from the tape, the other stored): correct the tape or those loans first.",
    )


def _kept_zip(new: str | None, stored: str | None) -> str | None:
    """A partial ZIP from the tape (752XX) does not replace a full ZIP entered by hand that
    it agrees with (75201): the tape knows less than the loan."""
    if new and stored and v.PARTIAL_ZIP.fullmatch(new) and not v.PARTIAL_ZIP.fullmatch(stored):
        return stored if stored[:3] == new[:3] else new
    return new


def _merge_borrowers(new: tuple, old: list[dict]) -> list[dict]:
    """New borrower rows; a value the tape lacks (None) keeps the stored one."""
    by_position = {b["position"]: b for b in old}
    merged = []
    for b in new:
        previous = by_position.get(b["position"], {})
        values = {f: b[f] if b.get(f) is not None else previous.get(f, "") for f in BORROWER_FIELDS}
        merged.append({"position": b["position"], **values})
    return merged


def _unnamed(borrowers: list[dict]) -> int:
    """1 when a loan is left with a borrower without a name (or none at all), else 0."""
    return int(not borrowers or any(not (b["name"] or "").strip() for b in borrowers))


def apply_tape(
    portfolio: Portfolio,
    rows: Iterable[tuple[dict, tuple]],
    *,
    fields: Iterable[str],
    dry_run: bool = False,
    keep_co_borrowers: bool = False,
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[Counts], None] | None = None,
) -> Counts:
    """Write a checked tape's loans in one transaction; match existing loans by number.

    `rows`: (loan fields, borrowers) of each row, read a batch at a time. `fields`: every
    key a row's loan fields may hold (CheckResult.fields), so each batch compares and
    writes the same columns. `keep_co_borrowers`: the tape has no co-borrower column, so
    stored co-borrowers stay. `progress(done)` is called after each batch and
    `before_commit(counts)` last, both inside the transaction: either may raise to roll
    the whole write back (a cancelled import), and `before_commit` records the outcome in
    the same commit as the loans.
    """
    with transaction.atomic():
        # One import at a time per portfolio: a second one waits for this to finish.
        Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
        given = set(fields)
        columns = sorted(given - set(TRANSIENT))
        if "property_type" not in columns and DERIVED_TYPE in given:
            columns.append("property_type")  # decided by units: written where units decide
        writer = _BatchWriter(portfolio, columns, keep_co_borrowers=keep_co_borrowers,
                              write=not dry_run)  # fmt: skip
        for batch in batched(rows, BATCH):
            writer.write(batch)
            if progress:
                progress(writer.done)
        writer.refuse()
        counts = writer.counts()
        if dry_run:
            return counts
        if counts.created or counts.updated:
            Portfolio.touch_loans(portfolio.pk)
        if before_commit:
            before_commit(counts)
        return counts


class _BatchWriter:
    """Matches and writes one batch of a tape's rows at a time, inside apply_tape's
    transaction; keeps the counts and the loans a refusal names, never the rows."""

    def __init__(self, portfolio: Portfolio, fields: list[str], *, keep_co_borrowers, write):
        self.portfolio = portfolio
        self.fields = fields
        self.keep_co_borrowers = keep_co_borrowers
        self.writing = write
        # A tape with a UPB but no deferred principal keeps the stored one, which must stay
        # within the new UPB (the database refuses it otherwise).
        self.keeps_deferred = "upb" in fields and "deferred_principal" not in fields
        stored = ("deferred_principal",) if self.keeps_deferred else ()
        # A default date must not fall before the origination date, the stored one included.
        self.dated = bool(DATED & set(fields))
        stored += tuple(sorted(DATED - set(fields))) if self.dated else ()
        # A type the tape changes must fit the stored dwelling units it does not give.
        self.typed = "property_type" in fields
        stored += tuple(sorted(UNITS_AND_TYPE - set(fields))) if self.typed else ()
        self.stored = stored
        # A portfolio without loans (a first import) has none to match: no lookups.
        self.matching = Loan.objects.filter(portfolio=portfolio).exists()
        self.deferred_over, self.default_before, self.units_misfits = _Named(), _Named(), _Named()
        self.created = self.updated = self.unchanged = self.unnamed = 0
        self.now = timezone.now()
        self.loans = Inserter(Loan, now=self.now)
        self.borrowers = Inserter(Borrower, now=self.now)

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged

    def counts(self) -> Counts:
        return Counts(created=self.created, updated=self.updated, unchanged=self.unchanged,
                      unnamed=self.unnamed)  # fmt: skip

    def refuse(self) -> None:
        """Refuse the tape for what only the stored loans show (raises TapeFileError)."""
        if self.deferred_over.count:
            raise TapeFileError(deferred_over_message(self.deferred_over))
        if self.default_before.count:
            raise TapeFileError(default_before_message(self.default_before))
        if self.units_misfits.count:
            raise TapeFileError(units_misfit_message(self.units_misfits))

    def _stored(self, batch) -> tuple[dict, dict]:
        """The stored loans of the batch's loan numbers, and their borrowers by loan."""
        if not self.matching:
            return {}, {}
        numbers = [row_fields["loan_number"] for row_fields, _ in batch]
        existing = {
            row["loan_number"]: row
            for row in Loan.objects.filter(
                portfolio=self.portfolio, loan_number__in=numbers
            ).values("pk", "version", *self.fields, *self.stored)
        }
        old_borrowers: dict[int, list[dict]] = {}
        if existing:
            for b in Borrower.objects.filter(
                loan_id__in=[row["pk"] for row in existing.values()]
            ).values("loan_id", "position", *BORROWER_FIELDS):
                old_borrowers.setdefault(b["loan_id"], []).append(b)
        return existing, old_borrowers

    def write(self, batch) -> None:
        existing, old_borrowers = self._stored(batch)
        fields, portfolio = self.fields, self.portfolio
        to_create, new_borrowers, to_update, replace_borrowers = [], [], [], {}
        for row_fields, borrowers in batch:
            current = existing.get(row_fields["loan_number"])
            loan_fields = {k: x for k, x in row_fields.items() if k not in TRANSIENT}
            derived_status = row_fields.get(DERIVED_STATUS)
            derived_type = row_fields.get(DERIVED_TYPE)
            if current is None:
                if derived_status:
                    loan_fields["status"] = derived_status
                if derived_type:
                    loan_fields["property_type"] = derived_type
                to_create.append(loan_fields)
                new_borrowers.append(_merge_borrowers(borrowers, []))
                self.unnamed += _unnamed(new_borrowers[-1])
                continue
            # Every field is written for every loan (one bulk update): a field this row does
            # not give (a blank status cell, no units) keeps its stored value.
            for key in fields:
                loan_fields.setdefault(key, current[key])
            if derived_type and current["property_type"] in BY_UNITS:
                loan_fields["property_type"] = derived_type
            if (
                self.typed
                and "units" not in row_fields
                and current["units"] is not None
                and loan_fields["property_type"] != current["property_type"]
                and v.units_misfit(current["units"], loan_fields["property_type"])
            ):
                self.units_misfits.add(loan_fields["loan_number"])
            loan_fields["property_zip"] = _kept_zip(
                loan_fields.get("property_zip"), current.get("property_zip")
            )
            if loan_fields["property_zip"] is None:
                del loan_fields["property_zip"]
            if self.keeps_deferred and current["deferred_principal"] > loan_fields["upb"]:
                self.deferred_over.add(loan_fields["loan_number"])
            if self.dated:
                default, origination = (
                    loan_fields.get(k, current[k]) for k in ("default_date", "origination_date")
                )
                if default and origination and default < origination:
                    self.default_before.add(loan_fields["loan_number"])
            loan_changed = any(current[k] != value for k, value in loan_fields.items())
            stored = sorted(old_borrowers.get(current["pk"], []), key=lambda b: b["position"])
            merged = _merge_borrowers(borrowers, stored)
            if self.keep_co_borrowers or row_fields.get(KEEP_CO):
                merged += [
                    {f: b[f] for f in ("position", *BORROWER_FIELDS)}
                    for b in stored
                    if b["position"] > 1
                ]
            self.unnamed += _unnamed(merged)
            borrowers_changed = [
                {f: b[f] for f in ("position", *BORROWER_FIELDS)} for b in stored
            ] != merged
            if not (loan_changed or borrowers_changed):
                self.unchanged += 1
                continue
            loan = Loan(pk=current["pk"], portfolio=portfolio, version=current["version"] + 1,
                        updated_at=self.now, **loan_fields)  # fmt: skip
            to_update.append(loan)
            if borrowers_changed:
                replace_borrowers[current["pk"]] = merged
        self.created += len(to_create)
        self.updated += len(to_update)
        # Nothing more is written once the tape is refused: the transaction rolls back.
        if (
            not self.writing
            or self.deferred_over.count
            or self.default_before.count
            or (self.units_misfits.count)
        ):
            return
        borrower_rows = []
        if to_create:
            self.loans.insert([{**loan, "portfolio_id": portfolio.pk} for loan in to_create])
            ids = dict(
                Loan.objects.filter(
                    portfolio=portfolio, loan_number__in=[loan["loan_number"] for loan in to_create]
                ).values_list("loan_number", "pk")
            )
            borrower_rows = [
                {"loan_id": ids[loan["loan_number"]], **b}
                for loan, borrowers in zip(to_create, new_borrowers, strict=True)
                for b in borrowers
            ]
        if to_update:
            update_fields = [f for f in (*fields, "version", "updated_at") if f != "loan_number"]
            Loan.objects.bulk_update(to_update, update_fields, batch_size=500)
        if replace_borrowers:
            Borrower.objects.filter(loan_id__in=list(replace_borrowers)).delete()
            borrower_rows.extend(
                {"loan_id": pk, **b} for pk, bs in replace_borrowers.items() for b in bs
            )
        self.borrowers.insert(borrower_rows)
        if to_update:
            from portfolios.panels import notify_loans_changed

            notify_loans_changed(loan.pk for loan in to_update)
