"""Checking a roster file (API.md §6): every problem as `path: message`, or a plan to write.

The whole file is checked before anything is written (`rosters.services.roster_file` writes
the plan), so an ops lead fixes the file in one pass and a bad file changes nothing. People
already in the database may be named without being in the file: they are looked up once, here.
"""

import re
from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rosters.columns import text_problem
from rosters.models import Channel, Person, Role, Team
from rosters.roster_file.checker import MAX_LIST, Checker
from rosters.roster_file.plan import PersonPlan, RosterFileError, RosterPlan
from rosters.roster_file.teams import check_team
from rosters.validators import normalize_phone, validate_handle, validate_timezone

TOP_KEYS = ("people", "teams", "sources")
PERSON_KEYS = (
    "handle",
    "name",
    "email",
    "phone",
    "slack_user_id",
    "timezone",
    "working_hours",
    "contact",
    "login",
    "role",
)
HOURS_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _handles_named(teams: list[dict]) -> set[str]:
    """Every handle the teams mention, so people already in the database are looked up in
    one query (they may be named without being in the file)."""

    def strings(value: Any) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def dicts(value: Any) -> list[dict]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    named: set[str] = set()
    for t in teams:
        named |= set(strings(t.get("members")))
        for r in dicts(t.get("rotations")):
            named |= set(strings(r.get("people")))
        named |= {
            o["person"] for o in dicts(t.get("overrides")) if isinstance(o.get("person"), str)
        }
        for key in ("escalation", "test_escalation"):
            escalation = t.get(key) if isinstance(t.get(key), dict) else {}
            for step in dicts(escalation.get("steps")):
                named |= {
                    x.removeprefix("person:")
                    for x in strings(step.get("notify"))
                    if x.startswith("person:")
                }
    return named


def check_roster(data: Any) -> RosterPlan:
    """Every problem in the file, or the plan to write it. Raises RosterFileError(errors)."""
    c = Checker()
    plan = RosterPlan()
    if not isinstance(data, dict):
        raise RosterFileError(["(file): expected a mapping with people:, teams: and sources:"])
    c.keys(data, TOP_KEYS, "")
    people = c.list_of(data, "people", "people", dict)
    teams = c.list_of(data, "teams", "teams", dict)

    file_handles = [p.get("handle") for p in people if isinstance(p.get("handle"), str)]
    # Only what a query can carry is looked up (a NUL can't be sent to PostgreSQL); the rest
    # is reported where it stands.
    wanted = {h for h in set(file_handles) | _handles_named(teams) if not text_problem(h)}
    known = set(file_handles) | set(
        Person.objects.filter(handle__in=wanted).values_list("handle", flat=True)
    )
    reachable = {
        p["handle"]
        for p in people
        if isinstance(p.get("handle"), str)
        and any(p.get(k) for k in ("phone", "email", "slack_user_id"))
    }
    reachable |= set(
        Person.objects.filter(handle__in=wanted - set(file_handles))
        .exclude(phone="", email="", slack_user_id="")
        .values_list("handle", flat=True)
    )

    seen = _unique(
        c, people, "people", lambda raw, path: _check_person(c, raw, path), "handle", plan.people
    )
    _check_logins(c, plan.people, seen)

    existing_teams = {
        t.slug: t
        for t in Team.objects.filter(
            slug__in=[
                t["slug"]
                for t in teams
                if isinstance(t.get("slug"), str) and not text_problem(t["slug"])
            ]
        ).prefetch_related("rotations")
    }
    _unique(
        c,
        teams,
        "teams",
        lambda raw, path: check_team(
            c, raw, path, known=known, reachable=reachable, existing=existing_teams
        ),
        "slug",
        plan.teams,
    )
    plan.warnings = c.warnings
    if c.errors:
        raise RosterFileError(c.errors)
    return plan


