"""Form fields every app uses for money, dates and text, so input rules are the same everywhere."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

from noteinvest import text
from noteinvest.dates import DateError, DateRange, read_date
from noteinvest.money import MAX_AMOUNT, MoneyError, parse_amount

DATE_WIDGET_ATTRS = {"type": "date"}


class MoneyFormField(forms.Field):
    """An amount typed as '$1,234.50' or '1234.5': parsed by `noteinvest.money.parse_amount`.

    Returns a Decimal with two places. `allow_negative` for the rare signed amount;
    `min_value`/`max_value` bound it further, with a message beside the field.
    """

    default_error_messages = {"invalid": "Enter an amount such as 1,234.50."}

    def __init__(
        self, *, allow_negative=False, min_value=None, max_value=None, max_digits=None,
        decimal_places=None, **kwargs,
    ):  # fmt: skip
        self.allow_negative = allow_negative
        self.min_value = min_value
        self.max_value = max_value if max_value is not None else MAX_AMOUNT
        kwargs.pop("max_length", None)
        widget = kwargs.pop("widget", None) or forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "40"}
        )
        super().__init__(widget=widget, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        raw = str(value).strip()
        if not raw:
            return None
        if len(raw) > 40:
            raise ValidationError("Enter an amount such as 1,234.50.", code="invalid")
        try:
            amount = parse_amount(raw, allow_negative=self.allow_negative)
        except MoneyError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        return amount

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(f"Enter an amount of at least ${self.min_value:,.2f}.")
        if value > self.max_value:
            raise ValidationError(f"Enter an amount of at most ${self.max_value:,.2f}.")

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (Decimal(initial) if initial not in (None, "") else None)
        except (ValidationError, ArithmeticError):
            return True


class BoundedDateField(forms.DateField):
    """A date inside a plausible range (`noteinvest.dates`), refused with a message otherwise.

    Read by `noteinvest.dates.read_date`, the loan tape's date reader, so a date means the
    same typed here or written in a tape (03/01/2024, 2024-03-01, 1-Mar-2024; a two-digit
    year is refused, never guessed as Django's own parsing would).
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        raw = str(value).strip()
        if not raw:
            return None
        if len(raw) > 40:
            raise ValidationError("Enter a date such as 2024-03-01 or 03/01/2024.", code="invalid")
        try:
            return read_date(raw)
        except DateError as exc:
            raise ValidationError(
                f"Enter a date such as 2024-03-01 or 03/01/2024: “{raw}” {exc}.", code="invalid"
            ) from None

    def __init__(self, *, date_range: DateRange, **kwargs):
        self.date_range = date_range
        kwargs.setdefault(
            "widget", forms.DateInput(attrs=dict(DATE_WIDGET_ATTRS), format="%Y-%m-%d")
        )
        super().__init__(**kwargs)
        self.validators.append(date_range)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        low, high = self.date_range.bounds()
        attrs.update(min=low.isoformat(), max=high.isoformat())
        return attrs

    def __deepcopy__(self, memo):
        # Each form instance gets a copy of the class's field: the date picker's min and
        # max are worked out then, as of today, not once when the form class was defined.
        field = super().__deepcopy__(memo)
        low, high = field.date_range.bounds()
        field.widget.attrs.update(min=low.isoformat(), max=high.isoformat())
        return field


class SingleLineField(forms.CharField):
    """One line of text: names, numbers, addresses on one line. No control characters."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(text.single_line)


class MultiLineField(forms.CharField):
    """Text with line breaks; a length cap is required (`max_length`)."""

    def __init__(self, *, max_length, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(text.multi_line)


def harden_fields(form_fields) -> None:
    """Make a form's fields follow the app's input rules, in place.

    Money (a DecimalField with two places) becomes a MoneyFormField; every text field
    refuses control characters (line breaks allowed where the widget is a textarea).
    Dates are left alone: give each a BoundedDateField with its range.
    """
    for name, field in list(form_fields.items()):
        if isinstance(field, forms.DecimalField) and field.decimal_places == 2:
            money = MoneyFormField(
                required=field.required,
                label=field.label,
                help_text=field.help_text,
                initial=field.initial,
                min_value=field.min_value,
                max_value=field.max_value,
                allow_negative=field.min_value is not None and field.min_value < 0,
            )
            money.validators.extend(
                v for v in field.validators if not isinstance(v, _NUMBER_VALIDATORS)
            )
            form_fields[name] = money
        elif isinstance(field, forms.CharField) and not isinstance(
            field, forms.EmailField | forms.URLField
        ):
            if isinstance(field.widget, forms.Textarea):
                if text.multi_line not in field.validators:
                    field.validators.append(text.multi_line)
            elif text.single_line not in field.validators:
                field.validators.append(text.single_line)


# Checked by MoneyFormField itself (two places, 14 digits, min and max).
_NUMBER_VALIDATORS = (
    validators.DecimalValidator,
    validators.MinValueValidator,
    validators.MaxValueValidator,
    validators.StepValueValidator,
)


class HygienicFormMixin:
    """Mix into a Form or ModelForm: its fields follow `harden_fields`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        harden_fields(self.fields)
