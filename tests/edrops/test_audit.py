"""The audit log: who changed what in the rosters, escalation policies, sources and
permissions — from the roster file, the admin, the profile page and the API — with the values
before and after, for leads and staff to read on /audit, in /audit.csv and in the admin."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
import yaml
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from edrops.audit.actors import Actor, acting_as, os_user
from edrops.models import Source
from edrops.services.sources import rotate_token, upsert_source
from rosters.models import Person, Rotation, Team
from tests.factories import PersonFactory, TeamFactory, person_token
from tests.web_forms import form_values

pytestmark = pytest.mark.django_db

ROSTER = {
    "people": [
        {"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago",
         "phone": "+13125550101", "contact": [{"channel": "sms", "after": "0s"},
                                              {"channel": "voice", "after": "1m"}]},
        {"handle": "bob", "name": "Bob Okafor", "timezone": "America/Chicago",
         "phone": "+13125550102"},
    ],
    "teams": [
        {"slug": "grid-ops", "name": "Grid Operations", "timezone": "America/Chicago",
         "members": ["alice", "bob"],
         "rotations": [{"name": "primary", "start": "2026-11-02T09:00", "shift": "1w",
                        "timezone": "America/Chicago", "people": ["alice", "bob"]}],
         "escalation": {"steps": [{"notify": ["rotation:primary"], "wait": "5m"},
                                  {"notify": ["team"]}]}},
    ],
}  # fmt: skip


def load_roster(tmp_path, roster: dict = ROSTER):
    file = tmp_path / "roster.yaml"
    file.write_text(yaml.safe_dump(roster))
    call_command("load_roster", str(file), stdout=io.StringIO(), stderr=io.StringIO())
    return file


def read_csv(client, **filters) -> list[dict]:
    answer = client.get("/audit.csv", filters)
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(answer.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def find(rows: list[dict], **wanted) -> list[dict]:
    return [r for r in rows if all(r[k.replace("_", " ")] == v for k, v in wanted.items())]


@pytest.fixture
def lead(client, django_user_model):
    """A lead (roster role `lead`, so in the Leads group too), no staff rights."""
    user = django_user_model.objects.create_user("lena")
    PersonFactory(handle="lena", user=user, role="lead")
    client.force_login(user)
    return client


def test_who_was_on_call_and_who_changed_it(tmp_path, django_user_model, lead):
    file = load_roster(tmp_path)
    alice = Person.objects.get(handle="alice")
    alice.user = django_user_model.objects.create_user("alice")
    alice.save()
    primary = Rotation.objects.get(name="primary")

    # The ops lead, in the admin: bob takes the first week, and shifts become daily.
    ops = APIClient()  # any test client; this one logs in as a session, like a browser
    ops.force_login(django_user_model.objects.create_superuser("olivia", None, None))
    url = f"/admin/rosters/rotation/{primary.pk}/change/"
    form = form_values(ops.get(url).content.decode(), form_id="rotation_form")
    bob = Person.objects.get(handle="bob")
    form |= {"shift": "1 00:00:00", "members-0-person": bob.pk, "members-1-person": alice.pk}
    assert ops.post(url, form).status_code == 302

    # Alice, on her profile page: a new number, and the call a minute later.
    me = APIClient()
    me.force_login(alice.user)
    form = form_values(me.get("/profile").content.decode(), form_id="profile")
    form |= {"phone": "+1 312 555 0199", "rules-1-after": "2m"}
    assert me.post("/profile", form).status_code == 302

    rows = read_csv(lead)
    by_file = f"roster file {file} (load_roster, OS user {os_user()})"
    assert find(rows, actor=by_file, action="created", object_type="rotation",
                object="grid-ops/primary", field="shift", before="", after="1w")  # fmt: skip
    assert find(rows, actor=by_file, action="created", object_type="rotation member",
                object="grid-ops/primary#0: alice", field="person", after="alice")  # fmt: skip
    assert find(rows, actor="olivia", action="changed", object_type="rotation",
                object="grid-ops/primary", field="shift", before="1w", after="1d")  # fmt: skip
    assert find(rows, actor="olivia", action="changed", object_type="rotation member",
                object="grid-ops/primary#0: bob", field="person", before="alice",
                after="bob")  # fmt: skip
    assert find(rows, actor="alice", action="changed", object_type="person", object="alice",
                field="phone", before="+13125550101", after="+13125550199")  # fmt: skip
    assert find(rows, actor="alice", action="changed", object_type="contact rule",
                field="delay", before="1m", after="2m")  # fmt: skip
    # Newest first, each with its time.
    assert rows[0]["actor"] == "alice"
    assert all(datetime.fromisoformat(r["when"]).tzinfo is not None for r in rows)


def test_reloading_an_unchanged_roster_file_adds_nothing_to_the_log(tmp_path):
    load_roster(tmp_path)
    written = LogEntry.objects.count()
    load_roster(tmp_path)
    assert LogEntry.objects.count() == written


def test_a_step_changed_in_the_roster_file_is_one_change_not_a_delete_and_a_create(tmp_path, lead):
    load_roster(tmp_path)
    longer = json.loads(json.dumps(ROSTER))
    longer["teams"][0]["escalation"]["steps"][0]["wait"] = "10m"
    load_roster(tmp_path, longer)
    steps = read_csv(lead, model="rosters.escalationstep")
    assert next((r["action"], r["field"], r["before"], r["after"]) for r in steps) == (
        "changed",
        "wait",
        "5m",
        "10m",
    )
    assert not find(steps, action="deleted")


def test_secrets_never_reach_the_log(lead, django_user_model):
    team = TeamFactory(slug="grid-ops")
    source, first_token = upsert_source(name="miso", team=team, token="miso-token-first-1234")
    second_token = rotate_token(source=source)
    user = django_user_model.objects.create_user("bob", password="correct-horse-battery-1")
    user.set_password("correct-horse-battery-2")
    user.save()
    person = PersonFactory(handle="bob", user=user)
    person.calendar_token = "calendar-token-should-stay-secret"
    person.save()
    secrets = [
        first_token,
        second_token,
        source.token_hash,
        Source.objects.get().token_hash,
        user.password,
        "correct-horse-battery",
        "calendar-token-should-stay-secret",
    ]

    stored = json.dumps(
        list(
            LogEntry.objects.values(
                "changes", "changes_text", "serialized_data", "additional_data", "object_repr"
            )
        )
    )
    rows = read_csv(lead)
    exported = json.dumps(rows)
    for secret in secrets:
        assert secret not in stored
        assert secret not in exported
    # That they changed is on record, as "(hidden)".
    assert find(rows, object_type="source", object="miso", field="token_hash",
                before="(hidden)", after="(hidden)")  # fmt: skip
    assert find(rows, object_type="user", object="bob", field="password", after="(hidden)")
    assert find(rows, object_type="person", object="bob", field="calendar_token",
                before="(hidden)", after="(hidden)")  # fmt: skip


def test_a_routing_key_in_a_step_reaches_the_log_only_by_its_last_four(
    tmp_path, lead, settings
):
    key = "R0GRIDOPS0000000000000000000001a"
    load_roster(tmp_path)
    forwarding = json.loads(json.dumps(ROSTER))
    forwarding["teams"][0]["escalation"]["steps"][1]["notify"] = ["team", f"pagerduty:{key}"]
    load_roster(tmp_path, forwarding)
    stored = json.dumps(list(LogEntry.objects.values("changes", "object_repr")))
    rows = read_csv(lead, model="rosters.escalationstep")
    assert key not in stored
    assert key not in json.dumps(rows)
    assert find(rows, field="targets", before="team", after="team, pagerduty:…001a")


def test_permissions_are_logged_group_membership_included(client, django_user_model, lead):
    leads = Group.objects.get(name="Leads")
    ops = client_for(django_user_model.objects.create_superuser("olivia", None, None))
    user = django_user_model.objects.create_user("bob")
    url = f"/admin/auth/user/{user.pk}/change/"
    form = form_values(ops.get(url).content.decode(), form_id="user_form")
    form |= {"groups": [str(leads.pk)], "is_staff": "on"}
    assert ops.post(url, form).status_code == 302
    rows = read_csv(lead, object="bob")
    assert find(rows, actor="olivia", action="added", object_type="user", field="groups",
                after="Leads")  # fmt: skip
    assert find(rows, actor="olivia", action="changed", object_type="user", field="is_staff",
                before="False", after="True")  # fmt: skip


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


class RenameTeam(APIView):
    """A change made through the API, authenticated by a person's token (no API endpoint
    writes the rosters yet; this one stands for the ones that will)."""

    def post(self, request, slug):
        team = Team.objects.get(slug=slug)
        team.name = request.data["name"]
        team.save()
        return Response({"name": team.name})


urlpatterns = [
    path("api/test/teams/<slug:slug>", RenameTeam.as_view()),
    path("", include("edrops.audit.urls")),
]


@pytest.mark.urls(__name__)
def test_a_change_through_the_api_names_the_tokens_person(django_user_model):
    TeamFactory(slug="grid-ops", name="Grid Operations")
    user = django_user_model.objects.create_user("ops-bot", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    assert api.post("/api/test/teams/grid-ops", {"name": "Grid Ops"}).status_code == 200
    rows = read_csv(api, model="rosters.team")
    assert find(rows, actor="ops-bot", action="changed", field="name",
                before="Grid Operations", after="Grid Ops")  # fmt: skip


def test_a_command_is_named_with_its_os_user(lead):
    with acting_as(Actor("roster file x.yaml (load_roster, OS user ops)")):
        TeamFactory(slug="grid-ops")
    PersonFactory(handle="alice")  # outside any request or command: the program itself
    rows = read_csv(lead)
    assert find(rows, object="grid-ops", actor="roster file x.yaml (load_roster, OS user ops)")
    assert find(rows, object="alice")[0]["actor"].endswith(f"(OS user {os_user()})")


ON_1_MARCH = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
LATE_1_MARCH_IN_CHICAGO = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 21:00 CST on 1 March
ON_3_MARCH = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def three_days_of_changes():
    with time_machine.travel(ON_1_MARCH, tick=False), acting_as(Actor("olivia")):
        team = TeamFactory(slug="grid-ops", name="Grid Operations")
    with time_machine.travel(LATE_1_MARCH_IN_CHICAGO, tick=False), acting_as(Actor("olivia")):
        PersonFactory(handle="alice")
    with time_machine.travel(ON_3_MARCH, tick=False), acting_as(Actor("nick")):
        team.name = "Grid Ops"
        team.save()


def test_filters_by_type_object_actor_and_days_in_the_viewers_zone(
    lead, three_days_of_changes, django_user_model
):
    def objects(**filters) -> set[str]:
        return {r["object"] for r in read_csv(lead, **filters)}

    assert objects(model="rosters.person") == {"alice", "lena"}  # lena: the lead reading it
    assert objects(object="GRID") == {"grid-ops"}
    assert objects(actor="nic") == {"grid-ops"}
    assert {r["actor"] for r in read_csv(lead, object="grid-ops")} == {"olivia", "nick"}
    # A lead who lives in UTC reads days in UTC: Alice came on 2 March.
    Person.objects.filter(handle="lena").update(timezone="UTC")
    assert objects(since="2026-03-01", until="2026-03-01") == {"grid-ops"}
    assert objects(since="2026-03-02", until="2026-03-02") == {"alice"}
    # For a lead who lives in Chicago, 21:00 CST is still 1 March.
    Person.objects.filter(handle="lena").update(timezone="America/Chicago")
    assert objects(since="2026-03-01", until="2026-03-01") == {"grid-ops", "alice"}
    assert objects(since="2026-03-02", until="2026-03-03") == {"grid-ops"}


@pytest.mark.parametrize(
    "bad",
    [
        {"since": "2026-13-01"},
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"model": "auth.permission"},
        {"actor": "x" * 1000},
        {"object": "a\x00b"},
    ],
)
def test_a_filter_that_cant_be_read_is_a_400_on_the_page_and_in_the_csv(lead, bad):
    answer = lead.get("/audit.csv", bad)
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) <= {"since", "until", "model", "actor", "object"}
    assert lead.get("/audit", bad).status_code == 400


def test_the_page_shows_the_rows_with_their_filters(lead, three_days_of_changes):
    page = lead.get("/audit", {"object": "grid-ops"}).content.decode()
    assert "2 changes" in page
    assert "Grid Operations" in page
    assert "Grid Ops" in page
    assert 'href="/audit.csv?object=grid-ops"' in page


@pytest.mark.parametrize(
    ("who", "page", "csv_status"),
    [("anonymous", 302, 401), ("responder", 403, 403), ("lead", 200, 200), ("staff", 200, 200)],
)
def test_the_log_is_for_leads_and_staff(client, django_user_model, who, page, csv_status):
    if who != "anonymous":
        user = django_user_model.objects.create_user(who, is_staff=who == "staff")
        if who == "lead":
            PersonFactory(handle=who, user=user, role="lead")
        client.force_login(user)
    assert client.get("/audit").status_code == page
    assert client.get("/audit.csv").status_code == csv_status


def test_the_admin_shows_the_log_read_only_to_staff(tmp_path, django_user_model):
    load_roster(tmp_path)
    staff = client_for(django_user_model.objects.create_user("sam", is_staff=True))
    listing = staff.get("/admin/auditlog/logentry/")
    assert listing.status_code == 200
    assert "(load_roster, OS user" in listing.content.decode()
    entry = LogEntry.objects.filter(content_type__model="rotation").first()
    assert staff.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200
    assert staff.get("/admin/auditlog/logentry/add/").status_code == 403
    assert (
        staff.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    responder = client_for(django_user_model.objects.create_user("rita"))
    assert responder.get("/admin/auditlog/logentry/").status_code == 302  # the admin's login


def test_a_value_a_spreadsheet_would_run_is_exported_as_text(lead, django_user_model):
    with acting_as(Actor("alice")):
        PersonFactory(handle="alice", slack_user_id='=HYPERLINK("http://x")', phone="+13125550101")
    rows = read_csv(lead, object="alice")
    assert find(rows, field="slack_user_id")[0]["after"] == '\'=HYPERLINK("http://x")'
    assert find(rows, field="phone")[0]["after"] == "+13125550101"


def test_members_added_and_removed_on_the_admins_team_page_are_logged(
    tmp_path, django_user_model, lead
):
    load_roster(tmp_path)
    carol, bob = PersonFactory(handle="carol"), Person.objects.get(handle="bob")
    team = Team.objects.get(slug="grid-ops")
    ops = client_for(django_user_model.objects.create_superuser("olivia", None, None))
    url = f"/admin/rosters/team/{team.pk}/change/"
    form = form_values(ops.get(url).content.decode(), form_id="team_form")
    members = next(k for k in form if k.endswith("-TOTAL_FORMS") and "members" in k)
    prefix, count = members.removesuffix("-TOTAL_FORMS"), int(form[members])
    bobs_row = next(k for k, v in form.items() if k.endswith("-person") and v == str(bob.pk))
    form |= {members: str(count + 1), f"{prefix}-{count}-person": str(carol.pk)}
    form[bobs_row.replace("-person", "-DELETE")] = "on"
    assert ops.post(url, form).status_code == 302
    assert sorted(team.members.values_list("handle", flat=True)) == ["alice", "carol"]
    rows = read_csv(lead, actor="olivia")
    assert find(rows, action="added", object_type="team", object="grid-ops", field="members",
                before="", after="carol")  # fmt: skip
    assert find(rows, action="removed", object_type="team", object="grid-ops", field="members",
                before="bob", after="")  # fmt: skip
