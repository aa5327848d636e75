"""The profile page's forms. The checks are the admin's and the roster file's: the Person
model's own (an IANA zone, both ends of the working hours, a phone number that can be dialled,
written as E.164), and a rule's delay written as in the roster file (`0s`, `2m`, `1h`)."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from rosters.models import Channel, Person
from rosters.validators import format_duration, parse_duration

# More ways to be woken than anyone needs; a bound on what one form post can ask for.
MAX_RULES = 20


class OwnDetailsForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["email", "phone", "slack_user_id", "timezone", "work_starts", "work_ends"]
        labels = {
            "timezone": "Time zone",
            "work_starts": "Working hours start",
            "work_ends": "Working hours end",
        }
        help_texts = {
            "phone": "international format, e.g. +1 312 555 0101 (saved as +13125550101)",
            "slack_user_id": "e.g. U0ALICE (Slack: your profile → ⋮ → Copy member ID)",
            "timezone": "IANA, e.g. America/Chicago",
            "work_starts": "your local time; leave both empty to be paged at any hour",
            "work_ends": "earlier than the start means overnight",
        }
        widgets = {
            "timezone": forms.TextInput(attrs={"list": "zones", "autocomplete": "off"}),
            "work_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def own_details(self) -> dict:
        """The checked values, as the model's clean() left them (the phone in E.164)."""
        return {name: getattr(self.instance, name) for name in self.Meta.fields}


class DelayField(forms.CharField):
    """A delay as the roster file writes it: `0s`, `90s`, `2m`, `1h`."""

    def prepare_value(self, value):
        return format_duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value) -> timedelta | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_duration(text)
        except ValidationError as e:
            raise ValidationError(e.messages) from None


class ContactRuleForm(forms.Form):
    # The blank choice is the empty row's: left alone, it adds nothing.
    channel = forms.ChoiceField(choices=[("", "—"), *Channel.choices])
    after = DelayField(
        initial=timedelta(0),
        help_text="after a step reaches you: 0s, 90s, 2m, 1h",
        widget=forms.TextInput(attrs={"size": 6}),
    )


ContactRuleFormSet = forms.formset_factory(
    ContactRuleForm,
    extra=1,
    can_delete=True,
    max_num=MAX_RULES,
    validate_max=True,
    absolute_max=MAX_RULES,
)


def rules_of(formset) -> list[tuple[str, timedelta]]:
    """The rules a valid formset keeps, in the order shown. An untouched blank row has no
    cleaned data, a row ticked "remove" is left out."""
    kept = [f.cleaned_data for f in formset.forms if f.cleaned_data]
    return [(rule["channel"], rule["after"]) for rule in kept if not rule.get("DELETE")]
