"""iCal feeds of shifts, so people see when they are on call in their own calendar app.

The link carries the person's `calendar_token` instead of a login: calendar apps can't log in,
and the token is unguessable, per person, and changed in the admin when a link leaks.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from rosters.models import Person, Team
from rosters.selectors import Shift, shifts

FEED_WEEKS = 8
FEED_PAST = timedelta(days=7)  # yesterday's shift stays visible for a while


def _calendar(name: str, found: list[Shift], *, uid_scope: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//edrops//rosters//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-published-ttl", "PT1H")
    stamp = timezone.now()
    for shift in found:
        rotation = shift.rotation
        who = shift.person.name if shift.person else "nobody on call"
        event = Event()
        # Stable across refreshes, so the calendar app updates an event instead of duplicating.
        event.add("uid", f"{uid_scope}-{rotation.pk}-{shift.starts_at:%Y%m%dT%H%M%SZ}@edrops")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add(
            "summary",
            f"On call: {rotation.team.name} / {rotation.name} ({who})"
            + (" [override]" if shift.override else ""),
        )
        event.add("description", f"{who} holds {rotation.team.slug}/{rotation.name}.")
        if shift.person is None:
            event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def _window() -> tuple[datetime, datetime]:
    """Whole UTC days, so that refreshing the feed during a day gives identical events (the
    first one is cut at the window's start, and its UID carries its start)."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - FEED_PAST, today + timedelta(weeks=FEED_WEEKS, days=1)


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def my_shifts(request: HttpRequest, token: str) -> HttpResponse:
    person = get_object_or_404(Person, calendar_token=token)
    start, end = _window()
    found = shifts(person=person, start=start, end=end)
    return _ics(_calendar(f"On call: {person.name}", found, uid_scope=person.handle), "me.ics")


def team_shifts(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    get_object_or_404(Person, calendar_token=token)
    team = get_object_or_404(Team, slug=slug)
    start, end = _window()
    found = [s for s in shifts(team=team, start=start, end=end) if s.person is not None]
    return _ics(_calendar(f"On call: {team.name}", found, uid_scope=team.slug), f"{slug}.ics")


def calendar_links(person: Person) -> dict[str, str]:
    """Absolute feed URLs for a person: their own shifts, then each of their teams."""
    base = settings.PUBLIC_BASE_URL
    links = {"my shifts": base + reverse("rosters:calendar-me", args=[person.calendar_token])}
    for team in person.teams.all():
        links[team.name] = base + reverse(
            "rosters:calendar-team", args=[person.calendar_token, team.slug]
        )
    return links
