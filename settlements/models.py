"""Settlement agreements (DPO and short sale), their frozen versions, review and history."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from deficiencies.models import Deficiency
from noteinvest.access import Role, has_role, roles_of
from noteinvest.money import money_field as money
from portfolios.models import Loan, Portfolio
from settlements.limits import (  # the forms refuse longer text; the services too
    COMMISSION_PERCENT,
    CURE_DAYS,
    LIEN_RELEASE_DAYS,
    MAX_APPROVAL_REFERENCE,
    MAX_BUYER_NAMES,
    MAX_COMMENT,
    MAX_HARDSHIP,
    MAX_HOLDER_ADDRESS,
    MAX_INSTRUCTIONS,
    MAX_JUNIOR_LIENHOLDERS,
    MAX_NOTE,
    MAX_RIDER_BODY,
    MAX_RIDER_TITLE,
    MAX_SIGNATORY_TITLE,
    MAX_SIGNING_NAME,
    OFFER_FORWARD_DAYS,
)


class Kind(models.TextChoices):
    DPO = "dpo", "Discounted payoff (DPO)"
    SHORT_SALE = "short_sale", "Short sale"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent to the borrower"
    SIGNED = "signed", "Signed"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    DEFAULTED = "defaulted", "Defaulted"


S = Status
OPEN_STATES = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.SENT)
# A live agreement binds or may still bind the parties: one per loan and kind at a time.
# Completed, expired, cancelled and defaulted agreements are ended; a new one may follow.
LIVE_STATES = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.SENT, S.SIGNED)
# What an investor sees of the agreements on their loans: once counsel approved them.
INVESTOR_VISIBLE = (S.APPROVED, S.SENT, S.SIGNED, S.COMPLETED, S.DEFAULTED)
# The workflow: from each status, where it may go.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.IN_REVIEW, S.EXPIRED, S.CANCELLED),
    S.IN_REVIEW: (S.CHANGES_REQUESTED, S.APPROVED, S.EXPIRED, S.CANCELLED),
    S.CHANGES_REQUESTED: (S.DRAFT, S.EXPIRED, S.CANCELLED),
    S.APPROVED: (S.SENT, S.EXPIRED, S.CANCELLED),
    S.SENT: (S.SIGNED, S.EXPIRED, S.CANCELLED),
    # A signed agreement is cancelled when the loan is settled otherwise (another agreement
    # completed) or by the parties' mutual release.
    S.SIGNED: (S.COMPLETED, S.DEFAULTED, S.CANCELLED),
    S.COMPLETED: (),
    S.EXPIRED: (),
    S.CANCELLED: (),
    S.DEFAULTED: (),
}


class Foreclosure(models.TextChoices):
    """A short sale: what happens to a scheduled foreclosure sale while the sale is pending."""

    NONE_SCHEDULED = "none_scheduled", "No foreclosure sale is scheduled"
    POSTPONED = "postponed", "Postponed until the closing deadline"
    NOT_POSTPONED = "not_postponed", "Not postponed"


class PaymentMethod(models.TextChoices):
    WIRE = "wire", "Wire transfer"
    CASHIERS_CHECK = "cashiers_check", "Cashier's check"
    ACH = "ach", "ACH transfer"


def _between(least: int, most: int) -> list:
    return [MinValueValidator(least), MaxValueValidator(most)]


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every agreement. An attorney sees one while it is in review and sent to
        them (`acts_as_reviewer`); otherwise the investor rule applies: the agreements on
        their own loans once approved. A user with several roles sees the union."""
        roles = roles_of(user)
        if Role.STAFF in roles:
            return self.all()
        conditions = []
        if Role.INVESTOR in roles:
            conditions.append(Q(loan__portfolio__owners=user, status__in=INVESTOR_VISIBLE))
        if Role.ATTORNEY in roles:
            conditions.append(Q(reviewer=user, status=Status.IN_REVIEW))
        if not conditions:
            return self.none()
        condition = conditions[0]
        for more in conditions[1:]:
            condition |= more
        # Through the owners (many-to-many) one agreement can match several times.
        return self.filter(condition).distinct()


