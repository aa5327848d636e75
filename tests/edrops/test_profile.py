"""`/profile`: a responder keeps their own contact details, contact rules, working hours and
time zone, checked as the roster file and the admin check them; nobody else's."""

from datetime import time, timedelta

import pytest
from rest_framework.test import APIClient

from edrops.services.api_tokens import create_api_token
from rosters.models import ContactRule, Person
from tests.factories import ContactRuleFactory, PersonFactory, TeamFactory
from tests.web_forms import form_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    user = django_user_model.objects.create_user("alice", password="pw-alice-1")
    person = PersonFactory(
        handle="alice", name="Alice Ng", user=user, phone="+13125550101", slack_user_id="U0ALICE"
    )
    ContactRuleFactory(person=person, position=0, channel="sms", delay=timedelta(0))
    ContactRuleFactory(person=person, position=1, channel="voice", delay=timedelta(minutes=1))
    TeamFactory(slug="grid-ops", name="Grid Operations", members=[person])
    return person


@pytest.fixture
def bob():
    person = PersonFactory(handle="bob", phone="+13125550102")
    ContactRuleFactory(person=person, position=0, channel="slack", delay=timedelta(0))
    return person


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice.user)
    return client


def the_form(client) -> dict:
    page = client.get("/profile")
    assert page.status_code == 200
    return form_values(page.content.decode(), form_id="profile")


def contact(person: Person) -> tuple:
    person.refresh_from_db()
    rules = [(r.channel, r.delay) for r in person.contact_rules.all()]
    fields = ("handle", "name", "user_id", "email", "phone", "slack_user_id", "timezone",
              "work_starts", "work_ends")  # fmt: skip
    return (*(getattr(person, f) for f in fields), rules)


def test_the_page_shows_your_details_and_rules_as_the_roster_file_writes_them(as_alice):
    page = as_alice.get("/profile").content.decode()
    assert "Alice Ng (alice)" in page
    assert "Grid Operations" in page
    form = form_values(page, form_id="profile")
    assert form["phone"] == "+13125550101"
    assert form["timezone"] == "America/Chicago"
    assert (form["rules-0-channel"], form["rules-0-after"]) == ("sms", "0s")
    assert (form["rules-1-channel"], form["rules-1-after"]) == ("voice", "1m")
    assert form["rules-2-channel"] == ""  # one empty row, to add a rule
    assert "A page reaches you now by: SMS at once, then Voice call after 1m." in page


def test_a_responder_changes_their_details_rules_hours_and_zone_in_one_save(as_alice, alice):
    form = the_form(as_alice)
    form |= {
        "phone": "+1 (312) 555-0199",
        "email": "alice.ng@example.com",
        "slack_user_id": "U0ALICENG",
        "timezone": "Europe/Berlin",
        "work_starts": "22:00",
        "work_ends": "06:00",
        "rules-0-DELETE": "on",  # no more SMS
        "rules-1-after": "2m",  # the call a minute later
        "rules-2-channel": "email",  # and an email after 10 minutes
        "rules-2-after": "10m",
    }
    saved = as_alice.post("/profile", form)
    assert saved.status_code == 302
    assert "Saved." in as_alice.get(saved["Location"]).content.decode()
    assert contact(alice)[3:] == (
        "alice.ng@example.com",
        "+13125550199",  # written as E.164, as the roster file and the admin write it
        "U0ALICENG",
        "Europe/Berlin",
        time(22, 0),
        time(6, 0),
        [("voice", timedelta(minutes=2)), ("email", timedelta(minutes=10))],
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "+1312", "is not a possible phone number"),
        ("phone", "call me", "not a phone number in international format"),
        ("email", "alice@", "Enter a valid email address."),
        ("timezone", "Mars/Olympus_Mons", "is not an IANA time zone"),
        ("timezone", "", "This field is required."),
        ("work_ends", "", "Give both ends of the working hours, or neither."),
        ("work_ends", "08:00", "start and end at the same time"),
        ("rules-1-after", "soon", "is not a duration"),
        ("rules-1-after", "53w", "longer than a duration may be"),
        ("rules-1-channel", "pager", "Select a valid choice."),
        ("rules-2-channel", "email", ""),  # a new rule with its delay emptied: required
    ],
)
def test_bad_input_shows_the_error_and_saves_nothing(as_alice, alice, field, value, message):
    before = contact(alice)
    form = the_form(as_alice) | {"phone": "+13125550177", "work_starts": "08:00"}
    form |= {"work_ends": "17:00", field: value}
    if field == "rules-2-channel":
        form["rules-2-after"] = ""
    answer = as_alice.post("/profile", form)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Nothing was saved" in page
    assert message in page.replace("&#x27;", "'")
    assert contact(alice) == before


