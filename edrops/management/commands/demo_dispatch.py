"""`manage.py demo_dispatch` (`make demo`): the demo's example dispatch, starting in 30 minutes,
posted to the running edrops over HTTP with the demo source's token (the real path: the API,
the queue, the worker, the pages), or with `--direct` ingested in this process (no web server
needed; the worker still pages). Prints the event's page."""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from edrops import services
from edrops.api.adapters.base import InvalidInput
from edrops.api.adapters.native import NativeAdapter
from edrops.demo import DEMO_SOURCE, DEMO_TOKEN, dispatch_body
from edrops.models import Source
from rosters.validators import parse_duration


class Command(BaseCommand):
    help = "Send the demo's example dispatch, starting in 30 minutes, to the running edrops."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=settings.PUBLIC_BASE_URL, help="edrops (default PUBLIC_BASE_URL)"
        )
        parser.add_argument(
            "--token", default=DEMO_TOKEN, help=f"a source token (default {DEMO_TOKEN})"
        )
        parser.add_argument(
            "--starts-in", default="30m", help="when the dispatch starts: 30m, 2h, 0s (now)"
        )
        parser.add_argument(
            "--test", action="store_true", help="a test dispatch (the team's test policy)"
        )
        parser.add_argument(
            "--direct",
            action="store_true",
            help=f"ingest it in this process as source {DEMO_SOURCE}, without HTTP",
        )

    def handle(self, *args, url: str, token: str, starts_in: str, test: bool, direct: bool, **_):
        try:
            wait = parse_duration(starts_in)
        except Exception as e:  # ValidationError, with the roster file's words
            raise CommandError(f"--starts-in {starts_in}: {e}") from None
        body = dispatch_body(now=timezone.now(), starts_in=wait, test=test)
        answer = self._direct(body) if direct else self._post(url.rstrip("/"), token, body)
        self.stdout.write(
            f"{answer['status']} event {answer['id']} ({body['external_id']}, starts "
            f"{body['starts_at']}): {settings.PUBLIC_BASE_URL}/events/{answer['id']}"
        )

    def _post(self, url: str, token: str, body: dict) -> dict:
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"--url {url}: give edrops' http:// or https:// address")
        request = urllib.request.Request(  # noqa: S310 -- the scheme is checked above
            f"{url}/api/v1/events",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return {**json.load(response), "status": response.status}
        except urllib.error.HTTPError as e:
            said = e.read().decode(errors="replace")
            raise CommandError(f"{url} answered {e.code}: {said}") from None
        except (urllib.error.URLError, OSError) as e:
            raise CommandError(
                f"could not reach edrops at {url} ({e}); start it with `make run`, "
                "or send it with --direct"
            ) from None

    def _direct(self, body: dict) -> dict:
        source = Source.objects.filter(name=DEMO_SOURCE).first()
        if source is None:
            raise CommandError(f"no source {DEMO_SOURCE}: run `manage.py seed_demo` first")
        try:
            [data] = NativeAdapter().adapt(body=body)
        except InvalidInput as e:  # the demo's own body: a bug, said plainly
            raise CommandError(f"the demo dispatch is invalid: {e}") from None
        result = services.ingest(source=source, data=data, now=timezone.now())
        return {"id": str(result.event.pk), "status": "ingested"}
