"""Who may do what with events: the one place the web dashboard, the API, SMS replies, key
presses on a call and Slack clicks ask (API.md, "Who may do what").

Acting on an event (acknowledge, resolve, add a note, "ack all"):
- staff and superusers: every event, with or without a person on the roster;
- a lead (`Person.role`): every event;
- a responder: the events of the teams they are a member of, and any event they were paged
  for — an escalation step paged them, or (for a click in Slack) the event was posted to that
  channel for whoever reads it;
- any other login (one no person is linked to): nothing; it reads.
A source acts only on its own events (PagerDuty's acknowledge and resolve by dedup_key).
A service outside acts only on events forwarded to it (PagerDuty's v3 webhooks, by the
incident's key: our event's id).

Maintenance windows (holding back a team's pages): staff, leads, and for a window on one team
or one of its sources, that team's members; a matcher window (any team's events): staff and
leads.

Reading: everyone logged in reads everything while EDROPS_READ_ALL_TEAMS is on (one desk);
with it off, a login reads what it may act on, and nothing else exists for it (404).

Test pages (a person's contact methods checked): a person sends their own; a lead those of
the members of the teams they are a member of; staff anyone's. Reading the results: the same.

Paging: a source pages its own team and the teams in its `may_page`. A `team` it may not page
and one that doesn't exist are refused in the same words, so the answer never tells a sender
which teams exist. A person pages by hand (POST /api/v1/pages, reassigning to a team) the teams
whose events they may act on: a responder their own teams, a lead or staff every team; the same
rule of one answer for a team they may not page and one that doesn't exist.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, prefetch_related_objects

from edrops.models import Event, Source
from notifications import selectors as notifications
from rosters.models import Person, Role, Team


@dataclass(frozen=True)
class Actor:
    """Who asks: a login (web, API), a person (SMS, voice, Slack), or both."""

    person: Person | None
    user: Any = None  # the login (AbstractBaseUser), when the request came with one

    @classmethod
    def of_login(cls, user) -> "Actor":
        person = Person.objects.filter(user=user).first() if user.is_authenticated else None
        return cls(person=person, user=user)

    @classmethod
    def of_person(cls, person: Person) -> "Actor":
        return cls(person=person, user=person.user if person.user_id else None)

    @property
    def is_staff(self) -> bool:
        user = self.user
        return user is not None and user.is_active and (user.is_staff or user.is_superuser)

    @property
    def acts_on_every_team(self) -> bool:
        return self.is_staff or (self.person is not None and self.person.role == Role.LEAD)


class Refused(Exception):
    """An action the actor may not take. Each channel answers it its own way: 403 `{"detail":
    ...}` on the API, a 403 page on the web, an SMS, a spoken line, an ephemeral Slack message;
    `why` is the reason in words for them."""

    def __init__(self, why: str, *, action: str = "act on this event"):
        self.why = why
        self.detail = f"You can't {action}: {why}."
        super().__init__(self.detail)


class MayNotPage(Exception):
    """A `team` the source may not page, or that doesn't exist: the same words for both."""

    def __init__(self, *, slug: str):
        self.detail = (
            f"This source may not page team {slug!r}. A source pages its own team and the "
            "teams it was given (may_page)."
        )
        super().__init__(self.detail)


class PersonMayNotPage(MayNotPage):
    """A person's page by hand naming a `team` they may not page, or that doesn't exist."""

    def __init__(self, *, slug: str):
        self.detail = (
            f"You may not page team {slug!r}. A responder pages the teams they are a member of; "
            "a lead or staff pages any team."
        )
        Exception.__init__(self, self.detail)
class MayNotTestPage(Exception):
    def __init__(self, *, handle: str):
        self.detail = (
            f"You may not send {handle} a test page, nor read theirs: a person tests their own "
            "contact methods, an ops lead those of their teams' members, staff anyone's."
        )
        super().__init__(self.detail)


def may_test_page(*, actor: Actor, person: Person) -> bool:
    """Whether `actor` may send `person` a test page and read how it went."""
    if actor.is_staff:
        return True
    if actor.person is None:
        return False
    if actor.person.pk == person.pk:
        return True
    return actor.person.role == Role.LEAD and bool(_team_ids(actor.person) & _team_ids(person))


def check_may_test_page(*, actor: Actor, person: Person) -> None:
    """Raises MayNotTestPage unless `actor` may test-page `person`."""
    if not may_test_page(actor=actor, person=person):
        raise MayNotTestPage(handle=person.handle)


def may_act(*, actor: Actor, event: Event, slack_channel: str = "") -> bool:
    """Whether `actor` may acknowledge, resolve or add a note to `event`. `slack_channel`: the
    Slack channel a click came from (a post there is for whoever reads it)."""
    if actor.acts_on_every_team:
        return True
    person = actor.person
    if person is None:
        return False
    if event.team_id in _team_ids(person):
        return True
    if event.paged_people.filter(pk=person.pk).exists():
        return True
    return bool(slack_channel) and notifications.posted_to_channel(
        reference=str(event.pk), slack_channel=slack_channel
    )


