"""/api/docs/ on a machine without internet, where many utilities run their ops tools: a real
browser whose every request to anywhere but this server is refused still shows the Swagger UI
and its operations. Every asset is ours (drf-spectacular-sidecar, static/vendor/), so none is
even asked for elsewhere."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server) -> str:
    """The live server by address: a name to resolve would be one more thing to allow."""
    return live_server.url.replace("localhost", "127.0.0.1")


def offline_page(browser, outside: list[str]):
    """A page that can reach 127.0.0.1 only; every other request is aborted and noted."""
    context = browser.new_context()

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context.new_page()


def test_the_swagger_ui_shows_the_operations_with_no_outside_request(server, chromium):
    outside: list[str] = []
    page = offline_page(chromium, outside)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(server + "/api/docs/")  # loopback: EDROPS_OPS_ENDPOINTS' default lets in
    page.wait_for_selector(".opblock", timeout=15_000)

    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/events" in operations
    assert "/api/v1/integrations/pagerduty/v2/enqueue" in operations
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("edrops API")
    assert outside == []
    assert failed == []


@pytest.fixture
def lead(django_user_model):
    """Made before the browser starts: Playwright's event loop makes the ORM refuse to run."""
    return django_user_model.objects.create_superuser("lead", "lead@example.com", "pw-lead-1")


def test_the_login_page_and_the_admin_load_nothing_from_elsewhere(server, lead, chromium):
    outside: list[str] = []
    page = offline_page(chromium, outside)

    page.goto(server + "/accounts/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("pw-lead-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    for path in ("/", "/oncall", "/outbox/", "/admin/", "/admin/edrops/source/"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")

    assert outside == []