def test_nothing_of_anyone_elses_can_be_changed_from_your_profile(as_alice, alice, bob):
    bobs = contact(bob)
    bobs_rule = bob.contact_rules.get()
    form = the_form(as_alice) | {
        # Whatever names another person, or what only an ops lead may change, is ignored.
        "id": bob.pk,
        "person": bob.pk,
        "handle": "bob",
        "name": "Mallory",
        "user": bob.pk,
        "rules-0-id": bobs_rule.pk,
        "rules-0-person": bob.pk,
        "phone": "+13125550188",
    }
    assert as_alice.post(f"/profile?person={bob.pk}", form).status_code == 302
    assert contact(bob) == bobs
    assert ContactRule.objects.get(pk=bobs_rule.pk).person == bob
    mine = contact(alice)
    assert mine[:3] == ("alice", "Alice Ng", alice.user_id)
    assert mine[4] == "+13125550188"  # what is hers did change
    assert as_alice.post(f"/profile/{bob.pk}", form).status_code == 404


def test_a_login_without_a_person_is_told_so_and_can_change_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("auditor"))
    page = client.get("/profile")
    assert page.status_code == 200
    assert "is not linked to a person in the roster" in page.content.decode()
    refused = client.post("/profile", {"phone": "+13125550100", "timezone": "UTC"})
    assert refused.status_code == 403
    assert not Person.objects.exists()


def test_the_profile_is_behind_the_login(client, alice):
    answer = client.get("/profile")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "tampered",
    [
        {"rules-TOTAL_FORMS": None},  # the formset's management form left out
        {"rules-TOTAL_FORMS": "100000"},
        {"rules-TOTAL_FORMS": "x"},
        {"phone": "+1312\x00555"},
        {"timezone": "A" * 5000},
    ],
)
def test_a_tampered_post_is_a_400_that_saves_nothing(as_alice, alice, tampered):
    before = contact(alice)
    form = the_form(as_alice) | {"phone": "+13125550166"}
    for name, value in tampered.items():
        if value is None:
            form.pop(name)
        else:
            form[name] = value
    assert as_alice.post("/profile", form).status_code == 400
    assert contact(alice) == before


def test_the_dashboard_header_links_the_profile_and_for_leads_the_audit_log(as_alice, alice):
    page = as_alice.get("/").content.decode()
    assert 'href="/profile"' in page
    assert 'href="/audit"' not in page
    alice.role = "lead"
    alice.save()
    assert 'href="/audit"' in as_alice.get("/").content.decode()


def test_alice_sees_her_api_tokens_and_revokes_one_and_it_stops_working(
    as_alice, alice, django_user_model
):
    kept, script = create_api_token(user=alice.user)
    old, laptop = create_api_token(user=alice.user)
    someone_else, theirs = create_api_token(
        user=django_user_model.objects.create_user("mallory", password="pw-mallory-1")
    )
    page = as_alice.get("/profile").content.decode()
    assert f"{kept.token_key}…" in page
    assert f"{old.token_key}…" in page
    assert someone_else.token_key not in page

    # Someone else's token can't be revoked from here, even by naming it.
    refused = as_alice.post(f"/profile/tokens/{someone_else.token_key}/revoke")
    assert refused.status_code == 404
    assert APIClient(HTTP_AUTHORIZATION=f"Token {theirs}").get("/api/v1/events").status_code == 200

    revoked = as_alice.post(f"/profile/tokens/{old.token_key}/revoke", follow=True)
    assert "revoked" in revoked.content.decode()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {laptop}").get("/api/v1/events").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION=f"Token {script}").get("/api/v1/events").status_code == 200
