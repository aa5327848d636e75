"""edrops.db.insert_unless_exists: a row and the rows that belong to it, all or none."""

import uuid

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from edrops.db import add, insert_unless_exists
from edrops.models import Event, EventRevision, Tally, TimelineEntry
from edrops.services import escalation, tallies

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


# --- The fast insert can't drift silently ---------------------------------------------------
# insert_unless_exists writes rows without save(): on PostgreSQL one statement, elsewhere plain
# INSERTs. What save() would do beyond writing the fields must not exist for these models, and
# what it writes must be what the ORM writes.

FAST_INSERTED = (Event, EventRevision, TimelineEntry, OrmQ)


def four_rows(source, external_id: str) -> tuple[Event, list]:
    """A new event as ingest builds it: the event, its revision, its `received` entry and its
    first step's task row."""
    event, rows = new_event(source, external_id)
    escalation.arm_first_step(event=event, now=event.created_at)
    return event, [*rows, escalation.step_task_row(event=event, now=event.created_at)]


def readback(obj) -> dict:
    """Every column as stored, but the keys that are meant to differ between two copies."""
    model = type(obj)
    if obj.pk is not None:
        stored = model.objects.get(pk=obj.pk)
    elif model is OrmQ:  # ids the database assigned are not read back by the fast insert
        stored = OrmQ.objects.get(payload=obj.payload, key=obj.key)
    else:
        stored = model.objects.get(event_id=obj.event_id)
    skip = {"id", "event", "external_id", "payload"}
    fields = [f for f in type(obj)._meta.concrete_fields if f.name not in skip]
    return {f.name: getattr(stored, f.attname) for f in fields}


def test_every_column_of_the_four_rows_reads_back_as_the_orm_writes_it(source):
    with time_machine.travel(timezone.now(), tick=False):
        fast, fast_rows = four_rows(source, "SI-FAST")
        orm, orm_rows = four_rows(source, "SI-ORM")
    # The task's payload carries its own id; the same task can't be queued twice, so the
    # ORM's copy gets its own and the payloads are compared by the next test.

    insert_unless_exists(row=fast, unique=("source", "external_id"), with_rows=fast_rows)
    with transaction.atomic():
        for obj in (orm, *orm_rows):
            obj.save(force_insert=True)

    for mine, theirs in zip((fast, *fast_rows), (orm, *orm_rows), strict=True):
        assert readback(mine) == readback(theirs), type(mine).__name__


def test_no_save_override_or_signal_receiver_that_the_fast_insert_would_skip():
    for model in FAST_INSERTED:
        assert model.save is Model.save, f"{model.__name__}.save is overridden"
        for signal in (pre_save, post_save):
            assert not signal.has_listeners(model), f"{model.__name__} has a {signal} receiver"


def test_the_hand_built_task_row_is_the_one_django_q2_builds(source):
    event, _ = new_event(source, "SI-TASK")
    escalation.arm_first_step(event=event, now=event.created_at)
    ours = escalation.step_task_row(event=event, now=event.created_at)
    escalation.queue_step(event=event)  # django-q2's own async_task and broker
    theirs = OrmQ.objects.get()

    mine, real = SignedPackage.loads(ours.payload), SignedPackage.loads(theirs.payload)
    for varying in ("id", "started"):
        mine.pop(varying), real.pop(varying)
    assert mine == real
    assert ours.key == theirs.key
    assert ours.lock == event.created_at, "waiting in the queue from the moment of the insert"


# --- Counters ride along ---------------------------------------------------------------------


def received_count() -> float:
    return sum(
        Tally.objects.filter(metric="edrops_events_received").values_list("value", flat=True)
    )


def test_a_counter_is_added_to_only_when_the_row_went_in_and_in_the_same_statement(source):
    event, rows = new_event(source, "SI-COUNT")
    count = [tallies.received(source=source, integration="native", outcome=202)]

    with CaptureQueriesContext(connection) as statements:
        assert insert_unless_exists(
            row=event, unique=("source", "external_id"), with_rows=rows, and_add=count
        )
    again, rows = new_event(source, "SI-COUNT")
    assert not insert_unless_exists(
        row=again, unique=("source", "external_id"), with_rows=rows, and_add=count
    )

    assert received_count() == 1
    if connection.vendor == "postgresql":
        assert len(statements) == 1


def test_additions_to_one_series_add_up_across_its_shards(source):
    for _ in range(3 * Tally.SHARDS):
        add([tallies.received(source=source, integration="native", outcome=202, n=2)])

    assert received_count() == 6 * Tally.SHARDS
    assert Tally.objects.count() <= Tally.SHARDS
