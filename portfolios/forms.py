"""Forms for portfolios, loans, the loan table's filters and the loan-tape import."""

import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from noteinvest import dates
from noteinvest.access import Role
from noteinvest.forms import BoundedDateField, HygienicFormMixin, MultiLineField, SingleLineField
from noteinvest.money import format_money
from noteinvest.text import looks_like_formula
from portfolios import instruments
from portfolios.choices import STATE_CHOICES, DayCount, LoanStatus, Occupancy, PropertyType
from portfolios.models import (
    NOT_ON_THE_TAPE,
    Borrower,
    Correction,
    Loan,
    Portfolio,
    SellerColumnMapping,
)
from portfolios.tape import values as tape_values
from portfolios.tape.columns import (
    BY_KEY,
    COLUMNS,
    derived_note,
    joined_refusal,
    mapping_refusal,
    may_map,
    not_imported,
    parts_without_base,
    read_headers,
    unmapped_columns,
)
from portfolios.tape.readers import MAX_BYTES, _letters

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The same plausible ranges as the tape import (portfolios.tape.values).
PAID_TO_DATES = dates.DateRange(
    earliest=dates.HISTORICAL.earliest, latest=dates.today, latest_text="today"
)
PAYOFF_DATES = dates.NEAR  # 30 years back to 40 years ahead
LOAN_NUMBER_TAKEN = "Another loan in this portfolio has this loan number."


def deferred_above_upb(upb) -> str:
    return (
        f"The deferred principal is the part of the UPB that bears no interest: it cannot be "
        f"more than the UPB ({format_money(upb)}). Enter the UPB with the deferred part included."
    )


# One line each: what a statute asks, naming it; never a conclusion (the engine draws those).
FACT_HELP = {
    "units": "Dwelling units, 1 to 9,999. Cal. Civ. Proc. Code § 580e asks for a dwelling of "
    "one to four units; Ariz. Rev. Stat. § 33-814(G) a one- or two-family dwelling.",
    "acreage": "Lot size in acres, e.g. 0.25 (not square feet). Ariz. Rev. Stat. § 33-814(G) "
    "asks whether the property is 2.5 acres or less.",
    "borrower_type": "Cal. Civ. Proc. Code § 580e and Nev. Rev. Stat. § 40.455 ask whether the "
    "borrower is a natural person.",
    "lender_type": "Nev. Rev. Stat. § 40.455(3) asks whether the lender is a financial "
    "institution; N.C. Gen. Stat. § 45-21.38 whether the seller financed the purchase.",
    "refinanced": "Whether this loan paid off an earlier loan; Cal. Civ. Proc. Code § 580b "
    "asks it of purchase-money loans.",
    "home_equity_loan": "Whether this is a Texas home-equity loan (Tex. Const. art. XVI, "
    "§ 50(a)(6)).",
    "high_cost_loan": "Whether the loan is a high-cost mortgage (15 U.S.C. § 1602(bb)) or a "
    "high-cost home loan under state law (e.g. N.C. Gen. Stat. § 24-1.1E).",
    "default_date": "The date of default as the servicing records or the notice of default "
    "give it (not a first missed payment's date); some limitation periods run from it.",
}
FACT_CHOICES = ("borrower_type", "lender_type", "refinanced", "home_equity_loan", "high_cost_loan")
# The security instrument and its recording, for the documents that describe and release it.
DOCUMENT_FACTS = ("security_instrument", "parcel_number", "recording_reference", "recorded_on")
CUSTOMARY_CHOICE = "The state's customary instrument"
INSTRUMENT_HELP = (
    "Leave it as the state's customary instrument (a deed of trust in California, a mortgage "
    "in New York, a security deed in Georgia) unless this loan's recorded instrument differs."
)


def units_refusal(units: int, kind: str) -> str:
    """Why a number of units does not fit a property type ("" when it does), as the tape
    checks them (portfolios.tape.values.units_misfit)."""
    misfit = tape_values.units_misfit(units, kind)
    if misfit and kind == PropertyType.SINGLE_FAMILY:
        return (
            f"{misfit}: choose 2-4 units or multifamily as the property type, or correct the units."
        )
    return f"{misfit}." if misfit else ""


