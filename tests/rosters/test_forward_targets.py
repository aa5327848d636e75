"""Escalation targets that forward to services outside: `pagerduty:ROUTING_KEY` and
`webhook:NAME`, in the roster file and the admin's step form. A routing key is a secret: an
error about one names it by its last four characters only."""

import copy
from io import StringIO

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rosters.models import EscalationPolicy, EscalationStep, Team
from rosters.selectors import escalation_policy, recipients_for_targets
from rosters.validators import Target

pytestmark = pytest.mark.django_db

KEY = "R0GRIDOPS0000000000000000000001a"

ROSTER = {
    "people": [{"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
                "phone": "+13125550101"}],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice"],
         "escalation": {"steps": [
             {"notify": ["person:alice", f"pagerduty:{KEY}", "webhook:derms"], "wait": "2m"},
         ]}},
    ],
}  # fmt: skip


@pytest.fixture(autouse=True)
def derms(settings):
    settings.WEBHOOKS = {"derms": {"url": "https://derms.example/hook", "secret": "s3cret"}}


def load(tmp_path, roster: dict) -> str:
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    out = StringIO()
    try:
        call_command("load_roster", str(path), stdout=out, stderr=out)
    except CommandError as error:
        return out.getvalue() + str(error)
    return out.getvalue()


def with_targets(*targets: str) -> dict:
    roster = copy.deepcopy(ROSTER)
    roster["teams"][0]["escalation"]["steps"][0]["notify"] = list(targets)
    return roster


def test_a_step_forwards_to_pagerduty_and_a_webhook(tmp_path):
    load(tmp_path, ROSTER)
    team = Team.objects.get(slug="grid-ops")
    [step] = escalation_policy(team=team)["steps"]
    assert step["targets"] == ["person:alice", f"pagerduty:{KEY}", "webhook:derms"]
    reached = recipients_for_targets(team=team, targets=step["targets"], at=timezone.now())
    assert [p.handle for p in reached.people] == ["alice"]
    assert reached.forwards == [Target("pagerduty", KEY), Target("webhook", "derms")]
    assert str(EscalationStep.objects.get()) == (
        "grid-ops step 0: person:alice, pagerduty:…001a, webhook:derms"
    )


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("pagerduty:R0GRIDOPS-not-a-key-01a9", "pagerduty:…01a9: a PagerDuty routing key is 32"),
        ("pagerduty:", "a PagerDuty routing key is 32 letters and digits"),
        ("webhook:scada", "WEBHOOKS has no webhook named scada (it has: derms)"),
        ("webhook:", "is not a target"),
    ],
)
def test_a_forward_target_that_cant_work_is_refused_without_its_secret(tmp_path, target, said):
    answer = load(tmp_path, with_targets("person:alice", target))
    assert said in answer
    assert "R0GRIDOPS-not-a-key" not in answer
    assert not Team.objects.exists()


def test_the_admins_step_form_checks_forward_targets_the_same_way(tmp_path):
    load(tmp_path, ROSTER)
    policy = EscalationPolicy.objects.get()
    step = EscalationStep(policy=policy, targets=["pagerduty:tooshort1234", "webhook:nope"])
    with pytest.raises(ValidationError) as refused:
        step.clean()
    messages = refused.value.message_dict["targets"]
    assert any("pagerduty:…1234: a PagerDuty routing key" in m for m in messages), messages
    assert any("WEBHOOKS has no webhook named nope" in m for m in messages), messages
    assert not any("tooshort" in m for m in messages)
