"""Sign-in on `costboard serve` itself (gunicorn in a subprocess): a session survives a
restart, every worker accepts it, and the access log never holds a password or a token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from costboard.dashboard import users
from tests.auth_support import (
    PASSWORD,
    add_user,
    basic,
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
