"""The guided drafting form's steps, the review forms and the signed-copy upload."""

from decimal import Decimal

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from noteinvest.forms import BoundedDateField, HygienicFormMixin, harden_fields
from noteinvest.money import MoneyError, check_fits, format_money
from portfolios.choices import STATE_CHOICES
from settlements.limits import (
    AGREEMENT_DATE,
    CONTRACT_DATE,
    FORECLOSURE_SALE_DATE,
    MAX_COMMENT,
    MAX_INSTALLMENTS,
    MAX_JUNIOR_LIENHOLDER_LINES,
    MAX_NOTE,
    MAX_NOTICE_ADDRESS,
    MAX_RIDERS,
    MAX_SIGNING_NAME,
    PAST_YEAR,
    PAYMENT_RECEIVED,
    TERM_DATE,
)
from settlements.models import (
    Agreement,
    Foreclosure,
    Installment,
    Kind,
    Payment,
    Rider,
    eligible_reviewers,
)
from settlements.sale_fields import sale_figures
from settlements.terms import lienholder_lines, parties_of


def term_date(label, *, required=True, help_text=""):
    """A date the borrower must meet: tomorrow to ten years from today."""
    return BoundedDateField(
        date_range=TERM_DATE, label=label, required=required, help_text=help_text
    )


def _long_date(day) -> str:
    return f"{day:%B} {day.day}, {day.year}"


