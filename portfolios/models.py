"""Portfolios of mortgage notes, their loans and borrowers; column mappings per seller."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from noteinvest.access import Role, roles_of, scope_for
from noteinvest.money import money_field as shared_money_field
from portfolios import instruments
from portfolios.choices import (
    STATE_CHOICES,
    BorrowerType,
    DayCount,
    ForeclosureProcess,
    LenderType,
    LoanStatus,
    Occupancy,
    PropertyType,
    PurchaseMoney,
    ValueSource,
    YesNoUnknown,
)


def money_field(verbose_name, **kwargs):
    """Money that defaults to zero (balances); see noteinvest.money.money_field."""
    kwargs.setdefault("default", 0)
    return shared_money_field(verbose_name, **kwargs)


class PortfolioQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every portfolio; an investor sees the ones they own."""
        return scope_for(self, user, owner_path="owners")

    def active(self):
        """Not archived: what lists and totals count."""
        return self.filter(archived_at__isnull=True)


class Portfolio(models.Model):
    name = models.CharField(max_length=200, unique=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="portfolios",
        help_text="The investors who own this portfolio and may see it.",
    )
    seller = models.CharField(max_length=200, blank=True)
    acquisition_date = models.DateField(null=True, blank=True)
    purchase_price = shared_money_field(null=True, blank=True)
    notes = models.TextField(blank=True)
    holder_legal_name = models.CharField(
        "note holder's legal name", max_length=200, blank=True,
        help_text="The party that signs settlement agreements, e.g. “Riverbend Note Fund I, LLC”.",
    )  # fmt: skip
    holder_address = models.TextField("note holder's address", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    loans_changed_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="Moves forward whenever one of its loans changes; keys the cached totals.",
    )
    # Archived: hidden from every total and list (kept for the record, reachable by its URL);
    # portfolios.corrections archives and restores, with a Correction row each time.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        editable=False, related_name="+",
    )  # fmt: skip
    archive_reason = models.TextField(blank=True, editable=False)
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

    def get_absolute_url(self):
        return reverse("portfolios:detail", args=[self.pk])

    @staticmethod
    def touch_loans(*portfolio_ids) -> None:
        """Record that loans of these portfolios changed (their cached totals are stale)."""
        Portfolio.objects.filter(pk__in=portfolio_ids).update(loans_changed_at=timezone.now())


MIN_UNITS, MAX_UNITS = 1, 9999  # dwelling units, as the tape's Number of Units
MAX_ACREAGE = Decimal(100_000)


class LoanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every loan; an investor sees the loans of portfolios they own; an
        attorney reads a loan while one of its agreements is in review with them (to check
        its payoff), and only while it is. (A string lookup: portfolios never import
        settlements; "in_review" is settlements.models.Status.IN_REVIEW.)"""
        roles = roles_of(user)
        if Role.ATTORNEY not in roles or Role.STAFF in roles:
            return scope_for(self, user, owner_path="portfolio__owners")
        condition = Q(agreements__reviewer=user, agreements__status="in_review")
        if Role.INVESTOR in roles:
            condition |= Q(portfolio__owners=user)
        # Paths through many-valued relations can match one row several times.
        return self.filter(condition).distinct()

    def active(self):
        """Not archived: what totals, tables and the payoff export count."""
        return self.filter(archived_at__isnull=True)


class Loan(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="loans")
    loan_number = models.CharField(max_length=50)
    # Property
    property_address = models.CharField(max_length=200, blank=True)
    property_city = models.CharField(max_length=100, blank=True)
    property_state = models.CharField("property state", max_length=2, choices=STATE_CHOICES)
    property_zip = models.CharField("ZIP code", max_length=10, blank=True)
    property_county = models.CharField(max_length=100, blank=True)
    property_type = models.CharField(
        max_length=20, choices=PropertyType.choices, default=PropertyType.SINGLE_FAMILY
    )
    occupancy = models.CharField(
        max_length=20, choices=Occupancy.choices, default=Occupancy.UNKNOWN
    )
    purchase_money = models.CharField(
        "purchase-money loan",
        max_length=10,
        choices=PurchaseMoney.choices,
        default=PurchaseMoney.UNKNOWN,
        help_text="Was the loan used to buy the property?",
    )
    lien_position = models.PositiveSmallIntegerField(default=1)
    # Terms and balances
    origination_date = models.DateField(null=True, blank=True)
    original_balance = money_field("original balance", null=True, blank=True, default=None)
    upb = money_field(
        "unpaid principal balance (UPB)",
        help_text="All the principal owed, any deferred (non-interest-bearing) principal included.",
    )
    deferred_principal = money_field(
        "deferred principal (non-interest-bearing)",
        help_text=(
            "The part of the UPB that bears no interest: principal deferred or forborne by a "
            "modification (Freddie Mac's “Current Non-Interest Bearing UPB”). It is part of "
            "the UPB, not added to it: interest accrues on the UPB less this amount, and the "
            "payoff includes it in full. 0 when none."
        ),
    )
    note_rate = models.DecimalField(
        "note rate (annual %)",
        max_digits=7,
        decimal_places=4,
        help_text="Annual percent, e.g. 6.375",
        validators=[
            MinValueValidator(Decimal("0"), "Enter a rate of zero or more."),
            MaxValueValidator(Decimal("50"), "Enter the annual rate in percent, between 0 and 50."),
        ],
    )
    paid_to_date = models.DateField(
        "paid-to date", help_text="Interest is paid through this date; it accrues after it."
    )
    day_count = models.CharField(
        "day-count convention", max_length=12, choices=DayCount.choices, default=DayCount.THIRTY_360
    )
    fees = money_field("fees")
    costs = money_field("costs")
    escrow_advances = money_field("escrow advances")
    suspense = money_field("suspense (unapplied) funds")
    purchase_price = money_field("purchase price", null=True, blank=True, default=None)
    # Valuation
    property_value = money_field("latest property value", null=True, blank=True, default=None)
    value_date = models.DateField("value as of", null=True, blank=True)
    value_source = models.CharField(max_length=10, choices=ValueSource.choices, blank=True)
    # Process and status
    foreclosure_process = models.CharField(
        max_length=20, choices=ForeclosureProcess.choices, default=ForeclosureProcess.UNKNOWN
    )
    status = models.CharField(
        max_length=20, choices=LoanStatus.choices, default=LoanStatus.NON_PERFORMING
    )
    # Facts state statutes turn on (deficiencies.provisions.CONDITIONS): each "unknown" (or
    # null) until staff or a tape say, never guessed.
    units = models.PositiveSmallIntegerField(
        "dwelling units", null=True, blank=True,
        validators=[MinValueValidator(MIN_UNITS), MaxValueValidator(MAX_UNITS)],
    )  # fmt: skip
    acreage = models.DecimalField(
        "lot size (acres)", max_digits=10, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_ACREAGE)],
    )  # fmt: skip
    borrower_type = models.CharField(
        max_length=20, choices=BorrowerType.choices, default=BorrowerType.UNKNOWN
    )
    lender_type = models.CharField(
        max_length=25, choices=LenderType.choices, default=LenderType.UNKNOWN
    )
    refinanced = models.CharField(
        "refinanced an earlier loan", max_length=10, choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )  # fmt: skip
    home_equity_loan = models.CharField(
        "home-equity loan", max_length=10, choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )  # fmt: skip
    high_cost_loan = models.CharField(
        "high-cost loan", max_length=10, choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )  # fmt: skip
    default_date = models.DateField("date of default", null=True, blank=True)
    # The security instrument as recorded, for the documents that describe and release it.
    security_instrument = models.CharField(
        max_length=20, choices=instruments.InstrumentKind.choices, blank=True,
        help_text="Blank: the state's customary instrument (portfolios/data/"
        "security_instruments.csv). Set only when this loan's recorded instrument differs.",
    )  # fmt: skip
    parcel_number = models.CharField(
        "parcel number (APN)", max_length=64, blank=True,
        help_text="The assessor's parcel number, as the county writes it.",
    )  # fmt: skip
    recording_reference = models.CharField(
        max_length=120, blank=True,
        help_text="Where the security instrument is recorded: book and page, or the "
        "instrument (document) number, as the county recorder gives it.",
    )  # fmt: skip
    recorded_on = models.DateField("recording date", null=True, blank=True)
    # Archived: hidden from every total and list (kept for the record, reachable by its URL);
    # portfolios.corrections archives and restores, with a Correction row each time.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        editable=False, related_name="+",
    )  # fmt: skip
    archive_reason = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["portfolio", "loan_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "loan_number"], name="loan_number_unique_in_portfolio"
            ),
            models.CheckConstraint(
                condition=Q(upb__gte=0)
                & Q(deferred_principal__gte=0)
                & Q(fees__gte=0)
                & Q(costs__gte=0)
                & Q(escrow_advances__gte=0)
                & Q(suspense__gte=0)
                & (Q(original_balance__isnull=True) | Q(original_balance__gte=0))
                & (Q(purchase_price__isnull=True) | Q(purchase_price__gte=0))
                & (Q(property_value__isnull=True) | Q(property_value__gte=0)),
                name="loan_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(deferred_principal__lte=F("upb")),
                name="loan_deferred_principal_within_upb",
                violation_error_message="The deferred principal cannot be more than the UPB: "
                "it is the part of the UPB that bears no interest.",
            ),
            models.CheckConstraint(
                condition=Q(note_rate__gte=0) & Q(note_rate__lte=50), name="loan_rate_in_range"
            ),
            models.CheckConstraint(
                condition=Q(origination_date__isnull=True)
                | Q(paid_to_date__gte=F("origination_date")),
                name="loan_paid_to_not_before_origination",
            ),
            models.CheckConstraint(
                condition=Q(lien_position__gte=1), name="loan_lien_position_min"
            ),
            models.CheckConstraint(
                condition=(Q(units__isnull=True) | Q(units__gte=MIN_UNITS, units__lte=MAX_UNITS))
                & (Q(acreage__isnull=True) | Q(acreage__gte=0, acreage__lte=MAX_ACREAGE)),
                name="loan_units_and_acreage_in_range",
            ),
            models.CheckConstraint(
                condition=Q(default_date__isnull=True)
                | Q(origination_date__isnull=True)
                | Q(default_date__gte=F("origination_date")),
                name="loan_default_not_before_origination",
            ),
            models.CheckConstraint(
                condition=Q(security_instrument__in=["", *instruments.InstrumentKind.values]),
                name="loan_security_instrument_known",
            ),
        ]
        indexes = [
            models.Index(fields=["portfolio", "property_state"]),
            models.Index(fields=["portfolio", "status"]),
            models.Index(fields=["portfolio", "occupancy"]),
        ]

    def __str__(self):
        return f"Loan {self.loan_number}"

    def get_absolute_url(self):
        return reverse("portfolios:loan_detail", args=[self.pk])

    @property
    def state_name(self):
        return self.get_property_state_display()

    @property
    def zip_is_partial(self) -> bool:
        """Only the ZIP's first three digits are known ("752XX"): agency data gives a prefix
        or masks the last two digits."""
        return len(self.property_zip) == 5 and self.property_zip.endswith("XX")

    # The facts as deficiencies.provisions.Facts reads them: True, False or None (unknown).
    @property
    def natural_person_borrower(self) -> bool | None:
        return _known(self.borrower_type, BorrowerType.NATURAL_PERSON, BorrowerType.ENTITY)

    @property
    def lender_financial_institution(self) -> bool | None:
        if self.lender_type == LenderType.UNKNOWN:
            return None
        return self.lender_type == LenderType.FINANCIAL_INSTITUTION

    @property
    def seller_financed(self) -> bool | None:
        if self.lender_type == LenderType.UNKNOWN:
            return None
        return self.lender_type == LenderType.SELLER

    def instrument(self) -> instruments.LoanInstrument:
        """The security instrument: the one recorded for this loan when staff or a tape
        gave it (`customary` False), else the state's customary one (`customary` True);
        its `instrument` is None for a territory until staff enter it."""
        if self.security_instrument:
            recorded = instruments.of_kind(self.security_instrument, self.property_state)
            return instruments.LoanInstrument(recorded, customary=False)
        return instruments.LoanInstrument(
            instruments.customary(self.property_state), customary=True
        )

    @property
    def property_line(self):
        parts = [
            self.property_address,
            self.property_city,
            f"{self.property_state} {self.property_zip}".strip(),
        ]
        return ", ".join(p for p in parts if p)


def _known(value: str, yes: str, no: str) -> bool | None:
    return True if value == yes else False if value == no else None


def yes_no(value: str) -> bool | None:
    """A yes / no / unknown choice as True, False or None (unknown)."""
    return _known(value, YesNoUnknown.YES, YesNoUnknown.NO)


class Borrower(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="borrowers")
    position = models.PositiveSmallIntegerField(default=1, help_text="1 for the primary borrower.")
    name = models.CharField(
        max_length=200, blank=True,
        help_text="Blank only when the tape had no borrower names (“not on the tape”): such a "
        "borrower is named in the loan form before any agreement is drafted.",
    )  # fmt: skip
    mailing_address = models.CharField(max_length=300, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["loan", "position", "pk"]

    def __str__(self):
        return self.name or NOT_ON_THE_TAPE

    @property
    def named(self) -> bool:
        """False for a borrower imported from a tape without names (“not on the tape”)."""
        return bool(self.name.strip())


NOT_ON_THE_TAPE = "Not on the tape"
"""What every page, list and export shows for a borrower whose name the tape did not carry."""


class SellerColumnMapping(models.Model):
    """How a seller's tape headers map to our columns, offered on their next import."""

    seller = models.CharField(max_length=200, unique=True)
    mapping = models.JSONField(help_text="Canonical column name -> the tape's header.")
    ignored = models.JSONField(
        default=list,
        blank=True,
        help_text="The tape's headers staff chose not to import: a tape with no other "
        "unmatched header skips the mapping step.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seller"]
        verbose_name = "saved column mapping"

    def __str__(self):
        return f"Column mapping for {self.seller}"

    def get_absolute_url(self):
        return reverse("portfolios:mapping_edit", args=[self.pk])


