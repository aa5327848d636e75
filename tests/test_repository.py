"""Promises the repository keeps: migrations, deployment files, settings that fail closed."""

import os
import shlex
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command, get_commands

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def assert_runs_something_real(argv: list[str], where: str) -> None:
    if argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands(), f"{where}: no management command {argv[2]!r}"
    elif argv[0] == "gunicorn":
        module = argv[1].split(":")[0]
        assert find_spec(module), f"{where}: no module {module!r}"
    else:
        raise AssertionError(f"{where}: unexpected command {argv}")


def test_every_docker_compose_service_runs_a_real_command():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "web", "worker", "clock", "ven"} <= set(services)
    assert "redis" not in services, "the task queue is the database (Q_BROKER=orm only)"
    for name, service in services.items():
        if "command" in service:
            assert_runs_something_real(service["command"], f"docker-compose {name}")
    app_services = [s for s in services.values() if "build" in s]
    assert all(s["env_file"] == ".env" for s in app_services), "one env file for all"


def test_every_procfile_process_runs_a_real_command():
    processes = dict(
        line.split(": ", 1) for line in (REPO / "Procfile").read_text().splitlines() if line
    )
    assert set(processes) == {"web", "worker", "clock", "ven"}
    for name, command in processes.items():
        argv = [a for a in shlex.split(command) if not a.startswith("$")]
        assert_runs_something_real(argv, f"Procfile {name}")


def test_settings_refuse_to_start_in_production_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr
