"""The schedule as responders and ops leads use it: the gaps API, the /schedule page (lanes,
overrides, gaps; hostile input), taking a shift and swapping one (the lead is told), handoff
reminders, and durations in the admin written as the roster file writes them. Rosters are built
relative to now."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from edrops.clock import tick
from edrops.services.handoffs import reminder_due
from notifications.models import Notification
from rosters.models import Override, Role, SwapRequest
from tests.factories import PersonFactory, TeamFactory, person_token
from tests.fakes.queue import run_queued_tasks
from tests.rosters.factories import EscalationPolicyFactory, EscalationStepFactory, rotation

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def wall(delta: timedelta) -> str:
    return (timezone.now() + delta).astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")


def login(person):
    person.user = get_user_model().objects.create_user(person.handle, password="pw")
    person.save()
    return person.user


@pytest.fixture
def grid_ops():
    """primary: alice and bob, daily, from yesterday; backup: nobody, but carol by an override
    for the next 12 hours. Lee leads the team."""
    alice, bob, carol = (PersonFactory(handle=h) for h in ("alice", "bob", "carol"))
    lee = PersonFactory(handle="lee", role=Role.LEAD, slack_user_id="U0LEE")
    team = TeamFactory(slug="grid-ops", members=[alice, bob, carol, lee])
    primary = rotation(team=team, people=[alice, bob], start=wall(-timedelta(days=1)),
                       shift=timedelta(days=1))  # fmt: skip
    backup = rotation(team=team, name="backup", people=[], start=wall(-timedelta(days=1)),
                      shift=timedelta(weeks=1))  # fmt: skip
    # From a minute ago: a request made in the same second must not find the instant before it.
    Override.objects.create(rotation=backup, person=carol,
                            starts_at=timezone.now() - timedelta(minutes=1),
                            ends_at=timezone.now() + timedelta(hours=12))  # fmt: skip
    return team, primary, backup


# --- The gaps API ----------------------------------------------------------------------------


def test_the_gaps_api_answers_when_the_policy_reaches_nobody(grid_ops):
    team, primary, _ = grid_ops
    policy = EscalationPolicyFactory(team=team)
    EscalationStepFactory(policy=policy, targets=["rotation:backup"])
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {person_token(login(primary.members.first().person))}"
    )

    answer = client.get("/api/v1/teams/grid-ops/gaps?days=2")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {"team", "from", "to", "gaps"}
    assert body["team"] == "grid-ops"
    [gap] = body["gaps"]
    assert set(gap) == {"from", "to", "why", "detail"}
    assert gap["why"] == "nobody_on_call"
    assert gap["to"] == body["to"]
    assert gap["detail"] == "rotation backup has nobody"
    assert body["from"].endswith(("-06:00", "-05:00"))  # the team's zone


@pytest.mark.parametrize("days", ["0", "61", "x", "-1", "1e3", "9" * 40])
def test_the_gaps_api_refuses_bad_days_with_a_clear_400(grid_ops, days):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("reader"))
    answer = client.get(f"/api/v1/teams/grid-ops/gaps?days={days}")
    assert answer.status_code == 400
    assert "1 to 60" in answer.json()["errors"]["days"][0]


def test_the_gaps_api_wants_a_person_and_a_known_team(grid_ops):
    assert APIClient().get("/api/v1/teams/grid-ops/gaps").status_code == 401
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("reader"))
    assert client.get("/api/v1/teams/nope/gaps").status_code == 404


# --- The page --------------------------------------------------------------------------------


def test_the_schedule_page_draws_a_lane_per_rotation_the_paged_lane_and_the_override(
    grid_ops, client
):
    team, _, _ = grid_ops
    client.force_login(login(team.members.get(handle="alice")))

    page = client.get("/schedule?team=grid-ops&weeks=1").content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in page
    assert 'data-lane="primary"' in page
    assert 'data-lane="backup"' in page
    assert 'data-lane="who is paged"' in page
    assert "carol (override)" in page
    assert 'class="now"' in page
    assert "Take this shift" in page  # bob's and carol's shifts
    assert "Ask for a swap" in page  # her own


@pytest.mark.parametrize("query", ["weeks=0", "weeks=9", "weeks=abc", "weeks=" + "9" * 30])
def test_bad_weeks_are_a_400_and_an_unknown_team_a_404(grid_ops, client, query):
    client.force_login(get_user_model().objects.create_user("reader"))
    assert client.get(f"/schedule?{query}").status_code == 400
    assert client.get("/schedule?team=nope").status_code == 404
    assert client.get("/schedule").status_code == 200


def test_the_schedule_page_wants_a_login(client):
    assert client.get("/schedule").status_code == 302


# --- Taking and swapping shifts -------------------------------------------------------------


def test_alice_takes_bobs_shift_and_the_lead_is_told(grid_ops, client):
    team, primary, _ = grid_ops
    alice = team.members.get(handle="alice")
    client.force_login(login(alice))
    starts = timezone.now() + timedelta(days=1)
    ends = starts + timedelta(days=1)

    answer = client.post("/schedule/take", {
        "rotation": primary.pk, "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
        "team": "grid-ops", "weeks": "1",
    }, follow=True)  # fmt: skip

    assert "its leads were told" in answer.content.decode()
    override = Override.objects.get(rotation=primary)
    assert (override.person, override.starts_at, override.ends_at) == (alice, starts, ends)
    told = Notification.objects.get(person__handle="lee")
    assert told.channel == "slack"
    assert "alice took the shift on grid-ops/primary" in told.content["text"]
    assert Notification.objects.filter(slack_channel=team.slack_channel).exists()


def test_bob_asks_for_a_swap_carol_accepts_and_the_override_is_hers(grid_ops, client):
    team, primary, _ = grid_ops
    bob, carol = team.members.get(handle="bob"), team.members.get(handle="carol")
    starts = timezone.now() + timedelta(days=2)
    client.force_login(login(bob))
    span = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(days=1)).isoformat()}
    client.post("/schedule/swap", {"rotation": primary.pk, **span})
    swap = SwapRequest.objects.get()
    assert client.post(f"/schedule/swaps/{swap.pk}/accept").status_code == 302
    assert not Override.objects.filter(rotation=primary).exists()  # not his own

    client.force_login(login(carol))
    assert "Accept the swap" in client.get("/schedule").content.decode()
    client.post(f"/schedule/swaps/{swap.pk}/accept")

    override = Override.objects.get(rotation=primary)
    assert override.person == carol
    told = Notification.objects.get(person__handle="lee")
    assert "carol swapped with bob and took the shift" in told.content["text"]
    # Once: a second acceptance changes nothing.
    client.post(f"/schedule/swaps/{swap.pk}/accept")
    assert Override.objects.filter(rotation=primary).count() == 1


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"rotation": "x"},
        {"rotation": "99999999999999999999", "starts_at": "2026-01-01T00:00Z"},
        {"starts_at": "yesterday", "ends_at": "\x00"},
        {"starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2020-01-02T00:00:00+00:00"},
        {"starts_at": "2099-01-01T00:00:00+00:00", "ends_at": "2099-01-02T00:00:00+00:00"},
        {"starts_at": "2099-01-02T00:00:00+00:00", "ends_at": "2099-01-01T00:00:00+00:00"},
        {"starts_at": "2026-01-01T00:00:00", "ends_at": "2026-01-02T00:00:00"},
    ],
)
def test_a_bad_take_is_refused_with_a_message_and_changes_nothing(grid_ops, client, form):
    team, primary, _ = grid_ops
    client.force_login(login(team.members.get(handle="alice")))
    answer = client.post("/schedule/take", {"rotation": primary.pk, **form}, follow=True)
    assert answer.status_code == 200
    assert 'class="error"' in answer.content.decode()
    assert not Override.objects.filter(rotation=primary).exists()


def test_someone_off_the_team_cannot_take_its_shifts(grid_ops, client):
    _, primary, _ = grid_ops
    client.force_login(login(PersonFactory(handle="outsider")))
    starts = timezone.now() + timedelta(days=1)
    span = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
    client.post("/schedule/take", {"rotation": primary.pk, **span})
    assert not Override.objects.filter(rotation=primary).exists()


# --- Handoff reminders -----------------------------------------------------------------------


def test_the_reminder_comes_12_hours_ahead_or_when_work_starts_that_day():
    day = PersonFactory(handle="day", timezone="America/Chicago")
    starts = timezone.datetime(2026, 12, 7, 15, 0, tzinfo=CHICAGO)  # Mon 15:00
    assert reminder_due(person=day, starts_at=starts) == starts - timedelta(hours=12)
    day.work_starts, day.work_ends = time(8), time(17)
    assert reminder_due(person=day, starts_at=starts) == starts.replace(hour=8)  # not 03:00
    evening = starts.replace(hour=23)  # 12 h before is 11:00, at work already
    assert reminder_due(person=day, starts_at=evening) == evening - timedelta(hours=12)


def test_bob_is_told_of_his_next_shift_once_12_hours_before_it(grid_ops):
    team, primary, _ = grid_ops
    bob = team.members.get(handle="bob")
    start = timezone.now().replace(microsecond=0)
    # Bob has today's shift (alice had yesterday's): his next starts two handoffs on.
    next_handoff = primary.first_handoff_local.replace(tzinfo=CHICAGO) + timedelta(days=3)

    def reminders():
        return Notification.objects.filter(person=bob, content__text__startswith="You're on call")

    with time_machine.travel(start, tick=False) as traveller:
        # The clock, an hour at a time (the coverage check plans; each tick sends what is due).
        while timezone.now() < next_handoff - timedelta(hours=12, minutes=5):
            tick(timezone.now())
            run_queued_tasks()
            traveller.shift(timedelta(hours=1))
        assert not reminders().exists()
        traveller.move_to(next_handoff - timedelta(hours=12))
        tick(timezone.now())
        run_queued_tasks()
        [sent] = reminders()
        traveller.shift(timedelta(hours=3))
        tick(timezone.now())
        run_queued_tasks()
    assert reminders().count() == 1
    assert sent.channel == "sms"  # his first contact method
    local = next_handoff.astimezone(CHICAGO)
    ends = local + timedelta(days=1)  # the next handoff, on the wall clock
    zone = f" {ends:%Z}" if ends.tzname() != local.tzname() else ""  # across a DST change
    assert sent.content["text"] == (
        f"You're on call for grid-ops from {local:%a %H:%M %Z} to {ends:%a %H:%M}{zone}, "
        "rotation primary."
    )


@pytest.mark.parametrize("swap_id", ["0", "99999999999999999999"])
def test_accepting_a_swap_that_does_not_exist_says_so(grid_ops, client, swap_id):
    team, _, _ = grid_ops
    client.force_login(login(team.members.get(handle="carol")))
    answer = client.post(f"/schedule/swaps/{swap_id}/accept", follow=True)
    assert answer.status_code == 200
    assert "No such swap, or it was already taken." in answer.content.decode()


def test_a_team_slug_with_a_nul_is_a_404_not_a_500(grid_ops, client):
    client.force_login(get_user_model().objects.create_user("reader"))
    assert client.get("/schedule?team=grid%00ops").status_code == 404