class StepForm(HygienicFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def future(self, name):
        value = self.cleaned_data.get(name)
        if value and value <= timezone.localdate():
            self.add_error(name, "This date must be in the future.")
        return value


class PartiesForm(StepForm):
    governing_state = forms.ChoiceField(choices=STATE_CHOICES, label="Governing law: the state of")
    agreement_date = BoundedDateField(date_range=AGREEMENT_DATE, label="Agreement date")

    class Meta:
        model = Agreement
        fields = [
            "holder_name", "holder_address", "holder_notice_email", "holder_signatory_name",
            "holder_signatory_title", "agreement_date", "governing_state",
            "holder_is_debt_collector", "hardship",
        ]  # fmt: skip
        widgets = {
            "holder_address": forms.Textarea(attrs={"rows": 3}),
            "hardship": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "holder_signatory_name": "Who signs for the holder, on the “By:” line.",
            "holder_address": "Printed in the notices clause.",
            "holder_is_debt_collector": "Tick when the holder's principal business is "
            "collecting debts, or it regularly collects debts owed to others (15 U.S.C. "
            "§ 1692a(6)); a note bought in default is not excluded. Adds the debt-collector "
            "notices (15 U.S.C. § 1692e(11)). Ask counsel when unsure.",
            "hardship": "Optional: the borrower's hardship in their words (job loss, illness, "
            "divorce...). When given, the agreement quotes it in a Hardship clause and the "
            "borrower represents it is true.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each borrower as the agreement names them (the loan's record is not changed).
        self.borrowers = parties_of(self.instance)
        for party in self.borrowers:
            b = party["borrower"]
            self.fields[f"name_{b.pk}"] = forms.CharField(
                label=f"Borrower {b.position}: name as signed",
                max_length=MAX_SIGNING_NAME,
                initial=party["name"],
                required=False,
                help_text=f"As the tape spells it: “{b.name or 'not on the tape'}”. "
                "Left blank: proposed from it as “First Last”.",
            )
            self.fields[f"notice_address_{b.pk}"] = forms.CharField(
                label=f"Borrower {b.position}: notice address",
                max_length=MAX_NOTICE_ADDRESS,
                initial=party["notice_address"],
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                help_text="Prefilled from the borrower's mailing address, else the property "
                "(and that again when left blank).",
            )
        harden_fields(self.fields)  # the fields added here follow the input rules too

    def _post_clean(self):
        # On the instance like the model's fields, so the live preview shows them unsaved;
        # a value that did not validate keeps what the agreement has.
        super()._post_clean()
        data = self.cleaned_data
        self.instance.parties = [
            {
                "borrower": p["borrower"].pk,
                "name": data.get(f"name_{p['borrower'].pk}", p["name"]),
                "notice_address": data.get(
                    f"notice_address_{p['borrower'].pk}", p["notice_address"]
                ),
            }
            for p in self.borrowers
        ]

    def clean_governing_state(self):
        state = self.cleaned_data["governing_state"]
        if state != self.instance.loan.property_state:
            raise forms.ValidationError(
                f"The property is in {self.instance.loan.state_name}: its law governs."
            )
        return state


class _TermsMixin:
    received_field = ""

    def clean(self):
        data = super().clean()
        received = data.get(self.received_field)
        total = self.instance.total_debt
        if received is not None and received >= total:
            self.add_error(
                self.received_field,
                f"This is at or above the payoff of ${total:,.2f}: nothing would be waived.",
            )
        if received is not None and received <= 0:
            self.add_error(self.received_field, "Enter an amount above $0.00.")
        if received is not None and self.received_field not in self.errors:
            try:
                check_fits(total - received, "The amount waived")
            except MoneyError as exc:
                self.add_error(self.received_field, str(exc))
        self.future("offer_expires_on")
        return data


class DpoTermsForm(_TermsMixin, StepForm):
    received_field = "settlement_amount"
    settlement_amount = forms.DecimalField(
        max_digits=14, decimal_places=2, label="Settlement amount"
    )
    payment_method = forms.ChoiceField(
        choices=Agreement._meta.get_field("payment_method").choices, label="How to pay"
    )
    lump_sum_due = term_date(
        "Lump sum due by",
        required=False,
        help_text="Leave blank when the amount is paid in installments (next step).",
    )
    offer_expires_on = term_date("The offer expires on")

    class Meta:
        model = Agreement
        fields = [
            "settlement_amount", "lump_sum_due", "payment_method", "payment_instructions",
            "offer_expires_on", "lien_release_days", "cure_days",
        ]  # fmt: skip
        widgets = {"payment_instructions": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        lump, offer = self.future("lump_sum_due"), data.get("offer_expires_on")
        if lump and offer and lump < offer:
            self.add_error(
                "lump_sum_due",
                f"The lump sum cannot fall due before the offer expires ({_long_date(offer)}): "
                "the borrower accepts first, then pays.",
            )
        return data


class ShortSaleTermsForm(_TermsMixin, StepForm):
    received_field = "minimum_net_proceeds"
    minimum_net_proceeds = forms.DecimalField(
        max_digits=14, decimal_places=2, label="Minimum net proceeds to the holder"
    )
    listing_signed_by = term_date("Listing agreement signed by")
    closing_deadline = term_date("Closing deadline")
    offer_expires_on = term_date("The offer expires on")
    # The approval (issue 12): the buyer, the price and the contract; the caps; the liens.
    contract_date = BoundedDateField(
        date_range=CONTRACT_DATE, label="Purchase contract dated", required=False,
        help_text="Within a year of today, and not after the closing deadline.",
    )  # fmt: skip
    estimated_statement_on = BoundedDateField(
        date_range=PAST_YEAR, label="Estimated closing statement dated", required=False,
        help_text="Optional: the estimated closing statement attached to the agreement. The "
        "holder approves the final closing statement in any case.",
    )  # fmt: skip
    senior_approval_on = BoundedDateField(
        date_range=PAST_YEAR, label="Senior lienholder's approval dated", required=False,
        help_text="If the senior lienholder has already approved the sale in writing.",
    )  # fmt: skip
    foreclosure_sale_on = BoundedDateField(
        date_range=FORECLOSURE_SALE_DATE, label="Foreclosure sale scheduled for",
        required=False, help_text="Required when a foreclosure sale is scheduled.",
    )  # fmt: skip

    # The step's fields in groups (the template shows each as a fieldset); a group's fields
    # that the loan's lien position leaves out are skipped.
    GROUPS = (
        ("The sale", ("minimum_net_proceeds", "listing_signed_by", "offer_forward_days",
                      "closing_deadline", "relocation_amount", "offer_expires_on")),
        ("Buyer and contract", ("buyer_names", "contract_price", "contract_date",
                                "arms_length_affidavit")),
        ("Costs and caps", ("estimated_statement_on", "commission_cap_percent",
                            "commission_cap_amount", "closing_costs_cap")),
        ("Junior liens", ("junior_lienholders", "junior_liens_cap")),
        ("Senior lien", ("senior_lienholder", "senior_approval_on", "senior_approval_reference")),
        ("Foreclosure", ("foreclosure", "foreclosure_sale_on")),
    )  # fmt: skip

    class Meta:
        model = Agreement
        fields = [
            "minimum_net_proceeds", "listing_signed_by", "offer_forward_days", "closing_deadline",
            "relocation_amount", "offer_expires_on", "senior_lienholder",
            "buyer_names", "contract_price", "contract_date", "arms_length_affidavit",
            "estimated_statement_on", "commission_cap_percent", "commission_cap_amount",
            "closing_costs_cap", "junior_lienholders", "junior_liens_cap", "senior_approval_on",
            "senior_approval_reference", "foreclosure", "foreclosure_sale_on",
        ]  # fmt: skip
        widgets = {
            "junior_lienholders": forms.Textarea(attrs={"rows": 3}),
            "foreclosure": forms.RadioSelect,
        }
        help_texts = {
            "buyer_names": "As the purchase contract names them, on one line (“Ann Lee and Bo "
            "Lee”). Any change of buyer or price later voids the approval.",
            "contract_price": "At least the minimum net proceeds, and enough to pay them plus "
            "every cap below and the relocation payment.",
            "arms_length_affidavit": "Buyer, seller, agents and closing agent sign it at closing "
            "(Fannie Mae and Freddie Mac practice).",
            "commission_cap_percent": "Of the contract price, 0 to 10, e.g. 6.000. With an "
            "amount too, the lesser of the two is the cap.",
            "commission_cap_amount": "Leave blank to cap by the percentage only.",
            "closing_costs_cap": "Title, escrow, recording and transfer charges, the seller's "
            "prorated taxes and dues.",
            "junior_lienholders": "One per line, at most "
            f"{MAX_JUNIOR_LIENHOLDER_LINES}: each must release its lien and the borrower at "
            "closing.",
            "junior_liens_cap": "The most all junior lienholders together may be paid from the "
            "price (the GSE standard short sale allowed $6,000).",
            "senior_approval_reference": "The senior lienholder's reference for its approval, "
            "if known.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A junior lien's short sale needs the senior lienholder's approval; a first lien's
        # may have junior liens to clear.
        if (self.instance.loan.lien_position or 1) < 2:
            for name in ("senior_lienholder", "senior_approval_on", "senior_approval_reference"):
                del self.fields[name]
        else:
            del self.fields["junior_lienholders"], self.fields["junior_liens_cap"]
            self.fields["senior_lienholder"].required = True
            self.fields["senior_lienholder"].help_text = (
                f"This loan is lien {self.instance.loan.lien_position}: the agreement makes the "
                "senior lienholder's written approval of the sale a condition."
            )
        self.fields["foreclosure"].label = "A scheduled foreclosure sale"
        self.fields["foreclosure"].required = False  # left unanswered: none is scheduled

    def clean_foreclosure(self):
        return self.cleaned_data.get("foreclosure") or Foreclosure.NONE_SCHEDULED

    @property
    def groups(self):
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.GROUPS
            if any(name in self.fields for name in names)
        ]

    def clean_junior_lienholders(self):
        text = self.cleaned_data.get("junior_lienholders", "")
        lines = lienholder_lines(text)
        if len(lines) > MAX_JUNIOR_LIENHOLDER_LINES:
            raise forms.ValidationError(
                f"At most {MAX_JUNIOR_LIENHOLDER_LINES} junior lienholders, one per line "
                f"({len(lines)} given)."
            )
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError("Each junior lienholder's name: at most 200 characters.")
        return text

    def clean(self):
        data = super().clean()
        listing, closing = self.future("listing_signed_by"), self.future("closing_deadline")
        if listing and closing and closing <= listing:
            self.add_error(
                "closing_deadline", "The closing deadline must come after the listing deadline."
            )
        offer = data.get("offer_expires_on")
        if offer and listing and offer < listing:
            self.add_error(
                "offer_expires_on",
                f"The offer cannot expire before the listing deadline ({_long_date(listing)}).",
            )
        elif offer and closing and offer > closing:
            self.add_error(
                "offer_expires_on",
                f"The offer must expire by the closing deadline ({_long_date(closing)}).",
            )
        self._clean_sale(data, closing)
        return data

    def _clean_sale(self, data, closing):
        """The approval's figures and dates, each error beside the field it concerns."""
        contract_on = data.get("contract_date")
        if contract_on and closing and contract_on > closing:
            self.add_error(
                "contract_date",
                f"The contract cannot be dated after the closing deadline ({_long_date(closing)}).",
            )
        choice, sale_on = data.get("foreclosure"), data.get("foreclosure_sale_on")
        if choice in (Foreclosure.POSTPONED, Foreclosure.NOT_POSTPONED) and not sale_on:
            if "foreclosure_sale_on" not in self.errors:
                self.add_error(
                    "foreclosure_sale_on",
                    "Enter the scheduled foreclosure sale's date"
                    + (" (the sale postponed until the closing deadline)."
                       if choice == Foreclosure.POSTPONED else "."),
                )  # fmt: skip
        elif choice == Foreclosure.NONE_SCHEDULED and sale_on:
            self.add_error(
                "foreclosure_sale_on",
                "No foreclosure sale is scheduled: leave the date blank, or say whether the "
                "scheduled sale is postponed.",
            )
        if "junior_lienholders" in self.fields:
            named = lienholder_lines(data.get("junior_lienholders", ""))
            cap = data.get("junior_liens_cap")
            if named and cap is None and "junior_liens_cap" not in self.errors:
                self.add_error(
                    "junior_liens_cap", "Enter the most the junior lienholders may be paid."
                )
            elif cap is not None and not named and "junior_lienholders" not in self.errors:
                self.add_error(
                    "junior_lienholders", "Name the junior lienholders the cap pays, one per line."
                )
        price, minimum = data.get("contract_price"), data.get("minimum_net_proceeds")
        if price is None or "contract_price" in self.errors:
            return
        if minimum is not None and price < minimum:
            self.add_error(
                "contract_price",
                f"The contract price ({format_money(price)}) is below the minimum net proceeds "
                f"({format_money(minimum)}): the holder could not receive them.",
            )
            return
        try:
            figures = sale_figures(
                price=price,
                minimum=minimum,
                percent=data.get("commission_cap_percent"),
                commission=data.get("commission_cap_amount"),
                closing_costs=data.get("closing_costs_cap"),
                junior=data.get("junior_liens_cap")
                if lienholder_lines(data.get("junior_lienholders", ""))
                else None,
                relocation=data.get("relocation_amount"),
            )
        except MoneyError as exc:
            self.add_error("contract_price", str(exc))
            return
        if figures.over is not None:
            self.add_error(
                "contract_price",
                f"The figures are {format_money(figures.over)} over the contract price of "
                f"{format_money(price)}: {figures.sum_text()}. Lower a cap or the minimum net "
                "proceeds, or check the price.",
            )


class BaseInstallmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            f.cleaned_data for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]  # fmt: skip
        if not rows:
            return
        total = sum((r["amount"] for r in rows), Decimal("0"))
        try:
            check_fits(total, "The installments' total")
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from None
        settlement = self.instance.settlement_amount
        if settlement is None or total != settlement:
            raise forms.ValidationError(
                f"The installments add up to ${total:,.2f}, not the settlement amount of "
                f"${(settlement or 0):,.2f}."
            )
        today = timezone.localdate()
        if any(r["due_on"] <= today for r in rows):
            raise forms.ValidationError("Every installment must fall due in the future.")
        if any(r["amount"] <= 0 for r in rows):
            raise forms.ValidationError("Every installment must be more than $0.00.")


class InstallmentForm(HygienicFormMixin, forms.ModelForm):
    due_on = term_date("Due on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_amount(self):
        # Beside the field: a zero or negative installment is refused with its own message.
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError("An installment must be more than $0.00.")
        return amount

    class Meta:
        model = Installment
        fields = ["due_on", "amount"]


InstallmentFormSet = inlineformset_factory(
    Agreement, Installment, form=InstallmentForm, formset=BaseInstallmentFormSet,
    extra=3, can_delete=True, max_num=MAX_INSTALLMENTS, validate_max=True,
    absolute_max=MAX_INSTALLMENTS,
)  # fmt: skip


class RiderForm(HygienicFormMixin, forms.ModelForm):
    """A free-text rider for this agreement only: printed after the clauses as “Rider:
    <title>”; the reviewing attorney must approve it, and changing it clears that approval."""

    class Meta:
        model = Rider
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"body": "Paragraphs separated by a blank line. Printed as written."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["body"].required = False

    def clean(self):
        data = super().clean()
        title, body = (data.get("title") or "").strip(), (data.get("body") or "").strip()
        if data.get("DELETE"):
            return data
        if title and not body:
            self.add_error("body", "Write the rider's text, or clear its title.")
        if body and not title:
            self.add_error("title", "Give the rider a title.")
        return data


class BaseRiderFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        form.instance.added_by = self.added_by
        return super().save_new(form, commit=commit)


RiderFormSet = inlineformset_factory(
    Agreement, Rider, form=RiderForm, formset=BaseRiderFormSet, extra=1, can_delete=True,
    max_num=MAX_RIDERS, validate_max=True, absolute_max=MAX_RIDERS,
)  # fmt: skip


class SubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reviewer = forms.ModelChoiceField(queryset=None, label="Attorney to review it")

    def __init__(self, *args, agreement, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = agreement.version
        # Separation of duties: no Staff holder, nobody who drafted, edited or submits it.
        self.fields["reviewer"].queryset = eligible_reviewers(agreement, also_drafted_by=by)
        self.fields["reviewer"].help_text = (
            "Attorneys who hold the Staff role, or who drafted or edited this agreement, "
            "cannot review it and are not listed."
        )
        self.fields["reviewer"].label_from_instance = lambda user: f"{user} ({user.email})"


class CommentForm(HygienicFormMixin, forms.Form):
    section = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Comment on"
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your comment",
        max_length=MAX_COMMENT,
        help_text=f"At most {MAX_COMMENT:,} characters.",
    )

    def __init__(self, *args, section_titles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "The whole agreement")] + [
            (n, f"Section {n}. {t}") for n, t in enumerate(section_titles, 1)
        ]


class DecisionForm(HygienicFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Note to staff",
        max_length=MAX_NOTE,
    )


class SignedUploadForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(
        label="Signed agreement (PDF, at most 20 MB)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}),  # the picker offers PDFs
    )


class PaymentForm(HygienicFormMixin, forms.ModelForm):
    received_on = BoundedDateField(date_range=PAYMENT_RECEIVED, label="Received on")

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        if agreement is not None:
            self.fields["received_on"].widget.attrs["min"] = agreement.agreement_date.isoformat()

    class Meta:
        model = Payment
        fields = ["received_on", "amount", "note"]

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if self.agreement is not None and day < self.agreement.agreement_date:
            raise forms.ValidationError(
                "A payment cannot be received before the agreement's date, "
                f"{_long_date(self.agreement.agreement_date)}."
            )
        return day


class StartForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
