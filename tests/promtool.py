"""Prometheus' own linter (Debian's `prometheus` package). A machine without it skips the
tests that need it; CI installs it and sets EDROPS_REQUIRE_PROMTOOL, so there it never skips."""

import os
import shutil
import subprocess

import pytest


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    path = shutil.which("promtool") or "/usr/bin/promtool"
    if not os.path.exists(path):
        missing = "promtool is missing: apt-get install prometheus (.ci/run does)"
        if os.environ.get("EDROPS_REQUIRE_PROMTOOL"):
            pytest.fail(missing)
        pytest.skip(missing)
    return subprocess.run(
        [path, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
