"""`manage.py load_roster FILE` (API.md §1, §6): people, teams, rotations, overrides,
escalation policies and sources from a YAML or JSON file; all of it or, with any error, nothing.

The command lives in `edrops`, the top app, because `sources:` are edrops' integrations;
`edrops.services.roster_file` checks and writes the whole file."""

from django.core.management.base import BaseCommand, CommandError

from edrops import services
from edrops.audit.actors import acting_as, command_actor
from rosters.roster_file import RosterFileError


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
            roster = services.check_roster_file(path=file)
        except RosterFileError as e:
            for error in e.errors:
                self.stderr.write(error)
            raise CommandError(
                f"{file}: {len(e.errors)} problem(s); nothing was changed."
            ) from None
        for warning in roster.warnings:
            self.stderr.write(f"warning: {warning}")
        # The audit log names the file and who ran the command.
        with acting_as(command_actor("load_roster", about=f"roster file {file}")):
            loaded = services.load_roster_file(roster=roster, dry_run=dry_run)
        for source in loaded.sources:
            if source.token and not dry_run:
                # Stored hashed: this is the only time anyone sees it.
                self.stdout.write(f"source {source.name}: token {source.token}")
        for line in loaded.changes.summary():
            self.stdout.write(line)
        # What a dispatch would find: hours in which the teams' policies reach nobody.
        for line in loaded.gaps:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("dry run: nothing was changed")
        else:
            self.stdout.write("no changes" if not loaded.changes.changed else f"loaded {file}")