class VersionedForm(HygienicFormMixin, forms.ModelForm):
    """Carries the record's version so a second, stale save is refused, not applied.

    Hygienic: money fields take the one money spelling, text fields refuse control
    characters (noteinvest.forms).
    """

    # Bounded: a tampered version beyond the database's integer is a stale edit, not a 500.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class PortfolioForm(VersionedForm):
    acquisition_date = BoundedDateField(
        date_range=dates.HISTORICAL, required=False, label="Acquisition date"
    )

    class Meta:
        model = Portfolio
        fields = [
            "name", "owners", "seller", "acquisition_date", "purchase_price",
            "holder_legal_name", "holder_address", "notes",
        ]  # fmt: skip
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "holder_address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["owners"].queryset = User.objects.filter(
            groups__name=Role.INVESTOR.value, is_active=True
        ).order_by("email")
        self.fields["owners"].widget = forms.CheckboxSelectMultiple()
        self.fields["owners"].choices = [
            (u.pk, f"{u} ({u.email})") for u in self.fields["owners"].queryset
        ]

    def clean_acquisition_date(self):
        value = self.cleaned_data.get("acquisition_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The acquisition date cannot be in the future.")
        return value


class ReaderField(forms.CharField):
    """A field read by the loan tape's reader for the same column (portfolios.tape.values),
    so a value means the same typed in the loan form or written in a tape: "6.375%" and
    "6.375" are 6.375 %, "2134" is the ZIP 02134, "752" the partial ZIP 752XX. The
    reader's refusal is the error shown beside the field."""

    def __init__(self, *, reader, blank_is_read=False, **kwargs):
        self.reader, self.blank_is_read = reader, blank_is_read
        if blank_is_read:
            kwargs["required"] = False
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(self.MAX_TYPED))

    MAX_TYPED = 40

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values and not self.blank_is_read:
            return value
        if len(value) > self.MAX_TYPED:
            raise forms.ValidationError(
                f"Enter at most {self.MAX_TYPED} characters.", code="max_length"
            )
        try:
            read = self.reader(value)
        except tape_values.CellError as exc:
            raise forms.ValidationError(f"“{value}” {exc}.", code="invalid") from None
        return read.value if isinstance(read, tape_values.Read) else read

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return value


