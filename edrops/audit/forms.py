"""The audit log's filters, the same for `/audit` and `/audit.csv`."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.contenttypes.models import ContentType

from edrops.audit.registry import labels
from edrops.audit.selectors import AuditFilter
from rosters.validators import within_years


def _kinds() -> list[tuple[str, str]]:
    types = ContentType.objects.in_bulk(list(labels()))
    named = {f"{types[pk].app_label}.{types[pk].model}": label for pk, label in labels().items()}
    return [("", "any"), *sorted(named.items(), key=lambda kind: kind[1])]


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label="Object type", required=False)
    object = forms.CharField(
        required=False, max_length=200, help_text="part of its name, e.g. grid-ops/primary"
    )
    actor = forms.CharField(required=False, max_length=200, help_text="part of the name")
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["model"].choices = _kinds()

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):
            day = data.get(name)
            if day is not None and not within_years(datetime.combine(day, time())):
                self.add_error(name, "Give a date between 1970 and 2199.")
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end comes before the start.")
        return data

    def audit_filter(self) -> AuditFilter:
        """The checked filters. Days are whole days in the viewer's zone, both included."""
        data = self.cleaned_data

        def midnight(day) -> datetime | None:
            return datetime.combine(day, time(), tzinfo=self.zone) if day else None

        model = data.get("model")
        return AuditFilter(
            content_type=ContentType.objects.get_by_natural_key(*model.split("."))
            if model
            else None,
            object=data.get("object") or "",
            actor=data.get("actor") or "",
            since=midnight(data.get("since")),
            until=midnight(data["until"] + timedelta(days=1)) if data.get("until") else None,
        )
