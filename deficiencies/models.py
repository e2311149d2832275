"""Liquidation events, deficiency records and their history, state rules, judgments."""

import operator
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from noteinvest.access import Role, roles_of
from noteinvest.money import money_field as money
from noteinvest.money import non_negative
from portfolios.choices import STATE_CHOICES, YesNoUnknown
from portfolios.models import Loan, Portfolio, yes_no


class Flag(models.TextChoices):
    TRUE = "true", "Yes"
    FALSE = "false", "No"
    UNKNOWN = "unknown", "Unknown"


class Regime(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    RESTRICTED = "restricted", "Restricted"
    PERMISSIVE = "permissive", "Permissive"
    UNKNOWN = "unknown", "Unknown"


class PrimaryProcess(models.TextChoices):
    JUDICIAL = "judicial", "Judicial"
    NON_JUDICIAL = "non_judicial", "Non-judicial"
    BOTH = "both", "Both"


class StateRule(models.Model):
    """What a state's law says about deficiency judgments, as data staff keep current."""

    state_code = models.CharField(max_length=2, choices=STATE_CHOICES, unique=True)
    state_name = models.CharField(max_length=40)
    primary_foreclosure_process = models.CharField(max_length=15, choices=PrimaryProcess.choices)
    deficiency_regime = models.CharField(max_length=12, choices=Regime.choices)
    nonjudicial_bars_deficiency = models.CharField(
        "a non-judicial sale bars a deficiency", max_length=7, choices=Flag.choices
    )
    purchase_money_owner_occupied_protected = models.CharField(
        "purchase-money or owner-occupied loans protected", max_length=7, choices=Flag.choices
    )
    fair_value_limit = models.CharField(
        "deficiency tied to fair value", max_length=7, choices=Flag.choices
    )
    filing_deadline_days_after_sale = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days for a deficiency-specific deadline; read the note."
    )
    filing_deadline_note = models.TextField(blank=True)
    statute_of_limitations_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="General period for suing on the note, where sourced."
    )
    notes = models.TextField(blank=True)
    source_urls = models.TextField(blank=True, help_text="Space-separated addresses of sources.")
    last_reviewed_by_counsel = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField("reviewed by (counsel)", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state_name"]

    def __str__(self):
        return f"{self.state_name} ({self.state_code})"

    def get_absolute_url(self):
        return reverse("deficiencies:rule_detail", args=[self.state_code])

    @property
    def sources(self) -> list[str]:
        return self.source_urls.split()


class StateRuleChange(models.Model):
    """One edit of a state rule: who, when, and each field's old and new value."""

    rule = models.ForeignKey(StateRule, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(help_text="field -> [old, new]")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"Change to {self.rule} on {self.changed_at:%Y-%m-%d}"


class Provision(models.Model):
    """One rule of a state's deficiency law (deficiencies/provisions.py reads them): what it
    covers, the facts it needs, its effect, its window and trigger, and its citation.

    Loaded from deficiencies/data/provisions/ by a migration; staff edit them with history
    (ProvisionChange); only an attorney marks one reviewed by counsel, and an edit clears
    the mark (what counsel reviewed has changed).
    """

    class Kind(models.TextChoices):
        BAR = "bar", "Bar"
        FAIR_VALUE_CREDIT = "fair_value_credit", "Fair-value credit"
        FILING_WINDOW = "filing_window", "Filing window"
        CONFIRMATION_REQUIRED = "confirmation_required", "Confirmation required"
        JUNIOR_LIEN_RULE = "junior_lien_rule", "Junior-lien rule"
        PURCHASER_CAP = "purchaser_cap", "Purchaser of the debt capped"
        ENFORCEMENT_CUTOFF = "enforcement_cutoff", "Enforcement cutoff"
        JUDGMENT_LIFETIME = "judgment_lifetime", "Judgment lifetime"
        JUDGMENT_RENEWAL = "judgment_renewal", "Judgment renewal"
        JUDGMENT_INTEREST = "judgment_interest", "Post-judgment interest"
        LIMITATION_PERIOD = "limitation_period", "Limitation period"
        NOTICE_REQUIRED = "notice_required", "Notice required"
        OTHER = "other", "Other (information only)"

    class Process(models.TextChoices):
        ANY = "any", "Any"
        JUDICIAL = "judicial", "Judicial sale"
        NON_JUDICIAL = "non_judicial", "Non-judicial sale"

    class Unit(models.TextChoices):
        DAYS = "days", "days"
        MONTHS = "months", "months"
        YEARS = "years", "years"

    class Confidence(models.TextChoices):
        HIGH = "high", "High: statute text read"
        MEDIUM = "medium", "Medium: reliable secondary source"
        LOW = "low", "Low: unverified"

    state_code = models.CharField(max_length=2, choices=STATE_CHOICES, db_index=True)
    provision_id = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    events = models.CharField(
        max_length=60, help_text="Liquidation kinds covered, ;-separated: foreclosure_sale, "
        "short_sale, deed_in_lieu."
    )  # fmt: skip
    process = models.CharField(max_length=15, choices=Process.choices, default=Process.ANY)
    conditions = models.CharField(
        max_length=600, blank=True,
        help_text="Facts that must all hold, ;-separated (docs/deficiency-provisions.md).",
    )  # fmt: skip
    window_number = models.PositiveSmallIntegerField(null=True, blank=True)
    window_unit = models.CharField(max_length=6, choices=Unit.choices, blank=True)
    trigger = models.CharField(max_length=200, blank=True)
    rate_percent = models.DecimalField(
        "rate (% a year)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    effect_note = models.TextField()
    citation = models.CharField(max_length=300, blank=True)
    source_urls = models.TextField(blank=True)
    confidence = models.CharField(max_length=6, choices=Confidence.choices)
    verified = models.BooleanField("statute text read in the audit", default=False)
    audit_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reviewed_on = models.DateField("reviewed by counsel on", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state_code", "provision_id"]

    def __str__(self):
        return self.provision_id

    def get_absolute_url(self):
        return reverse("deficiencies:rule_detail", args=[self.state_code]) + f"#{self.provision_id}"

    @property
    def sources(self) -> list[str]:
        return self.source_urls.split()

    EVENT_LABELS = {
        "foreclosure_sale": "foreclosure sales", "short_sale": "short sales",
        "deed_in_lieu": "deeds in lieu",
    }  # fmt: skip

    @property
    def events_label(self) -> str:
        """'foreclosure sales, short sales'."""
        return ", ".join(self.EVENT_LABELS.get(e, e) for e in self.events.split(";") if e)

    @property
    def window_label(self) -> str:
        """'3 months from the sale' (the trigger as the engine names it)."""
        return self.engine().window_text

    def engine(self):
        """The provision as deficiencies.provisions reads it."""
        from deficiencies import provisions

        return provisions.Provision.from_text(
            {f: getattr(self, f) for f in ENGINE_FIELDS} | {"verified": self.verified}
        )


ENGINE_FIELDS = (
    "provision_id", "kind", "events", "process", "conditions", "window_number", "window_unit",
    "trigger", "rate_percent", "effect_note", "citation", "confidence",
)  # fmt: skip


class ProvisionChange(models.Model):
    """One edit (or a counsel review) of a provision: who, when, each field's old and new."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(help_text="field -> [old, new]")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"Change to {self.provision} on {self.changed_at:%Y-%m-%d}"


class EventType(models.TextChoices):
    FORECLOSURE_SALE = "foreclosure_sale", "Foreclosure sale"
    SHORT_SALE = "short_sale", "Short sale"
    DEED_IN_LIEU = "deed_in_lieu", "Deed in lieu"


class SaleProcess(models.TextChoices):
    JUDICIAL = "judicial", "Judicial sheriff sale"
    NON_JUDICIAL = "non_judicial", "Non-judicial trustee sale"


class ValueSource(models.TextChoices):
    APPRAISAL = "appraisal", "Appraisal"
    BPO = "bpo", "Broker price opinion"
    AVM = "avm", "AVM"
    COURT = "court", "Court determination"


class Buyer(models.TextChoices):
    """Who bought at a foreclosure sale."""

    HOLDER = "holder", "The holder, by credit bid or otherwise"
    THIRD_PARTY = "third_party", "A third party"
    UNKNOWN = "unknown", "Unknown"


class ForeclosedBy(models.TextChoices):
    """Whose foreclosure sale ended a junior lien's security."""

    HOLDER = "holder", "This loan's holder, foreclosing its own lien"
    SENIOR = "senior", "A senior lienholder (this loan was sold out)"


class LiquidationEvent(models.Model):
    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="liquidation")
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    event_date = models.DateField(help_text="The sale's date, the closing date or the deed's date.")
    sale_process = models.CharField(
        "foreclosure process", max_length=15, choices=SaleProcess.choices, blank=True
    )
    sale_price = money("winning bid", null=True, blank=True)
    # A credit bid is the holder's: a winning one means the holder bought (see `buyer`).
    credit_bid = models.BooleanField("the winning bid was the holder's credit bid", default=False)
    buyer = models.CharField(
        "who bought at the sale", max_length=12, choices=Buyer.choices, default=Buyer.UNKNOWN
    )
    # A junior lien's foreclosure sale: whose sale it was. A senior's sale sells the junior
    # out (it is credited only what the bid left above the senior debt paid from it); the
    # junior's own sale is made subject to the senior lien (credited the whole bid).
    foreclosed_by = models.CharField(
        "whose foreclosure sale", max_length=10, choices=ForeclosedBy.choices, blank=True
    )
    # The senior debt: paid from a senior's sale; on the junior's own sale, what the property
    # stays subject to (it lowers the value of what was sold, for a fair-value credit).
    senior_debt = money("senior debt", null=True, blank=True)
    # Dates that start a state's windows (a foreclosure sale's), when they are known.
    confirmed_on = models.DateField("sale confirmed by the court on", null=True, blank=True)
    deed_delivered_on = models.DateField("deed delivered on", null=True, blank=True)
    certificate_on = models.DateField("certificate of title issued on", null=True, blank=True)
    redemption_ends_on = models.DateField("redemption period ends on", null=True, blank=True)
    # A short sale: did the holder consent to it in writing?
    lender_consented = models.CharField(
        "the holder consented to the short sale in writing", max_length=10,
        choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN,
    )  # fmt: skip
    # A foreclosure sale: did the borrower elect a statutory protection (Oklahoma's homestead
    # election, 46 O.S. § 43; Indiana's waiver, IC 32-29-7-5)?
    borrower_elected = models.CharField(
        "the borrower elected a statutory protection", max_length=10,
        choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN,
    )  # fmt: skip
    gross_price = money("gross sale price", null=True, blank=True)
    net_proceeds = money("net proceeds paid to the holder", null=True, blank=True)
    fair_market_value = money("fair market value", null=True, blank=True)
    value_source = models.CharField(max_length=10, choices=ValueSource.choices, blank=True)
    value_date = models.DateField("value as of", null=True, blank=True)
    # The loan's status before the liquidation made it "liquidated": a reversal puts it back.
    # Blank on events recorded before it was kept (deficiencies.reversal.status_after_reversal).
    loan_status_before = models.CharField(max_length=20, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(net_proceeds__isnull=True)
                | Q(gross_price__isnull=True)
                | Q(net_proceeds__lte=models.F("gross_price")),
                name="event_net_not_above_gross",
            ),
            models.CheckConstraint(
                condition=~Q(credit_bid=True, buyer=Buyer.THIRD_PARTY),
                name="event_credit_bid_is_the_holders",
            ),
        ]

    def __str__(self):
        return f"{self.get_event_type_display()} on {self.event_date}"

    # The facts as deficiencies.provisions.Facts reads them: True, False or None (unknown).
    @property
    def creditor_is_purchaser(self) -> bool | None:
        """Whether the foreclosing holder bought at the sale (None: not known, or no sale).
        A winning credit bid is the holder's, so it answers yes when the buyer is unknown."""
        if self.event_type != EventType.FORECLOSURE_SALE:
            return None
        if self.buyer == Buyer.HOLDER or self.credit_bid:
            return True
        if self.buyer == Buyer.THIRD_PARTY:
            return False
        return None

    def sold_out(self, lien_position) -> bool:
        """Whether this sale sold out a junior lien (at `lien_position`, the loan's): a senior
        lienholder's foreclosure sale (an event stored before `foreclosed_by` existed: one
        that paid a senior debt above zero)."""
        if self.event_type != EventType.FORECLOSURE_SALE or (lien_position or 1) < 2:
            return False
        if self.foreclosed_by:
            return self.foreclosed_by == ForeclosedBy.SENIOR
        return bool(self.senior_debt)

    @property
    def borrower_elected_flag(self) -> bool | None:
        """Whether the borrower elected a statutory protection at a foreclosure sale (None:
        not known, or not a sale)."""
        if self.event_type != EventType.FORECLOSURE_SALE:
            return None
        return yes_no(self.borrower_elected)

    @property
    def lender_consented_flag(self) -> bool | None:
        """Whether the holder consented to the short sale in writing (None: not known, or
        not a short sale)."""
        if self.event_type != EventType.SHORT_SALE:
            return None
        return yes_no(self.lender_consented)


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PURSUING = "pursuing", "Pursuing"
    SUIT_FILED = "suit_filed", "Suit filed"
    JUDGMENT_GRANTED = "judgment_granted", "Judgment granted"
    COLLECTING = "collecting", "Collecting"
    SATISFIED = "satisfied", "Satisfied"
    WAIVED = "waived", "Waived"
    DISCHARGED = "discharged", "Discharged in bankruptcy"
    TIME_BARRED = "time_barred", "Time-barred"
    BARRED_BY_LAW = "barred_by_law", "Barred by law"
    WRITTEN_OFF = "written_off", "Written off"
    SETTLED = "settled", "Settled for less"


S = Status
# The workflow: from each status, where it may go. Nothing else is allowed. A recovery
# that pays the outstanding balance in full satisfies the deficiency at any open stage
# (services.add_recovery); Satisfied is offered by hand only once nothing is outstanding.
# From every open stage it may also be written off (with a reason), waived, settled for
# less (with the amount agreed) or discharged in bankruptcy.
_ENDINGS = (S.SATISFIED, S.WAIVED, S.SETTLED, S.WRITTEN_OFF, S.DISCHARGED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.OPEN: (S.PURSUING, *_ENDINGS, S.TIME_BARRED, S.BARRED_BY_LAW),
    S.PURSUING: (S.SUIT_FILED, *_ENDINGS, S.TIME_BARRED, S.BARRED_BY_LAW),
    # A bankruptcy discharge ends personal liability at any stage, a judgment included.
    S.SUIT_FILED: (S.JUDGMENT_GRANTED, *_ENDINGS),
    S.JUDGMENT_GRANTED: (S.COLLECTING, *_ENDINGS),
    S.COLLECTING: _ENDINGS,
    S.SATISFIED: (),
    S.WAIVED: (),
    S.DISCHARGED: (),
    S.TIME_BARRED: (),
    S.BARRED_BY_LAW: (),
    S.WRITTEN_OFF: (),
    S.SETTLED: (),
}  # fmt: skip
# The stages at which money may still come in (a payment in full satisfies them).
OPEN_STAGES = frozenset({S.OPEN, S.PURSUING, S.SUIT_FILED, S.JUDGMENT_GRANTED, S.COLLECTING})
# Settled: the holder agreed to take less and released the rest, so it is extinguished.
EXTINGUISHED = frozenset({S.WAIVED, S.DISCHARGED, S.TIME_BARRED, S.BARRED_BY_LAW, S.SETTLED})
CLOSED = EXTINGUISHED | {S.SATISFIED, S.WRITTEN_OFF}


class Verdict(models.TextChoices):
    BARRED = "barred", "Barred"
    LIKELY_BARRED = "likely_barred", "Likely barred"
    CONDITIONAL = "conditional", "Pursuable with conditions"
    PURSUABLE = "pursuable", "Pursuable"
    EXTINGUISHED = "extinguished", "Extinguished"
    UNDETERMINED = "undetermined", "Undetermined: facts or data missing"


# Verdicts whose balance is never counted as recoverable (totals, summaries).
NOT_RECOVERABLE = frozenset({Verdict.BARRED, Verdict.EXTINGUISHED})


# settlements.models.Status.IN_REVIEW (settlements imports this module, so not imported).
AGREEMENT_IN_REVIEW = "in_review"


class DeficiencyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every deficiency; an investor those in portfolios they own; an attorney
        those with a settlement agreement in review with them, and only while it is: once
        approved, sent back or sent to another attorney, the investor rules apply."""
        roles = roles_of(user)
        if Role.STAFF in roles:
            return self.all()
        conditions = []
        if Role.INVESTOR in roles:
            conditions.append(Q(portfolio__owners=user))
        if Role.ATTORNEY in roles:
            # One condition on one agreement: reviewed by this attorney AND in review now.
            conditions.append(Q(agreements__reviewer=user, agreements__status=AGREEMENT_IN_REVIEW))
        if not conditions:
            return self.none()
        # Paths through many-valued relations can match one row several times.
        return self.filter(reduce(operator.or_, conditions)).distinct()


class Deficiency(models.Model):
    """The balance left after a liquidation, with the debt snapshot it was computed from."""

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="deficiency")
    # The loan's portfolio, kept here so summaries and scope need no join through loans.
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="deficiencies")
    event = models.OneToOneField(
        LiquidationEvent, on_delete=models.PROTECT, related_name="deficiency"
    )
    # The loan's payoff as of the event date (portfolios.payoff.payoff).
    debt_as_of = models.DateField()
    principal = money("principal")
    # The part of the principal that bore no interest (included in `principal`).
    deferred_principal = money("deferred principal (non-interest-bearing)", default=Decimal("0.00"))
    interest = money("accrued interest")
    interest_days = models.PositiveIntegerField()
    per_diem = money("per diem")
    fees = money("fees")
    costs = money("costs")
    advances = money("escrow advances")
    suspense = money("suspense funds")
    total_debt = money("total debt")
    credited = money("credited amount")
    deficiency = money("deficiency balance")
    fair_value_deficiency = money("fair-value deficiency", null=True, blank=True)
    recoverable = money("recoverable estimate")
    # What the sale brought above the whole debt: not the holder's (junior lienholders,
    # then the borrower, may claim it).
    surplus = money("surplus above the debt", default=Decimal("0.00"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # The latest assessment (refreshed on every change and once a day).
    verdict = models.CharField(max_length=15, choices=Verdict.choices, blank=True)
    regime = models.CharField(max_length=12, choices=Regime.choices, blank=True)
    assessed_on = models.DateField(null=True, blank=True)
    recovered = money("recovered to date", default=Decimal("0.00"))
    # A settlement for less: what the holder agreed to take in all (what was recovered before
    # counts toward it); the rest was released. Payments under it are recoveries.
    settled_for = money("settled for (in all)", null=True, blank=True)
    # ... and what it released: what was owed when it was settled, less `settled_for`.
    released = money("released by the settlement", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeficiencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deficiencies"
        ordering = ["-debt_as_of", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered__gte=0) & Q(deficiency__gte=0) & Q(total_debt__gte=0),
                name="deficiency_amounts_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["portfolio", "assessed_on"]),
            models.Index(fields=["portfolio", "-debt_as_of"]),
            models.Index(fields=["portfolio", "verdict"]),
        ]

    def __str__(self):
        return f"Deficiency on loan {self.loan.loan_number}"

    def get_absolute_url(self):
        return reverse("deficiencies:detail", args=[self.pk])

    @property
    def interest_bearing_principal(self) -> Decimal:
        return self.principal - self.deferred_principal

    @property
    def extinguished(self) -> bool:
        return self.status in EXTINGUISHED

    @property
    def claim(self) -> Decimal:
        """What the holder claims today: the judgment's amount with its post-judgment interest
        to today once granted, else the estimate."""
        return self.claim_on(timezone.localdate())

    def claim_on(self, day) -> Decimal:
        judgment = getattr(self, "judgment", None)
        return judgment.amount + judgment.interest_to(day) if judgment else self.recoverable

    @property
    def outstanding(self) -> Decimal:
        """The claim (with the judgment's interest to today) less what was recovered."""
        return self.outstanding_on(timezone.localdate())

    def outstanding_on(self, day) -> Decimal:
        """What is left to receive: the claim less what was recovered; once settled for
        less, what the settlement still has to pay; $0.00 once satisfied."""
        if self.status == Status.SATISFIED:
            return Decimal("0.00")  # paid in full: interest stopped with the last payment
        if self.status == Status.SETTLED and self.settled_for is not None:
            return self.settlement_due or Decimal("0.00")
        return max(self.claim_on(day) - self.recovered, Decimal("0.00"))

    @property
    def settlement_due(self) -> Decimal | None:
        """What a settlement for less still has to pay (None: not settled for an amount, or
        a bankruptcy discharge ended the borrower's liability for it, 11 U.S.C. § 524(a))."""
        if self.status != Status.SETTLED or self.settled_for is None:
            return None
        bankruptcy = getattr(self, "bankruptcy", None)
        if bankruptcy is not None and bankruptcy.discharged_on:
            return None
        return max(self.settled_for - self.recovered, Decimal("0.00"))

    def owed_on(self, day) -> Decimal:
        """What the loan owes after its sale, as totals count it: what is outstanding (for a
        settlement for less, what it still has to pay), or $0.00 once closed, barred or
        extinguished."""
        return self.outstanding_on(day) if self.counts_as_owed else Decimal("0.00")

    @property
    def owed(self) -> Decimal:
        return self.owed_on(timezone.localdate())

    @property
    def counts_as_owed(self) -> bool:
        """Whether what is outstanding counts in totals: never once closed, barred or
        extinguished (their balance cannot be recovered), except what a settlement for less
        still has to pay (the holder's by the settlement)."""
        if self.settlement_due is not None:
            return True
        return self.status not in CLOSED and self.verdict not in NOT_RECOVERABLE

    @property
    def allowed_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class StatusChange(models.Model):
    deficiency = models.ForeignKey(Deficiency, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    # A settlement for less: the amount the holder agreed to take.
    amount = money("amount agreed", null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class DeficiencySuit(models.Model):
    deficiency = models.OneToOneField(Deficiency, on_delete=models.CASCADE, related_name="suit")
    court = models.CharField(max_length=200)
    county = models.CharField(max_length=100, blank=True)
    case_number = models.CharField(max_length=100)
    filed_on = models.DateField()

    def __str__(self):
        return f"Case {self.case_number}"


class Judgment(models.Model):
    deficiency = models.OneToOneField(Deficiency, on_delete=models.CASCADE, related_name="judgment")
    granted_on = models.DateField()
    amount = money("judgment amount")
    interest_rate = models.DecimalField(
        "post-judgment interest (annual %)", max_digits=7, decimal_places=4,
        validators=non_negative(), default=Decimal("0"),
    )  # fmt: skip
    expires_on = models.DateField("expires on (as entered)", null=True, blank=True)
    # Where the rate came from when the form left it blank: the state's fixed rate and its
    # citation ("" when the rate was typed as the court set it).
    interest_rate_source = models.CharField(max_length=300, blank=True)
    # When it stops being enforceable: the expiry as entered, else the state's judgment
    # lifetime from its provisions (kept by services.refresh). Interest stops there.
    lapses_on = models.DateField("lapses on", null=True, blank=True, editable=False)
    # The latest renewal (revival, extension) the court granted: `expires_on` is then the
    # renewed judgment's expiry.
    renewed_on = models.DateField("renewed on", null=True, blank=True)
    # Its balance after the payments received (services.rebalance; payments go to interest
    # first, calculations.judgment_balance): the principal still due, the interest accrued
    # in all to the last payment, and that payment's date. Empty: nothing paid yet.
    principal_due = money("principal still due", null=True, blank=True, editable=False)
    interest_accrued = money("interest accrued to the last payment", null=True, blank=True,
                             editable=False)  # fmt: skip
    balance_on = models.DateField("balance as of", null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("granted_on")),
                name="judgment_expires_after_grant",
            ),
        ]

    def __str__(self):
        return f"Judgment of {self.granted_on}"

    def interest_to(self, day) -> Decimal:
        """Post-judgment interest accrued from entry to `day` (simple, actual/365), never
        past the day the judgment lapses; once payments were received, on the principal
        still due (they go to interest first)."""
        from deficiencies.calculations import judgment_interest_to

        return judgment_interest_to(
            self.amount, self.interest_rate, self.granted_on, self.accrues_to(day),
            principal_due=self.principal_due, accrued=self.interest_accrued,
            balance_on=self.balance_on,
        )  # fmt: skip

    def accrues_to(self, day):
        """The last day interest runs to: `day`, or the day the judgment lapsed before it."""
        return min(day, self.lapses_on) if self.lapses_on else day

    @property
    def lapsed(self) -> bool:
        return bool(self.lapses_on and self.lapses_on < timezone.localdate())

    @property
    def interest_today(self) -> Decimal:
        return self.interest_to(timezone.localdate())

    @property
    def interest_days(self) -> int:
        return max((self.accrues_to(timezone.localdate()) - self.granted_on).days, 0)


class CollectionAction(models.Model):
    class Kind(models.TextChoices):
        WAGE_GARNISHMENT = "wage_garnishment", "Wage garnishment"
        BANK_LEVY = "bank_levy", "Bank levy"
        JUDGMENT_LIEN = "judgment_lien", "Judgment lien"
        PAYMENT_PLAN = "payment_plan", "Payment plan"
        OTHER = "other", "Other"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"

    deficiency = models.ForeignKey(Deficiency, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField()
    state = models.CharField("status", max_length=10, choices=State.choices, default=State.ACTIVE)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.started_on}"


class ConditionAnswer(models.Model):
    """Counsel's answer, for one deficiency, to a condition of its state's provisions that
    the app cannot read from the loan or the sale (an `other:` condition: "served only by
    publication", "the mortgagee waived the deficiency in the complaint"): whether it holds,
    who recorded it, when, and on what basis."""

    deficiency = models.ForeignKey(Deficiency, on_delete=models.CASCADE, related_name="answers")
    condition = models.CharField(max_length=500)
    holds = models.BooleanField()
    note = models.TextField("basis (counsel's advice, the case file)")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["condition"]
        constraints = [
            models.UniqueConstraint(fields=["deficiency", "condition"], name="one_answer_each")
        ]

    def __str__(self):
        return f"{self.condition}: {'yes' if self.holds else 'no'}"


class Recovery(models.Model):
    class Source(models.TextChoices):
        GARNISHMENT = "garnishment", "Wage garnishment"
        LEVY = "levy", "Bank levy"
        LIEN = "lien", "Judgment lien payoff"
        PAYMENT = "payment", "Borrower payment"
        SETTLEMENT = "settlement", "Settlement"
        # The one recovery the automatic stay allows while a case is open (11 U.S.C. § 362).
        TRUSTEE = "trustee", "Paid by the bankruptcy trustee (a distribution in the case)"
        OTHER = "other", "Other"

    deficiency = models.ForeignKey(Deficiency, on_delete=models.CASCADE, related_name="recoveries")
    received_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=12, choices=Source.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "recoveries"
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive")
        ]

    def __str__(self):
        return f"{self.amount} on {self.received_on}"


class Bankruptcy(models.Model):
    class Chapter(models.IntegerChoices):
        SEVEN = 7, "Chapter 7"
        ELEVEN = 11, "Chapter 11"
        TWELVE = 12, "Chapter 12"
        THIRTEEN = 13, "Chapter 13"

    deficiency = models.OneToOneField(
        Deficiency, on_delete=models.CASCADE, related_name="bankruptcy"
    )
    chapter = models.PositiveSmallIntegerField(choices=Chapter.choices)
    case_number = models.CharField(max_length=100)
    district = models.CharField(max_length=200)
    filed_on = models.DateField()
    discharged_on = models.DateField(null=True, blank=True)
    dismissed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "bankruptcies"
        constraints = [
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(dismissed_on__isnull=True),
                name="bankruptcy_discharged_or_dismissed_not_both",
            ),
        ]

    def __str__(self):
        return f"Chapter {self.chapter} case {self.case_number}"

    @property
    def stays_collection(self) -> bool:
        """The automatic stay (11 U.S.C. § 362(a)) holds while the case is filed and
        neither discharged (which extinguishes) nor dismissed (which lifts it)."""
        return bool(self.filed_on) and not (self.discharged_on or self.dismissed_on)


class Deadline(models.Model):
    """A dated deadline, kept current by the services whenever its inputs change."""

    class Kind(models.TextChoices):
        FILING = "filing", "Deficiency filing window"
        LIMITATIONS = "limitations", "Statute of limitations"
        JUDGMENT_EXPIRY = "judgment_expiry", "Judgment expires"
        JUDGMENT_RENEWAL = "judgment_renewal", "Judgment renewal window"
        ENFORCEMENT_CUTOFF = "enforcement_cutoff", "Enforcement cutoff"

    # Reminded this many days before each deadline: by e-mail to staff and the owners who
    # want it (deficiencies.tasks, through notifications) and by the calendar feed's alarms
    # (deficiencies.ics).
    REMINDER_DAYS = (30, 7)

    deficiency = models.ForeignKey(Deficiency, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField()
    note = models.TextField(blank=True)
    # Copied from the loan so the deadlines page is one indexed query with no join.
    portfolio_id = models.BigIntegerField(db_index=True)
    state_code = models.CharField(max_length=2)
    loan_number = models.CharField(max_length=50)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on", "portfolio_id"]),
            models.Index(fields=["portfolio_id", "due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["deficiency", "kind"], name="one_deadline_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.due_on}"


def live_deadlines():
    """The deadlines of loans and portfolios not archived. An archived one is kept for the
    record, out of every list, queue and reminder (a subquery of the few archived ones, in
    the same query)."""
    archived = Deficiency.objects.filter(
        models.Q(loan__archived_at__isnull=False) | models.Q(portfolio__archived_at__isnull=False)
    ).values("pk")
    return Deadline.objects.exclude(deficiency_id__in=archived)


class CalendarFeed(models.Model):
    """A user's private iCalendar link to their deadlines; revoking it makes a new one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar of {self.user}"

    def get_absolute_url(self):
        return reverse("deficiencies:calendar", args=[self.token])


class PortfolioStamp(models.Model):
    """When a portfolio's deficiencies last changed and were last re-assessed.

    Keys the cached summary, and lets the summary skip the daily re-assessment check
    once it has run for the day.
    """

    portfolio = models.OneToOneField(
        Portfolio, on_delete=models.CASCADE, primary_key=True, related_name="deficiency_stamp"
    )
    changed_at = models.DateTimeField(null=True)
    assessed_on = models.DateField(null=True)

    def __str__(self):
        return f"Deficiency stamp of {self.portfolio_id}"
