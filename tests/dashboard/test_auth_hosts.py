"""Which Host names the dashboard answers to (dashboard/hosts.py), where sign-in sends the
browser afterwards (``next``), and whose X-Forwarded-For it believes: on the real app with
the Flask client, with and without users."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import flask
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import auth, hosts
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig
from tests.auth_support import PASSWORD, add_user
from tests.browser.support import dashboard_home

NAME = "hana"
SQL = "/api/sql?" + urlencode({"q": "SELECT count(*) AS n FROM claims"})
#: Every kind of route: the API, a page, Dash's own, an asset, the sign-in page, healthz.
ROUTES = (SQL, "/api/snapshots", "/claims", "/_dash-layout", "/assets/style.css", "/signin")


@pytest.fixture(scope="module")
def home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_home(demo_home_template, tmp_path_factory.mktemp("hosts"))


def make_app(home: Path, **env: str) -> flask.Flask:
    """The real app, built with ``env`` set (hosts.py reads it once, at install)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(hosts.ALLOWED_HOSTS_ENV, raising=False)
        patch.delenv(hosts.TRUSTED_PROXIES_ENV, raising=False)
        for key, value in env.items():
            patch.setenv(key, value)
        return create_app(WarehouseConfig.resolve(home), cache=SimpleCache(), warm=False).server


@pytest.fixture(scope="module")
def open_app(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[flask.Flask]:
    """No users: the one-analyst localhost dashboard that DNS rebinding used to read."""
    empty = tmp_path_factory.mktemp("no-users") / "users.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COSTBOARD_USERS_FILE", str(empty))
        yield make_app(home)


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("users") / "users.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COSTBOARD_USERS_FILE", str(path))
        yield path


@pytest.fixture(scope="module")
def signed_app(home: Path, users_file: Path) -> flask.Flask:
    add_user(home, NAME)
    return make_app(home, **{hosts.ALLOWED_HOSTS_ENV: "costboard.internal, Team.Example"})


def get(app: flask.Flask, path: str, host: str, **environ: str) -> flask.Response:
    client = app.test_client(use_cookies=False)
    return client.get(path, environ_overrides={"HTTP_HOST": host, **environ})


