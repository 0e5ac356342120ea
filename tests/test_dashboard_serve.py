"""`costboard serve --workers 2`: gunicorn workers that share the cache and exit cleanly."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.support import dashboard_home

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)


def test_two_workers_answer_share_the_cache_and_exit_cleanly(
    demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = dashboard_home(demo_home_template, tmp_path_factory.mktemp("serve"))
    port = free_port()
    command = [sys.executable, "-m", "costboard.cli", "--home", str(home), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                newest = get(base + "/api/snapshots")["latest"]
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.25)
        answers = [get(f"{base}/api/estimates?subject=deepseek&as_of={newest}") for _ in range(6)]
        assert all(a == answers[0] for a in answers) and answers[0]["estimates"]
        cached = list((home / "cache" / "dashboard").glob("*"))
        assert cached  # the results cache is files under the warehouse's home, for every worker
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output
    assert "Booting worker" in output and output.count("Worker exiting") == 2
    assert "SIGSEGV" not in output and "Traceback" not in output
