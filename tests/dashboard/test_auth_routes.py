"""Sign-in in front of every route (dashboard/auth.py), on the real app with the Flask client.

Users come from a users file the real CLI writes (``COSTBOARD_USERS_FILE``). Each test that
fails sign-ins comes from an address of its own, since the limits count per address too. The
limits themselves: tests/dashboard/test_auth_limits.py; Host and ``next``: tests/dashboard/test_auth_hosts.py.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import flask
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from flask_caching.backends import SimpleCache

from costboard.cli import main
from costboard.dashboard import auth, health
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig
from tests.auth_support import PASSWORD, basic
from tests.browser.support import dashboard_home

NAME = "alice"
_addresses = (f"10.1.0.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_home(demo_home_template, tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The users file, named by the variable for the whole module (read per request)."""
    path = tmp_path_factory.mktemp("users") / "users.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COSTBOARD_USERS_FILE", str(path))
        yield path


def users_cli(home: Path, *args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), "users", *args], input=input)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def app(home: Path, users_file: Path) -> flask.Flask:
    users_cli(home, "add", NAME, "--password-stdin", input=PASSWORD + "\n")
    dash_app = create_app(WarehouseConfig.resolve(home), cache=SimpleCache(), warm=False)
    return dash_app.server


@pytest.fixture(scope="module")
def token(app: flask.Flask, home: Path) -> str:
    return users_cli(home, "token", NAME).strip()


@pytest.fixture
def address() -> str:
    return next(_addresses)


def client(app: flask.Flask) -> FlaskClient:
    # Cookies by hand (use_cookies=False): what a test sends is exactly what it says.
    return app.test_client(use_cookies=False)


def sign_in(
    app: flask.Flask, name: str = NAME, password: str = PASSWORD, *, address: str = "127.0.0.1"
) -> flask.Response:
    return client(app).post(
        "/signin",
        data={"name": name, "password": password, "next": "/claims"},
        headers={"Origin": "http://localhost"},
        environ_base={"REMOTE_ADDR": address},
    )


def cookie_of(answer: flask.Response) -> str:
    header = answer.headers["Set-Cookie"]
    assert header.startswith(auth.COOKIE_NAME + "=")
    return header.split(";", 1)[0]


@pytest.fixture(scope="module")
def cookie(app: flask.Flask) -> str:
    return cookie_of(sign_in(app))


def real_paths(app: flask.Flask) -> dict[str, str]:
    """For rules with arguments: a real file to ask for, so a signed-in request gets 200."""
    page = app.test_client().get("/", headers={"Cookie": ""})
    assert page.status_code in (200, 302)
    return {
        "/assets/<path:filename>": "/assets/style.css",
        "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": (
            "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js"
        ),
        "/<path:path>": "/claims",
        "/api/<path:unknown>": "/api/nothing-here",
    }


def request_for(rule: str, methods: set[str], examples: dict[str, str]) -> tuple[str, str]:
    path = examples.get(rule) or re.sub(r"<[^>]+>", "x", rule)
    path = path if path.startswith("/") else "/" + path
    return ("GET" if "GET" in methods else sorted(methods - {"OPTIONS", "HEAD"})[0]), path


def is_refusal(answer: flask.Response) -> bool:
    return answer.status_code == 401 or (
        answer.status_code == 302 and answer.headers["Location"].startswith("/signin?next=")
    )


def test_every_route_refuses_without_credentials_and_answers_with_them(
    app: flask.Flask, cookie: str
) -> None:
    rules = list(app.url_map.iter_rules())
    examples = real_paths(app)
    seen = {r.rule for r in rules}
    # The enumeration covers what matters: Dash's callbacks, layout, assets, bundles, the API.
    for expected in ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies", *examples):
        assert expected in seen
    refused, answered = [], []
    for rule in rules:
        if rule.rule in auth.OPEN_PATHS:
            continue
        method, path = request_for(rule.rule, set(rule.methods or ()), examples)
        anonymous = client(app).open(path, method=method)
        signed_in = client(app).open(
            path, method=method, headers={"Cookie": cookie, "Origin": "http://localhost"}
        )
        refused.append((path, is_refusal(anonymous)))
        answered.append((path, signed_in.status_code, is_refusal(signed_in)))
        if path.startswith("/api/"):
            assert anonymous.headers["WWW-Authenticate"].startswith("Basic ")
        elif method == "GET" and not path.startswith(("/_", "/assets/", "/static/", "/.")):
            assert anonymous.status_code == 302, path  # a page: to the sign-in page
    assert all(ok for _, ok in refused), refused
    assert not any(refusal for _, _, refusal in answered), answered
    by_path = {path: status for path, status, _ in answered}
    assert by_path["/assets/style.css"] == 200 and by_path["/_dash-layout"] == 200
    assert by_path["/api/snapshots"] == 200 and by_path["/claims"] == 200


def test_only_the_sign_in_page_and_healthz_are_open_and_healthz_tells_nothing(
    app: flask.Flask,
) -> None:
    assert {"/signin", health.PATH} == auth.OPEN_PATHS
    page = client(app).get("/signin")
    assert page.status_code == 200 and 'name="password"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, nothing outside
    healthz = client(app).get("/healthz")
    assert healthz.status_code == 200 and healthz.get_json() == {"status": "ok"}


