"""A redrawn board draws anew only the rows that read differently; the others are kept from
before (edrops/dashboard/fragments.py). A kept row is never stale (its state, who
acknowledged it, its age and its countdown are as they are now) and never another viewer's
(their zone, their buttons, their CSRF token)."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from edrops import services
from edrops.dashboard import fragments, selectors
from edrops.dashboard import rows as board_rows
from edrops.models import Event
from edrops.permissions import Actor
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

OPEN_ROW = "dashboard/_open_row.html"


@pytest.fixture(autouse=True)
def nothing_kept():
    caches[fragments.CACHE].clear()


@pytest.fixture
def frozen():
    start = timezone.now().replace(minute=1, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def open_event(source, n: int, *, received_ago: timedelta, respond_in: timedelta) -> Event:
    now = timezone.now()
    return Event.objects.create(
        source=source,
        team=source.team,
        external_id=f"miso-{n}",
        summary=f"Curtail 12.5 MW in LRZ 4 ({n})",
        market="MISO",
        program="LMR",
        mw=12.5,
        location="LRZ 4",
        created_at=now - received_ago,
        updated_at=now,
        respond_by=now + respond_in,
        status=Event.Status.TRIGGERED,
    )


def redraw(client) -> tuple[str, int]:
    """The board as a poll without an ETag gets it (always drawn), and how many of its open
    rows were drawn anew rather than kept."""
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    drawn = sum(template.name == OPEN_ROW for template in response.templates)
    return response.content.decode(), drawn


def row(html: str, event: Event) -> str:
    """The event's row on the board, its CSRF token (masked anew for each answer) left out."""
    start = html.index(f'<li id="event-{event.pk}"')
    shown = html[start : html.index("</li>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", shown)


@pytest.fixture
def three(source):
    """Three triggered events, received 20, 10 and 5 minutes ago, to be answered within
    30 min 30 s: their countdowns tick over half a minute after their ages."""
    due = timedelta(minutes=30, seconds=30)
    return [
        open_event(source, n, received_ago=timedelta(minutes=ago), respond_in=due)
        for n, ago in ((1, 20), (2, 10), (3, 5))
    ]


def test_a_redraw_draws_only_the_row_that_changed(client, alice, frozen, three):
    client.force_login(alice.user)
    first, second, third = three
    html, drawn = redraw(client)
    assert drawn == 3
    again, drawn = redraw(client)  # nothing changed: every row kept
    assert drawn == 0
    assert [row(again, event) for event in three] == [row(html, event) for event in three]

    services.acknowledge(event=second, by=alice, via="sms", at=timezone.now())
    after, drawn = redraw(client)
    assert drawn == 1
    assert "acknowledged by <strong>alice</strong> via sms" in row(after, second)
    assert f"Acknowledge {second.external_id}" not in row(after, second)
    assert row(after, first) == row(html, first)
    assert row(after, third) == row(html, third)


def test_a_kept_row_is_redrawn_whenever_what_it_shows_changes(client, alice, frozen, three):
    """One thing at a time: a countdown, an age, who acknowledged, the state."""
    client.force_login(alice.user)
    first, second, third = three
    services.acknowledge(event=first, by=alice, via="sms", at=timezone.now())
    html, _ = redraw(client)
    assert ">5 min ago</time>" in row(html, third)
    assert "respond within 30 min" in row(html, third)

    frozen.shift(31)  # the countdowns tick over, not the ages
    html, drawn = redraw(client)
    assert drawn == 2
    assert "respond within 29 min" in row(html, third)
    assert ">5 min ago</time>" in row(html, third)

    frozen.shift(29)  # the ages tick over, not the countdowns
    html, drawn = redraw(client)
    assert drawn == 3
    assert ">21 min ago</time>" in row(html, first)  # acknowledged: an age, no countdown
    assert ">6 min ago</time>" in row(html, third)

    # Writes the services never make, straight to the row: one column at a time.
    Event.objects.filter(pk=first.pk).update(acknowledged_by_name="bob")
    html, drawn = redraw(client)
    assert drawn == 1
    assert "acknowledged by <strong>bob</strong> via sms" in row(html, first)
    Event.objects.filter(pk=second.pk).update(location="LRZ 8")
    html, drawn = redraw(client)
    assert drawn == 1
    assert "<span>LRZ 8</span>" in row(html, second)
    Event.objects.filter(pk=first.pk).update(status=Event.Status.TRIGGERED)
    html, drawn = redraw(client)
    assert drawn == 1
    assert f"Acknowledge {first.external_id}" in row(html, first)

    frozen.shift(30 * 60)  # past their respond-by: missed
    html, _ = redraw(client)
    assert f'<li id="event-{third.pk}" class="event triggered missed"' in html
    assert "<strong>missed</strong> respond-by 30 s ago" in row(html, third)


def browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/").status_code == 200  # the page: it sets the CSRF cookie
    return client


def test_viewers_with_another_zone_or_other_rights_get_their_own_rows(
    alice, team, frozen, three, django_user_model
):
    """Alice (Chicago, on the team) draws the board first. Bob is on the team too, but reads
    in Tokyo: his rows have his times. Dave reads in Chicago, but is on no team: his rows have
    no buttons. And Alice's, drawn again after theirs, are hers."""

    def person(handle: str, zone: str):
        user = django_user_model.objects.create_user(handle, password=f"pw-{handle}-1")
        return PersonFactory(handle=handle, timezone=zone, user=user)

    bob, dave = person("bob", "Asia/Tokyo"), person("dave", "America/Chicago")
    team.members.add(bob)
    alices, bobs, daves = browser(alice.user), browser(bob.user), browser(dave.user)
    caches[fragments.CACHE].clear()  # as if the pages had been drawn long ago
    first = three[0]

    hers, drawn = redraw(alices)
    assert drawn == 3
    assert f"Acknowledge {first.external_id}" in row(hers, first)
    assert re.search("C[SD]T", row(hers, first))

    his, drawn = redraw(bobs)
    assert drawn == 3
    assert "JST" in row(his, first)
    assert not re.search("C[SD]T", his)
    assert f"Acknowledge {first.external_id}" in row(his, first)

    daves_board, drawn = redraw(daves)
    assert drawn == 3
    assert re.search("C[SD]T", row(daves_board, first))
    assert "Acknowledge" not in daves_board
    assert "grid-ops's to answer" in row(daves_board, first)

    again, drawn = redraw(alices)
    assert drawn == 0
    assert row(again, first) == row(hers, first)


def token_of(html: str) -> str:
    """The CSRF token the board's row forms carry (one for them all)."""
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def test_rows_kept_for_one_viewer_carry_the_next_viewers_own_csrf_token(
    alice, team, frozen, three, django_user_model
):
    """Carol reads the board as Alice does (same zone, same team): she gets the rows drawn
    for Alice, with her own CSRF token in their forms, never Alice's."""
    carol = PersonFactory(
        handle="carol", user=django_user_model.objects.create_user("carol", password="pw-c-1")
    )
    team.members.add(carol)
    alices, carols = browser(alice.user), browser(carol.user)
    caches[fragments.CACHE].clear()
    hers, drawn = redraw(alices)
    assert drawn == 3
    theirs, drawn = redraw(carols)
    assert drawn == 0
    first = three[0]

    alices_token, carols_token = token_of(hers), token_of(theirs)
    refused = carols.post(f"/events/{first.pk}/acknowledge", {"csrfmiddlewaretoken": alices_token})
    assert refused.status_code == 403
    assert Event.objects.get(pk=first.pk).status == Event.Status.TRIGGERED
    done = carols.post(f"/events/{first.pk}/acknowledge", {"csrfmiddlewaretoken": carols_token})
    assert done.status_code == 302
    assert Event.objects.get(pk=first.pk).acknowledged_by_name == "carol"


def test_a_row_is_drawn_from_its_value_alone(alice, frozen, three):
    """Whatever zone is active while rows are drawn (the board draws them inside its
    `{% timezone %}`), a row reads the same: the viewer's times come in the row, and so are
    in its key."""
    now = timezone.now()
    rows = board_rows.open_rows(
        events=selectors.board(actor=Actor.of_person(alice)).open,
        now=now,
        zone=ZoneInfo("America/Chicago"),
        actionable=set(),
    )

    def drawn_in(zone: str) -> str:
        caches[fragments.CACHE].clear()
        with timezone.override(ZoneInfo(zone)):
            return fragments.drawn(rows=rows, template_name=OPEN_ROW, csrf_input="")

    assert drawn_in("Asia/Kolkata") == drawn_in("UTC")
    assert re.search("C[SD]T", drawn_in("UTC"))
