"""Durations in the admin as the roster file writes them: a shift shows as `1w`, not
`7 00:00:00`, and `12h`, `90s` or `1d` can be typed (Django's own `1 00:00:00` still works)."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from rosters.validators import format_duration, parse_duration

HELP = "e.g. 90s, 2m, 12h, 1d, 1w"


class FriendlyDurationField(forms.DurationField):
    def __init__(self, **kwargs):
        kwargs["help_text"] = HELP
        kwargs["widget"] = forms.TextInput(attrs={"size": 8, "placeholder": "1w"})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValidationError as ours:
            try:
                return super().to_python(value)  # "7 00:00:00", as Django writes it
            except ValidationError:
                raise ours from None


class FriendlyDurations:
    """Mix into a ModelAdmin or an inline: every duration field is shown and read friendly."""

    formfield_overrides = {models.DurationField: {"form_class": FriendlyDurationField}}


def friendly(value: timedelta | None) -> str:
    """For list columns: `1w`, `10m`; '-' for none."""
    return format_duration(value) if value is not None else "-"
