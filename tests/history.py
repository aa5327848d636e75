"""A few weeks of made-up history, built relative to now, for the reports' tests and
screenshots: two teams, people in three zones, dispatches from MISO, PJM and ERCOT at every
hour, most acknowledged within minutes, some late, some never, each with the pages it caused.

Written straight to the tables (the ingest and escalation paths are tested elsewhere): what a
report reads is what they leave behind."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from edrops import services
from edrops.models import Event, Integration, Source
from notifications.models import Notification
from rosters.models import Person, Team

MARKETS = [("MISO", "LMR"), ("MISO", "EDR"), ("PJM", "LM"), ("ERCOT", "ERS-10")]
PEOPLE = [
    ("alice", "Alice Ng", "America/Chicago"),
    ("bob", "Bob Ruiz", "America/New_York"),
    ("carol", "Carol Diaz", "Europe/Berlin"),
    ("dan", "Dan Park", "America/Chicago"),
]


@dataclass(frozen=True)
class History:
    teams: list[Team]
    sources: list[Source]
    people: list[Person]
    events: list[Event]


def make_history(*, weeks: int = 4, per_day: int = 3, seed: int = 15, now: datetime | None = None):
    """`weeks` of events ending an hour before `now` (default: now)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    people = [
        Person.objects.get_or_create(
            handle=handle, defaults={"name": name, "timezone": tz, "phone": f"+1312555{n:04d}"}
        )[0]
        for n, (handle, name, tz) in enumerate(PEOPLE)
    ]
    grid, markets = (
        Team.objects.get_or_create(slug="grid-ops", defaults={"name": "Grid Operations",
                                                               "timezone": "America/Chicago"})[0],
        Team.objects.get_or_create(slug="markets", defaults={"name": "Market Desk",
                                                              "timezone": "America/New_York"})[0],
    )  # fmt: skip
    grid.members.add(*people[:3])
    markets.members.add(*people[2:])
    sources = [
        services.upsert_source(name="miso-dispatch", team=grid)[0],
        services.upsert_source(name="pjm-dr", team=markets)[0],
    ]
    events, pages = [], []
    start = now - timedelta(weeks=weeks)
    for day in range(weeks * 7):
        for _ in range(per_day):
            at = start + timedelta(days=day, minutes=rng.randrange(24 * 60))
            if at > now - timedelta(hours=1):
                continue
            source = rng.choice(sources)
            market, program = rng.choice(MARKETS)
            event, paged = _event(rng, source=source, market=market, program=program, at=at)
            events.append(event)
            pages += [_page(person, event, at=paged) for person in _on_call(rng, source, people)]
    Event.objects.bulk_create(events)
    Notification.objects.bulk_create(pages)
    return History(teams=[grid, markets], sources=sources, people=people, events=events)


def _event(rng, *, source: Source, market: str, program: str, at: datetime):
    paged = at + timedelta(seconds=rng.uniform(1, 4))
    fate = rng.random()
    event = Event(
        id=uuid.uuid4(),
        source=source,
        team=source.team,
        integration=Integration.NATIVE,
        external_id=f"H-{at:%Y%m%d%H%M%S}-{rng.randrange(10**6)}",
        summary=f"{market} {program} dispatch: curtail {rng.randrange(2, 40)} MW",
        market=market,
        program=program,
        mw=rng.randrange(2, 40),
        respond_by=at + timedelta(minutes=10),
        created_at=at,
        updated_at=at,
        first_paged_at=paged,
        status=Event.Status.RESOLVED,
        closed_at=at + timedelta(hours=2),
        closed_by_name="source:" + source.name,
        closed_via="api",
        test=fate > 0.97,
    )
    if fate < 0.85:  # answered: mostly within minutes, now and then too late
        late = fate > 0.75
        event.acknowledged_at = at + timedelta(seconds=rng.uniform(700, 1500) if late
                                               else rng.uniform(20, 400))  # fmt: skip
        event.acknowledged_by_name = rng.choice(["alice", "bob", "carol", "dan"])
        event.acknowledged_via = rng.choice(["sms", "slack", "voice", "web"])
    return event, paged


def _on_call(rng, source: Source, people: list[Person]) -> list[Person]:
    members = people[:3] if source.team.slug == "grid-ops" else people[2:]
    return [rng.choice(members)]


def _page(person: Person, event: Event, *, at: datetime) -> Notification:
    return Notification(
        person=person,
        channel="sms",
        kind=Notification.Kind.PAGE,
        reference=str(event.id),
        state=Notification.State.DELIVERED,
        created_at=at,
        due_at=at,
        sent_at=at,
        delivered_at=at + timedelta(seconds=3),
        text=event.summary,
    )
