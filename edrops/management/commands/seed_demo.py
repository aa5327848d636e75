from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from edrops import services
from edrops.models import Source

DEMO_ADMIN = "admin"
DEMO_ROSTER = Path(settings.BASE_DIR) / "examples" / "roster.yaml"
DEMO_PASSWORD = "edrops-demo"  # noqa: S105 -- the demo login, printed by `make run`


class Command(BaseCommand):
    help = "Load the demo roster and sources, and create the admin user `make run` prints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (not for production)"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates an admin with a known password; it runs only with DEBUG on "
                "(or --force)."
            )
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"email": "admin@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        # Idempotent: on every `make run` after the first it reports "no changes".
        loaded = StringIO()
        call_command("load_roster", str(DEMO_ROSTER), stdout=loaded, stderr=self.stderr)
        for line in loaded.getvalue().splitlines():
            if not line.startswith("source "):  # random tokens, replaced just below
                self.stdout.write(line)
        # Known tokens, so that the README's curl examples work on any demo install.
        for source in Source.objects.order_by("name"):
            token = f"demo-{source.name}"
            services.upsert_source(name=source.name, team=source.team, token=token)
            self.stdout.write(f"Demo source {source.name}: Authorization: Bearer {token}")
        self.stdout.write(f"Admin login: {DEMO_ADMIN} / {DEMO_PASSWORD}")
