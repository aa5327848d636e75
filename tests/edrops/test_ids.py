"""Event ids are time-ordered UUIDs (edrops/ids.py)."""

import time
import uuid

import time_machine

from edrops.ids import uuid7


def test_ids_are_version_7_and_sort_in_the_order_they_were_made():
    made = []
    for _ in range(5):
        made.append(uuid7())
        time.sleep(0.002)

    assert [u.version for u in made] == [7] * 5
    assert all(u.variant == uuid.RFC_4122 for u in made)
    assert sorted(made) == made


def test_ids_made_in_the_same_millisecond_still_differ_and_carry_their_time():
    with time_machine.travel(1_790_000_000.1235, tick=False):
        made = {uuid7() for _ in range(1000)}

    assert len(made) == 1000
    assert {u.int >> 80 for u in made} == {1_790_000_000_123}
