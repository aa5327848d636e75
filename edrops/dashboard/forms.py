"""The "Page a team" / "Page a person" form. Its checks are the API's (POST /api/v1/pages):
the same limits, read from the Event's columns; times typed in the viewer's zone."""

from django import forms

from edrops.models import Event
from rosters.models import Person, Team


def _limit(name: str) -> int:
    return Event._meta.get_field(name).max_length


class PageForm(forms.Form):
    team = forms.ChoiceField(required=False)
    person = forms.ChoiceField(required=False)
    summary = forms.CharField(
        max_length=_limit("summary"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="what the operator said, as the page should read",
    )
    market = forms.CharField(max_length=_limit("market"), required=False)
    program = forms.CharField(max_length=_limit("program"), required=False)
    mw = forms.DecimalField(
        label="MW", max_digits=12, decimal_places=3, min_value=0, required=False
    )
    location = forms.CharField(
        max_length=_limit("location"), required=False, help_text="zone, LBA or CPNode"
    )
    starts_at = forms.DateTimeField(
        label="Starts",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    respond_by = forms.DateTimeField(
        label="Respond by",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="empty: the team's ack SLA from now",
    )
    test = forms.BooleanField(label="Test dispatch", required=False)

    def __init__(self, *args, teams: list[Team], to_person: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.to_person = to_person
        team_choices = [(t.slug, t.name or t.slug) for t in teams]
        team = self.fields["team"]
        person = self.fields["person"]
        if to_person:
            team.label = "For team"
            team.choices = [("", "their first team"), *team_choices]
            person.required = True
            person.choices = [("", "—")] + [
                (p.handle, f"{p.name} ({p.handle})")
                for p in Person.objects.order_by("name", "handle")
            ]
        else:
            team.required = True
            team.choices = [("", "—"), *team_choices]
            del self.fields["person"]

    def targets(self) -> tuple[str | None, str | None]:
        """(team slug, person handle), None for each not given."""
        data = self.cleaned_data
        return data.get("team") or None, data.get("person") or None

    def facts(self) -> dict:
        """The page's facts, as page_by_hand takes them (what was left empty: not said)."""
        data = self.cleaned_data
        facts = {"summary": " ".join(data["summary"].split()), "test": data["test"]}
        for name in ("market", "program", "location"):
            if data[name]:
                facts[name] = data[name]
        for name in ("mw", "starts_at", "respond_by"):
            if data[name] is not None:
                facts[name] = data[name]
        return facts
