"""Sign-in on `costboard serve` itself (gunicorn in a subprocess): a session survives a
restart, every worker accepts it, the access log never holds a password or a token, failed
sign-ins and sign-outs hold on every worker, and only allowed Host names are answered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.dashboard import users
from tests.auth_support import (
    PASSWORD,
    Answer,
    Served,
    add_user,
    basic,
    free_port,
    new_token,
    serving,
    session_cookie,
    stop,
)
from tests.browser.support import dashboard_home

pytestmark = pytest.mark.slow


@pytest.fixture
def home(
    demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[Path]:
    """The dashboard tests' warehouse, with a users file of this test's own (the variable)."""
    served = dashboard_home(demo_home_template, tmp_path_factory.mktemp("auth-serve"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(users.USERS_FILE_ENV, str(tmp_path / "users.json"))
        patch.delenv(users.SECRET_KEY_ENV, raising=False)
        add_user(served, "alice")
        yield served


def test_a_session_survives_a_server_restart(home: Path, tmp_path: Path) -> None:
    with serving(home, tmp_path / "first.log") as served:
        signed_in = served.sign_in("alice")
        cookie = session_cookie(signed_in)
        assert served.request("GET", "/_dash-layout", cookie=cookie).status == 200
        assert stop(served) == 0
    with serving(home, tmp_path / "second.log") as again:
        assert again.request("GET", "/_dash-layout").status == 401
        assert again.request("GET", "/_dash-layout", cookie=cookie).status == 200
        assert again.request("GET", "/claims", cookie=cookie).status == 200


def test_two_workers_accept_the_same_session(home: Path, tmp_path: Path) -> None:
    with serving(home, tmp_path / "serve.log", "--workers", "2") as served:
        cookie = session_cookie(served.sign_in("alice"))
        answered_by: set[str] = set()
        # Each request on a new connection; the kernel hands connections to either worker.
        for _ in range(200):
            assert served.request("GET", "/_dash-dependencies", cookie=cookie).status == 200
            answered_by = set(
                re.findall(r'"GET /_dash-dependencies HTTP/1.1" 200 .* <(\d+)>', served.output)
            )
            if len(answered_by) == 2:
                break
        assert stop(served) == 0
    assert len(answered_by) == 2, served.output


def test_the_access_log_never_holds_a_password_a_token_or_an_authorization_header(
    home: Path, tmp_path: Path
) -> None:
    token = new_token(home, "alice")
    with serving(home, tmp_path / "serve.log") as served:
        assert served.sign_in("alice").status == 303
        assert served.sign_in("alice", "wrong-password-guess").status == 401
        for authorization in (basic("alice", PASSWORD), f"Bearer {token}"):
            answer = served.request(
                "GET", "/api/snapshots", headers={"Authorization": authorization}
            )
            assert answer.status == 200
        assert stop(served) == 0
    output = served.output
    assert output.count('"POST /signin HTTP/1.1"') == 2 and '"GET /api/snapshots' in output
    assert "failed sign-in (form): user 'alice' from 127.0.0.1" in output
    for secret in (PASSWORD, "wrong-password-guess", token, "Authorization", "Basic ", "Bearer"):
        assert secret not in output


def signed_in_from(served: Served, client: str, password: str = PASSWORD) -> Answer:
    """A sign-in as alice from ``client`` (the address the trusted proxy forwards)."""
    return served.request(
        "POST",
        "/signin",
        body=urlencode({"name": "alice", "password": password, "next": "/"}),
        headers={"Origin": f"http://127.0.0.1:{served.port}", "X-Forwarded-For": client},
    )


def until_both_workers_answer(served: Served, ask: Callable[[], int], line: str) -> list[int]:
    """Ask again and again, each on a new connection (the kernel hands them to either
    worker), until both workers have answered ``line`` (the access log's request line)."""
    statuses: list[int] = []
    for _ in range(200):
        statuses.append(ask())
        workers = set(re.findall(re.escape(line) + r" \d+ .* <(\d+)>", served.output))
        if len(workers) == 2:
            return statuses
    raise AssertionError(f"one worker answered every {line}:\n{served.output}")


def test_failed_sign_ins_are_counted_across_both_workers(home: Path, tmp_path: Path) -> None:
    with serving(home, tmp_path / "serve.log", "--workers", "2", "--proxies", "1") as served:
        guesser = "198.51.100.20"
        wrong = [signed_in_from(served, guesser, "wrong-password").status for _ in range(5)]
        assert wrong == [401] * 5
        # Each worker refuses the pair, whichever of them saw its failures.
        statuses = until_both_workers_answer(
            served, lambda: signed_in_from(served, guesser).status, '"POST /signin HTTP/1.1"'
        )
        assert set(statuses) == {429}, statuses
        # alice from her own machine is let in, by either worker.
        assert signed_in_from(served, "198.51.100.21").status == 303
        assert stop(served) == 0


def test_a_cookie_copied_before_sign_out_stops_working_on_every_worker(
    home: Path, tmp_path: Path
) -> None:
    with serving(home, tmp_path / "serve.log", "--workers", "2") as served:
        cookie = session_cookie(served.sign_in("alice"))
        assert served.request("GET", "/_dash-layout", cookie=cookie).status == 200
        out = served.request(
            "POST", "/signout", cookie=cookie, headers={"Origin": f"http://127.0.0.1:{served.port}"}
        )
        assert out.status == 303
        statuses = until_both_workers_answer(
            served,
            lambda: served.request("GET", "/_dash-dependencies", cookie=cookie).status,
            '"GET /_dash-dependencies HTTP/1.1"',
        )
        assert set(statuses) == {401}, statuses
        assert stop(served) == 0


def test_serve_answers_only_to_allowed_host_names(home: Path, tmp_path: Path) -> None:
    sql = "/api/sql?" + urlencode({"q": "SELECT count(*) AS n FROM claims"})
    credentials = {"Authorization": basic("alice", PASSWORD)}
    options = ("--allowed-host", "costboard.internal", "--allowed-host", "10.0.0.7")
    with serving(home, tmp_path / "serve.log", *options) as served:
        # What DNS rebinding sends: the attacker's name, to 127.0.0.1. Refused, credentials
        # or not, before sign-in looks at it.
        for headers in ({"Host": "evil.example"}, {"Host": "evil.example", **credentials}):
            assert served.request("GET", sql, headers=headers).status == 400
        assert served.request("GET", "/healthz", headers={"Host": "evil.example"}).status == 400
        for host in ("costboard.internal", f"costboard.internal:{served.port}", "10.0.0.7:443"):
            answer = served.request("GET", sql, headers={"Host": host, **credentials})
            assert answer.status == 200 and answer.json()["rows"], host  # type: ignore[index]
        assert served.request("GET", sql, headers=credentials).status == 200  # 127.0.0.1:port
        assert stop(served) == 0
    assert "refused a request for Host 'evil.example'" in served.output


def test_a_bad_allowed_host_or_proxy_count_is_one_line(home: Path) -> None:
    for options, message in (
        (("--allowed-host", "http://costboard.internal"), "not a host name or address"),
        (("--proxies", "9"), "9 is not in the range 0<=x<=8"),
    ):
        result = CliRunner().invoke(
            main, ["--home", str(home), "serve", "--port", str(free_port()), *options]
        )
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output