def test_a_foreign_host_is_refused_on_every_route_of_an_open_dashboard(
    open_app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    assert get(open_app, SQL, "127.0.0.1:8050").get_json()["rows"]  # it is open, and answers
    caplog.set_level(logging.WARNING, logger=hosts.log.name)
    for host in ("evil.example", "evil.example:8050", "localhost.evil.example", "127.0.0.2"):
        for path in (*ROUTES, "/healthz"):
            answer = get(open_app, path, host)
            assert answer.status_code == 400, (host, path, answer.status_code)
            assert "allowed-host" in answer.text and host not in answer.text
    assert "refused a request for Host 'evil.example'" in caplog.text


def test_the_default_names_answer_with_any_port_and_in_any_case(open_app: flask.Flask) -> None:
    for host in ("localhost", "localhost:8050", "LocalHost:1", "127.0.0.1", "127.0.0.1:65535"):
        assert get(open_app, "/healthz", host).status_code == 200, host
    for host in ("[::1]", "[::1]:8050", "[0:0::1]:8050"):
        assert get(open_app, "/healthz", host).status_code == 200, host


def test_odd_host_headers_are_refused(open_app: flask.Flask) -> None:
    odd = ("", "localhost:", "localhost:abc", "user@localhost", "localhost/x", "[::1", "::1")
    for host in (*odd, "localhost evil", "localhost\t", "127.0.0.1:8050:1"):
        assert get(open_app, "/healthz", host).status_code == 400, repr(host)


def test_the_variable_adds_a_teams_name_and_sign_in_comes_after_the_host_check(
    signed_app: flask.Flask,
) -> None:
    for host in ("costboard.internal", "costboard.internal:443", "team.example"):
        assert get(signed_app, "/healthz", host).status_code == 200, host
        # An allowed name reaches sign-in: a page redirects, the API wants credentials.
        assert get(signed_app, "/claims", host).status_code == 302
        assert get(signed_app, SQL, host).status_code == 401
    for path in ROUTES:
        assert get(signed_app, path, "evil.example").status_code == 400, path


def test_a_bad_name_in_the_variable_is_one_clear_line(home: Path) -> None:
    for bad in ("https://costboard.internal", "costboard.internal:443", "a b", "-x.example"):
        with pytest.raises(hosts.HostError, match=f"{hosts.ALLOWED_HOSTS_ENV} or --allowed-host"):
            make_app(home, **{hosts.ALLOWED_HOSTS_ENV: bad})
    with pytest.raises(hosts.HostError, match="number of reverse proxies"):
        make_app(home, **{hosts.TRUSTED_PROXIES_ENV: "yes"})


# -- where sign-in sends the browser --------------------------------------------------------

#: ``next`` values (as the form carries them, decoded) that must land on "/".
OFF_SITE = (
    "/\t/evil.example",
    "/\t\t/evil.example",
    "//evil.example",
    "//evil.example/claims",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " /claims",
    "http://evil.example",
    "https://evil.example/",
    "http:evil.example",
    "data:text/html,hi",
    "evil.example",
    "",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\x1f/evil.example",
    "/\x7f/evil.example",
    "/\u0085/evil.example",
    "/\u200b/evil.example",
    "/claims\u202e",
    "/ /evil.example",
)
#: Same-site targets that must survive as they are.
ON_SITE = (
    "/",
    "/claims",
    "/claims?subject=deepseek-v3&as_of=3",
    "/sql?q=SELECT%201",
    "/%09/evil.example",  # the browser does not decode %09 in a path: it stays on this site
    "/claims#versions",
    "/history?diff=1..2",
)


def sign_in_to(app: flask.Flask, target: str) -> flask.Response:
    return app.test_client(use_cookies=False).post(
        "/signin?" + urlencode({"next": target}),
        data={"name": NAME, "password": PASSWORD},
        headers={"Origin": "http://localhost"},
    )


def test_next_after_sign_in_never_leaves_the_site(signed_app: flask.Flask) -> None:
    landed = {target: sign_in_to(signed_app, target).headers.get("Location") for target in OFF_SITE}
    assert landed == dict.fromkeys(OFF_SITE, "/")
    kept = {target: sign_in_to(signed_app, target).headers.get("Location") for target in ON_SITE}
    assert kept == {target: target for target in ON_SITE}


def test_the_sign_in_form_carries_only_a_safe_next(signed_app: flask.Flask) -> None:
    page = signed_app.test_client().get("/signin?" + urlencode({"next": "/\t/evil.example"}))
    assert page.status_code == 200 and 'name="next" value="/"' in page.text


def test_a_line_break_in_next_is_a_400_not_a_500(signed_app: flask.Flask) -> None:
    for target in ("/\r\nSet-Cookie: x=1", "/\n", "/\r", "/%0d%0a"):
        raw = "/signin?next=" + (target if "%" in target else quote(target, safe="/"))
        form = signed_app.test_client(use_cookies=False).post(
            raw, data={"name": NAME, "password": PASSWORD}, headers={"Origin": "http://localhost"}
        )
        assert form.status_code == 400 and "Set-Cookie" not in form.headers, target
        assert signed_app.test_client().get(raw).status_code == 400, target


def test_the_redirect_to_sign_in_carries_a_next_that_survives_it(signed_app: flask.Flask) -> None:
    """A page asked for with spaces or non-ASCII in its path comes back after sign-in."""
    asked = "/claims/a b/d\u00e9j\u00e0?subject=deepseek%20v3"
    redirect = signed_app.test_client().get(asked)
    location = redirect.headers["Location"]
    assert location.startswith("/signin?next=")
    target = flask.Request.from_values(location).args["next"]
    assert sign_in_to(signed_app, target).headers["Location"] == target
    assert target == "/claims/a%20b/d%C3%A9j%C3%A0?subject=deepseek%20v3"


# -- trusted proxies ------------------------------------------------------------------------


def failed_from(app: flask.Flask, forwarded: str) -> flask.Response:
    return app.test_client(use_cookies=False).post(
        "/signin",
        data={"name": NAME, "password": "wrong password"},
        headers={"Origin": "http://localhost", "X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": "10.7.0.1"},
    )


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(
    home: Path, users_file: Path, signed_app: flask.Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=auth.log.name)
    assert failed_from(signed_app, "203.0.113.9").status_code == 401
    assert "from 10.7.0.1" in caplog.text and "203.0.113.9" not in caplog.text
    caplog.clear()
    behind_one = make_app(home, **{hosts.TRUSTED_PROXIES_ENV: "1"})
    # The proxy appends the client's address: with one proxy, the last entry is believed,
    # not what the client itself put before it.
    assert failed_from(behind_one, "198.51.100.7, 203.0.113.9").status_code == 401
    assert "user 'hana' from 203.0.113.9" in caplog.text and "198.51.100.7" not in caplog.text
