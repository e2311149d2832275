"""The clause library's forms: an attorney's draft of a clause, a new clause or variant.

Every check is the service's (`clause_services.problems`), shown beside its field; the
services run it again on save and on approval, so a forged request is refused too."""

from django import forms

from noteinvest.forms import HygienicFormMixin
from portfolios.choices import STATE_CHOICES
from settlements import clause_services, library

KIND_CHOICES = [(k, clause_services.KIND_LABELS[k]) for k in library.KINDS]
INSTRUMENT_CHOICES = [(i, clause_services.INSTRUMENT_LABELS[i]) for i in library.INSTRUMENTS]


def condition_choices():
    return [
        (name, f"{c.description} ({name})" if name != "always" else c.description)
        for name, c in library.conditions().items()
    ]


class ClauseForm(HygienicFormMixin, forms.Form):
    title = forms.CharField(max_length=library.MAX_TITLE)
    body = forms.CharField(
        label="Text",
        max_length=library.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace", "spellcheck": "true"}),
        help_text="Paragraphs separated by a blank line. A field's name in braces, like "
        "{loan_number}, is filled from the agreement (the fields are listed beside the text).",
    )
    kinds = forms.MultipleChoiceField(
        label="Documents", choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple,
        required=False,
    )  # fmt: skip
    states = forms.MultipleChoiceField(
        choices=STATE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="None chosen: every state (Ctrl- or ⌘-click to choose several). A variant "
        "for some states replaces, in those states, the clause for every state.",
    )
    instrument = forms.ChoiceField(
        choices=INSTRUMENT_CHOICES,
        required=False,
        help_text="The security instrument the variant is for (the loan's state's).",
    )
    when = forms.ChoiceField(label="Condition", choices=(), initial="always")
    position = forms.IntegerField(
        min_value=clause_services.POSITION[0],
        max_value=clause_services.POSITION[1],
        help_text="Order in the document: clauses are printed by position.",
    )
    required = forms.BooleanField(
        required=False, help_text="Every document of its kinds must have it (when its "
        "condition holds)."
    )  # fmt: skip
    active = forms.BooleanField(
        label="In use", required=False, help_text="Untick to take the clause out of new drafts."
    )
    note = forms.CharField(
        label="Why this version",
        max_length=clause_services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the clause's history with your name.",
    )
    based_on = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, key: str, slot: str, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.key, self.slot, self.current = key, slot, current
        self.fields["when"].choices = condition_choices()

    def clean_body(self):
        # A browser sends a textarea's line breaks as CR LF: the library splits paragraphs
        # on blank lines of LF alone.
        return clause_services.newlines(self.cleaned_data["body"])

    def clean_note(self):
        return clause_services.newlines(self.cleaned_data["note"])

    def clean_position(self):
        raw = str(self.data.get(self.add_prefix("position"), "")).strip()
        if not (raw.isascii() and raw.isdigit()):
            raise forms.ValidationError("A whole number in the digits 0 to 9, like 1275.")
        return self.cleaned_data["position"]

    def clean(self):
        data = super().clean()
        if self.errors:  # a field refused on its own: its message is beside it already
            return data
        errors = clause_services.problems(data, key=self.key, slot=self.slot, current=self.current)
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return data


class NewClauseForm(ClauseForm):
    key = forms.CharField(
        max_length=clause_services.MAX_KEY,
        help_text="Names the clause for good: lowercase letters, digits and hyphens, like "
        "“notice-of-sale-ca”.",
    )
    variant_of = forms.ChoiceField(
        label="Variant of",
        required=False,
        help_text="A variant replaces that clause where its states or instrument apply.",
    )
    field_order = ["key", "variant_of"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("key", "")
        kwargs.setdefault("slot", "")
        super().__init__(*args, **kwargs)
        self.fields["variant_of"].choices = [("", "None: a clause of its own")] + [
            (slot, f"{title} ({slot})") for slot, title in clause_services.slots()
        ]
        self.order_fields(self.field_order)

    def clean(self):
        key = (self.data.get(self.add_prefix("key")) or "").strip()
        variant_of = self.data.get(self.add_prefix("variant_of")) or ""
        self.key = key
        self.slot = variant_of or key
        data = super().clean()
        if "key" in self.cleaned_data:
            for name, messages in clause_services.key_problems(
                self.cleaned_data["key"], self.cleaned_data.get("variant_of", "")
            ).items():
                for message in messages:
                    self.add_error(name, message)
        return data
