"""`manage.py load_roster FILE` (API.md §1, §6): people, teams, rotations, overrides,
escalation policies and sources from a YAML or JSON file; all of it or, with any error, nothing.

The command lives in `edrops`, the top app, because `sources:` are edrops' integrations; the
rest of the file is the `rosters` app's to check and write."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from edrops.services import load_roster_sources
from rosters.columns import text_problem
from rosters.models import Team
from rosters.services.checker import Checker
from rosters.services.roster_file import (
    RosterFileError,
    apply_roster,
    check_roster,
    read_roster_file,
)

SOURCE_KEYS = ("name", "team", "heartbeat")


def check_sources(data: Any, *, team_slugs: set[str]) -> tuple[list[dict], list[str]]:
    """The `sources:` entries, checked: (entries, errors with their paths)."""
    c = Checker()
    entries = c.list_of(data if isinstance(data, dict) else {}, "sources", "sources", dict)
    wanted = {
        e["team"] for e in entries if isinstance(e.get("team"), str) and not text_problem(e["team"])
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
        heartbeat = entry.get("heartbeat")
        if heartbeat is not None:
            if not isinstance(heartbeat, dict):
                c.error(f"{path}.heartbeat", "expected {interval: 5m, grace: 1m}")
                continue
            c.keys(heartbeat, ("interval", "grace"), f"{path}.heartbeat")
            c.duration(heartbeat, "interval", f"{path}.heartbeat", required=True)
            c.duration(heartbeat, "grace", f"{path}.heartbeat")
    return entries, c.errors


def slugs_named(data: Any) -> set[str]:
    """The team slugs a file that did not check names, so its sources are checked against
    them rather than also reported for their teams. Any shape: the file may be anything."""
    teams = data.get("teams") if isinstance(data, dict) else None
    if not isinstance(teams, list):
        return set()
    return {t["slug"] for t in teams if isinstance(t, dict) and isinstance(t.get("slug"), str)}


class Command(BaseCommand):
    help = "Upsert people, teams, rotations, overrides and escalation policies from a roster file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a YAML or JSON roster file (docs/API.md §6)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and say what would change, without changing anything",
        )

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        try:
            data = read_roster_file(file)
            errors: list[str] = []
            try:
                plan = check_roster(data)
            except RosterFileError as e:
                plan, errors = None, e.errors
            slugs = plan.team_slugs if plan else slugs_named(data)
            sources, source_errors = check_sources(data, team_slugs=slugs)
            errors += source_errors
            if errors:
                raise RosterFileError(errors)
        except RosterFileError as e:
            for error in e.errors:
                self.stderr.write(error)
            raise CommandError(
                f"{file}: {len(e.errors)} problem(s); nothing was changed."
            ) from None
        for warning in plan.warnings:
            self.stderr.write(f"warning: {warning}")
        with transaction.atomic():
            changes = apply_roster(plan)
            for source in load_roster_sources(entries=sources):
                changes.note("sources", source.outcome)
                if source.token and not dry_run:
                    # Stored hashed: this is the only time anyone sees it.
                    self.stdout.write(f"source {source.name}: token {source.token}")
            if dry_run:
                transaction.set_rollback(True)
        for line in changes.summary():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
        else:
            self.stdout.write("no changes" if not changes.changed else f"loaded {file}")
