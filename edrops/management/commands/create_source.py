import argparse
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from edrops import services
from edrops.models import Opt, Source, Vtn
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


def vtn_settings(url_2b: str | None, url_3: str | None, o: dict) -> services.VtnSettings:
    if url_2b:
        return services.VtnSettings(
            protocol=Vtn.Protocol.OPENADR_2B,
            url=url_2b,
            ven_name=o["ven_name"],
            ven_id=o["ven_id"],
            poll_interval=o["poll_interval"],
            default_opt=o["default_opt"],
            cert=o["cert"],
            key=o["key"],
            vtn_ca=o["vtn_ca"],
        )
    return services.VtnSettings(
        protocol=Vtn.Protocol.OPENADR_3,
        url=url_3,
        ven_name=o["ven_name"],
        poll_interval=o["poll_interval"],
        client_id=o["client_id"],
        client_secret=o["client_secret"],
        program=o["program"],
    )


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
        vtn = parser.add_argument_group(
            "OpenADR", "a source that reads its events from a VTN (the `ven` process polls it)"
        )
        where = vtn.add_mutually_exclusive_group()
        where.add_argument("--openadr2b-vtn", metavar="URL", help="an OpenADR 2.0b VTN")
        where.add_argument("--openadr3-vtn", metavar="URL", help="an OpenADR 3 VTN (its API base)")
        vtn.add_argument("--ven-name", default="", help="2.0b: how the VTN knows us")
        vtn.add_argument("--ven-id", default="", help="2.0b: empty, the VTN assigns one")
        vtn.add_argument("--poll-interval", type=duration, help="fastest poll, e.g. 10s (default)")
        vtn.add_argument(
            "--default-opt",
            choices=[Opt.IN, Opt.OUT],
            help="2.0b: the answer before anyone acknowledged (default optOut)",
        )
        vtn.add_argument("--cert", default="", help="2.0b over TLS: our certificate (PEM path)")
        vtn.add_argument("--key", default="", help="2.0b over TLS: its private key (PEM path)")
        vtn.add_argument("--vtn-ca", default="", help="2.0b over TLS: the VTN's CA (PEM path)")
        vtn.add_argument("--client-id", default="", help="3: OAuth2 client id")
        vtn.add_argument("--client-secret", default="", help="3: OAuth2 client secret")
        vtn.add_argument("--program", default="", help="3: the programName whose events to read")

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
        openadr2b_vtn,
        openadr3_vtn,
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
            # All of it or nothing: a VTN refused leaves no half-made source behind.
            with transaction.atomic():
                source, plaintext = services.upsert_source(
                    name=name,
                    team=found,
                    token=token,
                    rate_limit=rate_limit,
                    heartbeat_interval=heartbeat_interval,
                    heartbeat_grace=heartbeat_grace,
                    may_page=pageable,
                )
                if openadr2b_vtn or openadr3_vtn:
                    settings = vtn_settings(openadr2b_vtn, openadr3_vtn, o)
                    services.connect_vtn(source=source, vtn=settings)
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
        if vtn := Vtn.objects.filter(source=source).first():
            self.stdout.write(
                f"Reads OpenADR {vtn.protocol} events from {vtn.url} every {vtn.poll_interval} "
                "(run `manage.py ven`)"
            )
        self.stdout.write(plaintext)
