"""The API fuzzed from its own OpenAPI schema (schemathesis, /api/schema/): whatever a source or
a person sends, no answer is a 500.

In process, through the WSGI application gunicorn serves, rather than a real gunicorn from
tests/e2e/stack.py: nothing to start or wait for on a machine whose two cores are shared, the
tokens and the event are made with the ORM in the test's own database (SQLite or PostgreSQL,
whichever the suite runs on), and a 500's traceback lands in this test's output. What gunicorn
adds in front (HTTP parsing, sockets) is the e2e tests' business, not a fuzzer's.

Bounded: FUZZ_EXAMPLES requests per operation (positive and negative ones), and once the fuzz
tests together have run FUZZ_SECONDS, the rest are skipped, saying so."""

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from edrops import services
from edrops.services import EventInput
from edrops.wsgi import application
from tests.factories import PersonFactory, TeamFactory, person_token

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "150"))
SOURCE_TOKEN = "fuzz-source-token"
PD_PATH = "/api/v1/integrations/pagerduty/v2/enqueue"

# Read from loopback, as a curl on the host would (EDROPS_OPS_ENDPOINTS' default lets it in).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", application, environ_base={"REMOTE_ADDR": "127.0.0.1"}
)
started: list[float] = []


@pytest.fixture
def world(transactional_db, django_user_model):
    """A team, a source, a staff person with a DRF token, and one open event. Transactional:
    each request commits on its own, as under gunicorn, so one refused statement can't poison
    the examples after it."""
    team = TeamFactory(slug="grid-ops")
    source, _ = services.upsert_source(name="fuzz", team=team, token=SOURCE_TOKEN)
    user = django_user_model.objects.create_user("ops", is_staff=True)
    PersonFactory(handle="ops", user=user)
    event = services.ingest(
        source=source,
        data=EventInput(external_id="FUZZ-1", summary="fuzzed", body={"summary": "fuzzed"}),
        now=source.created_at,
    ).event
    return {
        "person": f"Token {person_token(user)}",
        "source": f"Bearer {SOURCE_TOKEN}",
        "event_id": str(event.id),
        "slug": team.slug,
    }


def sent_by_a_source(case) -> bool:
    security = case.operation.definition.raw.get("security") or []
    return any("sourceToken" in requirement for requirement in security)


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case, world):
    if not started:
        started.append(time.monotonic())
    if time.monotonic() - started[0] > FUZZ_SECONDS:
        pytest.skip(f"the fuzz tests' {FUZZ_SECONDS:.0f} s are spent")
    # Real ids where the path names one, so requests reach the code behind the router.
    if "event_id" in (case.path_parameters or {}):
        case.path_parameters["event_id"] = world["event_id"]
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = world["slug"]
    if case.path == PD_PATH and isinstance(case.body, dict):
        case.body["routing_key"] = SOURCE_TOKEN  # its credential is in the body
    headers = {"Authorization": world["source" if sent_by_a_source(case) else "person"]}

    response = case.call(headers=headers)

    case.validate_response(response, checks=[not_a_server_error], headers=headers)
