"""The three processes of API.md §1, started for real and watched through /readyz."""

import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.e2e.stack import REPO, base_env, free_port, wait_for

pytestmark = pytest.mark.e2e


def readyz(stack):
    response = stack.get("/readyz")
    return response.status_code, response.json()


def test_readyz_waits_for_a_worker_and_a_clock_and_names_the_clock_when_it_stops(stack):
    stack.env_extra["LIVENESS_TIMEOUT"] = "3"
    stack.start("web")

    status, body = readyz(stack)
    assert status == 503
    assert body["missing"] == ["worker", "clock"]
    assert body["checks"]["database"] == "ok"

    stack.start("worker", "clock")
    wait_for(lambda: readyz(stack)[0] == 200, timeout=15, what="/readyz 200", stack=stack)
    assert readyz(stack)[1]["missing"] == []

    assert stack.stop("clock") == 0, "the clock should exit cleanly on SIGTERM"
    status, body = wait_for(
        lambda: (r := readyz(stack))[0] == 503 and r, timeout=8, what="/readyz 503", stack=stack
    )
    assert body["missing"] == ["clock"]
    assert body["checks"]["worker"]["ok"] is True

    assert stack.stop("worker") == 0, "the worker should exit cleanly on SIGTERM"


def test_the_procfile_starts_all_three_and_ctrl_c_stops_them_all(e2e_databases, tmp_path):
    port = free_port()
    env = base_env(e2e_databases.fresh(), WEB_ADDR=f"127.0.0.1:{port}")
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env['PATH']}"
    log = open(tmp_path / "honcho.log", "wb")  # noqa: SIM115
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "start", "-f", "Procfile"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def ready():
            return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200

        wait_for(ready, timeout=30, what="/readyz 200 under honcho")
        children = subprocess.run(
            ["pgrep", "-g", str(honcho.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 4, "honcho and its three processes"

        honcho.send_signal(signal.SIGINT)  # what Ctrl-C in `make run` sends
        honcho.wait(timeout=20)
        wait_for(
            lambda: subprocess.run(["pgrep", "-g", str(honcho.pid)]).returncode == 1,
            timeout=10,
            what="every process of the group to exit",
        )
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
        print((tmp_path / "honcho.log").read_text()[-3000:])
