"""Helpers the roster admin pages share: times in their own zone, who is on call."""

from datetime import datetime

from django.contrib.admin.views.main import ChangeList
from django.utils import timezone

from rosters.models import (
    Team,
)
from rosters.selectors import OnCall, on_call_for_teams

SCHEDULE_DAYS = 14


def local(at: datetime | None, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %b %H:%M %Z") if at else "no change ahead"


def describe(entry: OnCall, tz) -> str:
    who = entry.person.handle if entry.person else "nobody"
    mark = " (override)" if entry.override else ""
    return f"{who}{mark} until {local(entry.until, tz)}" if entry.until else f"{who}{mark}"


class OnCallChangeList(ChangeList):
    """Works out who is on call for the whole page at once (a fixed number of queries),
    instead of once per row."""

    def get_results(self, request):
        super().get_results(request)
        teams = {getattr(obj, "team", obj) for obj in self.result_list}
        answers = on_call_for_teams(teams=list(teams), at=timezone.now())
        by_rotation = {e.rotation.pk: e for entries in answers.values() for e in entries}
        for obj in self.result_list:
            if isinstance(obj, Team):
                obj.on_call_now = answers.get(obj.pk, [])
            else:
                obj.on_call_now = [by_rotation[obj.pk]] if obj.pk in by_rotation else []
