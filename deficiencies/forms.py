"""Forms for liquidation events, the deficiency workflow, judgments and state rules."""

import hashlib
import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator, URLValidator

from deficiencies.models import (
    Bankruptcy,
    Buyer,
    CollectionAction,
    DeficiencySuit,
    EventType,
    ForeclosedBy,
    Judgment,
    LiquidationEvent,
    Provision,
    Recovery,
    StateRule,
    Status,
)
from noteinvest.dates import NEAR, RECENT_PAST, DateRange, around_today, years_from
from noteinvest.forms import BoundedDateField, HygienicFormMixin, MoneyFormField, MultiLineField
from noteinvest.money import format_money
from portfolios.choices import STATE_CHOICES, YesNoUnknown

# Input limits (docs/input-limits/deficiencies.md lists them per field).
EVENT_DATES: DateRange = RECENT_PAST
"""Something that happened to a deficiency the app holds: 30 years ago to today."""
EXPIRY_DATES: DateRange = NEAR
"""A judgment's expiry: 30 years ago to 40 years from today (and at most 40 years after
the grant, checked by the form)."""
JUDGMENT_LIFE_YEARS = 40
NOTE_MAX = 2000  # a status change's note, a state rule's filing-deadline note, "why"
SHORT_NOTE_MAX = 500  # a collection action's one-line note
RULE_NOTES_MAX = 5000  # a state rule's notes
SOURCES_MAX = 4000  # a state rule's source addresses, all together
SOURCE_COUNT_MAX = 20
SOURCE_LENGTH_MAX = 500
FILING_DAYS_MAX = 3650  # ten years; the data's longest window is 1,095 days
LIMITATIONS_YEARS_MAX = 30  # the data's longest period is 10 years
RATE_MAX = 50  # post-judgment interest, annual %
REDEMPTION_DATES: DateRange = around_today(30, 3)
"""The end of a redemption period after a sale: it may lie ahead (at most 3 years after
the sale, checked by the form)."""
REDEMPTION_YEARS_MAX = 3  # the longest redemption periods after a sale are two years
ANSWERS = ("buyer", "lender_consented", "borrower_elected")  # yes / no / unknown answers
SALE_DATES = ("confirmed_on", "deed_delivered_on", "certificate_on", "redemption_ends_on")
# Plausibility (the liquidation form warns, and saves once the user confirms):
PLAUSIBLE_DEBT_MULTIPLE = 2  # a bid or net proceeds above twice the total debt
PLAUSIBLE_VALUE_SHARE = Decimal("0.10")  # a fair market value below 10% of the UPB
PLAUSIBLE_VALUE_MULTIPLE = 3  # ... or above 3 times it
PLAUSIBLE_RATE = 30  # the judgment form warns above 30 % a year post-judgment interest
PLAUSIBLE_LIFE_YEARS = 30  # ... and on an expiry more than 30 years after entry
PLAUSIBLE_JUDGMENT_MULTIPLE = Decimal("1.5")  # ... and on an amount above 1.5 × the deficiency


def bound_dates(fields, ranges: dict[str, DateRange]) -> None:
    """Replace each named date field by a BoundedDateField with its range, same label."""
    for name, date_range in ranges.items():
        old = fields[name]
        fields[name] = BoundedDateField(
            date_range=date_range, required=old.required, label=old.label, help_text=old.help_text
        )


