"""/api/schema/ and /api/docs/ (and /metrics, through the same gate) follow
EDROPS_OPS_ENDPOINTS: staff-or-loopback (the default), staff, or public. "Loopback" is the
client's address as TRUSTED_PROXIES tell it, never what a stranger's X-Forwarded-For claims."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from edrops.client_address import resolve
from edrops.ops_access import ops_endpoint
from tests.factories import person_token

pytestmark = pytest.mark.django_db

REMOTE = "203.0.113.9"
SCHEMA = "/api/schema/"


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("lead", is_staff=True)


@pytest.fixture
def responder_user(django_user_model):
    return django_user_model.objects.create_user("alice")


def anonymous(address: str, **headers) -> int:
    return Client(REMOTE_ADDR=address).get(SCHEMA, **headers).status_code


def logged_in(user, address: str = REMOTE) -> int:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client.get(SCHEMA).status_code


def with_token(user, address: str = REMOTE) -> int:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Token {person_token(user)}")
    return api.get(SCHEMA).status_code


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # loopback, remote anonymous, remote responder, remote staff (session), staff token
        ("staff-or-loopback", (200, 401, 403, 200, 200)),
        ("staff", (401, 401, 403, 200, 200)),
        ("public", (200, 200, 200, 200, 200)),
    ],
)
def test_who_reads_the_schema_in_each_mode(settings, staff_user, responder_user, mode, expected):
    settings.EDROPS_OPS_ENDPOINTS = mode

    answers = (
        anonymous("127.0.0.1"),
        anonymous(REMOTE),
        logged_in(responder_user),
        logged_in(staff_user),
        with_token(staff_user),
    )

    assert answers == expected


def test_a_refusal_says_who_may_read_it(responder_user):
    client = Client(REMOTE_ADDR=REMOTE)
    client.force_login(responder_user)

    detail = client.get(SCHEMA).json()["detail"]  # JSON, though the schema itself is YAML

    assert "Only staff, or a client on loopback, may read this" in detail
    assert "EDROPS_OPS_ENDPOINTS=staff-or-loopback" in detail


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_not_loopback(db):
    assert anonymous(REMOTE, HTTP_X_FORWARDED_FOR="127.0.0.1") == 401


def test_behind_a_proxy_on_this_host_the_client_decides_not_the_proxy(db):
    """A proxy on 127.0.0.1 (trusted by default) carries a remote client's request."""
    assert anonymous("127.0.0.1", HTTP_X_FORWARDED_FOR=REMOTE) == 401
    assert anonymous("127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1") == 200


def test_the_docs_page_sends_a_browser_to_log_in_and_tells_a_responder_why(responder_user):
    browser = Client(REMOTE_ADDR=REMOTE)
    to_login = browser.get("/api/docs/")
    browser.force_login(responder_user)
    refused = browser.get("/api/docs/")

    assert to_login.status_code == 302
    assert to_login["Location"] == "/accounts/login/?next=/api/docs/"
    assert refused.status_code == 403
    assert "Only staff, or a client on loopback" in refused.text


def test_a_plain_view_behind_the_gate(settings, staff_user):
    """What /metrics uses: ops_endpoint around an ordinary Django view."""
    view = ops_endpoint(lambda request: HttpResponse("edrops_up 1\n", content_type="text/plain"))
    factory = RequestFactory()

    local = view(factory.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    remote = view(factory.get("/metrics", REMOTE_ADDR=REMOTE))
    settings.EDROPS_OPS_ENDPOINTS = "public"
    public = view(factory.get("/metrics", REMOTE_ADDR=REMOTE))

    assert (local.status_code, local.content) == (200, b"edrops_up 1\n")
    assert remote.status_code == 401
    assert public.status_code == 200


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("198.51.100.7", "", "198.51.100.7"),
        ("198.51.100.7", "127.0.0.1", "198.51.100.7"),  # an untrusted peer's header: ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("127.0.0.1", "127.0.0.1, 203.0.113.9", "203.0.113.9"),  # the client's own claim: no
        ("10.0.0.5", "203.0.113.9, 10.0.0.4", "203.0.113.9"),  # two trusted hops, skipped
        ("10.0.0.5", "10.0.0.3, 10.0.0.4", "10.0.0.3"),  # trusted all the way: the leftmost
        ("10.0.0.5", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.0.0.5", "203.0.113.9:5123", "203.0.113.9"),
        ("10.0.0.5", "unknown", ""),  # no trusted proxy writes that: nobody known
        ("::ffff:127.0.0.1", "", "127.0.0.1"),
        ("", "203.0.113.9", ""),
    ],
)
def test_the_client_address_is_read_from_the_right_skipping_trusted_hops(
    settings, peer, forwarded_for, client
):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.0/24"]

    assert resolve(peer, forwarded_for) == client


def test_x_forwarded_proto_is_believed_only_from_a_trusted_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    stranger = Client(REMOTE_ADDR=REMOTE).get("/healthz/x", HTTP_X_FORWARDED_PROTO="https")
    proxied = Client(REMOTE_ADDR="127.0.0.1").get("/healthz/x", HTTP_X_FORWARDED_PROTO="https")

    assert stranger.status_code == 301  # sent to https: it spoke plain HTTP
    assert proxied.status_code == 404  # believed: served (no such page)
