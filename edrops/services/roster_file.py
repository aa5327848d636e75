"""The roster file as `manage.py load_roster` loads it (API.md §6): the rosters app reads,
checks and writes its people, teams, rotations, overrides and escalation policies
(`rosters.roster_file`, `rosters.services.roster_file`); its `sources:` are edrops'
integrations, checked and written here, with the rest.

All of the file or nothing: every problem, in the roster part and in `sources:`, is reported
in one pass before anything is written, and the whole file is written in one transaction.
"""

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from edrops.models import Opt, Source, Vtn
from edrops.models.openadr import validate_http_url
from edrops.services.coverage import gaps_of, new_gaps
from edrops.services.sources import VtnSettings, connect_vtn, upsert_source
from notifications.selectors import failed_test_pages
from rosters.columns import text_problem
from rosters.models import Person, Team
from rosters.roster_file import (
    Checker,
    RosterFileError,
    RosterPlan,
    check_roster,
    read_roster_file,
)
from rosters.selectors import ADDRESS
from rosters.services.roster_file import RosterChanges, apply_roster
from rosters.validators import parse_duration

SOURCE_KEYS = ("name", "team", "heartbeat", "may_page", "openadr")
# A source's `openadr:` (API.md, "OpenADR sources"). The client secret is never in the file:
# `client_secret_env` names the environment variable that holds it when the file is loaded.
OPENADR_KEYS = (
    "version", "vtn", "ven_name", "ven_id", "poll_interval", "default_opt", "cert", "key",
    "vtn_ca", "client_id", "client_secret_env", "program",
)  # fmt: skip


@dataclass(frozen=True)
class CheckedRoster:
    """A roster file with no problem: the rosters app's plan and the `sources:` entries."""

    plan: RosterPlan
    sources: list[dict]
    failed_tests: list[str] = field(default_factory=list)  # see `failed_test_warnings`

    @property
    def warnings(self) -> list[str]:
        return self.plan.warnings + self.failed_tests


@dataclass(frozen=True)
class SourceChange:
    name: str
    outcome: str  # "created" | "updated" | "unchanged"
    token: str | None  # the new source's token, shown this once


@dataclass(frozen=True)
class LoadedRoster:
    changes: RosterChanges  # what changed, by kind, sources included
    sources: list[SourceChange]
    gaps: list[str] = field(default_factory=list)  # coverage gaps the file creates, in words


def check_roster_file(*, path: str | Path) -> CheckedRoster:
    """The file read and checked, or RosterFileError with every problem in it."""
    data = read_roster_file(path)
    errors: list[str] = []
    try:
        plan = check_roster(data)
    except RosterFileError as e:
        plan, errors = None, e.errors
    slugs = plan.team_slugs if plan else _slugs_named(data)
    sources, source_errors = check_roster_sources(data=data, team_slugs=slugs)
    errors += source_errors
    if errors:
        raise RosterFileError(errors)
    return CheckedRoster(plan=plan, sources=sources, failed_tests=failed_test_warnings(plan=plan))


def failed_test_warnings(*, plan: RosterPlan) -> list[str]:
    """A phone number (email address, Slack user id) that failed the person's latest test page
    and that the file still gives them (or leaves as it is): a warning at its path,
    `people[1].phone: +13125550199 failed its test page on 2026-12-02 07:10 UTC (sms: twilio
    21211 invalid number); ...`. A file that changes it is not warned: the new one is untested."""
    stored = Person.objects.in_bulk([p.handle for p in plan.people], field_name="handle")
    failed = failed_test_pages(person_ids=[p.pk for p in stored.values()])
    warnings = []
    # The plan lists a valid file's people in the file's order.
    for i, person in enumerate(plan.people):
        checks = failed.get(stored[person.handle].pk) if person.handle in stored else None
        by_field: dict[str, list] = {}
        for check in checks or []:
            name = ADDRESS[check.channel][0]
            now_given = person.fields.get(name, getattr(stored[person.handle], name))
            if check.to and check.to == now_given:
                by_field.setdefault(name, []).append(check)
        for name, failures in by_field.items():
            why = "; ".join(f"{c.channel}: {c.detail}" for c in failures)
            warnings.append(
                f"people[{i}].{name}: {failures[0].to} failed its test page on "
                f"{failures[0].at:%Y-%m-%d %H:%M} UTC ({why}); fix it, then send another test "
                "page (/profile, the admin, or POST /api/v1/people/<handle>/test-page)"
            )
    return warnings


