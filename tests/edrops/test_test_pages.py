"""Contact verification: "This is a test page from edrops" on each of a person's contact
methods, through the fake Twilio and Slack, and how each went (sent, delivered, failed and
why) — for themselves, their lead and staff; a number that fails is flagged on the roster check
and in the admin. A test page is not an event and no limit swallows it."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from edrops.models import Event
from notifications.models import Notification
from rosters.models import Role
from tests.factories import ContactRuleFactory, PersonFactory, TeamFactory, person_token
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "+13125550101"
TEXT = "This is a test page from edrops"


@pytest.fixture
def grid_ops(db):
    return TeamFactory(slug="grid-ops")


def login(django_user_model, handle: str, **person) -> APIClient:
    user = django_user_model.objects.create_user(handle, password=f"pw-{handle}-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    client.person = PersonFactory(handle=handle, user=user, **person)
    return client


@pytest.fixture
def alice(django_user_model, grid_ops):
    client = login(
        django_user_model, "alice", phone=ALICE, slack_user_id="U0ALICE", email="alice@example.com"
    )
    for position, channel in enumerate(["slack", "sms", "voice"]):
        ContactRuleFactory(person=client.person, position=position, channel=channel)
    grid_ops.members.add(client.person)
    return client


def results(client, handle="alice") -> dict[str, tuple[str, str]]:
    answer = client.get(f"/api/v1/people/{handle}/test-page")
    assert answer.status_code == 200, answer.content
    return {r["channel"]: (r["state"], r["detail"]) for r in answer.json()["results"]}


def test_alice_tests_her_own_phone_slack_and_email_and_sees_each_delivered_or_sent(
    alice, twilio, slack, mailoutbox
):
    answer = alice.post("/api/v1/people/alice/test-page")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["person"], body["requested_by"], body["under_way"]) == ("alice", "alice", True)
    # Her rules' channels first, then every other address she has.
    assert [(r["channel"], r["to"]) for r in body["results"]] == [
        ("slack", "U0ALICE"),
        ("sms", ALICE),
        ("voice", ALICE),
        ("email", "alice@example.com"),
    ]
    run_queued_tasks()

    sms = twilio.expect_sms(to=ALICE, containing=TEXT)
    call = twilio.expect_call(to=ALICE)
    slack.expect_message(to="U0ALICE", containing=TEXT)
    assert TEXT in mailoutbox[0].subject
    twilio.expect_nothing_more()
    slack.expect_nothing_more()  # only her DM: the team channel hears nothing of it

    twilio.deliver_sms(sms)
    said = " ".join(twilio.answer_call(call) and call.said)
    assert TEXT in said
    assert "Press 1" not in said
    twilio.complete_call(call)
    found = results(alice)
    assert {channel: state for channel, (state, _) in found.items()} == {
        "slack": "sent",  # Slack and email say no more than that the provider took it
        "sms": "delivered",
        "voice": "delivered",
        "email": "sent",
    }
    assert (found["sms"][1], found["voice"][1]) == ("delivered", "answered")
    assert alice.get("/api/v1/people/alice/test-page").json()["under_way"] is False
    # Not a dispatch: nothing on the board, no pages counted.
    assert not Event.objects.exists()


def test_a_number_that_fails_says_why_and_is_flagged_on_the_roster_check_and_in_the_admin(
    alice, twilio, slack, tmp_path, admin_client
):
    twilio.reject_next_as_invalid_number()  # the SMS
    alice.post("/api/v1/people/alice/test-page")
    run_queued_tasks()
    call = twilio.expect_call(to=ALICE)
    twilio.complete_call(call, status="no-answer")

    found = results(alice)
    assert found["sms"][0] == "failed"
    assert "21211" in found["sms"][1]
    assert found["voice"] == ("failed", "not reached: no-answer")
    # A failed test page moves no rule forward and pages nobody.
    assert Notification.objects.exclude(kind="test").count() == 0

    roster = {
        "people": [
            {"handle": "alice", "name": "Alice", "timezone": "America/Chicago", "phone": ALICE}
        ]
    }
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster))
    err = StringIO()
    call_command("load_roster", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    [warning] = [line for line in err.getvalue().splitlines() if "test page" in line]
    assert warning.startswith(f"warning: people[0].phone: {ALICE} failed its test page on ")
    assert "sms: twilio 21211" in warning
    assert "voice: not reached: no-answer" in warning

    # A file that gives her a new number is not warned: the new one is untested.
    roster["people"][0]["phone"] = "+13125550188"
    path.write_text(yaml.safe_dump(roster))
    err = StringIO()
    call_command("load_roster", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    assert "test page" not in err.getvalue()

    listing = admin_client.get("/admin/rosters/person/").content.decode()
    assert f"failed: sms {ALICE}; voice {ALICE}" in listing
    page = admin_client.get(f"/admin/rosters/person/{alice.person.pk}/change/").content.decode()
    assert "FAILED · sms" in page
    assert "Send a test page" in page


def test_a_test_page_is_never_held_back_by_the_limits_and_counts_against_none(alice, twilio, slack):
    # Five SMS in the last minutes: a sixth page would wait for a bundle; a test page doesn't.
    now = timezone.now()
    for _ in range(5):
        Notification.objects.create(
            person=alice.person, channel="sms", state="sent", sent_at=now, due_at=now
        )
    alice.post("/api/v1/people/alice/test-page")
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing=TEXT)
    assert results(alice)["sms"][0] == "sent"


def test_twice_within_a_minute_is_a_clear_429_and_a_minute_later_it_goes(alice, twilio, slack):
    assert alice.post("/api/v1/people/alice/test-page").status_code == 202
    again = alice.post("/api/v1/people/alice/test-page")
    assert again.status_code == 429
    assert int(again["Retry-After"]) <= 60
    assert "less than a minute ago" in again.json()["detail"]
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert alice.post("/api/v1/people/alice/test-page").status_code == 202


def test_who_may_test_page_whom(alice, django_user_model, grid_ops, twilio, slack):
    bob = login(django_user_model, "bob")  # a responder on the same team
    grid_ops.members.add(bob.person)
    lena = login(django_user_model, "lena", role=Role.LEAD)  # grid-ops' lead
    grid_ops.members.add(lena.person)
    other_lead = login(django_user_model, "omar", role=Role.LEAD)  # a lead of another team
    TeamFactory(slug="market-ops").members.add(other_lead.person)
    nobody = APIClient()
    nobody.credentials(
        HTTP_AUTHORIZATION=f"Token {person_token(django_user_model.objects.create_user('viewer'))}"
    )
    staff = APIClient()
    staff.force_authenticate(django_user_model.objects.create_user("ops", is_staff=True))

    for refused in (bob, other_lead, nobody):
        answer = refused.post("/api/v1/people/alice/test-page")
        assert answer.status_code == 403, answer.content
        assert "You may not send alice a test page" in answer.json()["detail"]
        assert refused.get("/api/v1/people/alice/test-page").status_code == 403
    assert not Notification.objects.exists()

    assert lena.post("/api/v1/people/alice/test-page").json()["requested_by"] == "lena"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert staff.post("/api/v1/people/alice/test-page").json()["requested_by"] == "ops"
    assert APIClient().post("/api/v1/people/alice/test-page").status_code in (401, 403)
    # A source's token pages through events only.
    source = APIClient()
    source.credentials(HTTP_AUTHORIZATION="Bearer not-a-person")
    assert source.post("/api/v1/people/alice/test-page").status_code in (401, 403)


@pytest.mark.parametrize(
    "handle",
    ["nobody", "ALICE", "alice%00", "%00", "al ice", "a" * 300, "alice%0A", "%F0%9F%93%9F"],
)
def test_a_handle_that_is_nobody_is_404_never_500(alice, handle):
    assert alice.post(f"/api/v1/people/{handle}/test-page").status_code == 404
    assert alice.get(f"/api/v1/people/{handle}/test-page").status_code == 404


def test_a_hostile_body_is_ignored_and_someone_with_no_address_gets_a_clear_400(
    django_user_model, twilio, slack
):
    ghost = login(django_user_model, "ghost", phone="", email="", slack_user_id="")
    answer = ghost.post(
        "/api/v1/people/ghost/test-page", b"\xff{not json", content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "ghost has no phone number, email address or Slack user id: there is nothing "
        "to test."
    }
    assert results(ghost, "ghost") == {}


def test_a_contact_rule_without_its_address_fails_its_test_saying_so(
    django_user_model, twilio, slack
):
    carol = login(django_user_model, "carol", phone="", email="carol@example.com", slack_user_id="")
    ContactRuleFactory(person=carol.person, position=0, channel="sms")
    carol.post("/api/v1/people/carol/test-page")
    run_queued_tasks()
    found = results(carol, "carol")
    assert found["sms"] == ("failed", "carol has no phone number")
    assert found["email"][0] == "sent"


def test_send_me_a_test_page_on_the_profile_page(alice, client, twilio, slack):
    client.force_login(alice.person.user)
    answer = client.post("/profile/test-page")
    assert answer.status_code == 302
    assert answer["Location"] == "/profile#test-page"
    page = client.get("/profile").content.decode()
    assert "Test page sent on each of your contact methods" in page
    assert 'hx-trigger="every 2s"' in page  # waiting for the providers
    run_queued_tasks()
    twilio.expect_sms(to=ALICE, containing=TEXT)
    fragment = client.get("/profile/test-page").content.decode()
    assert "+13125550101" in fragment
    assert "sent" in fragment
    assert client.post("/profile/test-page").status_code == 302
    assert "less than a minute ago" in client.get("/profile").content.decode()


def test_a_login_with_no_person_has_no_test_page_to_send(django_user_model, client):
    client.force_login(django_user_model.objects.create_user("viewer"))
    assert client.post("/profile/test-page").status_code == 404
    assert client.get("/profile/test-page").status_code == 404
    assert not Notification.objects.exists()