def cap_length(field, max_length: int) -> None:
    """Give a text field a length cap, enforced and told to the browser."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)


def bound_integer(fields, name: str, low: int, high: int) -> None:
    old = fields[name]
    fields[name] = forms.IntegerField(
        min_value=low, max_value=high, required=old.required, label=old.label,
        help_text=old.help_text,
    )  # fmt: skip


class RateField(forms.DecimalField):
    """An annual percentage typed as ASCII digits with up to 4 decimals ("9", "5.375");
    1e1, 1_0, non-ASCII digits are refused like amounts are."""

    SHAPE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?", re.ASCII)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
            if value and not self.SHAPE.fullmatch(value):
                raise forms.ValidationError(
                    "Enter a rate such as 9 or 5.375 (percent a year).", code="invalid"
                )
        return super().to_python(value)


class ConfirmFiguresMixin:
    """Figures that are legal but unlikely are shown again with `warnings`, and saved only
    once "I confirm these figures" (the form's `confirm_figures` field) is ticked for
    exactly these warnings: its value is their digest, so a box ticked for other figures
    confirms nothing."""

    CONFIRM_MESSAGE = (
        "These figures are unusual (see the warning above): check them, then tick "
        "“I confirm these figures” to save them as typed."
    )

    @property
    def warnings_digest(self) -> str:
        return hashlib.sha256("\n".join(self.warnings).encode()).hexdigest()[:32]

    def require_confirmation(self, data, warnings: list[str]) -> None:
        self.warnings = warnings
        if not warnings or data.get("confirm_figures") == self.warnings_digest:
            return
        self.add_error("confirm_figures", self.CONFIRM_MESSAGE)


class LiquidationForm(HygienicFormMixin, ConfirmFiguresMixin, forms.ModelForm):
    """Record or correct a liquidation. Fields that do not belong to the chosen kind are
    cleared, not stored. Figures that are legal but unlikely (PLAUSIBILITY) are shown
    again with a warning, and saved only once "I confirm these figures" is ticked."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The digest of the warnings the user confirmed (see `warnings_digest`): a box ticked
    # for other figures confirms nothing.
    confirm_figures = forms.CharField(required=False, strip=True)

    class Meta:
        model = LiquidationEvent
        fields = [
            "event_type", "event_date", "sale_process", "sale_price", "credit_bid", "buyer",
            "foreclosed_by", "senior_debt", "confirmed_on", "deed_delivered_on", "certificate_on",
            "redemption_ends_on", "borrower_elected", "gross_price", "net_proceeds",
            "lender_consented",
            "fair_market_value", "value_source", "value_date",
        ]  # fmt: skip
        help_texts = {
            "sale_process": "A judicial sheriff sale or a non-judicial trustee sale.",
            "credit_bid": "A credit bid is the holder's: ticked, the holder is recorded as "
            "the buyer.",
            "buyer": "Who bought at the sale, from the trustee's or sheriff's report. Some "
            "states' rules depend on whether the foreclosing holder bought.",
            "foreclosed_by": "For a junior lien: a senior lienholder's sale sells this loan out "
            "(it is credited only what the bid left above the senior debt); the holder's own "
            "sale is made subject to the senior lien (it is credited the whole bid).",
            "senior_debt": "For a junior lien, from the trustee's or sheriff's report: what a "
            "senior's sale paid on the senior lien(s); on the holder's own sale, what the "
            "property stays subject to (optional: it lowers the value of what was sold).",
            "confirmed_on": "The date a court confirmed (or ratified) the sale, where it did. "
            "Some states count their windows from it.",
            "deed_delivered_on": "The date the trustee's or sheriff's deed was delivered, "
            "when known. Some states count their windows from it.",
            "certificate_on": "The date the clerk issued the certificate of title, where one "
            "is issued. Some states count their windows from it.",
            "redemption_ends_on": "The last day the borrower may redeem, where the state "
            "gives a redemption period after the sale. Some states count their windows "
            "from it.",
            "borrower_elected": "Whether the borrower made an election a statute offers (such "
            "as Oklahoma's homestead election under 46 O.S. § 43). Unknown until said.",
            "lender_consented": "Whether the holder agreed to the short sale in writing. "
            "Some states' rules depend on it.",
            "fair_market_value": "Required for a deed in lieu; optional otherwise (it may limit "
            "the deficiency in fair-value states).",
        }

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = loan
        self.warnings: list[str] = []
        bound_dates(
            self.fields,
            {
                "event_date": EVENT_DATES, "value_date": EVENT_DATES,
                "confirmed_on": EVENT_DATES, "deed_delivered_on": EVENT_DATES,
                "certificate_on": EVENT_DATES, "redemption_ends_on": REDEMPTION_DATES,
            },
        )  # fmt: skip
        # An answer not sent (an older page, a script) keeps the stored one (unknown on a
        # new event), and is shown again as stored beside any error (a select with no
        # choice would show its first one). Sent blank: unknown.
        self.fields["buyer"].required = self.fields["lender_consented"].required = False
        self.fields["borrower_elected"].required = False
        kept = (*ANSWERS, "foreclosed_by")
        missing = [n for n in kept if self.is_bound and self.add_prefix(n) not in self.data]
        if missing:
            self.data = self.data.copy()
            for name in missing:
                self.data[self.add_prefix(name)] = getattr(self.instance, name)
        self.fields["confirm_figures"].label = "I confirm these figures"

    @property
    def junior(self) -> bool:
        return (self.loan.lien_position or 1) > 1

    @property
    def shows_senior_debt(self) -> bool:
        """A junior lien's form asks for the senior debt; another shows it only to say why
        what was typed there is refused."""
        return self.junior or bool(self.errors.get("senior_debt"))

    def clean(self):
        data = super().clean()
        for name in ANSWERS:
            if name not in self.errors and not data.get(name):
                data[name] = "unknown"
        kind = data.get("event_type")
        day = data.get("event_date")
        if day and self.loan.origination_date and day < self.loan.origination_date:
            self.add_error("event_date", "The event cannot be before the loan's origination date.")
        if kind == EventType.FORECLOSURE_SALE:
            self._clean_sale(data)
        elif kind == EventType.SHORT_SALE:
            if data.get("gross_price") is None and "gross_price" not in self.errors:
                self.add_error("gross_price", "Enter the gross sale price.")
            if data.get("net_proceeds") is None and "net_proceeds" not in self.errors:
                self.add_error("net_proceeds", "Enter the net proceeds paid to the holder.")
            gross, net = data.get("gross_price"), data.get("net_proceeds")
            if gross is not None and net is not None and net > gross:
                self.add_error("net_proceeds", "Net proceeds cannot be more than the gross price.")
        elif (
            kind == EventType.DEED_IN_LIEU
            and data.get("fair_market_value") is None
            and "fair_market_value" not in self.errors
        ):
            self.add_error(
                "fair_market_value", "A deed in lieu is credited at fair market value: enter it."
            )
        if (
            data.get("fair_market_value") is not None
            and not data.get("value_date")
            and "value_date" not in self.errors
        ):
            self.add_error("value_date", "Give the date of the fair market value.")
        if not self.junior and data.get("foreclosed_by"):
            self.add_error(
                "foreclosed_by",
                f"Loan {self.loan.loan_number} is a first lien: its sale is its holder's own. "
                "Leave this empty (or correct the loan's lien position).",
            )
        if not self.junior and data.get("senior_debt") is not None:
            self.add_error(
                "senior_debt",
                f"Loan {self.loan.loan_number} is a first lien: no senior debt is paid before "
                "it. Leave this empty (or correct the loan's lien position).",
            )
        # Fields that do not belong to the chosen kind are cleared, not stored.
        if kind != EventType.FORECLOSURE_SALE:
            data["sale_process"], data["sale_price"], data["credit_bid"] = "", None, False
            data["buyer"], data["senior_debt"] = Buyer.UNKNOWN, None
            data["foreclosed_by"] = ""
            data["borrower_elected"] = YesNoUnknown.UNKNOWN
            for name in SALE_DATES:
                data[name] = None
        if kind != EventType.SHORT_SALE:
            data["gross_price"], data["net_proceeds"] = None, None
            data["lender_consented"] = YesNoUnknown.UNKNOWN
        self._check_plausible(data)
        return data

    def _clean_sale(self, data) -> None:
        if not data.get("sale_process"):
            self.add_error("sale_process", "Choose the foreclosure process of the sale.")
        if data.get("sale_price") is None and "sale_price" not in self.errors:
            self.add_error("sale_price", "Enter the winning bid.")
        if data.get("credit_bid"):
            if data.get("buyer") == Buyer.THIRD_PARTY:
                self.add_error(
                    "buyer",
                    "A credit bid is the holder's: when it won, the holder bought. Choose the "
                    "holder, or untick the credit bid.",
                )
            elif data.get("buyer") == Buyer.UNKNOWN:
                data["buyer"] = Buyer.HOLDER
        whose = data.get("foreclosed_by")
        if self.junior and not whose and "foreclosed_by" not in self.errors:
            self.add_error(
                "foreclosed_by",
                f"Loan {self.loan.loan_number} is a junior lien (position "
                f"{self.loan.lien_position}): say whose sale it was, a senior lienholder's or "
                "the holder's own.",
            )
        if (
            self.junior and whose == ForeclosedBy.SENIOR and data.get("senior_debt") is None
            and "senior_debt" not in self.errors
        ):  # fmt: skip
            self.add_error(
                "senior_debt",
                f"Loan {self.loan.loan_number} was sold out by a senior's sale: enter the senior "
                "debt paid from the sale, from the trustee's or sheriff's report.",
            )
        day = data.get("event_date")
        for name in ("confirmed_on", "deed_delivered_on", "certificate_on", "redemption_ends_on"):
            if day and data.get(name) and data[name] < day:
                self.add_error(name, "This cannot be before the sale date.")
        end = data.get("redemption_ends_on")
        if day and end and end > years_from(day, REDEMPTION_YEARS_MAX):
            self.add_error(
                "redemption_ends_on",
                f"A redemption period ends at most {REDEMPTION_YEARS_MAX} years after the sale "
                f"(here {years_from(day, REDEMPTION_YEARS_MAX):%Y-%m-%d}).",
            )

    def _check_plausible(self, data) -> None:
        """Figures that are legal but unlikely: warn, and require the confirmation box
        ticked for exactly these warnings."""
        self.require_confirmation(data, plausibility_warnings(self.loan, data))


def plausibility_warnings(loan, data) -> list[str]:
    """Why the liquidation's figures look unlikely (an extra zero, a value for another
    property): a bid or net proceeds above PLAUSIBLE_DEBT_MULTIPLE times the total debt, a
    fair market value below PLAUSIBLE_VALUE_SHARE of the UPB or above
    PLAUSIBLE_VALUE_MULTIPLE times it. None when a figure it needs is missing."""
    from portfolios.payoff import payoff

    warnings = []
    kind, day = data.get("event_type"), data.get("event_date")
    senior = data.get("senior_debt") or Decimal("0")
    debt = None
    if day:
        try:
            debt = payoff(loan, day).total
        except (ValueError, ArithmeticError):
            debt = None  # the figures themselves are refused when the event is recorded
    if debt is not None and debt > 0:
        amount, what = None, ""
        if kind == EventType.FORECLOSURE_SALE:
            amount, what = data.get("sale_price"), "winning bid"
        elif kind == EventType.SHORT_SALE:
            amount, what = data.get("net_proceeds"), "net proceeds"
        limit = PLAUSIBLE_DEBT_MULTIPLE * (debt + senior)
        if amount is not None and amount > limit:
            debt_text = f"the total debt on {day:%b} {day.day}, {day.year} ({format_money(debt)})"
            if senior:
                debt_text += f" plus the senior debt ({format_money(senior)})"
            warnings.append(
                f"The {what} ({format_money(amount)}) is more than "
                f"{PLAUSIBLE_DEBT_MULTIPLE} times {debt_text}."
            )
    value, upb = data.get("fair_market_value"), loan.upb
    if value is not None and upb:
        if value < upb * PLAUSIBLE_VALUE_SHARE:
            warnings.append(
                f"The fair market value ({format_money(value)}) is below "
                f"{PLAUSIBLE_VALUE_SHARE:.0%} of the loan's UPB ({format_money(upb)})."
            )
        # A junior's property is worth more than its own balance: compare with the liens
        # it bears when the senior debt is known, else not at all.
        reference = upb + senior if kind == EventType.FORECLOSURE_SALE else upb
        if (not _is_junior(loan) or senior) and value > PLAUSIBLE_VALUE_MULTIPLE * reference:
            liens = "the loan's UPB" if reference == upb else "the loan's UPB and the senior debt"
            warnings.append(
                f"The fair market value ({format_money(value)}) is more than "
                f"{PLAUSIBLE_VALUE_MULTIPLE} times {liens} ({format_money(reference)})."
            )
    return warnings


def _is_junior(loan) -> bool:
    return (loan.lien_position or 1) > 1


class StatusForm(HygienicFormMixin, forms.Form):
    """The statuses TRANSITIONS allows from here (Satisfied only once nothing is
    outstanding); a write-off needs its reason, a settlement for less the amount agreed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label="New status")
    note = MultiLineField(
        max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="Required for a write-off: say why.",
    )  # fmt: skip
    amount = MoneyFormField(
        label="Amount agreed (a settlement for less)", required=False, min_value=Decimal("0.01"),
        help_text="Required to mark it settled: what the holder agreed to take; the rest is "
        "released.",
    )  # fmt: skip

    def __init__(self, *args, deficiency, **kwargs):
        super().__init__(*args, **kwargs)
        self.deficiency = deficiency
        allowed = [
            s for s in deficiency.allowed_statuses
            if s != Status.SATISFIED or deficiency.outstanding <= 0
        ]  # fmt: skip
        self.fields["to"].choices = [(s, Status(s).label) for s in allowed]
        self.fields["version"].initial = deficiency.version

    def clean(self):
        from deficiencies.services import ending_refusal

        data = super().clean()
        to = data.get("to")
        if to and "amount" not in self.errors:
            refusal = ending_refusal(self.deficiency, to, data.get("note", ""), data.get("amount"))
            if refusal:
                self.add_error(*refusal)
        return data


def _d(day) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def before_the_sale(deficiency, day, what: str) -> str:
    """Why `what` dated `day` cannot come before the liquidation, or "": a deficiency is
    claimed from what the sale left, so its suit and judgment follow it, except in a judicial
    foreclosure, where the complaint (and, in some states, a judgment on the note) comes first
    and the sale's proceeds are credited after it."""
    event = deficiency.event if deficiency else None
    if event is None or day is None or day >= event.event_date:
        return ""
    if event.event_type == "foreclosure_sale" and event.sale_process == "judicial":
        return ""
    return (
        f"The {what} is dated before the {event.get_event_type_display().lower()} on "
        f"{_d(event.event_date)}: a deficiency is claimed from what it left, so the {what} "
        "comes after it. Check the date."
    )


class SuitForm(HygienicFormMixin, forms.ModelForm):
    class Meta:
        model = DeficiencySuit
        fields = ["court", "county", "case_number", "filed_on"]

    def __init__(self, *args, deficiency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deficiency = deficiency
        bound_dates(self.fields, {"filed_on": EVENT_DATES})

    def clean_filed_on(self):
        filed = self.cleaned_data["filed_on"]
        problem = before_the_sale(self.deficiency, filed, "suit")
        if problem:
            raise forms.ValidationError(problem)
        return filed


class JudgmentForm(HygienicFormMixin, ConfirmFiguresMixin, forms.ModelForm):
    """Record a judgment. A rate left blank is the state's fixed post-judgment rate from its
    provisions (said so, and kept with its citation); without one, the rate the court set
    must be typed. A rate above PLAUSIBLE_RATE or an expiry more than PLAUSIBLE_LIFE_YEARS
    after entry is saved only once confirmed."""

    confirm_figures = forms.CharField(required=False, strip=True)

    class Meta:
        model = Judgment
        fields = ["granted_on", "amount", "interest_rate", "expires_on"]

    def __init__(self, *args, deficiency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deficiency = deficiency
        self.warnings: list[str] = []
        self.rate_source = ""
        bound_dates(self.fields, {"granted_on": EVENT_DATES, "expires_on": EXPIRY_DATES})
        self.fields["interest_rate"] = RateField(
            label="Post-judgment interest (% a year)", required=False, min_value=0,
            max_value=RATE_MAX, max_digits=7, decimal_places=4,
            help_text="Simple interest from entry, as the court set it. Left blank: the "
            "state's fixed post-judgment rate, where its law sets one.",
        )  # fmt: skip
        self.fields["confirm_figures"].label = "I confirm these figures"

    def clean(self):
        data = super().clean()
        granted, expires = data.get("granted_on"), data.get("expires_on")
        if granted and expires:
            if expires <= granted:
                self.add_error("expires_on", "The expiry must come after the grant.")
            elif expires > years_from(granted, JUDGMENT_LIFE_YEARS):
                self.add_error(
                    "expires_on",
                    f"A judgment's expiry is at most {JUDGMENT_LIFE_YEARS} years after the grant "
                    f"(here {years_from(granted, JUDGMENT_LIFE_YEARS):%Y-%m-%d}); enter the "
                    "current expiry and record a renewal when it is granted.",
                )
        self._check_order(granted)
        if data.get("interest_rate") is None and "interest_rate" not in self.errors:
            self._state_rate(data)
        self.require_confirmation(data, self._plausibility(data))
        return data

    def _check_order(self, granted) -> None:
        """A judgment is granted on or after its suit was filed, and after the sale (except
        in a judicial foreclosure: before_the_sale)."""
        if not granted or "granted_on" in self.errors:
            return
        suit = getattr(self.deficiency, "suit", None) if self.deficiency else None
        if suit is not None and granted < suit.filed_on:
            self.add_error(
                "granted_on",
                f"The judgment is dated before the suit was filed ({_d(suit.filed_on)}): a "
                "judgment comes on or after its suit. Check the date.",
            )
            return
        problem = before_the_sale(self.deficiency, granted, "judgment")
        if problem:
            self.add_error("granted_on", problem)

    def _state_rate(self, data) -> None:
        """The rate left blank: the state's fixed rate from its provisions, else an error."""
        from deficiencies.services import assessment_for

        decision = assessment_for(self.deficiency) if self.deficiency else None
        rate = decision.judgment_rate if decision else None
        state = self.deficiency.loan.state_name if self.deficiency else "the state"
        if rate is None:
            self.add_error(
                "interest_rate",
                f"No rate: enter the rate the court set ({state}'s provisions set no fixed "
                "post-judgment rate).",
            )
            return
        reason = decision.judgment_rate_reason
        citation = f", {reason.citation}" if reason and reason.citation else ""
        data["interest_rate"] = rate
        self.rate_source = f"{state}'s fixed post-judgment rate{citation}"[:300]

    def _plausibility(self, data) -> list[str]:
        warnings = []
        rate, granted, expires = (
            data.get("interest_rate"), data.get("granted_on"), data.get("expires_on")
        )  # fmt: skip
        if rate is not None and rate > PLAUSIBLE_RATE:
            warnings.append(
                f"The post-judgment rate ({rate.normalize():f}% a year) is above "
                f"{PLAUSIBLE_RATE}% a year."
            )
        amount, base = data.get("amount"), self.deficiency.deficiency if self.deficiency else None
        if amount and base and amount > base * PLAUSIBLE_JUDGMENT_MULTIPLE:
            warnings.append(
                f"The judgment ({format_money(amount)}) is more than "
                f"{PLAUSIBLE_JUDGMENT_MULTIPLE.normalize():f} times the deficiency figured from "
                f"the sale ({format_money(base)}): check the amount before you confirm it; what is "
                "outstanding is counted from the judgment."
            )
        if granted and expires and expires > years_from(granted, PLAUSIBLE_LIFE_YEARS):
            warnings.append(
                f"The expiry ({expires:%b} {expires.day}, {expires.year}) is more than "
                f"{PLAUSIBLE_LIFE_YEARS} years after the entry ({granted:%b} {granted.day}, "
                f"{granted.year})."
            )
        return warnings

    def save(self, commit=True):
        judgment = super().save(commit=False)
        judgment.interest_rate_source = self.rate_source
        if commit:
            judgment.save()
        return judgment


class JudgmentRenewalForm(HygienicFormMixin, forms.Form):
    """Record a renewal (revival, extension) the court granted: when, and the renewed
    judgment's new expiry, later than the one it replaces."""

    renewed_on = forms.DateField(label="Renewed on")
    expires_on = forms.DateField(label="Renewed judgment expires on")

    def __init__(self, *args, judgment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.judgment = judgment
        bound_dates(self.fields, {"renewed_on": EVENT_DATES, "expires_on": EXPIRY_DATES})
        self.fields["expires_on"].help_text = (
            "As the renewal order (or the state's renewal statute) sets it; the judgment's "
            "interest runs until then."
        )

    def clean(self):
        data = super().clean()
        renewed, expires, judgment = data.get("renewed_on"), data.get("expires_on"), self.judgment
        if judgment is None:
            raise forms.ValidationError("Record the judgment first: there is nothing to renew.")
        if renewed and judgment.lapses_on and renewed > judgment.lapses_on:
            self.add_error(
                "renewed_on",
                f"The judgment lapsed on {_d(judgment.lapses_on)}: a renewal is granted before "
                "the lapse.",
            )
        if renewed and renewed < judgment.granted_on:
            self.add_error(
                "renewed_on",
                "The renewal is dated before the judgment was granted "
                f"({_d(judgment.granted_on)}).",
            )
        if expires:
            current = judgment.lapses_on
            if current and expires <= current:
                self.add_error(
                    "expires_on",
                    f"A renewal extends the judgment: enter an expiry after the current one "
                    f"({_d(current)}).",
                )
            elif renewed and expires <= renewed:
                self.add_error("expires_on", "The expiry must come after the renewal.")
            elif renewed and expires > years_from(renewed, JUDGMENT_LIFE_YEARS):
                self.add_error(
                    "expires_on",
                    f"A renewed judgment's expiry is at most {JUDGMENT_LIFE_YEARS} years after "
                    "the renewal.",
                )
        return data


class ConditionAnswerForm(HygienicFormMixin, forms.Form):
    """Counsel's answer to a condition the app cannot read: holds, does not hold, or clear
    the answer; its basis is required to answer."""

    condition = forms.CharField(max_length=500, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(
        label="Answer",
        choices=[("yes", "It holds"), ("no", "It does not hold"), ("clear", "Clear the answer")],
    )
    note = MultiLineField(
        label="Basis (counsel's advice, the case file)", max_length=NOTE_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        visible = any(c.isprintable() and not c.isspace() for c in data.get("note") or "")
        if data.get("answer") in ("yes", "no") and not visible:
            self.add_error("note", "Say on what basis: counsel's advice or the case file.")
        return data

    @property
    def holds(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["answer"])


class BankruptcyForm(HygienicFormMixin, forms.ModelForm):
    class Meta:
        model = Bankruptcy
        fields = ["chapter", "case_number", "district", "filed_on", "discharged_on", "dismissed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_dates(
            self.fields,
            {"filed_on": EVENT_DATES, "discharged_on": EVENT_DATES, "dismissed_on": EVENT_DATES},
        )

    def clean(self):
        data = super().clean()
        filed = data.get("filed_on")
        if data.get("discharged_on") and data.get("dismissed_on"):
            self.add_error("dismissed_on", "A case is either discharged or dismissed, not both.")
        for name in ("discharged_on", "dismissed_on"):
            if filed and data.get(name) and data[name] < filed:
                self.add_error(name, "This cannot be before the filing.")
        return data


class CollectionActionForm(HygienicFormMixin, forms.ModelForm):
    class Meta:
        model = CollectionAction
        fields = ["kind", "started_on", "state", "note"]
        widgets = {"note": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_dates(self.fields, {"started_on": EVENT_DATES})
        cap_length(self.fields["note"], SHORT_NOTE_MAX)


class RecoveryForm(HygienicFormMixin, forms.ModelForm):
    class Meta:
        model = Recovery
        fields = ["received_on", "amount", "source", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_dates(self.fields, {"received_on": EVENT_DATES})

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and data["amount"] <= 0:
            self.add_error("amount", "Enter an amount above $0.00.")
        return data


class StateRuleForm(HygienicFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    change_note = MultiLineField(
        label="Why (kept in the history)",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    class Meta:
        model = StateRule
        fields = [
            "primary_foreclosure_process", "deficiency_regime", "nonjudicial_bars_deficiency",
            "purchase_money_owner_occupied_protected", "fair_value_limit",
            "filing_deadline_days_after_sale", "filing_deadline_note",
            "statute_of_limitations_years", "notes", "source_urls",
        ]  # fmt: skip
        # The reviewed-by-counsel mark is not here: only an attorney sets it
        # (services.review_state_rule), and a staff edit clears it.
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "filing_deadline_note": forms.Textarea(attrs={"rows": 2}),
            "source_urls": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        bound_integer(self.fields, "filing_deadline_days_after_sale", 1, FILING_DAYS_MAX)
        bound_integer(self.fields, "statute_of_limitations_years", 1, LIMITATIONS_YEARS_MAX)
        cap_length(self.fields["filing_deadline_note"], NOTE_MAX)
        cap_length(self.fields["notes"], RULE_NOTES_MAX)
        cap_length(self.fields["source_urls"], SOURCES_MAX)

    def clean_source_urls(self):
        urls = self.cleaned_data["source_urls"].split()
        if len(urls) > SOURCE_COUNT_MAX:
            raise forms.ValidationError(f"List at most {SOURCE_COUNT_MAX} addresses.")
        web = URLValidator(schemes=["http", "https"])
        bad = []
        for url in urls:
            try:
                if len(url) > SOURCE_LENGTH_MAX:
                    raise forms.ValidationError("too long")
                web(url)
            except forms.ValidationError:
                bad.append(url[:80])
        if bad:
            raise forms.ValidationError(f"Not a web address: {', '.join(bad[:3])}")
        return " ".join(urls)


class ProvisionForm(HygienicFormMixin, forms.ModelForm):
    """Edit one provision: every field checked as the data files are
    (deficiencies.provisions.row_problems), errors beside the fields."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    events = forms.MultipleChoiceField(
        choices=[("foreclosure_sale", "Foreclosure sale"), ("short_sale", "Short sale"),
                 ("deed_in_lieu", "Deed in lieu")],
        widget=forms.CheckboxSelectMultiple,
        label="Covers",
    )  # fmt: skip
    change_note = MultiLineField(
        label="Why (kept in the history)",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # A period that is legal but unlikely (no state's limitation period reaches 30 years) is
    # saved only once confirmed, never silently.
    confirm_period = forms.BooleanField(
        label="I confirm this period: it is longer than 30 years", required=False
    )

    PLAUSIBLE_YEARS = 30

    class Meta:
        model = Provision
        fields = [
            "kind", "events", "process", "conditions", "window_number", "window_unit",
            "trigger", "rate_percent", "effect_note", "citation", "source_urls", "confidence",
            "verified", "audit_note",
        ]  # fmt: skip
        widgets = {
            "effect_note": forms.Textarea(attrs={"rows": 3}),
            "source_urls": forms.Textarea(attrs={"rows": 3}),
            "audit_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.initial["events"] = [e for e in self.instance.events.split(";") if e]
        bound_integer(self.fields, "window_number", 1, 999)
        cap_length(self.fields["effect_note"], NOTE_MAX)
        cap_length(self.fields["audit_note"], NOTE_MAX)
        cap_length(self.fields["source_urls"], SOURCES_MAX)

    clean_source_urls = StateRuleForm.clean_source_urls

    def clean(self):
        from deficiencies.provisions import row_problems

        data = super().clean()
        if self.errors:
            return data
        row = {**data, "events": ";".join(data.get("events") or [])}
        row["window_number"] = data.get("window_number") or ""
        rate = data.get("rate_percent")
        row["rate_percent"] = "" if rate is None else rate
        for field, text in row_problems(row):
            self.add_error(field if field in self.fields else None, f"{text[0].upper()}{text[1:]}.")
        years = {"days": Decimal(1) / 365, "months": Decimal(1) / 12, "years": Decimal(1)}
        number, unit = data.get("window_number"), data.get("window_unit")
        too_long = number and unit in years and number * years[unit] > self.PLAUSIBLE_YEARS
        if too_long and not data.get("confirm_period"):
            self.add_error(
                "confirm_period",
                f"{number} {unit} is longer than {self.PLAUSIBLE_YEARS} years, which no "
                "state's period reaches: check it, then tick the box to save it as typed.",
            )
        data["events"] = row["events"]
        data["conditions"] = ";".join(
            c.strip() for c in (data.get("conditions") or "").split(";") if c.strip()
        )
        return data


class DeficiencyFilterForm(forms.Form):
    """Filters of a portfolio's deficiencies; an unknown value is ignored, with a message."""

    SELECT = forms.Select(attrs={"class": "form-select"})
    IGNORED = {"invalid_choice": "Not one of the choices: ignored."}
    verdict = forms.ChoiceField(required=False, widget=SELECT, error_messages=IGNORED)
    status = forms.ChoiceField(required=False, widget=SELECT, error_messages=IGNORED)
    state = forms.ChoiceField(
        choices=[("", "All states"), *STATE_CHOICES], required=False, widget=SELECT,
        error_messages=IGNORED,
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        from deficiencies.models import Verdict

        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = [("", "All verdicts"), *Verdict.choices]
        self.fields["status"].choices = [("", "All statuses"), *Status.choices]
