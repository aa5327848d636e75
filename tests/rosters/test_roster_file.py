"""`manage.py load_roster`: the example roster loads, reloads with no change, and a broken copy
reports every problem with its path and changes nothing."""

import json
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from edrops.models import Source
from rosters.models import ContactRule, EscalationStep, Override, Person, Rotation, Team
from rosters.selectors import escalation_policy
from tests.factories import PersonFactory
from tests.rosters.factories import override

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.yaml"


def load(path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("load_roster", str(path), stdout=out, stderr=err)
    except CommandError as e:
        return 1, out.getvalue(), err.getvalue() + str(e)
    return 0, out.getvalue(), err.getvalue()


def snapshot() -> list:
    """Everything the roster file can write, as plain values."""
    return [
        list(Person.objects.values_list("handle", "name", "phone", "timezone", "work_starts")),
        list(ContactRule.objects.values_list("person__handle", "position", "channel", "delay")),
        list(
            Team.objects.values_list("slug", "name", "members__handle").order_by(
                "slug", "members__handle"
            )
        ),
        list(
            Rotation.objects.values_list("team__slug", "name", "start_date", "start_time", "shift")
        ),
        list(
            Override.objects.values_list("rotation__name", "person__handle", "starts_at", "ends_at")
        ),
        list(
            EscalationStep.objects.values_list("policy__team__slug", "position", "targets", "wait")
        ),
        list(
            Source.objects.values_list(
                "name", "team__slug", "token_hash", "heartbeat_interval", "heartbeat_grace"
            )
        ),
    ]


def write(tmp_path, data, name="roster.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True) if name.endswith(".yaml") else json.dumps(data)
    )
    return path


def test_the_example_roster_loads_and_a_second_load_changes_nothing():
    status, out, err = load(EXAMPLE)
    assert status == 0, err
    assert "people: 6 created" in out
    assert "sources: 3 created" in out
    assert re.search(r"^source miso-dispatch: token \S{20,}$", out, re.MULTILINE)
    miso = Source.objects.get(name="miso-dispatch")
    assert (miso.team.slug, miso.heartbeat_interval) == ("grid-ops", timedelta(minutes=5))
    assert Source.objects.get(name="pjm-dr").heartbeat_interval is None
    alice = Person.objects.get(handle="alice")
    assert alice.phone == "+13125550101"
    assert alice.working_hours == "08:00-18:00"
    assert [r.channel for r in alice.contact_rules.all()] == ["slack", "sms", "voice"]
    grid_ops = Team.objects.get(slug="grid-ops")
    assert escalation_policy(team=grid_ops) == {
        "team": "grid-ops",
        "ack_sla": 600,
        "repeat": 1,
        "steps": [
            {"wait": 120, "targets": ["rotation:primary"]},
            {"wait": 180, "targets": ["rotation:secondary", "person:dan"]},
            {"wait": 0, "targets": ["team"]},
        ],
    }
    before = snapshot()

    status, out, err = load(EXAMPLE)
    assert status == 0, err
    assert snapshot() == before
    assert "no changes" in out
    assert "people: 6 unchanged" in out
    assert not re.search(r"\d+ (created|updated|removed)", out)
    assert "escalation policies: 2 unchanged" in out
    assert "test escalation policies: 1 unchanged" in out
    assert "sources: 3 unchanged" in out
    assert "token" not in out, "an existing source keeps its token"


def test_the_override_times_in_the_file_are_the_rotations_local_time():
    load(EXAMPLE)
    thanksgiving = Override.objects.get(rotation__name="primary")
    assert thanksgiving.starts_at.isoformat() == "2026-11-26T15:00:00+00:00"  # 09:00 CST


def test_a_broken_copy_prints_every_problem_with_its_path_and_changes_nothing(tmp_path):
    load(EXAMPLE)
    before = snapshot()
    data = yaml.safe_load(EXAMPLE.read_text())
    data["people"][1]["phone"] = "555-0102"
    data["people"][4]["timezone"] = "Europe/Berlinn"
    data["people"][0]["name"] = "Alice Renamed"  # a good change that must not be written either
    grid = data["teams"][0]
    grid["rotations"][0]["shift"] = "1 week"
    grid["overrides"][0]["end"] = "2026-11-25T09:00"
    grid["escalation"]["steps"][1]["wait"] = "3 minutes"
    grid["escalation"]["steps"][1]["notify"][1] = "person:danny"
    data["teams"][1]["escalation"]["steps"][0]["notify"] = ["rotation:primary"]
    data["sources"][2]["team"] = "market-opz"
    data["sources"][0]["heartbeat"]["interval"] = "5 min"

    status, _out, err = load(write(tmp_path, data))

    assert status == 1
    printed = err.splitlines()
    for path, words in [
        ("people[1].phone", "international format"),
        ("people[4].timezone", "not an IANA time zone"),
        ("teams[0].rotations[0].shift", "not a duration"),
        ("teams[0].overrides[0].end", "ends"),
        ("teams[0].escalation.steps[1].wait", "not a duration"),
        ("teams[0].escalation.steps[1].notify[1]", "nobody has the handle danny"),
        ("teams[1].escalation.steps[0].notify[0]", "team market-ops has no rotation primary"),
        ("sources[2].team", "no team market-opz"),
        ("sources[0].heartbeat.interval", "not a duration"),
    ]:
        assert any(line.startswith(f"{path}: ") and words in line for line in printed), path
    assert "9 problem(s); nothing was changed" in err
    assert snapshot() == before


def test_a_step_cannot_target_a_rotation_of_another_team(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"][1]["escalation"]["steps"][0]["notify"] = ["rotation:secondary"]
    status, _, err = load(write(tmp_path, data))
    assert status == 1
    assert (
        "teams[1].escalation.steps[0].notify[0]: "
        "team market-ops has no rotation secondary (it has: follow-the-sun)" in err
    )
    assert not Team.objects.exists()


def test_unknown_keys_are_reported_instead_of_silently_ignored(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"][0]["rotations"][0]["shfit"] = "1w"
    status, _, err = load(write(tmp_path, data))
    assert status == 1
    assert "teams[0].rotations[0].shfit: unknown key" in err


def test_a_file_that_is_not_yaml_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text("people: [\n")
    status, _, err = load(path)
    assert status == 1
    assert "not valid YAML" in err


def test_json_works_as_well_as_yaml(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    status, _out, err = load(write(tmp_path, data, "roster.json"))
    assert status == 0, err
    assert Rotation.objects.filter(team__slug="market-ops", name="follow-the-sun").exists()


def test_the_file_replaces_lists_it_gives_and_leaves_alone_what_it_leaves_out(tmp_path):
    load(EXAMPLE)
    data = yaml.safe_load(EXAMPLE.read_text())
    grid = data["teams"][0]
    grid["members"] = ["alice", "bob", "carol"]  # dan leaves the team
    grid["rotations"] = grid["rotations"][:1]  # secondary is gone...
    grid["escalation"]["steps"][1]["notify"] = ["person:dan"]  # ...so nothing may point at it
    del grid["overrides"]  # overrides are now kept in the admin
    kept = override(
        rotation=Rotation.objects.get(name="primary"),
        person=Person.objects.get(handle="dan"),
        start="2026-12-24T09:00",
        end="2026-12-25T09:00",
    )
    status, out, err = load(write(tmp_path, data))
    assert status == 0, err
    assert "rotations: 1 removed" in out
    team = Team.objects.get(slug="grid-ops")
    assert sorted(team.members.values_list("handle", flat=True)) == ["alice", "bob", "carol"]
    assert list(team.rotations.values_list("name", flat=True)) == ["primary"]
    assert Override.objects.filter(pk=kept.pk).exists()
    assert Person.objects.filter(handle="dan").exists()  # people are never deleted by a file


def test_a_changed_contact_plan_is_an_update(tmp_path):
    load(EXAMPLE)
    data = yaml.safe_load(EXAMPLE.read_text())
    data["people"][0]["contact"] = [{"channel": "voice", "after": "30s"}]
    _status, out, _ = load(write(tmp_path, data))
    assert "people: 1 updated, 5 unchanged" in out
    assert [(r.channel, r.delay) for r in ContactRule.objects.filter(person__handle="alice")] == [
        ("voice", timedelta(seconds=30))
    ]


def test_people_already_in_the_database_can_be_named_without_being_in_the_file(tmp_path):
    PersonFactory(handle="zoe")
    data = {"teams": [{"slug": "night", "name": "Night desk", "members": ["zoe"]}]}
    status, _out, err = load(write(tmp_path, data))
    assert status == 0, err
    assert list(Team.objects.get(slug="night").members.values_list("handle", flat=True)) == ["zoe"]


def test_a_policy_that_cannot_reach_anyone_within_its_ack_sla_loads_with_a_warning(tmp_path):
    data = {
        "people": [{"handle": "zoe", "name": "Zoe", "timezone": "UTC", "phone": "+13125550199"}],
        "teams": [
            {
                "slug": "night",
                "name": "Night desk",
                "members": ["zoe"],
                "rotations": [{"name": "nobody-yet", "start": "2026-11-02T09:00", "shift": "1w"}],
                "escalation": {
                    "ack_sla": "10m",
                    "steps": [
                        {"notify": ["rotation:nobody-yet"], "wait": "15m"},
                        {"notify": ["person:zoe"]},
                    ],
                },
            }
        ],
    }
    status, _out, err = load(write(tmp_path, data))
    assert status == 0
    assert (
        "warning: teams[0].escalation: no step that starts within the ack_sla of 10m can reach "
        "anyone (rotation:nobody-yet)"
    ) in err


def test_seed_demo_loads_the_example_roster_every_time_without_changing_it():
    call_command("seed_demo", "--force", stdout=StringIO())
    before = snapshot()
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "no changes" in out.getvalue()
    assert snapshot() == before
    assert Team.objects.filter(slug="grid-ops").exists()


def test_a_dry_run_says_what_would_change_and_changes_nothing():
    out = StringIO()
    call_command("load_roster", str(EXAMPLE), "--dry-run", stdout=out)
    assert "people: 6 created" in out.getvalue()
    assert "dry run: nothing was changed" in out.getvalue()
    assert not Person.objects.exists()


def test_a_team_turns_re_paging_at_the_dispatch_start_off_and_on_again(tmp_path):
    load(EXAMPLE)
    assert Team.objects.get(slug="grid-ops").repage_at_start  # the default
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"][0]["repage_at_start"] = False
    status, out, err = load(write(tmp_path, data))
    assert status == 0, err
    assert "teams: 1 updated" in out
    assert not Team.objects.get(slug="grid-ops").repage_at_start
    # Left out, it stays as it is.
    status, _, err = load(EXAMPLE)
    assert status == 0, err
    assert not Team.objects.get(slug="grid-ops").repage_at_start


def test_re_paging_at_the_start_is_true_or_false_nothing_else(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"][0]["repage_at_start"] = "sometimes"
    status, _, err = load(write(tmp_path, data))
    assert status == 1
    assert "teams[0].repage_at_start: expected true or false, not 'sometimes'" in err
