"""Sign-in limits that slow a guesser without locking the team out (dashboard/auth.py and
dashboard/signin_store.py), on the real app with the Flask client.

Each test fails from addresses of its own (the store lives in the warehouse's home, shared by
every app of the module, as by every worker of a server).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import auth
from costboard.dashboard.app import create_app
from costboard.dashboard.signin_store import Rate, SigninStore
from costboard.warehouse.config import WarehouseConfig
from tests.auth_support import PASSWORD, add_user, basic, new_token
from tests.browser.support import dashboard_home

_addresses = (f"10.2.0.{n}" for n in itertools.count(1))
WRONG = "not-the-password"


@pytest.fixture(scope="module")
def home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    served = dashboard_home(demo_home_template, tmp_path_factory.mktemp("limits"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COSTBOARD_USERS_FILE", str(tmp_path_factory.mktemp("u") / "users.json"))
        for name in ("ivy", "jon", "kim", "lee", "mia"):
            add_user(served, name)
        yield served


@pytest.fixture(scope="module")
def app(home: Path) -> flask.Flask:
    return create_app(WarehouseConfig.resolve(home), cache=SimpleCache(), warm=False).server


def form(app: flask.Flask, name: str, password: str, address: str) -> int:
    answer = app.test_client(use_cookies=False).post(
        "/signin",
        data={"name": name, "password": password, "next": "/"},
        headers={"Origin": "http://localhost"},
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code


def api(app: flask.Flask, authorization: str, address: str) -> int:
    answer = app.test_client(use_cookies=False).get(
        "/api/snapshots",
        headers={"Authorization": authorization},
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code


def test_failures_slow_the_failing_pair_and_the_right_password_works_from_another_client(
    app: flask.Flask,
) -> None:
    guesser, teammate = next(_addresses), next(_addresses)
    assert [form(app, "ivy", WRONG, guesser) for _ in range(auth.PER_PAIR.amount)] == [401] * 5
    # The pair is slowed: from there even the right password waits, unchecked.
    assert form(app, "ivy", PASSWORD, guesser) == 429
    # ivy herself, from her own machine, is not locked out by someone else's guesses.
    assert form(app, "ivy", PASSWORD, teammate) == 303
    assert api(app, basic("ivy", PASSWORD), teammate) == 200
    # The guesser is slowed for ivy only: another name from the same address is checked.
    assert form(app, "jon", PASSWORD, guesser) == 303


def test_basic_auth_failures_count_like_the_forms_and_lock_out_no_one_else(
    app: flask.Flask,
) -> None:
    guesser, teammate = next(_addresses), next(_addresses)
    for _ in range(auth.PER_PAIR.amount):
        assert api(app, basic("kim", WRONG), guesser) == 401
    assert api(app, basic("kim", PASSWORD), guesser) == 429
    assert form(app, "kim", PASSWORD, guesser) == 429  # one count, whichever door
    assert api(app, basic("kim", PASSWORD), teammate) == 200


def test_an_address_spraying_names_is_slowed_but_a_teammate_there_still_signs_in(
    app: flask.Flask,
) -> None:
    """Behind a proxy nobody configured, the whole team shares the proxy's address."""
    shared = next(_addresses)
    sprayed = [f"nobody{n}" for n in range(auth.PER_ADDRESS.amount)]
    assert {form(app, name, WRONG, shared) for name in sprayed} == {401}
    # Past the address's allowance, a name it already failed waits, known or not ...
    assert form(app, sprayed[0], WRONG, shared) == 429
    assert form(app, "lee", WRONG, shared) == 401
    assert form(app, "lee", PASSWORD, shared) == 429
    # ... while a teammate there who types the right password first is let in.
    assert form(app, "mia", PASSWORD, shared) == 303
    assert api(app, basic("mia", PASSWORD), shared) == 200


def test_a_valid_token_is_never_refused_for_failures_from_its_address(
    app: flask.Flask, home: Path
) -> None:
    token = new_token(home, "jon")
    address = next(_addresses)
    statuses = [api(app, f"Bearer wrong-token-{n}", address) for n in range(25)]
    assert statuses == [401] * auth.PER_ADDRESS.amount + [429] * 5  # wrong tokens are slowed
    for n in range(auth.PER_ADDRESS.amount + 1):
        form(app, f"sprayed{n}", WRONG, address)
    assert api(app, f"Bearer {token}", address) == 200


def test_the_window_moves_and_only_failures_count(tmp_path: Path) -> None:
    """The store itself, with a clock the test turns (no sleeping)."""
    now = [1000.0]
    store = SigninStore(tmp_path / "s.sqlite3", longest=60.0, clock=lambda: now[0])
    rate = Rate(2, 60.0)
    store.fail(("pair", "a", "x"))
    now[0] += 30
    store.fail(("pair", "a", "x"), ("address", "x"))
    assert store.failures(rate, "pair", "a", "x") == 2
    assert store.failures(rate, "pair", "a", "y") == 0
    now[0] += 30.5  # the first failure is now older than the window
    assert store.failures(rate, "pair", "a", "x") == 1
    now[0] += 60
    store.fail(("address", "z"))  # writing drops what no window can see any more
    assert store.failures(Rate(9, 1e9), "pair", "a", "x") == 0
    assert (tmp_path / "s.sqlite3").stat().st_mode & 0o777 == 0o600


def test_sign_out_ends_the_session_on_the_server(app: flask.Flask) -> None:
    client = app.test_client(use_cookies=False)
    signed = client.post(
        "/signin",
        data={"name": "mia", "password": PASSWORD, "next": "/"},
        headers={"Origin": "http://localhost"},
    )
    cookie = signed.headers["Set-Cookie"].split(";", 1)[0]
    assert client.get("/_dash-layout", headers={"Cookie": cookie}).status_code == 200
    out = client.post("/signout", headers={"Cookie": cookie, "Origin": "http://localhost"})
    assert out.status_code == 303
    # The copy kept from before sign-out is refused: the session is gone on the server.
    assert client.get("/_dash-layout", headers={"Cookie": cookie}).status_code == 401
    assert client.get("/api/snapshots", headers={"Cookie": cookie}).status_code == 401
