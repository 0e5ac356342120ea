"""Helpers for the sign-in and serving tests: users files, and `costboard serve` as a process.

A served dashboard is driven with plain ``http.client`` so that every header is the test's
own: the session cookie is Secure, which Python's cookie jar never sends over http (browsers
do for localhost; tests/browser/test_browser_signin.py shows Chromium does).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from costboard.cli import main
from tests.waiting import until

PASSWORD = "correct horse battery"
#: How long a server may take to answer /healthz after it starts.
START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_user(home: Path, name: str, password: str = PASSWORD, **env: str) -> None:
    """``costboard users add NAME --password-stdin`` through the real CLI."""
    result = CliRunner(env=env or None).invoke(
        main, ["--home", str(home), "users", "add", name, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 0, result.output


def new_token(home: Path, name: str) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), "users", "token", name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Served:
    """A running ``costboard serve``: its process, port and everything it printed so far."""

    process: subprocess.Popen[str]
    port: int
    log: Path
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.log.read_text()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        cookie: str | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if cookie is not None:
            sent["Cookie"] = cookie
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return Answer(answer.status, dict(answer.getheaders()), answer.read())
        finally:
            connection.close()

    def sign_in(self, name: str, password: str = PASSWORD) -> Answer:
        from urllib.parse import urlencode

        return self.request(
            "POST",
            "/signin",
            body=urlencode({"name": name, "password": password, "next": "/"}),
            headers={"Origin": f"http://127.0.0.1:{self.port}"},
        )


def session_cookie(answer: Answer) -> str:
    """``name=value`` of the session cookie a sign-in set (its flags checked by the caller)."""
    set_cookie = answer.headers.get("Set-Cookie", "")
    assert set_cookie.startswith("costboard_session="), answer.headers
    return set_cookie.split(";", 1)[0]


@contextmanager
def serving(
    home: Path,
    log: Path,
    *options: str,
    global_options: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Served]:
    """``costboard serve`` on ``home``; yields once /healthz answers 200. Stops it with SIGTERM
    (a test that wants the exit status stops it itself with :func:`stop`)."""
    port = port or free_port()
    command = [sys.executable, "-m", "costboard.cli", "--home", str(home), *global_options]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port), *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
    served = Served(process, port, log)
    try:
        wait_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            stop(served)


def wait_healthy(served: Served) -> None:
    def healthy() -> bool:
        # A process that exited fails at once; one not listening yet (OSError) is "not yet".
        assert served.process.poll() is None, "serve exited:\n" + served.output
        return served.request("GET", "/healthz").status == 200

    until(
        healthy,
        timeout=START_SECONDS,
        every=0.2,
        ignoring=(OSError,),
        message=lambda: "serve never became healthy:\n" + served.output,
    )


def stop(served: Served) -> int:
    """SIGTERM, then the exit status (gunicorn's graceful stop)."""
    served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
        raise


def process_tree_command_lines(pid: int) -> list[str]:
    """The command line of ``pid`` and of every process under it (from /proc)."""
    lines, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            raw = Path(f"/proc/{current}/cmdline").read_bytes()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        lines.append(raw.replace(b"\0", b" ").decode())
        pending.extend(int(child) for child in children)
    return lines
