"""`costboard serve`: gunicorn for one worker as for many, its logs, /healthz, a graceful
stop, the warehouse passed through the environment, and the refusal to serve an open
dashboard beyond localhost."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from flask_caching.backends import SimpleCache
from werkzeug.test import TestResponse

from costboard.cli import main
from costboard.dashboard import server
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server
from tests.auth_support import (
    Answer,
    add_user,
    free_port,
    process_tree_command_lines,
    serving,
    stop,
)
from tests.browser.support import dashboard_home
from tests.waiting import until

pytestmark = pytest.mark.slow

DEVELOPMENT_WARNING = "development server"


def worker_holds(arbiter: int, client_port: int) -> bool:
    """True once a process under ``arbiter`` (a gunicorn worker) holds the connection that
    ``client_port`` opened, i.e. has accepted it."""
    for process in psutil.Process(arbiter).children(recursive=True):
        for connection in process.net_connections(kind="tcp"):
            if connection.raddr and connection.raddr.port == client_port:
                return True
    return False


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def served_home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard tests' warehouse (read only here)."""
    return dashboard_home(demo_home_template, tmp_path_factory.mktemp("serve"))


def test_two_workers_answer_share_the_cache_and_exit_cleanly(served_home: Path) -> None:
    home = served_home
    port = free_port()
    command = [sys.executable, "-m", "costboard.cli", "--home", str(home), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def newest_once_listening() -> int | None:
        assert server.poll() is None, "costboard serve exited"
        return get(base + "/api/snapshots")["latest"]

    try:
        newest = until(
            newest_once_listening,
            timeout=60,
            message="costboard serve did not answer",
            every=0.25,
            ignoring=(OSError,),
        )
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


def test_one_worker_is_gunicorn_with_an_access_log_healthz_and_no_development_warning(
    served_home: Path, tmp_path: Path
) -> None:
    with serving(served_home, tmp_path / "serve.log") as served:
        health = served.request("GET", "/healthz")
        page = served.request("GET", "/")
        status = stop(served)
    output = served.output
    assert health.status == 200 and health.json() == {"status": "ok"}
    assert page.status == 200
    assert status == 0, output
    assert "Starting gunicorn" in output and output.count("Booting worker") == 1
    assert '"GET /healthz HTTP/1.1" 200' in output and '"GET / HTTP/1.1" 200' in output
    assert "Worker exiting" in output
    assert DEVELOPMENT_WARNING not in output.lower() and "Traceback" not in output
    # Open on localhost (no users), and it says so: a reverse proxy would open it further.
    assert "no users in" in output and "no sign-in" in output


def test_a_request_in_flight_finishes_when_the_server_is_told_to_stop(
    served_home: Path, tmp_path: Path
) -> None:
    # A query of a few seconds (the fence stops one at 10 s): SIGTERM arrives while it runs.
    query = "SELECT sum(hash(i)) AS s FROM range(120000000) t(i)"
    answers: list = []
    with serving(served_home, tmp_path / "serve.log") as served:
        path = "/api/sql?" + urllib.parse.urlencode({"q": query})
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
        connection.connect()
        client_port = connection.sock.getsockname()[1]

        def ask() -> None:
            connection.request("GET", path)
            answer = connection.getresponse()
            answers.append(Answer(answer.status, dict(answer.getheaders()), answer.read()))

        asking = threading.Thread(target=ask)
        asking.start()
        # In flight means a worker has accepted the connection (a connection still in the
        # listen queue is no worker's, and a stop may drop it): wait for that, not for a time.
        until(
            lambda: worker_holds(served.process.pid, client_port),
            timeout=60,
            message=lambda: "no worker accepted the request:\n" + served.output,
        )
        signalled = time.monotonic()
        status = stop(served)
        asking.join()
        answered = time.monotonic()
    assert answers and answers[0].status == 200, served.output
    assert answers[0].json()["rows"][0][0] is not None
    # The answer arrived after SIGTERM: the request was in flight and was let finish.
    assert answers[0].json()["elapsed_ms"] > 1000 and answered > signalled
    assert status == 0 and "Traceback" not in served.output


def test_healthz_answers_503_and_says_nothing_else_when_the_warehouse_is_unreadable(
    served_home: Path, tmp_path: Path
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(served_home, home, ignore=shutil.ignore_patterns("cache"))
    app = create_app(WarehouseConfig.resolve(home), cache=SimpleCache(threshold=0), warm=False)
    client = app.server.test_client()
    assert client.get("/healthz").status_code == 200
    (home / "catalog.sqlite").write_bytes(b"not a catalog any more")

    # The newest snapshot id is trusted for one second (snapshots.py): until then /healthz
    # still answers from it; after, it reads the catalog and finds it broken.
    def once_not_ok() -> TestResponse | None:
        answer = client.get("/healthz")
        return answer if answer.status_code != 200 else None

    answer = until(once_not_ok, timeout=60, message="/healthz kept answering 200, catalog broken")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable"}


@pytest.fixture(scope="module")
def password_server() -> Iterator[postgres_server.Server]:
    with postgres_server.throwaway(
        "costboard-serve-pw-", port=postgres_server.free_port(), password="s3rve-Secret-9"
    ) as running:
        yield running


def test_the_catalog_password_is_in_no_command_line_and_no_output(
    password_server: postgres_server.Server, tmp_path: Path
) -> None:
    password = password_server.password
    assert password
    password_server.create_database("served")
    url = f"postgresql://postgres:{password}@127.0.0.1:{password_server.tcp_port}/served"
    options = ("--catalog", url, "--data-path", f"{tmp_path}/data/")
    home = tmp_path / "home"
    made = CliRunner().invoke(main, ["--home", str(home), *options, "init"])
    assert made.exit_code == 0, made.output
    assert WarehouseConfig.resolve(home, url, f"{tmp_path}/data/").catalog_password == password
    with serving(home, tmp_path / "serve.log", "--workers", "2", global_options=options) as served:
        command_lines = process_tree_command_lines(served.process.pid)
        snapshots = served.request("GET", "/api/snapshots")
        status = stop(served)
    assert snapshots.status == 200 and status == 0, served.output
    # What `ps` shows: gunicorn's arbiter and its two workers (it retitles them).
    assert len(command_lines) == 3 and all("gunicorn" in line for line in command_lines)
    assert not any(password in line for line in command_lines), command_lines
    # The command line serve starts gunicorn with (before the retitling) holds no password,
    # nor any part of the catalog; the environment carries it.
    config = WarehouseConfig.resolve(home, url, f"{tmp_path}/data/")
    argv, environment = server.command(config, "127.0.0.1", 8050, 2)
    assert not any(password in part or "postgresql" in part for part in argv), argv
    assert password in environment["COSTBOARD_CATALOG"]
    assert password not in served.output and "Traceback" not in served.output


def serve_refused(home: Path, *options: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`costboard serve` expected to refuse, in a process of its own: a serve that wrongly
    starts would otherwise become this test's process (it execs gunicorn)."""
    return subprocess.run(
        [sys.executable, "-m", "costboard.cli", "--home", str(home), "serve", *options],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,  # only so that a wrongly started server cannot hang the run
    )


def test_an_address_beyond_localhost_with_no_users_is_refused(served_home: Path) -> None:
    result = serve_refused(served_home, "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode == 1
    assert "refusing to serve on 0.0.0.0 with no users" in result.stderr
    assert "costboard users add NAME" in result.stderr and "--no-auth" in result.stderr


def test_no_auth_serves_beyond_localhost_with_a_loud_warning(
    served_home: Path, tmp_path: Path
) -> None:
    with serving(served_home, tmp_path / "serve.log", "--host", "0.0.0.0", "--no-auth") as served:
        assert served.request("GET", "/api/snapshots").status == 200
    assert "WARNING: --no-auth: NO SIGN-IN on 0.0.0.0" in served.output


def test_no_auth_with_users_is_refused_rather_than_ignoring_them(
    served_home: Path, tmp_path: Path
) -> None:
    users_file = tmp_path / "users.json"
    add_user(served_home, "alice", COSTBOARD_USERS_FILE=str(users_file))
    result = serve_refused(
        served_home, "--no-auth", "--port", str(free_port()), COSTBOARD_USERS_FILE=str(users_file)
    )
    assert result.returncode == 1
    assert "--no-auth, but" in result.stderr and "has 1 user(s)" in result.stderr
