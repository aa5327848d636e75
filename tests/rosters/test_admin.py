"""The admin as an ops lead uses it: who is on call now, a team's next two weeks, overrides
typed in the rotation's own time, steps checked against the team."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rosters.models import EscalationStep, Override, Team
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import EscalationPolicyFactory, EscalationStepFactory, rotation

pytestmark = pytest.mark.django_db

WEEK = timedelta(weeks=1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Fri 06:00 CST


@pytest.fixture
def ops_lead(client):
    client.force_login(get_user_model().objects.create_superuser("lead", "lead@example.com", None))
    return client


@pytest.fixture
def grid_ops():
    alice, bob = PersonFactory(handle="alice", name="Alice Ng"), PersonFactory(handle="bob")
    team = TeamFactory(slug="grid-ops", members=[alice, bob])
    primary = rotation(team=team, people=[alice, bob], start="2026-11-02T09:00", shift=WEEK)
    rotation(team=team, name="weekend", people=[], start="2026-11-02T09:00", shift=WEEK)
    return team, primary


@time_machine.travel(NOW, tick=False)
def test_the_team_list_says_who_is_on_call_now_and_until_when_in_local_time(ops_lead, grid_ops):
    page = ops_lead.get("/admin/rosters/team/").content.decode()
    assert "On call now (until …, local time)" in page
    assert "primary: alice until Mon 23 Nov 09:00 CST" in page
    assert "weekend: nobody" in page


def test_the_team_list_costs_the_same_queries_for_30_teams_as_for_3(ops_lead, grid_ops):
    def queries() -> int:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as seen:
            assert ops_lead.get("/admin/rosters/team/").status_code == 200
        return len(seen)

    few = queries()
    people = [PersonFactory() for _ in range(3)]
    for i in range(30):
        rotation(
            team=TeamFactory(slug=f"t{i}"), people=people, start="2026-11-02T09:00", shift=WEEK
        )
    assert queries() == few


@time_machine.travel(NOW, tick=False)
def test_a_team_page_shows_the_next_two_weeks_of_shifts_in_the_teams_time(ops_lead, grid_ops):
    team, _ = grid_ops
    change = ops_lead.get(f"/admin/rosters/team/{team.pk}/change/").content.decode()
    assert f"/admin/rosters/team/{team.pk}/schedule/" in change
    page = ops_lead.get(f"/admin/rosters/team/{team.pk}/schedule/").content.decode()
    assert "Times in America/Chicago" in page
    # From today 00:00 CST: alice until Monday 09:00, then bob for a week, then alice.
    assert "Fri 20 Nov 00:00 CST" in page
    assert page.index("Alice Ng (alice)") < page.index("Bob (bob)")
    assert "Mon 23 Nov 09:00 CST" in page
    assert "Mon 30 Nov 09:00 CST" in page
    assert "nobody on call" in page  # the empty weekend rotation


def test_overrides_are_typed_and_shown_in_the_rotations_time_zone(ops_lead, grid_ops):
    _, primary = grid_ops
    url = f"/admin/rosters/rotation/{primary.pk}/change/"
    bob = primary.members.get(position=1).person
    form = {
        "team": primary.team_id,
        "name": "primary",
        "timezone": "America/Chicago",
        "start_date": "2026-11-02",
        "start_time": "09:00",
        "shift": "7 00:00:00",
        "members-TOTAL_FORMS": 0,
        "members-INITIAL_FORMS": 0,
        "overrides-TOTAL_FORMS": 1,
        "overrides-INITIAL_FORMS": 0,
        "overrides-0-person": bob.pk,
        "overrides-0-starts_at_0": "2026-11-26",
        "overrides-0-starts_at_1": "09:00",
        "overrides-0-ends_at_0": "2026-11-27",
        "overrides-0-ends_at_1": "09:00",
    }
    with time_machine.travel(NOW, tick=False):
        saved = ops_lead.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    thanksgiving = Override.objects.get()
    assert thanksgiving.starts_at == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 09:00 CST
    with time_machine.travel(NOW, tick=False):
        page = ops_lead.get(url).content.decode()
    assert re.search(r'name="overrides-0-starts_at_0" value="2026-11-26"', page)
    assert re.search(r'name="overrides-0-starts_at_1" value="09:00:00"', page)
    assert re.search(r'name="overrides-0-ends_at_1" value="09:00:00"', page)


def test_a_rotation_with_an_unknown_time_zone_is_refused_with_a_clear_message(ops_lead, grid_ops):
    team, _ = grid_ops
    answer = ops_lead.post(
        "/admin/rosters/rotation/add/",
        {
            "team": team.pk,
            "name": "night",
            "timezone": "America/Chicag",
            "start_date": "2026-11-02",
            "start_time": "09:00",
            "shift": "12:00:00",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "overrides-TOTAL_FORMS": 0,
            "overrides-INITIAL_FORMS": 0,
        },
    )
    assert "America/Chicag is not an IANA time zone" in answer.content.decode()


def step_form(policy, targets: str) -> dict:
    return {
        "team": policy.team_id,
        "ack_sla": "00:10:00",
        "repeat": 0,
        "steps-TOTAL_FORMS": 1,
        "steps-INITIAL_FORMS": 0,
        "steps-0-position": 0,
        "steps-0-targets": targets,
        "steps-0-wait": "00:02:00",
    }


def test_steps_are_typed_as_in_the_roster_file_and_checked_against_the_team(ops_lead, grid_ops):
    team, _ = grid_ops
    other = TeamFactory(slug="market-ops")
    rotation(team=other, name="follow-the-sun", people=[], start="2026-11-02T09:00", shift=WEEK)
    policy = EscalationPolicyFactory(team=team)
    url = f"/admin/rosters/escalationpolicy/{policy.pk}/change/"

    refused = ops_lead.post(url, step_form(policy, "rotation:follow-the-sun, person:alice"))
    assert "team grid-ops has no rotation follow-the-sun (it has: primary, weekend)" in (
        refused.content.decode()
    )
    assert not EscalationStep.objects.exists()

    saved = ops_lead.post(url, step_form(policy, "rotation:primary, person:alice"), follow=True)
    assert EscalationStep.objects.get().targets == ["rotation:primary", "person:alice"]
    assert "can reach anyone" not in saved.content.decode()


def test_saving_a_policy_that_reaches_nobody_in_time_warns(ops_lead, grid_ops):
    team, _ = grid_ops
    policy = EscalationPolicyFactory(team=team)
    saved = ops_lead.post(
        f"/admin/rosters/escalationpolicy/{policy.pk}/change/",
        step_form(policy, "rotation:weekend"),
        follow=True,
    )
    assert "no step that starts within the ack_sla of 10m can reach anyone" in (
        saved.content.decode()
    )


def test_a_person_page_shows_their_calendar_links_and_people_autocomplete(ops_lead, grid_ops):
    team, _ = grid_ops
    alice = team.members.get(handle="alice")
    page = ops_lead.get(f"/admin/rosters/person/{alice.pk}/change/").content.decode()
    assert f"/calendar/{alice.calendar_token}/me.ics" in page
    assert f"/calendar/{alice.calendar_token}/teams/grid-ops.ics" in page
    found = ops_lead.get(
        "/admin/autocomplete/",
        {
            "app_label": "rosters",
            "model_name": "rotationmember",
            "field_name": "person",
            "term": "ali",
        },
    ).json()
    assert [r["text"] for r in found["results"]] == ["alice"]


def test_the_step_list_inline_on_the_team_page_links_to_the_steps(ops_lead, grid_ops):
    team, _ = grid_ops
    step = EscalationStepFactory(policy=EscalationPolicyFactory(team=team), targets=["team"])
    page = ops_lead.get(f"/admin/rosters/team/{team.pk}/change/").content.decode()
    assert f"/admin/rosters/escalationpolicy/{step.policy_id}/change/" in page


def test_an_ops_lead_builds_a_team_with_members_a_rotation_and_a_policy_on_one_page(ops_lead):
    alice, bob = PersonFactory(handle="alice"), PersonFactory(handle="bob")
    answer = ops_lead.post(
        "/admin/rosters/team/add/",
        {
            "slug": "night-desk",
            "name": "Night desk",
            "timezone": "Europe/Berlin",
            "slack_channel": "",
            "Team_members-TOTAL_FORMS": 2,
            "Team_members-INITIAL_FORMS": 0,
            "Team_members-0-person": alice.pk,
            "Team_members-1-person": bob.pk,
            "rotations-TOTAL_FORMS": 1,
            "rotations-INITIAL_FORMS": 0,
            "rotations-0-name": "nights",
            "rotations-0-timezone": "Europe/Berlin",
            "rotations-0-start_date": "2026-11-02",
            "rotations-0-start_time": "20:00",
            "rotations-0-shift": "12:00:00",
            "escalation_policy-TOTAL_FORMS": 1,
            "escalation_policy-INITIAL_FORMS": 0,
            "escalation_policy-0-ack_sla": "00:05:00",
            "escalation_policy-0-repeat": 2,
            "test_escalation_policy-TOTAL_FORMS": 0,
            "test_escalation_policy-INITIAL_FORMS": 0,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    team = Team.objects.get(slug="night-desk")
    assert sorted(team.members.values_list("handle", flat=True)) == ["alice", "bob"]
    assert team.rotations.get().shift == timedelta(hours=12)
    assert team.escalation_policy.ack_sla == timedelta(minutes=5)


def test_a_rotation_shorter_than_an_hour_is_refused(ops_lead, grid_ops):
    team, _ = grid_ops
    answer = ops_lead.post(
        "/admin/rosters/rotation/add/",
        {
            "team": team.pk,
            "name": "flicker",
            "timezone": "America/Chicago",
            "start_date": "2026-11-02",
            "start_time": "09:00",
            "shift": "00:30:00",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "overrides-TOTAL_FORMS": 0,
            "overrides-INITIAL_FORMS": 0,
        },
    )
    assert "A shift must last at least an hour." in answer.content.decode()


def test_an_override_added_on_its_own_page_is_read_in_the_chosen_rotations_zone(ops_lead):
    greta = PersonFactory(handle="greta", timezone="Europe/Berlin")
    team = TeamFactory(slug="market-ops", timezone="Europe/Berlin")
    berlin = rotation(
        team=team, people=[greta], start="2026-11-02T09:00", shift=WEEK, tz="Europe/Berlin"
    )
    answer = ops_lead.post(
        "/admin/rosters/override/add/",
        {
            "rotation": berlin.pk,
            "person": greta.pk,
            "starts_at_0": "2026-12-24",
            "starts_at_1": "09:00",
            "ends_at_0": "2026-12-25",
            "ends_at_1": "09:00",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Override.objects.get().starts_at == datetime(2026, 12, 24, 8, 0, tzinfo=UTC)  # CET


def test_durations_are_shown_and_typed_as_the_roster_file_writes_them(ops_lead, grid_ops):
    team, primary = grid_ops
    page = ops_lead.get(f"/admin/rosters/rotation/{primary.pk}/change/").content.decode()
    assert 'name="shift" value="1w"' in page
    assert "7 00:00:00" not in page
    assert (
        '<td class="field-shift_length">1w</td>'
        in ops_lead.get("/admin/rosters/rotation/").content.decode()
    )

    answer = ops_lead.post(
        f"/admin/rosters/rotation/{primary.pk}/change/",
        {
            "team": team.pk,
            "name": "primary",
            "timezone": "America/Chicago",
            "start_date": "2026-11-02",
            "start_time": "09:00",
            "shift": "12h",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "overrides-TOTAL_FORMS": 0,
            "overrides-INITIAL_FORMS": 0,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    primary.refresh_from_db()
    assert primary.shift == timedelta(hours=12)

    refused = ops_lead.post(
        f"/admin/rosters/rotation/{primary.pk}/change/",
        {"team": team.pk, "name": "primary", "timezone": "America/Chicago",
         "start_date": "2026-11-02", "start_time": "09:00", "shift": "soon",
         "members-TOTAL_FORMS": 0, "members-INITIAL_FORMS": 0,
         "overrides-TOTAL_FORMS": 0, "overrides-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert "is not a duration: write a whole number and one unit, e.g. 90s" in (
        refused.content.decode().replace("&#x27;", "'")
    )


def test_an_ops_lead_gives_a_team_a_test_policy_next_to_its_policy(ops_lead):
    answer = ops_lead.post(
        "/admin/rosters/team/add/",
        {
            "slug": "night-desk",
            "name": "Night desk",
            "timezone": "Europe/Berlin",
            "slack_channel": "C0NIGHT",
            "Team_members-TOTAL_FORMS": 0,
            "Team_members-INITIAL_FORMS": 0,
            "rotations-TOTAL_FORMS": 0,
            "rotations-INITIAL_FORMS": 0,
            "escalation_policy-TOTAL_FORMS": 1,
            "escalation_policy-INITIAL_FORMS": 0,
            "escalation_policy-0-ack_sla": "00:05:00",
            "escalation_policy-0-repeat": 0,
            "test_escalation_policy-TOTAL_FORMS": 1,
            "test_escalation_policy-INITIAL_FORMS": 0,
            "test_escalation_policy-0-ack_sla": "00:30:00",
            "test_escalation_policy-0-repeat": 0,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    team = Team.objects.get(slug="night-desk")
    assert team.escalation_policy.ack_sla == timedelta(minutes=5)
    assert team.test_escalation_policy.ack_sla == timedelta(minutes=30)
    assert str(team.test_escalation_policy) == "test escalation of night-desk"
    page = ops_lead.get(f"/admin/rosters/team/{team.pk}/change/").content.decode()
    assert "Without one, a test dispatch is posted to the team's Slack channel" in page

    # On the policies' own page, a policy must belong to one team, one way.
    both = ops_lead.post(
        "/admin/rosters/escalationpolicy/add/",
        {
            "team": team.pk,
            "test_of": team.pk,
            "ack_sla": "00:10:00",
            "repeat": 0,
            "steps-TOTAL_FORMS": 0,
            "steps-INITIAL_FORMS": 0,
        },
    )
    assert both.status_code == 200
    assert "already exists" in both.content.decode() or "one of the two" in both.content.decode()
