"""Properties of `load_roster`, for any file: it loads, or it fails with every problem as
`path: message` and changes nothing; never a traceback. A file that loads loads again with no
changes, and who is on call can be read for every team it wrote."""

import json
import os
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rosters.models import Team
from rosters.selectors import on_call
from tests.rosters.test_roster_file import snapshot

# Each example commits, as the command does outside a test.
pytestmark = pytest.mark.django_db(transaction=True)

PROPERTIES = settings(
    # A few seconds in the suite; PROPERTY_EXAMPLES=2000 for a longer hunt.
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")),
    deadline=None,
    # The database is shared by the examples: people one file made, another may name.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Anything YAML can hold, in small amounts.
odd_text = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(categories=["Cc", "Cs", "Zs"]), max_size=4),
    st.sampled_from(["", "\x00", "\ud800", "x" * 300]),
)
odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**30, -1, 2**63]),
    st.floats(),
    st.dates(),
    st.datetimes(),
    odd_text,
)
anything = st.recursive(
    odd_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)


def roster_files(*, wild: bool):
    """Roster-shaped data. `wild`: each value is sometimes anything at all (most such files
    are refused, somewhere deep); else only plausible values (most load)."""

    def sometimes(good):
        return st.one_of(good, good, good, anything) if wild else good

    handles = st.sampled_from(["alice", "bob", "carol", "Bad Handle", "a\x00", "zed"])
    zones = st.sampled_from(["UTC", "America/Chicago", "Europe/Berlin", "Mars/Olympus"])
    durations = st.sampled_from(["0s", "90s", "2m", "1h", "12h", "1w", "52w", "53w", "5x"])
    local_times = st.sampled_from(
        ["2026-11-02T09:00", "2026-03-08T02:30", "2026-11-01T01:30", "9999-12-31T23:00", "noon"]
    )
    channels = st.sampled_from(["sms", "voice", "slack", "email", "pigeon"])
    targets = st.sampled_from(
        ["team", "rotation:primary", "rotation:nope", "person:alice", "slack:C0X", "person:"]
    )
    if not wild:  # plausible: the values that load
        handles = st.sampled_from(["alice", "bob", "carol"])
        zones = st.sampled_from(["UTC", "America/Chicago", "Europe/Berlin", "Australia/Sydney"])
        durations = st.sampled_from(["0s", "90s", "2m", "1h", "12h", "1d", "1w", "52w"])
        local_times = st.sampled_from(
            ["2026-11-02T09:00", "2026-03-08T02:30", "2026-11-01T01:30", "1970-01-01T00:00"]
        )
        channels = st.sampled_from(["sms", "voice", "slack", "email"])
        targets = st.sampled_from(["team", "rotation:primary", "person:alice", "slack:C0X"])
    names = sometimes(st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=9))

    people = st.fixed_dictionaries(
        {"handle": sometimes(handles), "name": names, "timezone": sometimes(zones)},
        optional={
            "phone": sometimes(st.sampled_from(["+13125550101", "+4930901820"])),
            "email": sometimes(st.sampled_from(["a@example.com", "b@example.org"])),
            "slack_user_id": sometimes(st.sampled_from(["U0A", "U0B", ""])),
            "working_hours": sometimes(st.sampled_from(["08:00-18:00", "22:00-06:00"])),
            "contact": sometimes(
                st.lists(
                    st.fixed_dictionaries(
                        {"channel": sometimes(channels)}, optional={"after": sometimes(durations)}
                    ),
                    max_size=3,
                )
            ),
        },
    )
    rotations = st.fixed_dictionaries(
        {
            "name": sometimes(st.just("primary")),
            "start": sometimes(local_times),
            "shift": sometimes(durations.filter(lambda d: d[-1] in "hdw")),
        },
        optional={
            "people": sometimes(st.lists(handles, max_size=3)),
            "timezone": sometimes(zones),
        },
    )
    overrides = st.fixed_dictionaries(
        {
            "rotation": sometimes(st.just("primary")),
            "person": sometimes(handles),
            "start": sometimes(st.just("2026-11-03T09:00")),
            "end": sometimes(local_times),
        }
    )
    escalation = st.fixed_dictionaries(
        {},
        optional={
            "ack_sla": sometimes(durations),
            "repeat": sometimes(st.integers(min_value=-1 if wild else 0, max_value=3)),
            "steps": sometimes(
                st.lists(
                    st.fixed_dictionaries(
                        {"notify": sometimes(st.lists(targets, min_size=1, max_size=3))},
                        optional={"wait": sometimes(durations)},
                    ),
                    min_size=1,
                    max_size=3,
                )
            ),
        },
    )
    teams = st.fixed_dictionaries(
        {
            "slug": sometimes(st.sampled_from(["grid-ops", "market-ops"])),
            "name": names,
            "members": sometimes(st.lists(handles, max_size=4)),
        },
        optional={
            "timezone": sometimes(zones),
            "slack_channel": sometimes(st.sampled_from(["C0GRID", ""])),
            "rotations": sometimes(st.lists(rotations, max_size=1)),
            "escalation": sometimes(escalation),
        },
    )
    sources = st.fixed_dictionaries(
        {"name": sometimes(st.sampled_from(["miso", "pjm"])), "team": st.just("grid-ops")},
        optional={
            "heartbeat": sometimes(
                st.fixed_dictionaries(
                    {"interval": sometimes(durations)}, optional={"grace": sometimes(durations)}
                )
            )
        },
    )
    team_with_overrides = teams.flatmap(
        lambda t: (
            st.just(t)
            if "rotations" not in t
            else st.lists(overrides, max_size=2).map(lambda o: {**t, "overrides": o})
        )
    )
    people_all = st.lists(people, max_size=3, unique_by=lambda p: str(p.get("handle")))
    return st.fixed_dictionaries(
        {"people": sometimes(people_all)},
        optional={
            "teams": sometimes(
                st.lists(team_with_overrides, max_size=2, unique_by=lambda t: str(t["slug"]))
            ),
            "sources": sometimes(st.lists(sources, max_size=2, unique_by=lambda s: str(s["name"]))),
            **({"shfit": anything} if wild else {}),
        },
    )


