"""Forms for liquidation events, the deficiency workflow, judgments and state rules."""

from django import forms
from django.utils import timezone

from deficiencies.models import (
    Bankruptcy,
    CollectionAction,
    DeficiencySuit,
    EventType,
    Judgment,
    LiquidationEvent,
    Recovery,
    StateRule,
    Status,
)
from portfolios.choices import STATE_CHOICES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_future(form, field):
    value = form.cleaned_data.get(field)
    if value and value > timezone.localdate():
        form.add_error(field, "This date cannot be in the future.")


class LiquidationForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LiquidationEvent
        fields = [
            "event_type", "event_date", "sale_process", "sale_price", "credit_bid",
            "gross_price", "net_proceeds", "fair_market_value", "value_source", "value_date",
        ]  # fmt: skip
        widgets = {"event_date": DATE, "value_date": DATE}
        help_texts = {
            "sale_process": "A judicial sheriff sale or a non-judicial trustee sale.",
            "fair_market_value": "Required for a deed in lieu; optional otherwise (it may limit "
            "the deficiency in fair-value states).",
        }

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = loan

    def clean(self):
        data = super().clean()
        kind = data.get("event_type")
        day = data.get("event_date")
        _not_future(self, "event_date")
        _not_future(self, "value_date")
        if day and self.loan.origination_date and day < self.loan.origination_date:
            self.add_error("event_date", "The event cannot be before the loan's origination date.")
        if kind == EventType.FORECLOSURE_SALE:
            if not data.get("sale_process"):
                self.add_error("sale_process", "Choose the foreclosure process of the sale.")
            if data.get("sale_price") is None:
                self.add_error("sale_price", "Enter the winning bid.")
        elif kind == EventType.SHORT_SALE:
            if data.get("gross_price") is None:
                self.add_error("gross_price", "Enter the gross sale price.")
            if data.get("net_proceeds") is None:
                self.add_error("net_proceeds", "Enter the net proceeds paid to the holder.")
            gross, net = data.get("gross_price"), data.get("net_proceeds")
            if gross is not None and net is not None and net > gross:
                self.add_error("net_proceeds", "Net proceeds cannot be more than the gross price.")
        elif kind == EventType.DEED_IN_LIEU and data.get("fair_market_value") is None:
            self.add_error(
                "fair_market_value", "A deed in lieu is credited at fair market value: enter it."
            )
        if data.get("fair_market_value") is not None and not data.get("value_date"):
            self.add_error("value_date", "Give the date of the fair market value.")
        # Fields that do not belong to the chosen kind are cleared, not stored.
        if kind != EventType.FORECLOSURE_SALE:
            data["sale_process"], data["sale_price"], data["credit_bid"] = "", None, False
        if kind != EventType.SHORT_SALE:
            data["gross_price"], data["net_proceeds"] = None, None
        return data


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label="New status")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, deficiency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Status(s).label) for s in deficiency.allowed_statuses]
        self.fields["version"].initial = deficiency.version


class SuitForm(forms.ModelForm):
    class Meta:
        model = DeficiencySuit
        fields = ["court", "county", "case_number", "filed_on"]
        widgets = {"filed_on": DATE}

    def clean(self):
        data = super().clean()
        _not_future(self, "filed_on")
        return data


class JudgmentForm(forms.ModelForm):
    class Meta:
        model = Judgment
        fields = ["granted_on", "amount", "interest_rate", "expires_on"]
        widgets = {"granted_on": DATE, "expires_on": DATE}

    def clean(self):
        data = super().clean()
        _not_future(self, "granted_on")
        granted, expires = data.get("granted_on"), data.get("expires_on")
        if granted and expires and expires <= granted:
            self.add_error("expires_on", "The expiry must come after the grant.")
        return data


class BankruptcyForm(forms.ModelForm):
    class Meta:
        model = Bankruptcy
        fields = ["chapter", "case_number", "district", "filed_on", "discharged_on", "dismissed_on"]
        widgets = {"filed_on": DATE, "discharged_on": DATE, "dismissed_on": DATE}

    def clean(self):
        data = super().clean()
        for name in ("filed_on", "discharged_on", "dismissed_on"):
            _not_future(self, name)
        filed = data.get("filed_on")
        if data.get("discharged_on") and data.get("dismissed_on"):
            self.add_error("dismissed_on", "A case is either discharged or dismissed, not both.")
        for name in ("discharged_on", "dismissed_on"):
            if filed and data.get(name) and data[name] < filed:
                self.add_error(name, "This cannot be before the filing.")
        return data


class CollectionActionForm(forms.ModelForm):
    class Meta:
        model = CollectionAction
        fields = ["kind", "started_on", "state", "note"]
        widgets = {"started_on": DATE, "note": forms.TextInput()}


class RecoveryForm(forms.ModelForm):
    class Meta:
        model = Recovery
        fields = ["received_on", "amount", "source", "note"]
        widgets = {"received_on": DATE}

    def clean(self):
        data = super().clean()
        _not_future(self, "received_on")
        if data.get("amount") is not None and data["amount"] <= 0:
            self.add_error("amount", "Enter an amount above $0.00.")
        return data


class StateRuleForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    change_note = forms.CharField(
        label="Why (kept in the history)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    class Meta:
        model = StateRule
        fields = [
            "primary_foreclosure_process", "deficiency_regime", "nonjudicial_bars_deficiency",
            "purchase_money_owner_occupied_protected", "fair_value_limit",
            "filing_deadline_days_after_sale", "filing_deadline_note",
            "statute_of_limitations_years", "notes", "source_urls", "last_reviewed_by_counsel",
            "reviewed_by",
        ]  # fmt: skip
        widgets = {
            "last_reviewed_by_counsel": DATE,
            "notes": forms.Textarea(attrs={"rows": 5}),
            "filing_deadline_note": forms.Textarea(attrs={"rows": 2}),
            "source_urls": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def clean_source_urls(self):
        urls = self.cleaned_data["source_urls"].split()
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise forms.ValidationError(f"Not a web address: {', '.join(bad[:3])}")
        return " ".join(urls)

    def clean(self):
        data = super().clean()
        _not_future(self, "last_reviewed_by_counsel")
        return data


class DeficiencyFilterForm(forms.Form):
    SELECT = forms.Select(attrs={"class": "form-select"})
    verdict = forms.ChoiceField(required=False, widget=SELECT)
    status = forms.ChoiceField(required=False, widget=SELECT)
    state = forms.ChoiceField(
        choices=[("", "All states"), *STATE_CHOICES], required=False, widget=SELECT
    )

    def __init__(self, *args, **kwargs):
        from deficiencies.models import Verdict

        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = [("", "All verdicts"), *Verdict.choices]
        self.fields["status"].choices = [("", "All statuses"), *Status.choices]
