"""Pages by hand: a dispatch that arrived by phone or an ISO portal, paged from the dashboard
("Page a team", "Page a person") or `POST /api/v1/pages`. It becomes an event like any other, of
the built-in source `manual` (integration `manual`, external id `manual-<uuid>`), so it
escalates, is acknowledged, reported and exported as any event; `created_by` says who sent it.

A team page escalates by the team's policy. A person page pages that person alone, by their
contact rules (`Event.assigned_to`, escalation.policy_for), and belongs to the team named with
it, else to their first team (by slug)."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from edrops import permissions
from edrops.models import Event, Integration, Source
from edrops.models.sources import MANUAL_SOURCE
from edrops.services.acknowledgement import who
from edrops.services.ingest import EventInput, ingest
from rosters.models import Person, Team

# Not hexadecimal, so never the SHA-256 digest of a token (see selectors.source_for_token).
NO_TOKEN = "manual: pages by hand, never a token"  # noqa: S105 -- not a secret: no token
# What a page by hand may say; the rest of an event's fields are a sender's.
FACTS = ("summary", "market", "program", "mw", "location", "starts_at", "respond_by", "test")


class BadPage(ValueError):
    """A page that names someone or something it can't: `errors` by field, as a 400 says."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"bad page: {errors}")
        self.errors = errors


def manual_source(*, team: Team) -> Source:
    """The built-in source of pages by hand, made the first time one is sent (a source needs a
    team: the first page's; its events go to the team each page names, never to it)."""
    source = Source.objects.filter(name=MANUAL_SOURCE).first()
    if source is not None:
        return source
    try:
        with transaction.atomic():
            return Source.objects.create(
                name=MANUAL_SOURCE,
                team=team,
                token_hash=NO_TOKEN,
                rate_limit=0,
                events_count_as_life=False,
            )
    except IntegrityError:  # another page made it a moment ago
        return Source.objects.get(name=MANUAL_SOURCE)


def page_by_hand(
    *,
    actor: permissions.Actor,
    team: str | None,
    person: str | None,
    facts: Mapping[str, Any],
    body: dict[str, Any],
    now: datetime,
) -> Event:
    """Page `team` (a slug) by its policy, or `person` (a handle) alone, about `facts` (FACTS:
    the summary, market, MW, start, respond-by...). `body` is kept as the event's revision.

    BadPage for an unknown person, or one on no team with no `team` given; PersonMayNotPage
    for a team the actor may not page (or that doesn't exist); Unstorable for values the
    event's columns can't hold. Nothing is written then."""
    paged = None
    if person is not None:
        paged = Person.objects.filter(handle=person).first()
        if paged is None:
            raise BadPage({"person": [f"Nobody has the handle {person!r}."]})
        if team is None:
            first = paged.teams.order_by("slug").first()
            if first is None:
                raise BadPage(
                    {"team": [f"{paged.handle} is on no team: name the team this page is for."]}
                )
            team = first.slug
    if team is None:
        raise BadPage({"team": ["Name a team or a person to page."]})
    routed = permissions.team_pageable_by(actor=actor, slug=team)
    data = EventInput(
        external_id=f"manual-{uuid.uuid4()}",
        integration=Integration.MANUAL,
        body=body,
        team=routed,
        created_by=actor.person,
        created_by_name=who(by=actor.person, user=actor.user),
        assigned_to=paged,
        **{name: facts[name] for name in FACTS if name in facts},
    )
    with transaction.atomic():
        return ingest(source=manual_source(team=routed), data=data, now=now).event
