"""`load_roster` on hostile files: every one is a clear error naming where it is, exit status 1,
and nothing written; never a traceback."""

import pytest

from tests.factories import PersonFactory
from tests.rosters.test_roster_file import load, snapshot

pytestmark = pytest.mark.django_db

TEAM = "teams:\n  - {slug: t, name: T, members: [a]"
PERSON = "people:\n  - {handle: a, name: A, timezone: UTC}\n"

CASES = {
    "a list at the top": ("- handle: alice\n", "(file): expected a mapping"),
    "a scalar at the top": ("42\n", "(file): expected a mapping"),
    "a list of lists at the top": ("- [a, b]\n", "(file): expected a mapping"),
    "sources that is text": ('sources: "miso"\n', "sources: expected a list, not str"),
    "teams that is a number": ("teams: 5\n", "teams: expected a list, not int"),
    "teams that is text": ("teams: abc\n", "teams: expected a list, not str"),
    "a team that is a list": ("teams:\n  - [a, b]\n", "teams[0]: expected a mapping"),
    "a team whose slug is a list": (
        "teams:\n  - {slug: [x], name: T, members: x}\n",
        "teams[0].slug: expected text, not ['x']",
    ),
    "a source whose team is a mapping": (
        "sources:\n  - {name: s, team: {a: 1}}\n",
        "sources[0].team: expected text, not {'a': 1}",
    ),
    "a handle that is a number": (
        "people:\n  - {handle: 123, name: A, timezone: UTC}\n",
        "people[0].handle: expected text, not 123",
    ),
    "a handle that is a list, with a phone": (
        "people:\n  - {handle: [a], name: A, timezone: UTC, phone: '+13125550101'}\n",
        "people[0].handle: expected text, not ['a']",
    ),
    "a member that is a number": (
        PERSON + "teams:\n  - {slug: t, name: T, members: [1, 2]}\n",
        "teams[0].members: expected a list of handles",
    ),
    "a NUL in a name": (
        'people:\n  - {handle: a, name: "A\\0B", timezone: UTC}\n',
        "people[0].name: NUL characters",
    ),
    "an unpaired surrogate in a handle": (
        'people:\n  - {handle: "a\\ud800", name: A, timezone: UTC}\n',
        "people[0].handle: Unpaired surrogates",
    ),
    "a NUL in a member, a slug and a source's team": (
        PERSON + 'teams:\n  - {slug: "t\\0", name: T, members: ["a\\0"]}\n'
        'sources:\n  - {name: s, team: "x\\0"}\n',
        "teams[0].slug: NUL characters",
    ),
    "a NUL in a target": (
        PERSON + TEAM + ', escalation: {steps: [{notify: ["slack:C\\0"]}]}}\n',
        "teams[0].escalation.steps[0].notify[0]: NUL characters",
    ),
    "an email longer than its column": (
        "people:\n  - {handle: a, name: A, timezone: UTC, email: " + "a" * 300 + "@x.com}\n",
        "people[0].email: At most 254 characters",
    ),
    "a repeat of 23 digits": (
        PERSON + TEAM + ", escalation: {repeat: 99999999999999999999999}}\n",
        "teams[0].escalation.repeat: 99999999999999999999999: expected a whole number",
    ),
    "a wait of 20 digits of weeks": (
        PERSON + TEAM + ", escalation: {steps: [{notify: [team], wait: 99999999999999999999w}]}}\n",
        "teams[0].escalation.steps[0].wait: '99999999999999999999w' is longer than",
    ),
    "a shift of 5000 digits": (
        PERSON
        + TEAM
        + ', rotations: [{name: r, start: "2026-11-02T09:00", shift: '
        + "9" * 5000
        + "w}]}\n",
        "teams[0].rotations[0].shift: ",
    ),
    "a heartbeat of a thousand years": (
        PERSON + TEAM + "}\nsources:\n  - {name: s, team: t, heartbeat: {interval: 52000w}}\n",
        "sources[0].heartbeat.interval: '52000w' is longer than a duration may be (at most 52w)",
    ),
    "a rotation that starts in the year 9999": (
        PERSON + TEAM + ', rotations: [{name: r, start: "9999-12-31T23:00", shift: 1w}]}\n',
        "teams[0].rotations[0].start: 9999-12-31: give a time from 1970 to 2200",
    ),
    "an override in the year 1": (
        PERSON
        + TEAM
        + ', rotations: [{name: r, start: "2026-11-02T09:00", shift: 1w}], '
        + 'overrides: [{rotation: r, person: a, start: "0001-01-01T00:00", '
        + 'end: "2026-01-01T00:00"}]}\n',
        "teams[0].overrides[0].start: ",
    ),
    "a number of 5000 digits": ("repeat: " + "9" * 5000 + "\n", "not valid YAML"),
    "nesting 5000 deep": ("people: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML"),
    "a python object tag": (
        'people: !!python/object/apply:os.system ["echo owned"]\n',
        "not valid YAML: could not determine a constructor",
    ),
    "a mapping key that is a list": ("? [a, b]\n: 1\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_roster_file_is_a_clear_error_and_changes_nothing(tmp_path, case):
    text, expected = CASES[case]
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    PersonFactory(handle="zed")
    before = snapshot()

    status, out, err = load(path)

    assert status == 1, out
    assert expected in err
    assert "nothing was changed" in err
    assert "Traceback" not in err
    assert snapshot() == before


def test_a_roster_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_bytes(b"\xff\xfe people: []")

    status, _, err = load(path)

    assert status == 1
    assert f"{path}: not UTF-8 text (invalid start byte at byte 0)" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"people": ' + "[" * 5000 + "]" * 5000 + "}", "not valid JSON: nested too deeply"),
        ('{"repeat": ' + "7" * 5000 + "}", "not valid JSON: Exceeds the limit (4300 digits)"),
    ],
    ids=["deep", "digits"],
)
def test_a_hostile_json_roster_file_is_a_clear_error(tmp_path, text, expected):
    path = tmp_path / "roster.json"
    path.write_text(text)

    status, _, err = load(path)

    assert status == 1
    assert expected in err


def test_a_contact_list_longer_than_its_positions_is_an_error(tmp_path):
    rules = ", ".join(["{channel: sms}"] * 32768)
    path = tmp_path / "roster.yaml"
    path.write_text(f"people:\n  - {{handle: a, name: A, timezone: UTC, contact: [{rules}]}}\n")

    status, _, err = load(path)

    assert status == 1
    assert "people[0].contact: at most 32767 entries (this has 32768)" in err


def test_a_member_named_twice_is_one_member_and_the_file_reloads_with_no_changes(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(PERSON + "teams:\n  - {slug: t, name: T, members: [a, a]}\n")

    assert load(path)[0] == 0
    status, out, _ = load(path)

    assert (status, out.splitlines()[-1]) == (0, "no changes")
