"""OpenADR sources without a VTN: the mapping tables, the answers owed (acknowledge, decline,
respond-by), the leases between ven processes, decline by API and SMS, readiness."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from edrops import services
from edrops.models import Event, Opt, OptAnswer, ProcessCheckIn, Vtn
from edrops.openadr import mapping2b, mapping3, vtns
from edrops.openadr.client2b import event_xml
from edrops.selectors import readiness
from edrops.services import opt_answers
from edrops.services.replies import handle_reply, parse_sms
from notifications import services as notifications
from notifications.content import PageContent
from notifications.models import Channel
from notifications.rendering import ack_instruction
from notifications.slack_blocks import render_page

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 7, 14, 17, 15, tzinfo=UTC)
HOURS_2 = timedelta(hours=2)


def oadr_event(**descriptor) -> dict:
    """An oadrEvent as OpenLEADR parses it: 12,500 kW of LOAD_DISPATCH in 45 minutes."""
    return {
        "event_descriptor": {
            "event_id": "pjm-lm-0412", "modification_number": 2, "event_status": "near",
            "market_context": "oadr://pjm.example/programs/load-management",
            "test_event": False, "priority": 1, **descriptor,
        },
        "active_period": {"dtstart": T0 + timedelta(minutes=45), "duration": timedelta(hours=2)},
        "event_signals": [{
            "signal_name": "LOAD_DISPATCH", "signal_type": "setpoint",
            "intervals": [{"dtstart": T0, "duration": HOURS_2, "signal_payload": 12500.0}],
            "measurement": {"name": "powerReal", "unit": "W", "scale": "k"},
        }],
        "targets": [{"ven_id": "ven-1"}],
        "response_required": "always",
    }  # fmt: skip


@pytest.fixture
def vtn(source):
    return services.connect_vtn(
        source=source,
        vtn=services.VtnSettings(
            protocol=Vtn.Protocol.OPENADR_2B, url="https://vtn.example/OpenADR2/Simple/2.0b",
            ven_name="edrops", poll_interval=timedelta(seconds=5),
        ),
    )  # fmt: skip


def received(vtn, **descriptor) -> Event:
    return vtns.receive_2b(vtn=vtn, event=oadr_event(**descriptor), xml="<x/>", now=T0).result.event


def test_a_2b_event_maps_as_the_table_says():
    data = mapping2b.event_input(event=oadr_event(), xml="<oadrEvent/>", vtn_name="pjm")

    assert (data.external_id, data.revision, data.status) == ("pjm-lm-0412", 2, "scheduled")
    assert data.mw == Decimal("12.500")
    assert (data.starts_at, data.ends_at) == (
        T0 + timedelta(minutes=45),
        T0 + timedelta(hours=2, minutes=45),
    )
    assert data.program == "oadr://pjm.example/programs/load-management"
    assert data.test is False
    assert data.body == {"xml": "<oadrEvent/>", "event_id": "pjm-lm-0412"}
    assert data.integration == "openadr2b"


@pytest.mark.parametrize(
    ("status", "ours"),
    [("far", "scheduled"), ("near", "scheduled"), ("active", "active"),
     ("cancelled", "cancelled"), ("completed", "completed")],
)  # fmt: skip
def test_2b_statuses_map_to_the_ingest_statuses(status, ours):
    data = mapping2b.event_input(event=oadr_event(event_status=status), xml="", vtn_name="v")
    assert data.status == ours


def test_a_long_market_context_is_shortened_in_program_and_whole_in_details():
    uri = "oadr://iso.example/" + "p" * 100
    data = mapping2b.event_input(event=oadr_event(market_context=uri), xml="", vtn_name="v")
    assert len(data.program) == 64
    assert data.details["market_context"] == uri


def test_a_simple_level_is_not_power_and_test_events_are_tests():
    event = oadr_event(test_event="true")
    event["event_signals"][0].update(signal_name="SIMPLE", signal_type="level", measurement=None)
    event["event_signals"][0]["intervals"][0]["signal_payload"] = 2
    data = mapping2b.event_input(event=event, xml="", vtn_name="v")
    assert data.mw is None
    assert data.test is True
    assert data.details["signal"] == {"name": "SIMPLE", "type": "level", "value": 2}


def test_the_revision_body_is_the_one_oadr_event_of_the_message():
    message = (
        '<p xmlns:oadr="o" xmlns:ei="e"><oadr:oadrEvent><ei:eventID>a</ei:eventID></oadr:oadrEvent>'
        "<oadr:oadrEvent><ei:eventID>b</ei:eventID></oadr:oadrEvent></p>"
    )
    assert "<ei:eventID>b</ei:eventID>" in event_xml(message, "b")
    assert "<ei:eventID>a</ei:eventID>" not in event_xml(message, "b")
    assert event_xml("not xml <", "b") == "not xml <"


def test_an_openadr3_event_maps_its_interval_period_and_capacity_limit():
    event = {
        "id": "evt-1", "programID": "p1", "eventName": "Peak",
        "payloadDescriptors": [{"payloadType": "EXPORT_CAPACITY_LIMIT", "units": "MW"}],
        "intervalPeriod": {"start": "2026-07-14T18:00:00Z", "duration": "PT1H30M"},
        "intervals": [{"id": 0, "payloads": [{"type": "EXPORT_CAPACITY_LIMIT", "values": [4.2]}]}],
        "targets": ["group-1"],
    }  # fmt: skip
    data = mapping3.event_input(event=event, program_name="pjm-lm", vtn_name="v", now=T0)
    assert (data.status, data.mw, data.program) == ("scheduled", Decimal("4.200"), "pjm-lm")
    assert data.ends_at - data.starts_at == timedelta(hours=1, minutes=30)
    assert data.details["targets"] == ["group-1"]
    assert mapping3.parse_duration("P9999Y") > mapping3.FOREVER
    assert mapping3.parse_duration("nonsense") is None


def test_nothing_is_owed_before_an_ack_and_acknowledging_owes_opt_in_at_the_current_revision(
    vtn, alice
):
    event = received(vtn)
    assert OptAnswer.objects.count() == 0
    assert [t.detail for t in event.timeline.filter(kind="vtn")] == [
        "told the VTN optOut (modificationNumber 2)"
    ]

    services.acknowledge(event=event, by=alice, via="web", at=T0)

    [answer] = vtns_owed(vtn)
    assert (answer.opt, answer.reason, answer.event.revision) == ("optIn", "acknowledged", 2)
    # Resent by the VTN later: the answer is now what the person said.
    assert received(vtn, modification_number=3).revision == 3
    assert (
        vtns.receive_2b(vtn=vtn, event=oadr_event(modification_number=3), xml="", now=T0).answer
        == "optIn"
    )


def vtns_owed(vtn):
    return opt_answers.owed_answers(source_ids=[vtn.pk])


def test_decline_by_the_api_resolves_it_as_declined_and_owes_opt_out(vtn, alice, responder):
    event = received(vtn)

    answer = responder.post(f"/api/v1/events/{event.pk}/decline")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "resolved"
    assert body["timeline"][-1]["detail"].endswith("(declined)")
    assert [(a.opt, a.reason) for a in vtns_owed(vtn)] == [("optOut", "declined")]
    assert responder.post(f"/api/v1/events/{event.pk}/decline").json()["status"] == "resolved"
    assert OptAnswer.objects.count() == 1, "declined once"


def test_sms_decline_4_is_read_as_decline():
    assert (parse_sms("Decline 4").kind, parse_sms("decline 4").code) == ("decline", 4)
    assert parse_sms("decline").kind == "unknown"


def test_an_event_nobody_answered_by_respond_by_gets_the_teams_default_once(vtn, team):
    team.unanswered_opt = Opt.IN
    team.save()
    event = received(vtn)

    assert vtns_owed(vtn) == []
    late = event.respond_by + timedelta(seconds=1)
    assert opt_answers.owe_unanswered_defaults(source_ids=[vtn.pk], now=late) == 1
    assert opt_answers.owe_unanswered_defaults(source_ids=[vtn.pk], now=late) == 0
    assert [(a.opt, a.reason) for a in vtns_owed(vtn)] == [("optIn", "unanswered")]


def test_one_ven_process_owns_a_vtn_until_it_stops_renewing(vtn):
    now = timezone.now()
    assert [v.pk for v in vtns.claim_vtns(owner="a:1", now=now)] == [vtn.pk]
    assert vtns.claim_vtns(owner="b:2", now=now + timedelta(seconds=1)) == []
    assert vtns.claim_vtns(owner="a:1", now=now + timedelta(seconds=2)) != []
    # a:1 dies: within a poll interval (5 s) b:2 has it.
    taken = vtns.claim_vtns(owner="b:2", now=now + timedelta(seconds=2 + 5 + 0.1))
    assert [v.owner for v in Vtn.objects.all()] == ["b:2"]
    assert taken


def test_readiness_wants_a_ven_process_once_a_source_reads_a_vtn(source):
    now = timezone.now()
    for role in ("worker", "clock"):
        services.check_in(role=role, now=now, name="h:1")
    assert readiness(now=now).missing == []
    services.connect_vtn(
        source=source,
        vtn=services.VtnSettings(protocol="3", url="https://vtn.example/oadr3", client_id="c",
                                 client_secret="s"),
    )  # fmt: skip
    assert readiness(now=now).missing == ["ven"]
    services.check_in(role=ProcessCheckIn.Role.VEN, now=now, name="h:2")
    assert readiness(now=now).missing == []


def test_create_source_makes_an_openadr_source_and_refuses_half_a_configuration(team, capsys):
    with pytest.raises(CommandError, match="--ven-name"):
        call_command("create_source", "pjm", "--team", "grid-ops", "--openadr2b-vtn", "http://v/")
    call_command(
        "create_source", "pjm", "--team", "grid-ops", "--openadr2b-vtn", "http://vtn:8080/oadr",
        "--ven-name", "edrops", "--poll-interval", "3s", "--default-opt", "optIn",
    )  # fmt: skip
    vtn = Vtn.objects.get(source__name="pjm")
    assert (vtn.protocol, vtn.ven_name, vtn.default_opt) == ("2.0b", "edrops", "optIn")
    assert vtn.source.heartbeat_interval == timedelta(seconds=3), "a dead VTN is a silent source"
    assert "Reads OpenADR 2.0b events" in capsys.readouterr().out


def test_a_roster_files_source_reads_a_vtn_and_its_secret_comes_from_the_environment(
    tmp_path, team, monkeypatch
):
    path = tmp_path / "roster.yaml"

    def load(openadr: dict) -> str:
        entry = {"name": "pjm3", "team": "grid-ops", "openadr": openadr}
        path.write_text(yaml.safe_dump({"sources": [entry]}))
        out = StringIO()
        call_command("load_roster", str(path), stdout=out, stderr=StringIO())
        return out.getvalue()

    oadr3 = {
        "version": "3", "vtn": "http://vtn:8080/openadr3", "client_id": "edrops",
        "client_secret_env": "PJM_VTN_SECRET", "program": "pjm-lm", "poll_interval": "5s",
    }  # fmt: skip
    with pytest.raises(CommandError, match="nothing was changed"):
        load(oadr3)  # $PJM_VTN_SECRET is not set
    monkeypatch.setenv("PJM_VTN_SECRET", "s3cret")
    load(oadr3)
    vtn = Vtn.objects.get(source__name="pjm3")
    assert (vtn.protocol, vtn.client_secret, vtn.program) == ("3", "s3cret", "pjm-lm")
    assert vtn.poll_interval == timedelta(seconds=5)
    assert "no changes" in load(oadr3)
    with pytest.raises(CommandError, match="nothing was changed"):
        load({"version": "2.0b", "vtn": "ftp://vtn/"})


def test_an_sms_decline_4_from_alice_declines_event_4_and_owes_opt_out(vtn, alice, settings):
    settings.TWILIO_ACCOUNT_SID = settings.SLACK_BOT_TOKEN = ""
    alice.phone = "+13125550101"
    alice.save()
    event = received(vtn)
    Event.objects.filter(pk=event.pk).update(ack_code=4)
    reply = notifications.record_reply(
        channel=Channel.SMS, sender=alice.phone, text="Decline 4", raw={"Body": "Decline 4"}
    )

    [answer] = handle_reply(reply_id=reply.pk, now=timezone.now())

    assert answer == "4: resolved by alice via sms (declined)."
    event.refresh_from_db()
    assert event.status == "resolved"
    assert [(a.opt, a.reason) for a in vtns_owed(vtn)] == [("optOut", "declined")]


def test_an_openadr_page_in_slack_has_a_decline_button():
    content = PageContent(summary="OpenADR LOAD_DISPATCH", ack_code="4", declinable=True)
    _, blocks = render_page(content, tz=UTC, now=T0, reference="e-1")
    buttons = [e["action_id"] for e in blocks[-1]["elements"]]
    assert buttons == ["acknowledge", "decline"]
    assert ack_instruction(content) == "Reply 4 to ack, 'decline 4' to opt out."


def test_an_openadr3_vtns_webhook_needs_the_subscriptions_token_and_takes_its_event(client, source):
    vtn = services.connect_vtn(
        source=source,
        vtn=services.VtnSettings(protocol="3", url="https://vtn.example/oadr3", client_id="c",
                                 client_secret="s", program="pjm-lm"),
    )  # fmt: skip
    vtns.arm_hook(vtn=vtn, token="hook-secret")
    url = f"/hooks/openadr3/{source.name}"
    event = {"id": "evt-9", "programID": "p", "intervalPeriod": {"start": "2030-01-01T00:00:00Z"},
             "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [2]}]}]}  # fmt: skip
    notification = {"objectType": "EVENT", "operation": "CREATE", "object": event}

    def post(body, token="hook-secret", **kwargs):
        return client.post(url, body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"}, **kwargs)  # fmt: skip

    assert post(notification, token="wrong").status_code == 401
    assert post("{not json", token="hook-secret").status_code == 400
    assert post({"objectType": "EVENT", "object": {"id": 7}}).status_code == 400
    assert Event.objects.count() == 0
    assert post(notification).json() == {"changed": True}
    assert post(notification).json() == {"changed": False}, "the same again changes nothing"
    [got] = Event.objects.all()
    assert (got.external_id, got.details["level"], got.program) == ("evt-9", 2, "pjm-lm")
    assert post({**notification, "operation": "DELETE"}).json() == {"changed": True}
    got.refresh_from_db()
    assert got.status == "cancelled"
