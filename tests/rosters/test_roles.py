"""Roles: the roster file's `login:` and `role:`, a team's leads, and the groups "Responders"
and "Leads" an admin sees on a login, kept in step with the person's role both ways."""

from io import StringIO

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from rosters.models import Person, Role, Team
from rosters.selectors import team_leads
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def roster(**alice) -> dict:
    return {
        "people": [
            {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago", **alice},
            {"handle": "bob", "name": "Bob Ruiz", "timezone": "America/Chicago"},
        ],
        "teams": [{"slug": "grid-ops", "name": "Grid Operations", "members": ["alice", "bob"]}],
    }


def load(tmp_path, data: dict) -> str:
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(data))
    out, err = StringIO(), StringIO()
    try:
        call_command("load_roster", str(path), stdout=out, stderr=err)
    except CommandError:
        return err.getvalue()
    return out.getvalue()


def groups_of(username: str) -> list[str]:
    user = get_user_model().objects.get(username=username)
    return sorted(user.groups.values_list("name", flat=True))


def test_a_roster_files_login_and_role_make_alice_a_lead_who_logs_in_as_alice_ng(tmp_path):
    said = load(tmp_path, roster(login="alice.ng", role="lead"))

    alice = Person.objects.get(handle="alice")
    assert "logins: 1 created" in said
    assert (alice.user.username, alice.role) == ("alice.ng", Role.LEAD)
    assert not alice.user.has_usable_password()  # set with changepassword or the admin
    assert groups_of("alice.ng") == ["Leads"]
    assert list(team_leads(team=Team.objects.get(slug="grid-ops"))) == [alice]
    assert Person.objects.get(handle="bob").role == Role.RESPONDER
    assert "no changes" in load(tmp_path, roster(login="alice.ng", role="lead"))


def test_a_role_or_login_left_out_leaves_them_and_a_role_given_changes_the_group(tmp_path):
    load(tmp_path, roster(login="alice.ng", role="lead"))
    get_user_model().objects.get(username="alice.ng").set_password("s3cret-pw")

    assert "no changes" in load(tmp_path, roster())
    assert Person.objects.get(handle="alice").role == Role.LEAD

    load(tmp_path, roster(role="responder"))
    alice = Person.objects.get(handle="alice")
    assert (alice.user.username, alice.role) == ("alice.ng", Role.RESPONDER)
    assert groups_of("alice.ng") == ["Responders"]
    assert list(team_leads(team=Team.objects.get(slug="grid-ops"))) == []


def test_an_existing_login_is_linked_not_recreated_and_one_login_is_one_persons(
    tmp_path, django_user_model
):
    existing = django_user_model.objects.create_user("ops-alice", password="pw-alice-1")
    PersonFactory(handle="carol", user=django_user_model.objects.create_user("carol"))

    load(tmp_path, roster(login="ops-alice"))
    taken = load(tmp_path, roster(login="carol"))
    bad = load(tmp_path, roster(login="alice ng", role="boss"))

    assert Person.objects.get(handle="alice").user == existing
    assert existing.check_password("pw-alice-1")
    assert "people[0].login: carol is already the login of carol" in taken
    assert "people[0].login:" in bad
    assert "people[0].role: 'boss' is not one of responder, lead" in bad


def test_the_leads_group_in_the_admin_makes_the_person_a_lead_and_leaving_it_a_responder(
    django_user_model,
):
    user = django_user_model.objects.create_user("alice")
    alice = PersonFactory(handle="alice", user=user)
    assert groups_of("alice") == ["Responders"]

    user.groups.add(Group.objects.get(name="Leads"))
    alice.refresh_from_db()
    assert (alice.role, groups_of("alice")) == (Role.LEAD, ["Leads"])

    user.groups.clear()
    alice.refresh_from_db()
    assert (alice.role, groups_of("alice")) == (Role.RESPONDER, ["Responders"])

    Group.objects.get(name="Leads").user_set.add(user)
    alice.refresh_from_db()
    assert alice.role == Role.LEAD


def test_a_login_a_person_no_longer_has_leaves_the_role_groups(django_user_model):
    first, second = (django_user_model.objects.create_user(n) for n in ("a1", "a2"))
    alice = PersonFactory(handle="alice", user=first, role=Role.LEAD)

    alice.user = second
    alice.save()

    assert (groups_of("a1"), groups_of("a2")) == ([], ["Leads"])
    alice.delete()
    assert groups_of("a2") == []


def test_the_person_admin_shows_and_filters_by_role(admin_client):
    PersonFactory(handle="olga", role=Role.LEAD)
    PersonFactory(handle="mia")

    leads = admin_client.get("/admin/rosters/person/?role__exact=lead").content.decode()

    assert "olga" in leads
    assert "mia" not in leads