class Agreement(models.Model):
    number = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="agreements")
    deficiency = models.ForeignKey(
        Deficiency, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="agreements_to_review",
    )  # fmt: skip
    # Parties and facts (prefilled from the loan and portfolio, editable in the draft).
    holder_name = models.CharField("holder's legal name", max_length=200)
    holder_address = models.TextField("holder's address", max_length=MAX_HOLDER_ADDRESS)
    # Parties as people sign (settlements.forms.PartiesForm): the holder's signatory, the
    # holder's e-mail for notices, and per borrower on the loan
    # {"borrower": pk, "name": as signed, "notice_address": ...} (blank: as the tape has it).
    holder_signatory_name = models.CharField(
        "holder's signatory: name", max_length=MAX_SIGNING_NAME, blank=True
    )
    holder_signatory_title = models.CharField(
        "holder's signatory: title", max_length=MAX_SIGNATORY_TITLE, blank=True
    )
    holder_notice_email = models.EmailField("holder's e-mail for notices", blank=True)
    parties = models.JSONField(default=list, blank=True)
    # The borrower's hardship as they stated it (optional: the Hardship clause quotes it), and
    # whether the holder is a debt collector under the FDCPA (15 U.S.C. § 1692a(6)): the
    # debt-collector notices clause is added when it is.
    hardship = models.TextField(
        "borrower's hardship (optional)", blank=True, max_length=MAX_HARDSHIP
    )
    holder_is_debt_collector = models.BooleanField(
        "the holder is a debt collector under the FDCPA", default=False
    )
    agreement_date = models.DateField()
    governing_state = models.CharField(max_length=2)
    # The payoff snapshot as of the agreement date (portfolios.payoff.payoff).
    payoff_as_of = models.DateField()
    principal = money("unpaid principal")
    # The part of the principal that bears no interest (included in `principal`).
    deferred_principal = money("deferred principal (non-interest-bearing)", default=Decimal("0.00"))
    interest = money("accrued interest")
    fees = money("fees")
    costs = money("costs")
    advances = money("escrow advances")
    suspense = money("suspense funds")
    total_debt = money("total debt")
    # The Total Debt is stated as of this date (the day the draft was started); after it,
    # interest runs at `per_diem` a day (the loan's per diem; after a liquidation $0.00,
    # unless a judgment's post-judgment interest runs). Empty on agreements drafted before.
    good_through = models.DateField("figures good through", null=True, blank=True)
    per_diem = money("per diem after the good-through date", default=Decimal("0.00"))
    # DPO terms
    settlement_amount = money("settlement amount", null=True, blank=True)
    lump_sum_due = models.DateField("lump sum due by", null=True, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, blank=True)
    payment_instructions = models.TextField(blank=True, max_length=MAX_INSTRUCTIONS)
    offer_expires_on = models.DateField("offer expires on", null=True, blank=True)
    lien_release_days = models.PositiveSmallIntegerField(
        default=30, validators=_between(*LIEN_RELEASE_DAYS)
    )
    cure_days = models.PositiveSmallIntegerField(
        "cure period (days)", default=15, validators=_between(*CURE_DAYS)
    )
    # Short-sale terms
    minimum_net_proceeds = money("minimum net proceeds to the holder", null=True, blank=True)
    listing_signed_by = models.DateField("listing agreement signed by", null=True, blank=True)
    offer_forward_days = models.PositiveSmallIntegerField(
        "offers forwarded within (days)", default=3, validators=_between(*OFFER_FORWARD_DAYS)
    )
    closing_deadline = models.DateField(null=True, blank=True)
    relocation_amount = money("relocation amount to the borrower", default=Decimal("0.00"))
    # A junior lien's short sale needs the senior lienholder's approval: who that is.
    senior_lienholder = models.CharField(
        "senior lienholder (whose approval the sale needs)", max_length=200, blank=True
    )
    # A short-sale approval (issue 12): the approved buyer, price and contract (any change of
    # buyer or price voids the approval), the caps on what the price may pay at closing, the
    # junior liens a senior holder's sale must clear, a junior holder's senior approval, the
    # arm's-length affidavit and a scheduled foreclosure sale.
    buyer_names = models.CharField(
        "buyer(s), as named in the purchase contract", max_length=MAX_BUYER_NAMES, blank=True
    )
    contract_price = money("contract price", null=True, blank=True)
    contract_date = models.DateField("purchase contract dated", null=True, blank=True)
    estimated_statement_on = models.DateField(
        "estimated closing statement dated", null=True, blank=True
    )
    commission_cap_percent = models.DecimalField(
        "brokers' commission cap (% of the price)", max_digits=5, decimal_places=3, null=True,
        blank=True, validators=_between(*COMMISSION_PERCENT),
    )  # fmt: skip
    commission_cap_amount = money("brokers' commission cap (amount)", null=True, blank=True)
    closing_costs_cap = money("closing costs cap", null=True, blank=True)
    junior_liens_cap = money("cap on the total paid to junior lienholders", null=True, blank=True)
    junior_lienholders = models.TextField(
        "junior lienholders (one per line)", max_length=MAX_JUNIOR_LIENHOLDERS, blank=True
    )
    senior_approval_on = models.DateField(
        "senior lienholder's approval dated", null=True, blank=True
    )
    senior_approval_reference = models.CharField(
        "senior lienholder's approval reference", max_length=MAX_APPROVAL_REFERENCE, blank=True
    )
    arms_length_affidavit = models.BooleanField("arm's-length affidavit at closing", default=True)
    foreclosure = models.CharField(
        "a scheduled foreclosure sale", max_length=16, choices=Foreclosure.choices,
        default=Foreclosure.NONE_SCHEDULED,
    )  # fmt: skip
    foreclosure_sale_on = models.DateField("foreclosure sale scheduled for", null=True, blank=True)
    approved_version = models.ForeignKey(
        "AgreementVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The outcome, written with the completion: the day it took effect, what was received
    # in all, and what was forgiven that day (principal apart from interest, fees, costs).
    completed_on = models.DateField(null=True, blank=True)
    received_total = money("received in all", null=True, blank=True)
    forgiven_total = money("forgiven", null=True, blank=True)
    forgiven_principal = money("forgiven principal", null=True, blank=True)
    forgiven_other = money("forgiven interest, fees and costs", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(settlement_amount__isnull=True) | Q(settlement_amount__gt=0),
                name="agreement_settlement_positive",
            ),
            models.UniqueConstraint(
                fields=["loan", "kind"],
                condition=Q(status__in=LIVE_STATES),
                name="one_live_agreement_per_loan_and_kind",
                violation_error_message="This loan already has a live agreement of this kind.",
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("settlements:detail", args=[self.pk])

    @property
    def amount_received(self) -> Decimal | None:
        """What the holder receives: the settlement amount, or the minimum net proceeds."""
        return self.settlement_amount if self.kind == Kind.DPO else self.minimum_net_proceeds

    @property
    def amount_waived(self) -> Decimal | None:
        received = self.amount_received
        return None if received is None else self.total_debt - received


class AgreementCounter(models.Model):
    """The last agreement number given out in a calendar year. Drafts lock their year's row
    (select_for_update) to take the next number, so drafts started at once take turns
    instead of clashing on the unique number."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"SA-{self.year}: {self.last}"


class Installment(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="installments")
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_positive")
        ]

    def __str__(self):
        return f"{self.amount} due {self.due_on}"


class AgreementVersion(models.Model):
    """A frozen version: its terms, its text and its PDF bytes never change after freezing."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    terms = models.JSONField(help_text="Everything the document was rendered from.")
    text = models.TextField(help_text="The agreement's plain text, for redlines.")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_version_number")
        ]

    def __str__(self):
        return f"{self.agreement.number} v{self.number}"

    def save(self, *args, **kwargs):
        # A frozen version is written once; its terms, text and PDF never change after.
        if self.pk is not None:
            raise ValueError("A frozen agreement version cannot be changed.")
        super().save(*args, **kwargs)


class SealedPdf(models.Model):
    """The approved version's PDF as sealed by the firm's certificate at approval (PAdES, see
    settlements.seal): the document of record served from then on. The frozen version keeps
    its own bytes; these are them plus the seal, appended as an incremental update."""

    version = models.OneToOneField(AgreementVersion, on_delete=models.PROTECT, related_name="seal")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64, db_index=True)
    certificate_subject = models.CharField(max_length=500)
    certificate_sha256 = models.CharField("certificate fingerprint (SHA-256)", max_length=64)
    development = models.BooleanField(
        default=False, help_text="Sealed with the generated development certificate."
    )
    sealed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Seal of {self.version}"

    def save(self, *args, **kwargs):
        # Written once, at approval, like the version it seals.
        if self.pk is not None:
            raise ValueError("A sealed PDF cannot be changed.")
        super().save(*args, **kwargs)