def check_may_act(*, actor: Actor, event: Event, slack_channel: str = "") -> None:
    """Raises Refused, saying why, unless `actor` may act on `event`."""
    if may_act(actor=actor, event=event, slack_channel=slack_channel):
        return
    if actor.person is None:
        raise Refused(
            "your login is not linked to anyone on the roster, so it reads events but does not "
            "act on them (an admin links it to a person, or a roster file's login:)"
        )
    raise Refused(
        f"it is team {event.team.slug}'s, and you are neither a member nor paged for it "
        f"(a lead or a member of {event.team.slug} can act on it)"
    )


def check_forwarded_to(*, event: Event, channel: str) -> None:
    """Raises Refused unless `event` was forwarded over `channel` (PagerDuty): a service
    outside answers only what it was sent."""
    if not notifications.was_forwarded(reference=str(event.pk), channel=channel):
        raise Refused(f"it was never forwarded to {channel}")


def actionable(*, actor: Actor, events: QuerySet[Event]) -> QuerySet[Event]:
    """Those of `events` that `actor` may act on, in one query ("ack all", the board's
    buttons)."""
    if actor.acts_on_every_team:
        return events
    if actor.person is None:
        return events.none()
    return events.filter(_theirs(actor.person))


def actionable_ids(*, actor: Actor, events: Iterable[Event]) -> set[uuid.UUID]:
    """The ids of those of `events` (already read) that `actor` may act on: one query."""
    ids = [event.pk for event in events]
    if actor.acts_on_every_team:
        return set(ids)
    if not ids:
        return set()
    allowed = actionable(actor=actor, events=Event.objects.filter(pk__in=ids))
    return set(allowed.values_list("pk", flat=True))


def visible(*, actor: Actor, events: QuerySet[Event]) -> QuerySet[Event]:
    """Those of `events` that `actor` may read."""
    if settings.EDROPS_READ_ALL_TEAMS:
        return events
    return actionable(actor=actor, events=events)


def may_read(*, actor: Actor, event: Event) -> bool:
    return settings.EDROPS_READ_ALL_TEAMS or may_act(actor=actor, event=event)


def _team_ids(person: Person) -> set[int]:
    """The person's teams, read once per Person instance (Django's prefetch cache): "ack all"
    asks about each of a thousand events for the same person."""
    prefetch_related_objects([person], "teams")
    return {team.pk for team in person.teams.all()}


def _theirs(person: Person) -> Q:
    """A responder's events: their teams', and those a step paged them for."""
    paged = Event.paged_people.through.objects.filter(person=person).values("event_id")
    return Q(team__in=person.teams.values("pk")) | Q(pk__in=paged)


def may_plan_maintenance(*, actor: Actor, team: Team | None) -> bool:
    """Whether `actor` may set or end a maintenance window covering `team` (a source's window:
    its team's; None: a matcher window, which may cover any team's events). Whoever may act on
    every event of the team may stop its pages: staff, leads, and the team's members."""
    if actor.acts_on_every_team:
        return True
    if actor.person is None or team is None:
        return False
    return team.pk in _team_ids(actor.person)


def check_may_plan_maintenance(*, actor: Actor, team: Team | None, action: str) -> None:
    """Raises Refused, saying why, unless `actor` may set or end a window covering `team`."""
    if may_plan_maintenance(actor=actor, team=team):
        return
    if actor.person is None:
        why = "your login is not linked to anyone on the roster (a lead or staff can)"
    elif team is None:
        why = "a window matching events of every team is for a lead or staff"
    else:
        why = f"you are not a member of team {team.slug} (a lead or a member of it can)"
    raise Refused(why, action=action)


def pageable_team(*, source: Source, slug: str) -> Team:
    """The team `slug`, when `source` may page it; else MayNotPage (whether or not it exists)."""
    team = Team.objects.filter(Q(pk=source.team_id) | Q(paged_by_sources=source), slug=slug).first()
    if team is None:
        raise MayNotPage(slug=slug)
    return team


def pageable_teams(*, actor: Actor) -> QuerySet[Team]:
    """The teams `actor` (a person, by hand) may page: those whose events they may act on, a
    responder's own, every team for a lead or staff; none for a login with no person."""
    if actor.acts_on_every_team:
        return Team.objects.order_by("slug")
    if actor.person is None:
        return Team.objects.none()
    return Team.objects.filter(members=actor.person).order_by("slug")


def team_pageable_by(*, actor: Actor, slug: str) -> Team:
    """The team `slug`, when `actor` may page it; else PersonMayNotPage, whether or not it
    exists."""
    team = pageable_teams(actor=actor).filter(slug=slug).first()
    if team is None:
        raise PersonMayNotPage(slug=slug)
    return team