# Deferred: its repr (which Hypothesis may print) stays one line instead of 47 kB.
rosters = st.deferred(
    lambda: st.one_of(roster_files(wild=True), roster_files(wild=False), anything)
)


def load(path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("load_roster", str(path), stdout=out, stderr=err)
    except CommandError as e:
        return 1, out.getvalue(), err.getvalue() + str(e)
    return 0, out.getvalue(), err.getvalue()


def written(tmp_path, data, as_json: bool):
    path = tmp_path / ("roster.json" if as_json else "roster.yaml")
    # Escaped, so that any string (a NUL, an unpaired surrogate) reaches the loader as written.
    text = json.dumps(data, default=str) if as_json else yaml.safe_dump(data, allow_unicode=False)
    path.write_text(text, encoding="utf-8")
    return path


def assert_loads_or_says_why(path) -> None:
    before = snapshot()

    status, _, err = load(path)

    event("refused" if status else "loaded")  # --hypothesis-show-statistics: how often each
    if status:
        assert err.strip().endswith("problem(s); nothing was changed."), err
        assert snapshot() == before
        return
    again, out_again, _ = load(path)
    assert (again, out_again.splitlines()[-1]) == (0, "no changes"), path.read_text()
    now = timezone.now()
    for team in Team.objects.all():
        on_call(team=team, at=now)


@PROPERTIES
@given(data=rosters, as_json=st.booleans())
def test_any_roster_structure_loads_or_says_why(tmp_path_factory, data, as_json):
    assert_loads_or_says_why(written(tmp_path_factory.mktemp("roster"), data, as_json))


@PROPERTIES
@given(text=st.text(max_size=200))
def test_any_text_as_a_roster_file_loads_or_says_why(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("roster") / "roster.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_loads_or_says_why(path)
