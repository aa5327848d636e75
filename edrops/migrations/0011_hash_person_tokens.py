"""People's API tokens made before with DRF's authtoken (stored in plain text) move into knox,
hashed, and the plain-text copies are deleted. Each keeps working with the same key, until
API_TOKEN_TTL from now (the operator hears of it from the token's 401, not from a leak)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

PLAINTEXT_TABLE = "authtoken_token"


def hash_plaintext_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if PLAINTEXT_TABLE not in connection.introspection.table_names():
        return  # a database that never had DRF's tokens
    AuthToken = apps.get_model("knox", "AuthToken")
    ttl = settings.API_TOKEN_TTL
    expiry = timezone.now() + timedelta(seconds=ttl) if ttl else None
    table = connection.ops.quote_name(PLAINTEXT_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {table}")  # noqa: S608 -- a constant name
        rows = cursor.fetchall()
        AuthToken.objects.bulk_create(
            [
                AuthToken(
                    digest=hash_token(key),
                    token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                    user_id=user_id,
                    expiry=expiry,
                )
                for key, user_id in rows
            ],
            ignore_conflicts=True,
        )
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("edrops", "0010_api_lockouts"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop)]