class BalanceField(ReaderField):
    """A balance the tape reads with `amount_or_zero`: `$1,234.50`, and blank or a dash
    (`$ -`) is zero, in the form as in a tape."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(reader=tape_values.amount_or_zero, blank_is_read=True, **kwargs)

    def prepare_value(self, value):
        return f"{value:.2f}" if isinstance(value, Decimal) else value


class LoanForm(VersionedForm):
    note_rate = ReaderField(
        reader=tape_values.rate,
        label="Note rate (annual %)",
        help_text="Annual percent, e.g. 6.375 or 6.375%.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    property_zip = ReaderField(
        reader=tape_values.read_zip,
        required=False,
        label="ZIP code",
        help_text="12345 or 12345-6789; a 3-digit prefix (752) is kept as the partial ZIP 752XX.",
    )
    origination_date = BoundedDateField(
        date_range=dates.HISTORICAL, required=False, label="Origination date"
    )
    paid_to_date = BoundedDateField(
        date_range=PAID_TO_DATES,
        label="Paid-to date",
        help_text="Interest is paid through this date; it accrues after it.",
    )
    value_date = BoundedDateField(date_range=dates.HISTORICAL, required=False, label="Value as of")
    # Blank or a dash is zero, as in a tape (the tape's reader).
    deferred_principal = BalanceField(
        label="Deferred principal (non-interest-bearing)",
        help_text=Loan.deferred_principal.field.help_text,
    )
    fees = BalanceField(label="Fees")
    costs = BalanceField(label="Costs")
    escrow_advances = BalanceField(label="Escrow advances")
    suspense = BalanceField(label="Suspense (unapplied) funds")
    # Facts state law turns on (deficiencies.provisions.CONDITIONS): blank is unknown.
    units = ReaderField(
        reader=tape_values.units,
        required=False,
        empty_value=None,
        label="Dwelling units",
        help_text=FACT_HELP["units"],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    acreage = ReaderField(
        reader=tape_values.acreage,
        required=False,
        empty_value=None,
        label="Lot size (acres)",
        help_text=FACT_HELP["acreage"],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    default_date = BoundedDateField(
        date_range=dates.HISTORICAL,
        required=False,
        label="Date of default",
        help_text=FACT_HELP["default_date"],
    )
    recorded_on = BoundedDateField(
        date_range=dates.HISTORICAL,
        required=False,
        label="Recording date",
        help_text="The date the county recorded the security instrument.",
    )

    class Meta:
        model = Loan
        fields = [
            "loan_number", "status", "lien_position", "origination_date", "original_balance",
            "purchase_money", "foreclosure_process", "upb", "deferred_principal", "note_rate",
            "paid_to_date",
            "day_count", "fees", "costs", "escrow_advances", "suspense", "purchase_price",
            "property_address", "property_city", "property_state", "property_zip",
            "property_county", "property_type", "occupancy", "property_value", "value_date",
            "value_source",
            "units", "acreage", "borrower_type", "lender_type", "refinanced",
            "home_equity_loan", "high_cost_loan", "default_date",
            "security_instrument", "parcel_number", "recording_reference", "recorded_on",
        ]  # fmt: skip
        labels = {"parcel_number": "Parcel number (APN)"}

    def __init__(self, *args, portfolio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.portfolio = portfolio or self.instance.portfolio
        self.instance.portfolio = self.portfolio
        for name in FACT_CHOICES:
            # Sent blank: unknown.
            self.fields[name].required = False
            self.fields[name].help_text = FACT_HELP[name]
        instrument = self.fields["security_instrument"]
        instrument.choices = [("", CUSTOMARY_CHOICE), *instruments.InstrumentKind.choices]
        instrument.help_text = INSTRUMENT_HELP
        usual = instruments.customary(self.instance.property_state)
        if usual is not None:
            instrument.help_text += f" Customary in {usual.state_name}: a {usual.label}."
        kept = (*FACT_CHOICES, *DOCUMENT_FACTS)
        missing = [n for n in kept if self.is_bound and n not in self.data]
        if missing:
            # Not sent (an older page, a script): the stored answer is kept, and shown again
            # beside any error (a select with no choice would show its first one).
            self.data = self.data.copy()
            for name in missing:
                stored = getattr(self.instance, name)
                self.data[name] = "" if stored is None else stored

    def _clean_unknown(self, name):
        return self.cleaned_data.get(name) or "unknown"

    def clean_borrower_type(self):
        return self._clean_unknown("borrower_type")

    def clean_lender_type(self):
        return self._clean_unknown("lender_type")

    def clean_refinanced(self):
        return self._clean_unknown("refinanced")

    def clean_home_equity_loan(self):
        return self._clean_unknown("home_equity_loan")

    def clean_high_cost_loan(self):
        return self._clean_unknown("high_cost_loan")

    def clean_loan_number(self):
        number = self.cleaned_data["loan_number"].strip()
        if looks_like_formula(number):
            # It goes into CSV exports that investors open in Excel.
            raise forms.ValidationError(
                "A loan number cannot start with =, +, - or @ (a spreadsheet would run it "
                "as a formula)."
            )
        clash = Loan.objects.filter(portfolio=self.portfolio, loan_number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(LOAN_NUMBER_TAKEN)
        return number

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        paid_to, origination = data.get("paid_to_date"), data.get("origination_date")
        if paid_to and paid_to > today:
            self.add_error("paid_to_date", "The paid-to date cannot be in the future.")
        if origination and origination > today:
            self.add_error("origination_date", "The origination date cannot be in the future.")
        if paid_to and origination and paid_to < origination:
            self.add_error(
                "paid_to_date", "The paid-to date cannot be before the origination date."
            )
        if data.get("value_date") and data["value_date"] > today:
            self.add_error("value_date", "The value date cannot be in the future.")
        default = data.get("default_date")
        if default and default > today:
            self.add_error("default_date", "The date of default cannot be in the future.")
        elif default and origination and default < origination:
            self.add_error(
                "default_date", "The date of default cannot be before the origination date."
            )
        units, kind = data.get("units"), data.get("property_type")
        if units is not None and kind and (refusal := units_refusal(units, kind)):
            self.add_error("units", refusal)
        upb, deferred = data.get("upb"), data.get("deferred_principal")
        if upb is not None and deferred is not None and deferred > upb:
            self.add_error("deferred_principal", deferred_above_upb(upb))
        if data.get("property_value") is not None and not data.get("value_date"):
            self.add_error("value_date", "Give the date of the property value.")
        zip_code, state = data.get("property_zip"), data.get("property_state")
        if zip_code and state and not tape_values.zip_fits_state(zip_code, state):
            self.add_error("property_zip", tape_values.zip_state_message(zip_code, state))
        return data


class BorrowerForm(HygienicFormMixin, forms.ModelForm):
    """A borrower's name is required, except that a borrower imported from a tape without
    names may stay "not on the tape" while the loan's other fields are edited (a name once
    entered cannot be blanked)."""

    class Meta:
        model = Borrower
        fields = ["name", "mailing_address", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.fields["name"]
        unnamed = self.instance.pk is not None and not self.instance.named
        name.required = not unnamed
        if unnamed:
            name.widget.attrs["placeholder"] = NOT_ON_THE_TAPE
            name.help_text = (
                "Not on the tape: enter the borrower's name. No agreement can be drafted for "
                "this loan until every borrower is named."
            )


class BaseBorrowerFormSet(BaseInlineFormSet):
    """A borrower added in the form comes after those the loan has: position 1 is the
    primary borrower, the others are co-borrowers (before, every added one took the
    default 1 and was shown as "primary")."""

    def save_new(self, form, commit=True):
        last = self.instance.borrowers.aggregate(last=Max("position"))["last"] or 0
        form.instance.position = last + 1
        return super().save_new(form, commit=commit)


BorrowerFormSet = inlineformset_factory(
    Loan, Borrower, form=BorrowerForm, formset=BaseBorrowerFormSet, extra=1, min_num=1,
    validate_min=True, can_delete=True,
)  # fmt: skip


class PayoffDateForm(forms.Form):
    as_of = BoundedDateField(date_range=PAYOFF_DATES, label="Payoff as of")


SORTS = {
    "loan_number": "loan_number",
    "state": "property_state",
    "status": "status",
    "upb": "upb",
    "rate": "note_rate",
    "paid_to": "paid_to_date",
}


SELECT = forms.Select(attrs={"class": "form-select"})


class FixedChoiceField(forms.ChoiceField):
    """A ChoiceField whose choices are fixed: each form shares them instead of copying them
    (the filter form is built on every view of the loan table, and copying its 60 states
    was about half of that)."""

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)


class LoanFilterForm(forms.Form):
    q = forms.CharField(
        label="Loan number, borrower, address or city",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    state = FixedChoiceField(
        choices=[("", "All states"), *STATE_CHOICES], required=False, widget=SELECT
    )
    status = FixedChoiceField(
        choices=[("", "All statuses"), *LoanStatus.choices], required=False, widget=SELECT
    )
    occupancy = FixedChoiceField(
        choices=[("", "All occupancies"), *Occupancy.choices], required=False, widget=SELECT
    )
    sort = FixedChoiceField(
        choices=[(k, k) for key in SORTS for k in (key, f"-{key}")], required=False
    )

    def filter(self, loans):
        if not self.is_valid():
            return loans.order_by(*self.ordering())
        data = self.cleaned_data
        if data["q"]:
            from django.db.models import Exists, OuterRef, Q

            from portfolios.models import Borrower

            q = data["q"].strip()
            named = Borrower.objects.filter(loan=OuterRef("pk"), name__icontains=q)
            loans = loans.filter(
                Q(loan_number__icontains=q)
                | Q(property_city__icontains=q)
                | Q(property_address__icontains=q)
                | Exists(named)
            )
        for field, column in (
            ("state", "property_state"),
            ("status", "status"),
            ("occupancy", "occupancy"),
        ):
            if data[field]:
                loans = loans.filter(**{column: data[field]})
        return loans.order_by(*self.ordering())

    def ordering(self) -> tuple[str, ...]:
        """The table's order: the chosen column, then the loan number (unique in a portfolio,
        so the order is total and pages never overlap)."""
        if not self.is_valid():
            return ("loan_number",)
        sort = self.cleaned_data["sort"] or "loan_number"
        column = SORTS[sort.lstrip("-")]
        return (f"-{column}" if sort.startswith("-") else column, "loan_number")


# What the file picker offers: the names portfolios.tape.readers.detect_kind reads as CSV
# (.csv, .txt) or Excel (.xlsx, .xlsm).
TAPE_ACCEPT = ".csv,.txt,.xlsx,.xlsm"


class TapeUploadForm(forms.Form):
    file = forms.FileField(
        label="Loan tape",
        widget=forms.ClearableFileInput(attrs={"accept": TAPE_ACCEPT}),
        help_text=f"CSV or Excel (.xlsx), at most {MAX_BYTES // (1024 * 1024)} MB, one row per "
        "loan with a header row.",
    )
    default_day_count = forms.ChoiceField(
        label="Day count for rows without one",
        choices=DayCount.choices,
        initial=DayCount.THIRTY_360,
    )
    dry_run = forms.BooleanField(
        label="Check only: report problems and counts, write nothing", required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class ColumnMappingForm(forms.Form):
    """One choice per column of ours: which of the tape's headers holds it.

    Columns matched by name come pre-filled; "don't import" leaves a column (and the header
    nobody chose) out. For a header the tape repeats with differing copies (`repeated`,
    TapeImport.repeated), a choice of the copy to read: its field is `copy_<n>`.
    """

    NONE = "— don't import —"

    remember = forms.BooleanField(
        label="Remember this mapping for the seller's next tape", required=False, initial=True
    )

    def __init__(self, *args, headers, mapping, repeated=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.derived_note = derived_note(mapping)
        self.unmapped = unmapped_columns(mapping)
        self.unmatched_headers = not_imported(headers, mapping)
        usable = list(dict.fromkeys(h for h in headers if h))
        for column in COLUMNS:
            options = [("", self.NONE)]
            options += [(h, h) for h in usable if may_map(column.key, h)]
            self.fields[column.key] = forms.ChoiceField(
                label=column.label,
                choices=options,
                # Paid To Date may be derived from Next Due Date (validate_mapping checks).
                required=column.required and column.key != "paid_to_date",
                initial=mapping.get(column.key, ""),
                help_text=column.help or None,
            )
        self.copies = []  # (header, what differs, field name)
        for n, (header, found) in enumerate((repeated or {}).items()):
            name = f"copy_{n}"
            letters = [_letters(i) for i in found["columns"]]
            self.fields[name] = forms.ChoiceField(
                label=f"Column to use for “{header}”",
                choices=[("", "— choose —")]
                + [(str(i), f"Column {letter}") for i, letter in zip(found["columns"], letters,
                                                                     strict=True)],
                required=False,
            )  # fmt: skip
            self.copies.append((header, {**found, "letters": letters}, name))
        self.order_fields([c.key for c in COLUMNS] + [n for *_, n in self.copies] + ["remember"])

    def _open(self, key) -> bool:
        """Some header the tape has and nothing reads could be this column."""
        return any(may_map(key, h) for h in self.unmatched_headers)

    def unmapped_fields(self):
        """A select for each column we did not find that a header left over could be."""
        return [self[key] for key in self.unmapped if self._open(key)]

    def not_in_tape(self):
        """Labels of the columns we did not find that no header left over could be (their
        selects are among the matched ones, to take a header from another column)."""
        return [BY_KEY[key].label for key in self.unmapped if not self._open(key)]

    def matched_fields(self):
        """The columns matched by name (and a next due date, not read beside a paid-to
        column unless that is changed here)."""
        return [self[c.key] for c in COLUMNS if c.key not in self.unmapped or not self._open(c.key)]

    def clean(self):
        data = super().clean()
        read = read_headers(self.mapping())
        for header, found, name in self.copies:
            if header in read and not data.get(name) and name not in self.errors:
                letters = " or ".join(found["letters"])
                self.add_error(name, f"Choose column {letters}: their values differ.")
        return data

    def copy_fields(self):
        return [(header, found, self[name]) for header, found, name in self.copies]

    def mapping(self) -> dict[str, str]:
        return {
            c.key: self.cleaned_data.get(c.key) for c in COLUMNS if self.cleaned_data.get(c.key)
        }

    def column_choice(self) -> dict[str, int]:
        """{header: column index} for each repeated header whose copy was chosen."""
        return {
            header: int(self.cleaned_data[name])
            for header, _found, name in self.copies
            if self.cleaned_data.get(name)
        }


HEADER_MAX = 200  # as a tape's header (portfolios.tape.readers)
IGNORED_MAX = 200  # a tape has at most 200 columns


def _header_text(value: str) -> str:
    """A header as the tape reader shows it: runs of spaces folded to one."""
    return re.sub(r"\s+", " ", value or "").strip()


class SellerMappingForm(VersionedForm):
    """A seller's saved mapping, edited by hand: for each column of ours, the tape header
    that holds it (blank: matched by name, as usual), and the headers left out."""

    ignored_text = MultiLineField(
        label="Headers left out",
        required=False,
        max_length=IGNORED_MAX * (HEADER_MAX + 1),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: the seller's headers not imported, without asking. A tape "
        "with any other header we don't match stops at the mapping step.",
    )

    class Meta:
        model = SellerColumnMapping
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.mapping or {}
        for column in COLUMNS:
            self.fields[column.key] = SingleLineField(
                label=column.label,
                required=False,
                max_length=HEADER_MAX,
                initial=saved.get(column.key, ""),
            )
        self.fields["ignored_text"].initial = "\n".join(self.instance.ignored or [])
        self.order_fields(["version", *(c.key for c in COLUMNS), "ignored_text"])

    def column_fields(self):
        return [self[c.key] for c in COLUMNS]

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        mapping = {}
        for column in COLUMNS:
            header = _header_text(data.get(column.key) or "")
            if not header:
                continue
            if refusal := mapping_refusal(column.key, header):
                self.add_error(column.key, refusal)
            elif header in used:
                self.add_error(
                    column.key, f"“{header}” is already the header of {BY_KEY[used[header]].label}."
                )
            else:
                used[header] = column.key
                mapping[column.key] = header
        ignored = list(
            dict.fromkeys(h for line in (data.get("ignored_text") or "").splitlines()
                          if (h := _header_text(line)))
        )  # fmt: skip
        if any(len(h) > HEADER_MAX for h in ignored):
            self.add_error("ignored_text", f"A header is at most {HEADER_MAX} characters.")
        elif len(ignored) > IGNORED_MAX:
            self.add_error("ignored_text", f"At most {IGNORED_MAX} headers.")
        clash = [h for h in ignored if h in used]
        if clash:
            self.add_error(
                "ignored_text", f"“{clash[0]}” is a column's header above: it cannot be left out."
            )
        for key in parts_without_base(mapping):
            self.add_error(key, joined_refusal(key))
        data["mapping"], data["ignored"] = mapping, ignored
        return data

    def save(self, commit=True):
        self.instance.mapping = self.cleaned_data["mapping"]
        self.instance.ignored = self.cleaned_data["ignored"]
        return super().save(commit=commit)


class DeleteMappingForm(forms.Form):
    """Confirms a delete; the version refuses it if someone changed the mapping meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class CorrectionForm(HygienicFormMixin, forms.Form):
    """The reason for a deletion, archive, restore or reversal (kept in its history), and which
    of them the button pressed asks for (`actions`: those the object allows now)."""

    reason = MultiLineField(
        max_length=Correction.REASON_MAX,
        label="Reason",
        help_text="Why this is corrected: kept in the portfolio's history of corrections.",
        error_messages={"required": "Give the reason for this correction."},
    )
    action = forms.ChoiceField(choices=Correction.Action.choices, widget=forms.HiddenInput)

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            (value, label) for value, label in Correction.Action.choices if value in actions
        ]
        self.fields["action"].error_messages["invalid_choice"] = (
            "That is no longer possible here: the page shows what is."
        )