def _unique(
    c: Checker,
    raws: list,
    kind: str,
    check: Callable[[dict, str], Any],
    key: str,
    into: list,
) -> dict[str, str]:
    """Check each entry of a list (`people`, `teams`) into `into`, refusing a second entry with
    the same `key`; returns where each key was found (key -> path)."""
    found: dict[str, str] = {}
    for i, raw in enumerate(raws):
        path = f"{kind}[{i}]"
        checked = check(raw, path)
        if checked is None:
            continue
        value = getattr(checked, key)
        if value in found:
            c.error(f"{path}.{key}", f"{value} is already in {found[value]}")
            continue
        found[value] = path
        into.append(checked)
    return found


def _check_person(c: Checker, raw: dict, path: str) -> PersonPlan | None:
    c.keys(raw, PERSON_KEYS, path)
    handle = c.text(raw, "handle", path, required=True, validator=validate_handle, max_length=64)
    fields: dict[str, Any] = {}
    fields["name"] = c.text(raw, "name", path, required=True, max_length=200)
    fields["timezone"] = c.text(raw, "timezone", path, required=True, validator=validate_timezone)
    if "email" in raw:
        fields["email"] = c.text(raw, "email", path, validator=validate_email) or ""
    if "phone" in raw:
        fields["phone"] = c.text(raw, "phone", path, convert=normalize_phone) or ""
    if "slack_user_id" in raw:
        fields["slack_user_id"] = c.text(raw, "slack_user_id", path, max_length=32) or ""
    if "working_hours" in raw:
        hours = c.text(raw, "working_hours", path, convert=_working_hours)
        fields["work_starts"], fields["work_ends"] = hours or (None, None)
    contact = None
    if "contact" in raw:
        contact = []
        rules = c.list_of(raw, "contact", f"{path}.contact", dict, most=MAX_LIST)
        for j, rule in enumerate(rules):
            rpath = f"{path}.contact[{j}]"
            c.keys(rule, ("channel", "after"), rpath)
            channel = c.text(rule, "channel", rpath, required=True, choices=Channel.values)
            after = c.duration(rule, "after", rpath, default=timedelta(0))
            if channel and after is not None:
                contact.append((channel, after))
    if "role" in raw:
        fields["role"] = c.text(raw, "role", path, choices=Role.values) or Role.RESPONDER
    login = None
    if "login" in raw:
        login = c.text(raw, "login", path, required=True, validator=_validate_username)
        if login is None:
            return None
    if not c.fits(Person, fields, path):
        return None
    if handle is None or None in (fields["name"], fields["timezone"]):
        return None
    return PersonPlan(handle=handle, fields=fields, contact=contact, login=login)


def _validate_username(value: str) -> None:
    """What the user model accepts as a username (letters, digits and @.+-_ by default)."""
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    for validator in field.validators:
        validator(value)


def _check_logins(c: Checker, people: list[PersonPlan], paths: dict[str, str]) -> None:
    """A login is one person's: not two in the file, not someone's in the database that the
    file doesn't name (unlink it there first; the file never takes a login away quietly)."""
    logins: dict[str, str] = {}
    for person in people:
        if person.login is None:
            continue
        where = f"{paths[person.handle]}.login"
        if person.login in logins:
            c.error(where, f"{person.login} is already the login of {logins[person.login]}")
        logins[person.login] = person.handle
    username = f"user__{get_user_model().USERNAME_FIELD}"
    linked = Person.objects.filter(**{f"{username}__in": list(logins)}).values_list(
        username, "handle"
    )
    for login, handle in linked:
        if logins[login] != handle:
            c.error(
                f"{paths[logins[login]]}.login",
                f"{login} is already the login of {handle} (unlink it there first)",
            )


def _working_hours(value: str) -> tuple[time, time]:
    match = HOURS_RE.match(value.strip())
    try:
        if not match:
            raise ValueError
        starts, ends = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
    except ValueError:
        raise ValidationError(
            f"{value!r}: write local hours as HH:MM-HH:MM, e.g. 08:00-18:00"
        ) from None
    if starts == ends:
        raise ValidationError(f"{value!r}: the working hours start and end at the same time")
    return starts, ends