def test_the_api_takes_basic_auth_and_bearer_tokens_and_refuses_wrong_ones(
    app: flask.Flask, token: str, address: str
) -> None:
    def ask(authorization: str | None) -> int:
        headers = {"Authorization": authorization} if authorization else {}
        answer = client(app).get(
            "/api/snapshots", headers=headers, environ_base={"REMOTE_ADDR": address}
        )
        return answer.status_code

    assert ask(basic(NAME, PASSWORD)) == 200
    assert ask(f"Bearer {token}") == 200
    assert ask(basic(NAME, "not the password")) == 401
    assert ask("Bearer " + token[::-1]) == 401
    assert ask(None) == 401
    # A bearer token is for the API only; the pages want the session.
    page = client(app).get("/claims", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 302


def test_a_wrong_password_is_refused_and_repeated_it_is_rate_limited_and_logged_without_it(
    app: flask.Flask, home: Path, address: str, caplog: pytest.LogCaptureFixture
) -> None:
    name, wrong = "erin", "hunter2-wrong-guess"
    users_cli(home, "add", name, "--password-stdin", input=PASSWORD + "\n")
    caplog.set_level(logging.INFO, logger=auth.log.name)
    statuses = [sign_in(app, name, wrong, address=address).status_code for _ in range(5)]
    assert statuses == [401] * 5
    # This pair's allowance is spent: even the right password from there is refused now,
    # without being tried (tests/dashboard/test_auth_limits.py: other clients are not).
    limited = sign_in(app, name, address=address)
    assert limited.status_code == 429 and "Set-Cookie" not in limited.headers
    assert "Too many failed sign-ins" in limited.text
    failures = [r.getMessage() for r in caplog.records if "failed sign-in" in r.getMessage()]
    assert len(failures) == 5
    assert all(f"'{name}'" in line and address in line for line in failures)
    assert wrong not in caplog.text and PASSWORD not in caplog.text


def test_a_sign_in_posted_from_another_site_or_from_nowhere_is_refused(
    app: flask.Flask,
) -> None:
    form = {"name": NAME, "password": PASSWORD}
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}, {}):
        answer = client(app).post("/signin", data=form, headers=headers)
        assert answer.status_code == 403 and "Set-Cookie" not in answer.headers
    same_site = client(app).post("/signin", data=form, headers={"Referer": "http://localhost/"})
    assert same_site.status_code == 303


def test_the_session_cookie_is_httponly_samesite_lax_and_secure(app: flask.Flask) -> None:
    header = sign_in(app).headers["Set-Cookie"]
    flags = {part.strip().split("=")[0].lower(): part for part in header.split(";")}
    assert "httponly" in flags and "secure" in flags
    assert flags["samesite"].strip().lower() == "samesite=lax"
    assert PASSWORD not in header


def test_sign_in_goes_to_the_page_asked_for_but_never_to_another_site(app: flask.Flask) -> None:
    redirect = client(app).get("/claims?subject=deepseek")
    assert redirect.headers["Location"] == "/signin?next=/claims%3Fsubject%3Ddeepseek"
    for target, expected in (
        ("/claims", "/claims"),
        ("//evil.example/", "/"),
        ("https://e.x", "/"),
    ):
        answer = client(app).post(
            "/signin?" + urlencode({"next": target}),
            data={"name": NAME, "password": PASSWORD},
            headers={"Origin": "http://localhost"},
        )
        assert answer.headers["Location"] == expected


def test_sign_out_ends_the_session_and_the_page_shows_who_is_signed_in(
    app: flask.Flask,
) -> None:
    cookie = cookie_of(sign_in(app))
    layout = client(app).get("/_dash-layout", headers={"Cookie": cookie})
    assert layout.status_code == 200 and "Sign out" in layout.text and NAME in layout.text
    out = client(app).post("/signout", headers={"Cookie": cookie, "Origin": "http://localhost"})
    assert out.status_code == 303 and out.headers["Location"] == "/signin"
    cleared = out.headers["Set-Cookie"]
    assert cleared.startswith(auth.COOKIE_NAME + "=;")  # the browser drops its cookie


def test_removing_a_user_ends_their_sessions_and_tokens(app: flask.Flask, home: Path) -> None:
    users_cli(home, "add", "carol", "--password-stdin", input=PASSWORD + "\n")
    carol_token = users_cli(home, "token", "carol").strip()
    cookie = cookie_of(sign_in(app, "carol"))
    assert client(app).get("/_dash-layout", headers={"Cookie": cookie}).status_code == 200
    users_cli(home, "remove", "carol")
    assert client(app).get("/_dash-layout", headers={"Cookie": cookie}).status_code == 401
    bearer = {"Authorization": f"Bearer {carol_token}"}
    assert client(app).get("/api/snapshots", headers=bearer).status_code == 401


def test_a_server_that_had_users_stays_closed_when_the_last_one_is_removed(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_USERS_FILE", str(tmp_path / "users.json"))
    users_cli(home, "add", "dave", "--password-stdin", input=PASSWORD + "\n")
    server = create_app(WarehouseConfig.resolve(home), cache=SimpleCache(), warm=False).server
    assert client(server).get("/_dash-layout").status_code == 401
    users_cli(home, "remove", "dave")
    assert client(server).get("/_dash-layout").status_code == 401
    assert client(server).get("/api/snapshots").status_code == 401
    (tmp_path / "users.json").unlink()
    assert client(server).get("/api/snapshots").status_code == 401
