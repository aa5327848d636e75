"""edrops.db.insert_unless_exists: a row and the rows that belong to it, all or none."""

import uuid

import pytest
from django.utils import timezone

from edrops.db import insert_unless_exists
from edrops.models import Event, EventRevision, TimelineEntry

pytestmark = pytest.mark.django_db


def new_event(source, external_id: str) -> tuple[Event, list]:
    now = timezone.now()
    event = Event(
        id=uuid.uuid4(),
        source=source,
        team=source.team,
        external_id=external_id,
        summary="MISO LMR: curtail 12.5 MW",
        mw="12.5",
        details={"reason": "forced outages", "nested": [1, {"a": None}]},
        respond_by=now,
        created_at=now,
        updated_at=now,
    )
    rows = [
        EventRevision(event=event, revision=0, sender_status="active", received_at=now, body={}),
        TimelineEntry(event=event, at=now, kind=TimelineEntry.Kind.RECEIVED, detail="first"),
    ]
    return event, rows


def test_a_new_row_goes_in_with_its_rows_and_reads_back_as_written(source):
    event, rows = new_event(source, "SI-1")

    assert insert_unless_exists(row=event, unique=("source", "external_id"), with_rows=rows)

    stored = Event.objects.get(pk=event.pk)
    assert (stored.mw, stored.details, stored.respond_by) == (
        pytest.approx(12.5),
        {"reason": "forced outages", "nested": [1, {"a": None}]},
        event.respond_by,
    )
    assert stored.revisions.count() == 1
    assert list(stored.timeline.values_list("detail", flat=True)) == ["first"]
    event.summary = "saved again"
    event.save()  # an UPDATE: the instance knows it is in the database
    assert Event.objects.get(pk=event.pk).summary == "saved again"


def test_a_row_that_exists_writes_nothing_of_what_belongs_to_it(source):
    first, rows = new_event(source, "SI-1")
    insert_unless_exists(row=first, unique=("source", "external_id"), with_rows=rows)
    again, rows = new_event(source, "SI-1")

    assert not insert_unless_exists(row=again, unique=("source", "external_id"), with_rows=rows)

    assert list(Event.objects.values_list("pk", flat=True)) == [first.pk]
    assert (EventRevision.objects.count(), TimelineEntry.objects.count()) == (1, 1)