class ReviewComment(models.Model):
    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    section = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: the whole.")
    body = models.TextField(max_length=MAX_COMMENT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Resolved by staff or the reviewing attorney (who and when); blank while open.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment on {self.version}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AgreementStatusChange(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=MAX_NOTE)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class SignedCopy(models.Model):
    """The signed agreement as uploaded by staff (a PDF, at most 20 MB)."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.PROTECT, related_name="signed_copy"
    )
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Signed copy of {self.agreement.number}"


class Payment(models.Model):
    """Money received under a signed agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self):
        return f"{self.amount} on {self.received_on}"


class DraftingStep(models.Model):
    """Who drafted, edited or submitted an agreement: one row per saved drafting step.

    Nobody with a row here may review or approve the agreement (`may_review`)."""

    class Step(models.TextChoices):
        STARTED = "started", "Started the draft"
        PARTIES = "parties", "Saved the parties"
        TERMS = "terms", "Saved the terms"
        PAYMENTS = "payments", "Saved the payments"
        RIDERS = "riders", "Saved the riders"
        SUBMITTED = "submitted", "Submitted for review"

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="drafting_steps"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(max_length=20, choices=Step.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_step_display()} ({self.agreement_id})"


# --- who may do what with an agreement (the one place these rules live) -----------------------


