"""Which teams a source may page, and the ids that are edrops' own. A leaked test token must not
page another desk, nor learn which desks exist, nor close the alarms edrops raises itself."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from edrops.models import Event, RejectedMessage, Source
from edrops.services.rejections import BAD_MESSAGES_EXTERNAL_ID
from tests.edrops.conftest import MISO, example
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

PD_URL = "/api/v1/integrations/pagerduty/v2/enqueue"
AM_URL = "/api/v1/integrations/alertmanager"


@pytest.fixture
def market_ops(db):
    return TeamFactory(slug="market-ops")


def test_a_team_the_source_was_not_given_and_one_that_doesnt_exist_get_the_same_403(
    sender, market_ops
):
    elsewhere = sender.post("/api/v1/events", {**MISO, "team": "market-ops"}, format="json")
    nowhere = sender.post("/api/v1/events", {**MISO, "team": "no-such-desk"}, format="json")

    assert (elsewhere.status_code, nowhere.status_code) == (403, 403)
    assert elsewhere.json() == {
        "detail": "This source may not page team 'market-ops'. A source pages its own team and "
        "the teams it was given (may_page)."
    }
    assert nowhere.json()["detail"] == elsewhere.json()["detail"].replace(
        "market-ops", "no-such-desk"
    )
    assert Event.objects.count() == 0
    kept = RejectedMessage.objects.order_by("received_at", "id")
    assert [k.errors for k in kept] == [elsewhere.json(), nowhere.json()]
    assert b'"team":"market-ops"' in bytes(kept[0].raw_body)


def test_a_source_pages_its_own_team_by_name_and_the_teams_it_was_given(sender, source, market_ops):
    own = sender.post("/api/v1/events", {**MISO, "team": "grid-ops"}, format="json")
    source.may_page.add(market_ops)
    given = sender.post(
        "/api/v1/events", {**MISO, "external_id": "M-2", "team": "market-ops"}, format="json"
    )

    assert (own.status_code, given.status_code) == (202, 202)
    assert sorted(Event.objects.values_list("team__slug", flat=True)) == ["grid-ops", "market-ops"]


def test_a_revision_may_not_move_an_event_to_a_team_the_source_was_not_given(sender, market_ops):
    sender.post("/api/v1/events", MISO, format="json")

    moved = sender.post(
        "/api/v1/events", {**MISO, "revision": 1, "team": "market-ops"}, format="json"
    )

    assert moved.status_code == 403
    assert Event.objects.get().team.slug == "grid-ops"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/events", {**MISO, "external_id": "edrops:silent:2026"}, "external_id"),
        (PD_URL, {**example("pagerduty-v2-trigger.json"), "dedup_key": "edrops:x"}, "dedup_key"),
        (
            AM_URL,
            {**example("alertmanager-v4.json"), "alerts": [
                {**example("alertmanager-v4.json")["alerts"][0], "fingerprint": "edrops:y"}
            ]},
            "alerts",
        ),
    ],
)  # fmt: skip
def test_ids_starting_edrops_are_ours_and_refused_from_every_sender(
    sender, source_and_token, url, body, field
):
    if url == PD_URL:
        body = {**body, "routing_key": source_and_token[1]}

    refused = sender.post(url, body, format="json")

    assert refused.status_code == 400
    said = str(refused.json())
    assert field in said
    assert "Ids starting with 'edrops:' are edrops' own" in said
    assert Event.objects.count() == 0
    assert RejectedMessage.objects.count() == 1


def test_a_sender_cannot_close_the_alarm_about_its_own_bad_messages(sender):
    for n in range(3):
        sender.post("/api/v1/events", {"external_id": f"X-{n}"}, format="json")
    alarm = Event.objects.get(external_id=BAD_MESSAGES_EXTERNAL_ID)

    closing = sender.post(
        "/api/v1/events",
        {"external_id": BAD_MESSAGES_EXTERNAL_ID, "summary": "all good", "status": "completed",
         "revision": 99},
        format="json",
    )  # fmt: skip

    assert closing.status_code == 400
    alarm.refresh_from_db()
    assert alarm.status == "triggered"


def test_create_source_may_page_names_the_teams_besides_its_own(team, market_ops):
    TeamFactory(slug="pjm-desk")
    out = StringIO()

    call_command(
        "create_source", "feed", "--team", "grid-ops", "--may-page", "market-ops,pjm-desk",
        stdout=out,
    )  # fmt: skip

    assert "team grid-ops (may also page market-ops, pjm-desk)" in out.getvalue()
    with pytest.raises(CommandError, match="no team with slug nope"):
        call_command(
            "create_source", "feed2", "--team", "grid-ops", "--may-page", "nope", stdout=out
        )


def test_a_roster_files_sources_may_page_is_the_whole_list_and_left_out_leaves_it(
    tmp_path, team, market_ops
):
    path = tmp_path / "roster.yaml"

    def load(source: dict) -> str:
        entry = {"name": "feed", "team": "grid-ops", **source}
        path.write_text(yaml.safe_dump({"sources": [entry]}))
        out = StringIO()
        call_command("load_roster", str(path), stdout=out)
        return out.getvalue()

    load({"may_page": ["market-ops"]})
    feed = Source.objects.get(name="feed")
    assert [t.slug for t in feed.may_page.all()] == ["market-ops"]
    assert "no changes" in load({"may_page": ["market-ops"]})
    load({})
    assert [t.slug for t in feed.may_page.all()] == ["market-ops"]
    load({"may_page": []})
    assert list(feed.may_page.all()) == []

    path.write_text(yaml.safe_dump({"sources": [{"name": "feed", "team": "grid-ops",
                                                 "may_page": ["nope"]}]}))  # fmt: skip
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_roster", str(path), stdout=StringIO(), stderr=err)
    assert "sources[0].may_page[0]: no team nope in this file or the database" in err.getvalue()


def test_the_admin_gives_a_source_the_teams_it_may_page(admin_client, source, market_ops):
    page = admin_client.get(f"/admin/edrops/source/{source.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "may_page"}
    data |= {"team": source.team_id, "may_page": [market_ops.pk]}

    saved = admin_client.post(f"/admin/edrops/source/{source.pk}/change/", data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert [t.slug for t in source.may_page.all()] == ["market-ops"]
