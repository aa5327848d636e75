"""A row's times, made in Python for speed (edrops/dashboard/rows.py), read exactly as the
template's `date` filter writes them in the viewer's zone: the same digits, the same zone
abbreviation, on either side of a daylight-saving change and in a half-hour zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from edrops.dashboard.rows import NUMERIC, _at

ZONES = ["UTC", "America/Chicago", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]
# Any moment of 2020-2030, to the microsecond: every DST change of those years in it.
moments = st.integers(min_value=0, max_value=11 * 365 * 86_400_000_000).map(
    lambda us: datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
)


@settings(max_examples=300, deadline=None)
@given(at=moments, zone=st.sampled_from(ZONES), shown=st.sampled_from([*NUMERIC, "M j H:i T"]))
def test_a_rows_time_reads_as_the_date_filter_writes_it(at, zone, shown):
    with timezone.override(ZoneInfo(zone)):
        local = timezone.localtime(at)
        expected = {"iso": date_filter(local, "c"), "shown": date_filter(local, shown)}
    assert _at(at, ZoneInfo(zone), shown) == expected


def test_no_time_reads_as_nothing():
    assert _at(None, ZoneInfo("UTC"), "H:i:s T") is None
