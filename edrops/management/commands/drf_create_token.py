"""`manage.py drf_create_token USERNAME`, as DRF's command answers, for the tokens we keep.

Operators script it: stdout is exactly `Generated token <key> for user <username>`. Tokens are
stored hashed (edrops/services/api_tokens.py), so each run makes a new one; unlike DRF's,
running it again never shows an existing token, because none can be shown."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from edrops import services
from edrops.management.commands.create_source import duration


def expiry(text: str) -> timedelta:
    """A duration (`30d`, `1w`), or `never`."""
    return timedelta(0) if text.strip() == "never" else duration(text)


class Command(BaseCommand):
    help = (
        "Create an API token for a user ('Authorization: Token <key>'). It is shown once and "
        "stored hashed; it expires after API_TOKEN_TTL unless --expires-in says otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "-r", "--reset", action="store_true", help="revoke the user's other tokens first"
        )
        parser.add_argument(
            "--expires-in", type=expiry, help="e.g. 30d or 1w, or never (default API_TOKEN_TTL)"
        )

    def handle(self, *args, username, reset, expires_in, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"Cannot create the Token: user {username} does not exist")
        stored, token = services.create_api_token(
            user=user, expires_in=expires_in, revoke_others=reset
        )
        self.stdout.write(f"Generated token {token} for user {username}")
        until = stored.expiry.isoformat() if stored.expiry else "never"
        self.stderr.write(f"It expires: {until}. It is stored hashed and can't be shown again.")