def drafter_ids(agreement: Agreement) -> set[int]:
    """Everyone who drafted, edited or submitted any version of the agreement."""
    ids = set(DraftingStep.objects.filter(agreement=agreement).values_list("by_id", flat=True))
    ids.update(
        AgreementVersion.objects.filter(agreement=agreement).values_list("created_by_id", flat=True)
    )
    ids.add(agreement.drafted_by_id)
    return ids


def acts_as_reviewer(user, agreement: Agreement) -> bool:
    """Attorney powers (reading drafts, versions, comments and the redline, unapproved PDFs,
    commenting, deciding) apply only to an agreement in review that was sent to this
    attorney. Otherwise the investor rule applies."""
    return (
        has_role(user, Role.ATTORNEY)
        and agreement.reviewer_id is not None
        and agreement.reviewer_id == user.pk
        and agreement.status == Status.IN_REVIEW
    )


def owner_ids(agreement: Agreement) -> set[int]:
    """The owners of the portfolio holding the agreement's loan: the note holder's side."""
    return set(
        Portfolio.owners.through.objects.filter(
            portfolio_id=agreement.loan.portfolio_id
        ).values_list("user_id", flat=True)
    )


def review_refusal(user, agreement: Agreement, also_drafted_by=None) -> str:
    """Why `user` may not review or approve `agreement` ("" when they may): separation of
    duties. Only an attorney reviews; nobody holding Staff, nobody who owns the portfolio
    holding the loan (the note holder cannot approve its own settlement), and nobody who
    drafted, edited or submitted any version of it (`also_drafted_by`: the one submitting
    it now)."""
    if not has_role(user, Role.ATTORNEY):
        return "Only an attorney can review an agreement."
    if has_role(user, Role.STAFF):
        return "Nobody who holds the Staff role may review or approve an agreement."
    if user.pk in owner_ids(agreement):
        return "Nobody who owns the portfolio holding the loan may review or approve its agreement."
    drafters = drafter_ids(agreement)
    if also_drafted_by is not None:
        drafters.add(also_drafted_by.pk)
    if user.pk in drafters:
        return "Nobody who drafted, edited or submitted an agreement may review or approve it."
    return ""