class TapeImport(models.Model):
    """One loan-tape import: the file, its column mapping, progress and outcome."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", "Waiting for column mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        CHECKED = "checked", "Checked (nothing written)"
        REJECTED = "rejected", "Rejected: problems found"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = {Status.SUCCEEDED, Status.CHECKED, Status.REJECTED, Status.FAILED, Status.CANCELLED}
    ACTIVE = (Status.QUEUED, Status.RUNNING)
    SILENT_LIMIT = timedelta(minutes=10)
    # Columns a list or a status poll never needs: the problem report and the headers. The
    # uploaded file is in TapeUpload, a table of its own, never read with an import.
    HEAVY_FIELDS = ("problems", "problem_kinds", "headers", "mapping", "repeated", "warnings",
                    "warning_kinds", "notes")  # fmt: skip

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    kind = models.CharField(max_length=4)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    column_choice = models.JSONField(
        default=dict,
        blank=True,
        help_text="A header the tape repeats with differing copies -> the index of the copy "
        "to read (chosen in the mapping step).",
    )
    repeated = models.JSONField(
        default=dict,
        blank=True,
        help_text="Headers the tape repeats whose copies differ: {header: {columns: [index, "
        "...], rows: number of rows, samples: [[row, [value, ...]], ...]}}.",
    )
    seller_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text="The seller's saved mapping applied at upload: {id, seller, saved_at, by}.",
    )
    default_day_count = models.CharField(max_length=12, choices=DayCount.choices)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=100, blank=True)
    rows_total = models.PositiveIntegerField(null=True)
    rows_done = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    problems = models.JSONField(default=list, help_text="The first 1,000 problems, in full.")
    problem_count = models.PositiveIntegerField(default=0)
    problem_kinds = models.JSONField(
        default=list, help_text="[kind of problem, count] over every problem, most frequent first."
    )
    warnings = models.JSONField(
        default=list,
        help_text="The first 1,000 values imported with a caveat (rounded, partial ZIP), in full.",
    )
    warning_count = models.PositiveIntegerField(default=0)
    warning_kinds = models.JSONField(
        default=list, help_text="[kind of warning, count] over every warning, most frequent first."
    )
    notes = models.JSONField(
        default=list, help_text="How the tape as a whole was read, one sentence each."
    )
    reason = models.CharField(
        max_length=20, blank=True, help_text="Why a failed import failed: interrupted, error, file."
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True)
    imported_as = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checked_first",
        help_text="For a check: the import of the same file started from it.",
    )

    class Meta:
        ordering = ["-created_at"]

    # A check's file is kept this long, for "Import it" without a second upload.
    CHECKED_FILE_KEPT = timedelta(days=7)

    def __str__(self):
        return f"Import of {self.filename} into {self.portfolio}"

    def get_absolute_url(self):
        return reverse("portfolios:import_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def interrupted(self) -> bool:
        """Running, but silent for 10 minutes: its worker died and none took it up again.

        The write is one transaction, so an interrupted import wrote nothing.
        """
        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.created_at
        return last is not None and timezone.now() - last > self.SILENT_LIMIT

    @property
    def problems_not_listed(self) -> int:
        return max(self.problem_count - len(self.problems), 0)

    @property
    def warnings_not_listed(self) -> int:
        return max(self.warning_count - len(self.warnings), 0)


class TapeUpload(models.Model):
    """An import's uploaded file, kept while the import waits or runs, deleted when it ends
    (a check's is kept for TapeImport.CHECKED_FILE_KEPT, or until it is imported).

    A table of its own, not a column of TapeImport: SQLite stores a large value in the row
    (a chain of overflow pages), and reading any column after it walks that chain, deferred
    or not. With the file in TapeImport's row every list and status poll paid ~7 ms per
    20 MB file stored (the limit then); here they never touch it.
    """

    tape_import = models.OneToOneField(
        TapeImport, on_delete=models.CASCADE, primary_key=True, related_name="upload"
    )
    content = models.BinaryField(editable=False)

    def __str__(self):
        return f"File of {self.tape_import_id}"


class CorrectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every correction; an investor those of portfolios they owned when it
        was made (kept on the row: a deleted portfolio's history stays theirs to read)."""
        return scope_for(self, user, owner_path="owners")


class Correction(models.Model):
    """A deletion, archive, restore or reversal made to correct a mistake: who, when, why,
    and what the object was. Kept when the object is gone (no foreign key to it)."""

    class Action(models.TextChoices):
        DELETED = "deleted", "Deleted"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored"
        REVERSED = "reversed", "Reversed"

    class Kind(models.TextChoices):
        PORTFOLIO = "portfolio", "Portfolio"
        LOAN = "loan", "Loan"
        IMPORT = "import", "Tape import"
        LIQUIDATION = "liquidation", "Liquidation"

    REASON_MAX = 1000

    action = models.CharField(max_length=10, choices=Action.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(help_text="The id the object had.")
    label = models.CharField(max_length=300, help_text="What the object was, in words.")
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    portfolio_name = models.CharField(max_length=200, blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True,
        help_text="The portfolio's owners when the correction was made (their scope).",
    )  # fmt: skip
    reason = models.TextField(max_length=REASON_MAX)
    snapshot = models.JSONField(
        default=dict, blank=True, help_text="Key figures as they were (money as strings)."
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_reason_given"),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.label}"
