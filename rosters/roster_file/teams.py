"""Checking a roster file's teams: their members, rotations, overrides and escalation policy,
each against the people the file (or the database) knows and the team's own rotations."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from rosters.columns import text_problem
from rosters.models import DEFAULT_ACK_SLA, Team
from rosters.models.schedule import MIN_SHIFT
from rosters.roster_file.checker import MAX_LIST, Checker
from rosters.roster_file.plan import PolicyPlan, RotationPlan, TeamPlan
from rosters.validators import (
    FORWARDS,
    TARGET_SPELLINGS,
    TargetKind,
    parse_target,
    unknown_webhook,
    unreachable_warning,
    validate_timezone,
)

TEAM_KEYS = (
    "slug",
    "name",
    "timezone",
    "slack_channel",
    "members",
    "rotations",
    "overrides",
    "escalation",
    "repage_at_start",
    "test_escalation",
)
ROTATION_KEYS = ("name", "timezone", "start", "shift", "people")
OVERRIDE_KEYS = ("rotation", "person", "start", "end")
ESCALATION_KEYS = ("ack_sla", "repeat", "steps")
STEP_KEYS = ("notify", "wait")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def local_to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as an instant, the way handoffs are read (API.md §6): in a
    spring-forward gap, that many minutes after it; in a fall-back hour, the first instant."""
    return value.replace(tzinfo=tz, fold=0).astimezone(UTC)


def check_team(
    c: Checker,
    raw: dict,
    path: str,
    *,
    known: set[str],
    reachable: set[str],
    existing: dict[str, Team],
) -> TeamPlan | None:
    c.keys(raw, TEAM_KEYS, path)
    slug = c.text(raw, "slug", path, required=True, pattern=SLUG_RE, max_length=64)
    fields: dict[str, Any] = {"name": c.text(raw, "name", path, required=True, max_length=200)}
    if "timezone" in raw:
        fields["timezone"] = c.text(raw, "timezone", path, validator=validate_timezone)
    if "slack_channel" in raw:
        fields["slack_channel"] = c.text(raw, "slack_channel", path, max_length=32) or ""
    if (repage := c.flag(raw, "repage_at_start", path)) is not None:
        fields["repage_at_start"] = repage
    members = c.handles(raw, "members", path, known=known, required=True)
    in_db = existing.get(slug) if slug else None
    team_tz = fields.get("timezone") or (in_db.timezone if in_db else "UTC")
    plan = TeamPlan(slug=slug or "", fields=fields, members=members)

    rotation_zones: dict[str, str] = {
        r.name: r.timezone for r in (in_db.rotations.all() if in_db else [])
    }
    if "rotations" in raw:
        plan.rotations = []
        rotation_zones = {}
        for j, r in enumerate(c.list_of(raw, "rotations", f"{path}.rotations", dict)):
            rotation = _check_rotation(c, r, f"{path}.rotations[{j}]", known=known, team_tz=team_tz)
            if rotation is None:
                # Still known by name, so its overrides and steps aren't reported as well:
                # one mistake, one message. (Nothing is written while there are errors.)
                if isinstance(r.get("name"), str):
                    rotation_zones.setdefault(r["name"], team_tz)
                continue
            if rotation.name in rotation_zones:
                c.error(
                    f"{path}.rotations[{j}].name", f"{rotation.name} appears twice in this team"
                )
                continue
            rotation_zones[rotation.name] = rotation.timezone
            plan.rotations.append(rotation)
    if "overrides" in raw:
        plan.overrides = []
        for j, o in enumerate(c.list_of(raw, "overrides", f"{path}.overrides", dict)):
            opath = f"{path}.overrides[{j}]"
            c.keys(o, OVERRIDE_KEYS, opath)
            rotation = c.text(o, "rotation", opath, required=True)
            if rotation and rotation not in rotation_zones:
                c.error(
                    f"{opath}.rotation",
                    _no_rotation(slug, rotation, rotation_zones),
                )
                rotation = None
            person = c.text(o, "person", opath, required=True)
            if person and person not in known:
                c.error(f"{opath}.person", f"nobody has the handle {person}")
                person = None
            start = c.local_datetime(o, "start", opath)
            end = c.local_datetime(o, "end", opath)
            if None in (rotation, person, start, end):
                continue
            tz = ZoneInfo(rotation_zones[rotation])
            starts_at, ends_at = local_to_utc(start, tz), local_to_utc(end, tz)
            if ends_at <= starts_at:
                c.error(
                    f"{opath}.end",
                    f"the override ends ({o['end']}) before it starts ({o['start']})",
                )
                continue
            plan.overrides.append((rotation, person, starts_at, ends_at))
    staffed = (
        {r.name for r in plan.rotations or [] if r.people}
        if plan.rotations is not None
        else set(rotation_zones)
    )
    # `test_escalation:` has the shape of `escalation:`; test dispatches follow it.
    for key in ("escalation", "test_escalation"):
        if key in raw:
            policy = _check_policy(
                c,
                raw[key],
                f"{path}.{key}",
                slug=slug,
                known=known,
                rotations=rotation_zones,
                reachable=reachable,
                members=members,
                staffed=staffed,
            )
            setattr(plan, key, policy)
    if not c.fits(Team, fields, path):
        return None
    return plan if slug and fields["name"] else None


