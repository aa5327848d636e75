"""The deployment as shipped: `manage.py check --deploy` under production settings, the image's
.dockerignore, and the compose file behind Caddy. Docker itself isn't run here; the files are
read as Docker and Caddy would read them."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "edrops.example.com",
    "PUBLIC_BASE_URL": "https://edrops.example.com",
}
TLS_AT_THE_PROXY = {
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def check_deploy(settings: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_tls_at_the_proxy():
    result = check_deploy({**PRODUCTION, **TLS_AT_THE_PROXY})

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_plain_http_defaults_leave_exactly_the_warnings_api_md_names():
    result = check_deploy(PRODUCTION)

    warnings = set(re.findall(r"\((security\.W\d+)\)", result.stdout + result.stderr))
    assert warnings == {"security.W004", "security.W008"}
    api_md = (REPO / "docs" / "API.md").read_text()
    assert "`security.W004`" in api_md
    assert "`security.W008`" in api_md


def test_the_image_leaves_out_secrets_the_demo_database_and_the_history():
    ignored = (REPO / ".dockerignore").read_text().split()

    for path in (".env", ".git", "db.sqlite3", ".venv", "**/__pycache__", ".pytest_cache"):
        assert path in ignored
    assert "!.env.example" in ignored


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_gunicorn_is_reached_only_through_caddy(compose):
    services = compose["services"]
    web, caddy = services["web"], services["caddy"]
    published = [service for service, spec in services.items() if spec.get("ports")]

    assert published == ["caddy"]
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    port = web["command"][web["command"].index("--bind") + 1].rsplit(":", 1)[1]
    caddyfile = (REPO / "Caddyfile").read_text()
    pattern = r"^\s*reverse_proxy \{\$EDROPS_UPSTREAMS:web:(\d+)\} \{$"
    upstreams = re.search(pattern, caddyfile, re.M)
    assert upstreams[1] == port
    assert caddy["environment"]["EDROPS_UPSTREAMS"] == f"${{EDROPS_UPSTREAMS:-web:{port}}}"


def test_the_two_nodes_profile_is_a_second_full_set_behind_the_same_caddy(compose):
    services = compose["services"]

    for name in ("web", "worker", "clock"):
        second = services[f"{name}-b"]
        assert second["profiles"] == ["two-nodes"]
        assert second["command"] == services[name]["command"]
        assert second["env_file"] == ".env", "the same settings, so the same database"
    assert "healthcheck" in services["web-b"]
    assert "web-b:" in (REPO / "docs" / "deploy.md").read_text()


def test_the_proxys_address_is_the_one_trusted(compose):
    caddy_address = compose["services"]["caddy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]

    for name in ("web", "worker", "clock"):
        assert compose["services"][name]["environment"]["TRUSTED_PROXIES"] == caddy_address
    assert caddy_address.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]


def test_the_web_health_check_is_python_that_compiles(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")


def test_a_redis_broker_refuses_to_start_and_says_why():
    result = check_deploy({**PRODUCTION, **TLS_AT_THE_PROXY, "Q_BROKER": "redis://127.0.0.1:6379/0"})

    assert result.returncode != 0
    assert "Q_BROKER must be 'orm'" in result.stderr
    assert "commit together" in result.stderr
