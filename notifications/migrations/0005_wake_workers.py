"""PostgreSQL: NOTIFY edrops_tasks whenever tasks are queued, so a waiting cluster takes them
at once (notifications/wakeups.py). Nothing on SQLite, where the broker polls."""

from django.db import migrations

# The channel is notifications.wakeups.CHANNEL. One notification per statement (a bulk insert
# of 500 tasks wakes once); PostgreSQL folds identical ones of a transaction into one anyway.
INSTALL = """
CREATE OR REPLACE FUNCTION edrops_wake_workers() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('edrops_tasks', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS edrops_wake_workers ON django_q_ormq;
CREATE TRIGGER edrops_wake_workers AFTER INSERT ON django_q_ormq
    FOR EACH STATEMENT EXECUTE FUNCTION edrops_wake_workers();
"""
UNINSTALL = """
DROP TRIGGER IF EXISTS edrops_wake_workers ON django_q_ormq;
DROP FUNCTION IF EXISTS edrops_wake_workers();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_replies_applied_once"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
