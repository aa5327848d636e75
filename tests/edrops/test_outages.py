"""The database goes away for a moment: the API says 503 (try again), nothing is half-done,
and work that was under way when it went is done once it is back."""

import contextlib

import psycopg
import pytest
from django.core.checks import run_checks
from django.db import connection
from django.utils.module_loading import import_string
from django_q.models import OrmQ

from edrops.models import Event
from tests.edrops import test_escalation
from tests.edrops.conftest import MISO
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database stays open whatever its settings say",
)
# Grid ops as an ops lead writes it: Alice is on call and takes SMS.
grid_ops, sender, ALICE = test_escalation.grid_ops, test_escalation.sender, test_escalation.ALICE


@contextlib.contextmanager
def database_unreachable():
    """The real connection fails: PostgreSQL on a port nobody listens on."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = 1  # refused at once
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@postgresql_only
def test_while_the_database_is_unreachable_a_sender_gets_503_with_retry_after(sender):
    with database_unreachable():
        response = sender.post("/api/v1/events", MISO, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.json()["detail"].lower()
    # Nothing was half-accepted: the same dispatch goes in whole once the database is back.
    assert not Event.objects.exists()
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202


@postgresql_only
def test_while_the_database_is_unreachable_readyz_says_so(client):
    with database_unreachable():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"


@postgresql_only
def test_a_step_whose_connection_was_dropped_is_run_again_not_dropped(sender, twilio):
    assert sender.post("/api/v1/events", MISO, format="json").status_code == 202
    [step] = OrmQ.objects.all()
    step.delete()  # a worker took it
    # The server drops the worker's connection (a restart, a failover) just before the step.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    import_string(step.task["func"])(*step.task["args"])
    run_queued_tasks()

    twilio.expect_sms(to=ALICE, containing="Reply 1 to ack")


def test_recovery_timers_out_of_order_are_refused_at_start_up(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 3, "retry": 4}
    errors = [e.msg for e in run_checks() if e.id == "edrops.E001"]
    assert errors == [
        "Q_TIMEOUT (3 s) must be longer than STUCK_SENDING_AFTER (15 s)",
        "TASK_LEASE (5 s) must be at least 3 s and shorter than Q_RETRY (4 s)",
    ]
