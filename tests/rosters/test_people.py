from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from rosters.models import Person
from rosters.selectors import contact_plan

pytestmark = pytest.mark.django_db


def person(**fields) -> Person:
    return Person(**{"handle": "alice", "name": "Alice Ng", "timezone": "America/Chicago"} | fields)


def test_a_phone_number_is_stored_in_e164_however_it_was_typed():
    alice = person(phone="+1 (312) 555-0101")
    alice.full_clean()
    assert alice.phone == "+13125550101"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "555-0101", "international format"),
        ("timezone", "Chicago", "not an IANA time zone"),
        ("handle", "Alice Ng", "lowercase letters"),
    ],
)
def test_bad_contact_details_are_refused_with_a_message_that_says_what_to_write(
    field, value, message
):
    with pytest.raises(ValidationError) as refused:
        person(**{field: value}).full_clean()
    assert message in " ".join(refused.value.message_dict[field])


def test_working_hours_are_read_in_the_persons_own_time_zone():
    alice = person(work_starts=time(8), work_ends=time(18))
    # 13:30 UTC in July is 08:30 CDT; 23:30 UTC is 18:30 CDT.
    assert alice.is_working(datetime(2026, 7, 14, 13, 30, tzinfo=UTC))
    assert not alice.is_working(datetime(2026, 7, 14, 23, 30, tzinfo=UTC))


def test_overnight_working_hours_wrap_past_midnight():
    night_shift = person(work_starts=time(22), work_ends=time(6))
    assert night_shift.is_working(datetime(2026, 7, 14, 8, 0, tzinfo=UTC))  # 03:00 CDT
    assert not night_shift.is_working(datetime(2026, 7, 14, 17, 0, tzinfo=UTC))  # 12:00 CDT


def test_without_rules_a_person_with_a_phone_gets_sms_then_a_call_a_minute_later():
    alice = person(phone="+13125550101", slack_user_id="U0ALICE")
    alice.save()
    assert [(s.channel, s.delay) for s in contact_plan(person=alice)] == [
        ("sms", timedelta(0)),
        ("voice", timedelta(minutes=1)),
    ]


def test_without_rules_or_phone_slack_is_used_instead_of_email():
    bob = person(handle="bob", slack_user_id="U0BOB", email="bob@example.com")
    bob.save()
    assert [s.channel for s in contact_plan(person=bob)] == ["slack"]


def test_a_persons_own_rules_are_used_in_their_order():
    alice = person(phone="+13125550101")
    alice.save()
    alice.contact_rules.create(position=0, channel="slack", delay=timedelta(0))
    alice.contact_rules.create(position=1, channel="voice", delay=timedelta(minutes=2))
    assert [(s.channel, s.delay) for s in contact_plan(person=alice)] == [
        ("slack", timedelta(0)),
        ("voice", timedelta(minutes=2)),
    ]


def test_outside_working_hours_the_next_start_is_the_next_local_morning():
    alice = person(work_starts=time(8), work_ends=time(18))
    evening = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)  # 18:30 CDT
    early = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)  # 05:00 CDT
    at_work = datetime(2026, 7, 14, 15, 0, tzinfo=UTC)  # 10:00 CDT

    assert alice.next_working_start(evening).isoformat() == "2026-07-15T08:00:00-05:00"
    assert alice.next_working_start(early).isoformat() == "2026-07-14T08:00:00-05:00"
    assert alice.next_working_start(at_work) == at_work
