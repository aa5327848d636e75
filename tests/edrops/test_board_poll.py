"""Every open dashboard polls its board every 2 s. A board that would read the same as the one
the browser shows is answered 204 No Content after one query of the view's own; a write to
anything on it, or the clock moving something on it (an age, a countdown, a worker or a feed
going quiet, a maintenance window starting), draws it again."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from edrops import services
from edrops.models import CoverageGap, Event, MaintenanceWindow, ProcessCheckIn
from edrops.services.processes import check_in
from tests.edrops.conftest import MISO
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Session and user (Django's, on every request), then the board's version: one query.
UNCHANGED_POLL_QUERIES = 3


class Board:
    """A browser's board, polling as dashboard.js does: it sends the ETag of the board it
    shows, and keeps that board when the answer is 204."""

    def __init__(self, client):
        self.client = client
        self.tag = None
        self.html = ""

    def poll(self) -> int:
        headers = {"HTTP_HX_REQUEST": "true"}
        if self.tag:
            headers["HTTP_IF_NONE_MATCH"] = self.tag
        response = self.client.get("/", **headers)
        assert response.status_code in (200, 204), response.status_code
        assert response["Cache-Control"] == "no-store"
        assert "HX-Request" in response["Vary"]
        if response.status_code == 200:
            self.tag, self.html = response["ETag"], response.content.decode()
        else:
            assert response.content == b""
        return response.status_code


@pytest.fixture
def frozen():
    """Time stopped a minute past a whole hour (today), moved by hand."""
    start = timezone.now().replace(minute=1, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def opened(client) -> Board:
    """The page loaded (it sets the CSRF cookie the board's forms carry), then its board."""
    assert client.get("/").status_code == 200
    return Board(client)


@pytest.fixture
def board(client, alice) -> Board:
    client.force_login(alice.user)
    return opened(client)


def dispatch(sender, *, received_ago=timedelta(0), respond_in=timedelta(hours=1, seconds=30)):
    """A dispatch from the integration, received `received_ago`, to be answered `respond_in`
    from now."""
    response = sender.post("/api/v1/events", MISO, format="json")
    assert response.status_code == 202, response.content
    now = timezone.now()
    Event.objects.filter(pk=response.json()["id"]).update(
        created_at=now - received_ago, respond_by=now + respond_in
    )
    return Event.objects.get(pk=response.json()["id"])


def test_a_poll_when_nothing_changed_is_answered_204_after_one_query(
    sender, board, frozen, django_assert_max_num_queries
):
    dispatch(sender, received_ago=timedelta(minutes=5))
    assert board.poll() == 200
    assert "5 min ago" in board.html

    for _ in range(3):
        with django_assert_max_num_queries(UNCHANGED_POLL_QUERIES):
            assert board.poll() == 204


def test_the_page_itself_is_drawn_whatever_the_browser_sends(board, frozen):
    assert board.poll() == 200
    page = board.client.get("/", HTTP_IF_NONE_MATCH=board.tag)
    assert page.status_code == 200
    assert "<!doctype html>" in page.content.decode()
    assert "HX-Request" in page["Vary"]


def test_an_acknowledgement_elsewhere_redraws_the_board(sender, board, alice, frozen):
    event = dispatch(sender)
    assert board.poll() == 200
    assert board.poll() == 204

    services.acknowledge(event=event, by=alice, via="sms", at=timezone.now())

    assert board.poll() == 200
    assert "acknowledged by <strong>alice</strong> via sms" in board.html
    assert board.poll() == 204


def test_a_write_that_leaves_updated_at_alone_still_redraws_it(sender, board, frozen):
    """The escalation writes its step with QuerySet.update(): the board must see it anyway."""
    event = dispatch(sender)
    assert board.poll() == 200
    policy = {"steps": [{"wait": 120, "targets": ["rotation:primary"]}] * 3, "repeat": 0}
    Event.objects.filter(pk=event.pk).update(
        policy=policy, step_index=1, paging=["bob"], last_step_at=timezone.now()
    )
    assert board.poll() == 200
    assert "step 1 of 3: paging bob" in board.html


def test_a_new_dispatch_and_a_closed_one_redraw_it(sender, board, alice, frozen):
    assert board.poll() == 200
    event = dispatch(sender)
    assert board.poll() == 200
    assert f'id="event-{event.pk}"' in board.html
    services.resolve(event=event, by=alice, via="web", at=timezone.now())
    assert board.poll() == 200
    assert "Nothing open." in board.html


def test_ages_tick_by_the_second_under_a_minute_then_by_the_minute(sender, board, alice, frozen):
    event = dispatch(sender)
    services.acknowledge(event=event, by=alice, via="sms", at=timezone.now())  # no countdown
    assert board.poll() == 200
    assert "0 s ago" in board.html
    frozen.shift(0.5)
    assert board.poll() == 204
    frozen.shift(0.5)
    assert board.poll() == 200
    assert "1 s ago" in board.html

    frozen.shift(5 * 60 + 9)  # 5 min 10 s
    assert board.poll() == 200
    assert "5 min ago" in board.html
    for _ in range(5):
        frozen.shift(9.9)
        assert board.poll() == 204
    frozen.shift(0.5)  # 6 min
    assert board.poll() == 200
    assert "6 min ago" in board.html


def test_a_countdown_going_under_a_minute_and_past_its_deadline_redraws(sender, board, frozen):
    dispatch(sender, received_ago=timedelta(hours=3), respond_in=timedelta(seconds=90))
    assert board.poll() == 200
    assert "respond within 1 min" in board.html
    frozen.shift(29)
    assert board.poll() == 204
    frozen.shift(1.5)
    assert board.poll() == 200
    assert "respond within 59 s" in board.html
    frozen.shift(59.5)
    assert board.poll() == 200
    assert "<strong>missed</strong> respond-by 0 s ago" in board.html


def test_a_worker_that_stops_checking_in_redraws_it_but_check_ins_alone_do_not(board, frozen):
    for role in (ProcessCheckIn.Role.WORKER, ProcessCheckIn.Role.CLOCK):
        check_in(role=role, now=timezone.now(), name=f"{role}-1")
    assert board.poll() == 200
    assert "cannot page" not in board.html

    for _ in range(3):  # both alive: they check in every few seconds, the board is the same
        frozen.shift(5)
        for role in (ProcessCheckIn.Role.WORKER, ProcessCheckIn.Role.CLOCK):
            check_in(role=role, now=timezone.now(), name=f"{role}-1")
        assert board.poll() == 204

    frozen.shift(settings.LIVENESS_TIMEOUT - 1)  # the clock goes on; the worker has died
    check_in(role=ProcessCheckIn.Role.CLOCK, now=timezone.now(), name="clock-1")
    assert board.poll() == 204
    frozen.shift(1.5)
    check_in(role=ProcessCheckIn.Role.CLOCK, now=timezone.now(), name="clock-1")
    assert board.poll() == 200
    assert "edrops cannot page right now" in board.html
    assert "worker last seen 0" in board.html


def test_a_feed_going_late_then_silent_redraws_it(source, board, frozen):
    now = timezone.now()
    source.heartbeat_interval = timedelta(minutes=5)
    source.heartbeat_grace = timedelta(minutes=1)
    source.last_heartbeat_at = now
    source.heartbeat_due_at = now + timedelta(minutes=5)
    source.save()
    assert board.poll() == 200
    assert '<span class="hb ok">' in board.html
    frozen.shift(59)
    assert board.poll() == 204
    frozen.shift(1)
    assert board.poll() == 200  # last heard 1 minute ago
    frozen.shift(3 * 60)  # 4 min: its deadline less its grace
    assert board.poll() == 200
    assert '<span class="hb late">' in board.html
    frozen.shift(30)
    assert board.poll() == 204
    frozen.shift(30)  # its deadline
    assert board.poll() == 200
    assert "miso-dispatch is silent" in board.html


def test_a_maintenance_window_starting_and_ending_redraws_it(team, board, frozen):
    now = timezone.now()
    MaintenanceWindow.objects.create(
        name="EMS upgrade",
        team=team,
        mode="silent",
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
    )
    assert board.poll() == 200
    assert "upcoming" in board.html
    frozen.shift(9 * 60 + 59)
    assert board.poll() == 204
    frozen.shift(1)
    assert board.poll() == 200
    assert "ON NOW" in board.html
    frozen.shift(50 * 60 - 1)
    assert board.poll() == 204
    frozen.shift(1)
    assert board.poll() == 200
    assert "EMS upgrade" not in board.html


def test_a_coverage_gap_banner_goes_when_the_gap_ends(team, board, frozen):
    now = timezone.now()
    CoverageGap.objects.create(
        team=team,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(minutes=30),
        why="nobody_on_call",
        detail="primary: nobody",
        found_at=now,
    )
    assert board.poll() == 200
    assert "Coverage gap in grid-ops" in board.html
    frozen.shift(30 * 60 - 1)
    assert board.poll() == 204
    frozen.shift(1)
    assert board.poll() == 200
    assert "Coverage gap" not in board.html


def test_a_board_is_its_viewers_own(sender, board, alice, client, django_user_model, frozen):
    event = dispatch(sender)
    assert board.poll() == 200
    alices = board.tag

    # She moves to Tokyo: every time on her board moves with her.
    alice.timezone = "Asia/Tokyo"
    alice.save()
    assert board.poll() == 200
    assert "Asia/Tokyo</span>" in board.html

    # Bob's browser, sending Alice's tag, gets his own board: not on grid-ops, no buttons.
    user = django_user_model.objects.create_user("bob", password="pw-bob-1")
    bob = PersonFactory(handle="bob", user=user)
    client.force_login(user)
    bobs = opened(client)
    bobs.tag = alices
    assert bobs.poll() == 200
    assert "grid-ops's to answer" in bobs.html
    assert bobs.poll() == 204

    # Paged for it, he may answer it: his board says so.
    event.paged_people.add(bob)
    assert bobs.poll() == 200
    assert f"Acknowledge {event.external_id}" in bobs.html


def test_the_zone_a_browser_reports_redraws_the_board(sender, client, django_user_model, frozen):
    """A login with no Person of its own sees times in its browser's zone (a cookie)."""
    client.force_login(django_user_model.objects.create_user("night", password="pw-night-1"))
    night = opened(client)
    dispatch(sender)
    assert night.poll() == 200
    assert "UTC</span>" in night.html
    client.cookies["tz"] = "Asia/Tokyo"
    assert night.poll() == 200
    assert "Asia/Tokyo</span>" in night.html
    assert night.poll() == 204


def test_a_message_for_the_viewer_is_shown_on_the_next_poll(sender, board, alice, frozen):
    event = dispatch(sender)
    assert board.poll() == 200
    # Acknowledged on its own page: the answer there is a redirect, the message is for later.
    board.client.post(f"/events/{event.pk}/acknowledge")
    assert board.poll() == 200
    assert '<ul class="messages"' in board.html


def test_with_a_desk_per_team_another_teams_events_leave_a_board_as_it_is(
    sender, alice, client, django_user_model, settings, frozen, django_assert_max_num_queries
):
    """EDROPS_READ_ALL_TEAMS off: each login reads its own teams' events, and only those
    redraw its board. The viewer's Person is read first: one query more."""
    settings.EDROPS_READ_ALL_TEAMS = False
    user = django_user_model.objects.create_user("mia", password="pw-mia-1")
    PersonFactory(handle="mia", user=user)
    client.force_login(user)
    mias = opened(client)
    event = dispatch(sender)  # grid-ops': not Mia's to read
    assert mias.poll() == 200  # the feed's "last heard" moved (an event counts as life)
    assert "Nothing open." in mias.html

    services.acknowledge(event=event, by=alice, via="sms", at=timezone.now())
    with django_assert_max_num_queries(UNCHANGED_POLL_QUERIES + 1):
        assert mias.poll() == 204

    client.force_login(alice.user)
    alices = opened(client)
    assert alices.poll() == 200
    assert "acknowledged by <strong>alice</strong>" in alices.html
