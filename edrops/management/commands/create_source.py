import argparse
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from edrops import services
from edrops.models import Source
from rosters.models import Team

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^(\d+)([smhdw])$")


def duration(text: str) -> timedelta:
    """`2s`, `90s`, `5m`, `1h`, `1d`, `1w` (API.md §6)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 5m, 1h, 1d, 1w")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def slugs(text: str) -> list[str]:
    """`a,b` -> ["a", "b"]; `""` -> [] (no other team)."""
    return [slug.strip() for slug in text.split(",") if slug.strip()]


class Command(BaseCommand):
    help = (
        "Create an integration source (or, with --token, set its token and options). "
        "Prints the token alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--team", required=True, help="slug of the team that gets its events")
        parser.add_argument("--token", help="use this token instead of a random one")
        parser.add_argument(
            "--rate-limit", type=int, help="events per minute (default 1200; 0 means none)"
        )
        parser.add_argument("--heartbeat-interval", type=duration, help="e.g. 5m")
        parser.add_argument("--heartbeat-grace", type=duration, help="e.g. 1m")
        parser.add_argument(
            "--may-page",
            type=slugs,
            help="comma-separated slugs of teams besides its own that its events may name "
            "in `team` (replaces the list; '' for none)",
        )

    def handle(
        self,
        *args,
        name,
        team,
        token,
        rate_limit,
        heartbeat_interval,
        heartbeat_grace,
        may_page,
        **o,
    ):
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"No team with slug {team!r}.")
        pageable = None
        if may_page is not None:
            pageable = list(Team.objects.filter(slug__in=may_page))
            if missing := sorted(set(may_page) - {t.slug for t in pageable}):
                raise CommandError(f"--may-page: no team with slug {', '.join(missing)}.")
        if rate_limit is not None and rate_limit < 0:
            raise CommandError("--rate-limit must be 0 (no limit) or more.")
        if token is None and Source.objects.filter(name=name).exists():
            raise CommandError(
                f"Source {name!r} exists; its token is stored hashed and can't be shown. "
                "Pass --token to set one (or rotate it in the admin)."
            )
        try:
            source, plaintext = services.upsert_source(
                name=name,
                team=found,
                token=token,
                rate_limit=rate_limit,
                heartbeat_interval=heartbeat_interval,
                heartbeat_grace=heartbeat_grace,
                may_page=pageable,
            )
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from None
        heartbeat = (
            f"heartbeat every {source.heartbeat_interval} (+{source.heartbeat_grace} grace)"
            if source.heartbeat_interval
            else "no heartbeat monitor"
        )
        limit = f"{source.rate_limit}/min" if source.rate_limit else "no rate limit"
        also = ", ".join(source.may_page.order_by("slug").values_list("slug", flat=True))
        teams = f"{source.team.slug} (may also page {also})" if also else source.team.slug
        self.stdout.write(f"Source {source.name} → team {teams}; {limit}; {heartbeat}")
        self.stdout.write(plaintext)