def _no_rotation(slug: str | None, name: str, names: Iterable[str]) -> str:
    return f"team {slug} has no rotation {name} (it has: {', '.join(sorted(names)) or 'none'})"


def _check_rotation(
    c: Checker, raw: dict, path: str, *, known: set[str], team_tz: str
) -> RotationPlan | None:
    c.keys(raw, ROTATION_KEYS, path)
    name = c.text(raw, "name", path, required=True, pattern=SLUG_RE, max_length=64)
    tz = (
        c.text(raw, "timezone", path, validator=validate_timezone) if "timezone" in raw else team_tz
    )
    start = c.local_datetime(raw, "start", path)
    shift = c.duration(raw, "shift", path, required=True)
    if shift is not None and shift < MIN_SHIFT:
        c.error(f"{path}.shift", "a shift must last at least an hour")
        shift = None
    people = c.handles(raw, "people", path, known=known, required=False)
    if None in (name, tz, start, shift):
        return None
    return RotationPlan(name, tz, start.date(), start.time(), shift, people)


def _check_policy(
    c: Checker,
    raw: Any,
    path: str,
    *,
    slug: str | None,
    known: set[str],
    rotations: dict[str, str],
    reachable: set[str],
    members: list[str],
    staffed: set[str],
) -> PolicyPlan | None:
    if not isinstance(raw, dict):
        c.error(path, "expected a mapping with ack_sla, repeat and steps")
        return None
    c.keys(raw, ESCALATION_KEYS, path)
    ack_sla = c.duration(raw, "ack_sla", path, default=DEFAULT_ACK_SLA)
    repeat = raw.get("repeat", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat <= 100:
        c.error(f"{path}.repeat", f"{repeat!r}: expected a whole number from 0 to 100")
        repeat = None
    steps: list[tuple[list[str], timedelta]] = []
    raw_steps = c.list_of(raw, "steps", f"{path}.steps", dict, most=MAX_LIST)
    if "steps" in raw and not raw_steps and isinstance(raw["steps"], list):
        c.error(f"{path}.steps", "give at least one step")
    for j, s in enumerate(raw_steps):
        spath = f"{path}.steps[{j}]"
        c.keys(s, STEP_KEYS, spath)
        wait = c.duration(s, "wait", spath, default=timedelta(0))
        notify = s.get("notify")
        if not isinstance(notify, list) or not notify:
            c.error(
                f"{spath}.notify",
                f"give a list of targets: {TARGET_SPELLINGS}",
            )
            continue
        targets: list[str] = []
        for k, value in enumerate(notify):
            tpath = f"{spath}.notify[{k}]"
            if isinstance(value, str) and (why := text_problem(value)):
                c.error(tpath, why)
                continue
            try:
                target = parse_target(value)
            except ValidationError as e:
                c.error(tpath, e.messages[0])
                continue
            if target.kind == TargetKind.ROTATION and target.value not in rotations:
                c.error(
                    tpath,
                    _no_rotation(slug, target.value, rotations),
                )
                continue
            if target.kind == TargetKind.PERSON and target.value not in known:
                c.error(tpath, f"nobody has the handle {target.value}")
                continue
            if why := unknown_webhook(target):
                c.error(tpath, why)
                continue
            targets.append(str(target))
        if wait is not None:
            steps.append((targets, wait))
    if ack_sla is None or repeat is None:
        return None
    warning = unreachable_warning(
        ack_sla=ack_sla,
        steps=steps,
        reaches=lambda t: (
            (t.kind == TargetKind.ROTATION and t.value in staffed)
            or (t.kind == TargetKind.PERSON and t.value in reachable)
            or (t.kind == TargetKind.TEAM and any(m in reachable for m in members))
            or t.kind in (TargetKind.SLACK, *FORWARDS)
        ),
    )
    if warning:
        c.warn(path, warning)
    return PolicyPlan(ack_sla=ack_sla, repeat=repeat, steps=steps)