def load_roster_file(*, roster: CheckedRoster, dry_run: bool = False) -> LoadedRoster:
    """Write a checked file in one transaction; with `dry_run`, roll it back and only say what
    would change."""
    now = timezone.now()
    with transaction.atomic():
        before = {
            t.slug: gaps
            for t, gaps in gaps_of(
                teams=list(Team.objects.filter(slug__in=roster.plan.team_slugs)), now=now
            ).items()
        }
        changes = apply_roster(roster.plan)
        sources = load_roster_sources(entries=roster.sources)
        for source in sources:
            changes.note("sources", source.outcome)
        # Read inside the transaction: a dry run's changes are seen here, then rolled back.
        teams = list(Team.objects.filter(slug__in=roster.plan.team_slugs).order_by("slug"))
        gaps = new_gaps(teams=teams, before=before, now=now)
        if dry_run:
            transaction.set_rollback(True)
    return LoadedRoster(changes=changes, sources=sources, gaps=gaps)


def check_roster_sources(*, data: Any, team_slugs: set[str]) -> tuple[list[dict], list[str]]:
    """The `sources:` entries, checked: (entries, errors with their paths). A source's team may
    be in the file (`team_slugs`) or already in the database."""
    c = Checker()
    entries = c.list_of(data if isinstance(data, dict) else {}, "sources", "sources", dict)
    wanted = {
        slug
        for e in entries
        for slug in [e.get("team"), *_listed(e.get("may_page"))]
        if isinstance(slug, str) and not text_problem(slug)
    }
    known = team_slugs | set(Team.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    names: dict[str, str] = {}
    for i, entry in enumerate(entries):
        path = f"sources[{i}]"
        c.keys(entry, SOURCE_KEYS, path)
        name = c.text(entry, "name", path, required=True, max_length=64)
        if name in names:
            c.error(f"{path}.name", f"{name} is already in {names[name]}")
        elif name:
            names[name] = path
        team = c.text(entry, "team", path, required=True)
        if team and team not in known:
            c.error(f"{path}.team", f"no team {team} in this file or the database")
        if "may_page" in entry:
            may_page = entry["may_page"]
            if not isinstance(may_page, list) or not all(isinstance(s, str) for s in may_page):
                c.error(f"{path}.may_page", "expected a list of team slugs, e.g. [grid-ops]")
                continue
            for j, slug in enumerate(may_page):
                if slug not in known:
                    c.error(f"{path}.may_page[{j}]", f"no team {slug} in this file or the database")
        if "openadr" in entry:
            _check_openadr(c, entry["openadr"], f"{path}.openadr")
        heartbeat = entry.get("heartbeat")
        if heartbeat is not None:
            if not isinstance(heartbeat, dict):
                c.error(f"{path}.heartbeat", "expected {interval: 5m, grace: 1m}")
                continue
            c.keys(heartbeat, ("interval", "grace"), f"{path}.heartbeat")
            c.duration(heartbeat, "interval", f"{path}.heartbeat", required=True)
            c.duration(heartbeat, "grace", f"{path}.heartbeat")
    return entries, c.errors


def _check_openadr(c: Checker, raw: Any, path: str) -> None:
    if not isinstance(raw, dict):
        c.error(path, "expected {version: 2.0b, vtn: URL, ven_name: NAME, ...}")
        return
    c.keys(raw, OPENADR_KEYS, path)
    version = c.text(raw, "version", path, required=True, choices=Vtn.Protocol.values)
    c.text(raw, "vtn", path, required=True, validator=validate_http_url, max_length=500)
    for key in ("ven_name", "ven_id", "client_id", "program", "cert", "key", "vtn_ca"):
        c.text(raw, key, path, max_length=500)
    c.text(raw, "default_opt", path, choices=Opt.values)
    c.duration(raw, "poll_interval", path)
    if version == Vtn.Protocol.OPENADR_2B and not raw.get("ven_name"):
        c.error(f"{path}.ven_name", "an OpenADR 2.0b VEN needs a name")
    if version == Vtn.Protocol.OPENADR_3:
        env = c.text(raw, "client_secret_env", path, required=True)
        if not raw.get("client_id"):
            c.error(f"{path}.client_id", "an OpenADR 3 VEN needs its OAuth2 client id")
        if env and not os.environ.get(env):
            c.error(f"{path}.client_secret_env", f"${env} is not set")


def vtn_settings_of(raw: dict) -> VtnSettings:
    """A checked `openadr:` entry as the settings `connect_vtn` takes."""
    interval = raw.get("poll_interval")
    return VtnSettings(
        protocol=raw["version"],
        url=raw["vtn"],
        ven_name=raw.get("ven_name") or "",
        ven_id=raw.get("ven_id") or "",
        poll_interval=parse_duration(interval) if interval else None,
        default_opt=raw.get("default_opt"),
        cert=raw.get("cert") or "",
        key=raw.get("key") or "",
        vtn_ca=raw.get("vtn_ca") or "",
        client_id=raw.get("client_id") or "",
        client_secret=os.environ.get(raw.get("client_secret_env") or "", ""),
        program=raw.get("program") or "",
    )


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else []


def _slugs_named(data: Any) -> set[str]:
    """The team slugs a file that did not check names, so its sources are checked against
    them rather than also reported for their teams. Any shape: the file may be anything."""
    teams = data.get("teams") if isinstance(data, dict) else None
    if not isinstance(teams, list):
        return set()
    return {t["slug"] for t in teams if isinstance(t, dict) and isinstance(t.get("slug"), str)}


def _same_vtn(source: Source, vtn: VtnSettings) -> bool:
    stored = Vtn.objects.filter(source=source).first()
    if stored is None:
        return False
    given = {k: v for k, v in dataclasses.asdict(vtn).items() if v not in (None, "")}
    return all(getattr(stored, k) == v for k, v in given.items())


def load_roster_sources(*, entries: list[dict]) -> list[SourceChange]:
    """Upsert the `sources:` of a roster file (already checked: names unique, teams exist,
    durations valid). Idempotent: an entry that matches what is stored changes nothing. As in
    the rest of the file, a key left out (`heartbeat`, `may_page`) leaves the stored value
    alone; a `may_page` given is the whole list."""
    slugs = {e["team"] for e in entries} | {s for e in entries for s in e.get("may_page") or []}
    teams = Team.objects.in_bulk(list(slugs), field_name="slug")
    existing = Source.objects.prefetch_related("may_page").in_bulk(
        [e["name"] for e in entries], field_name="name"
    )
    changes = []
    for entry in entries:
        heartbeat = entry.get("heartbeat") or {}
        wanted = {"team": teams[entry["team"]]}
        if "interval" in heartbeat:
            wanted["heartbeat_interval"] = parse_duration(heartbeat["interval"])
        if heartbeat.get("grace") is not None:
            wanted["heartbeat_grace"] = parse_duration(heartbeat["grace"])
        may_page = None
        if "may_page" in entry:
            may_page = list({teams[slug] for slug in entry["may_page"]})
        source = existing.get(entry["name"])
        vtn = vtn_settings_of(entry["openadr"]) if "openadr" in entry else None
        if (
            source
            and all(getattr(source, k) == v for k, v in wanted.items())
            and (may_page is None or set(may_page) == set(source.may_page.all()))
            and (vtn is None or _same_vtn(source, vtn))
        ):
            changes.append(SourceChange(entry["name"], "unchanged", None))
            continue
        saved, token = upsert_source(name=entry["name"], may_page=may_page, **wanted)
        if vtn is not None:
            connect_vtn(source=saved, vtn=vtn)
        changes.append(SourceChange(entry["name"], "updated" if source else "created", token))
    return changes
