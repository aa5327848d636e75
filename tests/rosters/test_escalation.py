"""Escalation policies: who a step pages, the snapshot the engine keeps, and validation."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from rosters.models import EscalationStep
from rosters.selectors import (
    ack_sla,
    escalation_policy,
    policy_warning,
    recipients_for_targets,
)
from tests.factories import PersonFactory, TeamFactory
from tests.rosters.factories import (
    EscalationPolicyFactory,
    EscalationStepFactory,
    override,
    rotation,
)

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # Fri 03:00 CST: week 3, alice and bob
WEEK = timedelta(weeks=1)


@pytest.fixture
def grid_ops():
    alice, bob, carol, dan = (PersonFactory(handle=h) for h in ("alice", "bob", "carol", "dan"))
    team = TeamFactory(slug="grid-ops", members=[alice, bob, carol, dan])
    rotation(team=team, name="primary", people=[alice, bob], start="2026-11-02T09:00", shift=WEEK)
    rotation(team=team, name="secondary", people=[bob, carol], start="2026-11-02T09:00", shift=WEEK)
    return team


def handles(found) -> list[str]:
    return [p.handle for p in found.people]


def test_a_step_pages_whoever_holds_its_rotations_and_the_people_it_names(grid_ops):
    # Week 3 (from 16 Nov): primary is alice, secondary is bob.
    found = recipients_for_targets(
        team=grid_ops, targets=["rotation:secondary", "person:dan"], at=AT
    )
    assert handles(found) == ["bob", "dan"]


def test_each_person_is_paged_once_however_many_targets_name_them(grid_ops):
    found = recipients_for_targets(
        team=grid_ops,
        targets=["rotation:primary", "person:alice", "team", "slack:C0GRIDOPS"],
        at=AT,
    )
    assert handles(found) == ["alice", "bob", "carol", "dan"]
    assert found.slack_channels == ["C0GRIDOPS"]


def test_an_override_changes_who_the_rotation_target_pages(grid_ops):
    override(
        rotation=grid_ops.rotations.get(name="primary"),
        person=grid_ops.members.get(handle="dan"),
        start="2026-11-20T00:00",
        end="2026-11-21T00:00",
    )
    assert handles(recipients_for_targets(team=grid_ops, targets=["rotation:primary"], at=AT)) == [
        "dan"
    ]


def test_an_empty_rotation_pages_nobody_and_a_vanished_target_is_reported_not_raised(grid_ops):
    rotation(team=grid_ops, name="weekend", people=[], start="2026-11-02T09:00", shift=WEEK)
    found = recipients_for_targets(
        team=grid_ops, targets=["rotation:weekend", "rotation:gone", "person:ghost"], at=AT
    )
    assert found.people == []
    assert found.missing == ["rotation:gone", "person:ghost"]
    assert found.nobody == ["rotation:weekend"]


def test_recipients_come_with_their_contact_rules_loaded(grid_ops, django_assert_num_queries):
    found = recipients_for_targets(team=grid_ops, targets=["team"], at=AT)
    with django_assert_num_queries(0):
        assert all(list(p.contact_rules.all()) == [] for p in found.people)


def test_the_policy_snapshot_is_plain_json_and_a_team_without_one_gets_the_defaults(grid_ops):
    assert escalation_policy(team=grid_ops) == {
        "team": "grid-ops",
        "ack_sla": 600,
        "repeat": 0,
        "steps": [{"wait": 0, "targets": ["rotation:primary", "rotation:secondary"]}],
    }
    assert ack_sla(team=grid_ops) == timedelta(minutes=10)
    assert escalation_policy(team=TeamFactory(slug="lonely"))["steps"] == [
        {"wait": 0, "targets": ["team"]}
    ]
    EscalationPolicyFactory(team=grid_ops, ack_sla=timedelta(minutes=5))
    assert ack_sla(team=grid_ops) == timedelta(minutes=5)


def test_a_step_may_not_target_a_rotation_of_another_team(grid_ops):
    other = TeamFactory(slug="market-ops")
    rotation(team=other, name="follow-the-sun", people=[], start="2026-11-02T09:00", shift=WEEK)
    step = EscalationStep(
        policy=EscalationPolicyFactory(team=grid_ops), targets=["rotation:follow-the-sun"]
    )
    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert refused.value.message_dict["targets"] == [
        "rotation:follow-the-sun: team grid-ops has no rotation follow-the-sun "
        "(it has: primary, secondary)."
    ]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["person:nobody"], "nobody has the handle nobody"),
        (["rotaton:primary"], "is not a target"),
        ([], "at least one target"),
    ],
)
def test_bad_step_targets_are_refused_with_a_message(grid_ops, targets, message):
    step = EscalationStep(policy=EscalationPolicyFactory(team=grid_ops), targets=targets)
    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert message in " ".join(refused.value.message_dict["targets"])


def test_a_policy_whose_early_steps_reach_nobody_is_flagged(grid_ops):
    rotation(team=grid_ops, name="weekend", people=[], start="2026-11-02T09:00", shift=WEEK)
    policy = EscalationPolicyFactory(team=grid_ops, ack_sla=timedelta(minutes=10))
    EscalationStepFactory(policy=policy, targets=["rotation:weekend"], wait=timedelta(minutes=10))
    EscalationStepFactory(policy=policy, targets=["rotation:primary"])
    assert "no step that starts within the ack_sla of 10m can reach anyone" in policy_warning(
        team=grid_ops
    )
    policy.steps.update(wait=timedelta(minutes=5))
    assert policy_warning(team=grid_ops) == ""
