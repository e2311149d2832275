from django import forms

from notifications.models import Delivery, Preference
from notifications.services import offered_kinds


class PreferenceForm(forms.ModelForm):
    """The kinds of e-mail meant for the person's roles (others are not offered) and how
    they come."""

    class Meta:
        model = Preference
        fields = ["review_requested", "changes_requested", "approved", "payment_late",
                  "deadline", "delivery"]  # fmt: skip
        widgets = {"delivery": forms.RadioSelect(attrs={"class": "form-check-input"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offered = {kind.value for kind in offered_kinds(user)}
        for name in list(self.fields):
            if name != "delivery" and name not in offered:
                del self.fields[name]
        self.fields["delivery"].label = "How they come"
        self.fields["delivery"].choices = Delivery.choices

    @property
    def kinds(self):
        return [self[name] for name in self.fields if name != "delivery"]