def eligible_reviewers(agreement: Agreement, also_drafted_by=None):
    """The attorneys an agreement may be sent to: active, not Staff, not an owner of the
    loan's portfolio, not among its drafters (the same rule as `review_refusal`)."""
    from django.contrib.auth import get_user_model

    excluded = drafter_ids(agreement) | owner_ids(agreement)
    if also_drafted_by is not None:
        excluded.add(also_drafted_by.pk)
    return (
        get_user_model()
        .objects.filter(groups__name=Role.ATTORNEY.value, is_active=True)
        .exclude(groups__name=Role.STAFF.value)
        .exclude(pk__in=excluded)
        .distinct()
        .order_by("email")
    )


class ClauseStatus(models.TextChoices):
    DRAFT = "draft", "Draft (awaiting an attorney's approval)"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Draft withdrawn"


class ClauseVersion(models.Model):
    """One version of one clause in the clause library (settlements.library). A version is
    drafted by an attorney and used by new drafts once an attorney approves it; an approved
    version is never changed (the next edit is the next version). Agreement versions keep the
    wording they used in their terms, so no edit here changes a frozen document."""

    key = models.SlugField(max_length=60, help_text="The clause, across its versions.")
    slot = models.SlugField(
        max_length=60, help_text="Clauses sharing a slot are variants: one of them is used."
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=160)
    body = models.TextField(max_length=20_000)
    kinds = models.JSONField(default=list, help_text='The documents: "dpo", "short_sale".')
    states = models.JSONField(default=list, blank=True, help_text="Empty: every state.")
    instrument = models.CharField(max_length=20, blank=True, help_text="Blank: any instrument.")
    when = models.CharField(max_length=40, default="always")
    position = models.PositiveIntegerField(help_text="Order in the document.")
    required = models.BooleanField(default=False)
    active = models.BooleanField(
        default=True, help_text="An approved version that is not active takes the clause out."
    )
    status = models.CharField(
        max_length=10, choices=ClauseStatus.choices, default=ClauseStatus.DRAFT
    )
    note = models.TextField("why this version", blank=True, max_length=2000)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    drafted_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["key", "number"], name="one_clause_version_number"),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="draft"),
                name="one_open_draft_per_clause",
                violation_error_message="This clause already has a draft awaiting approval.",
            ),
        ]

    def __str__(self):
        return f"{self.key} v{self.number}"

    def as_entry(self) -> dict:
        """The clause as the library renders it and an agreement's terms keep it."""
        return {
            "key": self.key,
            "slot": self.slot,
            "version": self.number,
            "title": self.title,
            "kinds": list(self.kinds),
            "states": list(self.states),
            "instrument": self.instrument,
            "when": self.when,
            "position": self.position,
            "required": self.required,
            "body": self.body,
        }


class Rider(models.Model):
    """A free-text rider staff add to one agreement: printed after the clauses as "Rider:
    <title>", and needing an attorney's approval before the agreement can be approved. Any
    change to its words clears that approval."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="riders")
    title = models.CharField("rider's title", max_length=MAX_RIDER_TITLE)
    body = models.TextField("rider's text", max_length=MAX_RIDER_BODY)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self):
        return f"Rider “{self.title}” on {self.agreement.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class ReviewBatch(models.Model):
    """Drafts sent for review together: each is frozen (its PDF rendered) and sent by a
    background task of its own (settlements.tasks.submit_batch_item), so two workers render
    two at a time and the request that starts the batch returns at once."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Review batch {self.pk} for {self.reviewer}"

    def get_absolute_url(self):
        return reverse("settlements:batch", args=[self.pk])


class ReviewBatchItem(models.Model):
    """One draft of a batch: queued, running, done (sent for review) or failed, with why."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Sent for review"
        FAILED = "failed", "Failed"

    FINISHED = (Status.DONE, Status.FAILED)

    batch = models.ForeignKey(ReviewBatch, on_delete=models.CASCADE, related_name="items")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    expected_version = models.PositiveIntegerField(
        help_text="The agreement's edit version when it was chosen: a later edit fails the item."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.TextField(blank=True)
    version_number = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "agreement"], name="one_item_per_agreement")
        ]

    def __str__(self):
        return f"{self.agreement_id} in batch {self.batch_id}: {self.status}"
