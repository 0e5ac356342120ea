"""`costboard users`: the users file (argon2 hashes, 0600, atomic), the variable for
containers, API tokens kept only as hashes, and the session key that survives restarts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from costboard.cli import main
from costboard.dashboard import users
from costboard.warehouse.config import WarehouseConfig
from tests.auth_support import PASSWORD


def costboard(home: Path, *args: str, input: str | None = None, **env: str) -> Result:
    return CliRunner(env=env or None).invoke(main, ["--home", str(home), *args], input=input)


def add(home: Path, name: str, password: str = PASSWORD, **env: str) -> Result:
    return costboard(home, "users", "add", name, "--password-stdin", input=password + "\n", **env)


def test_add_stores_an_argon2_hash_in_a_private_file_never_the_password(tmp_path: Path) -> None:
    result = add(tmp_path, "alice")
    assert result.exit_code == 0 and "added user alice" in result.output
    path = tmp_path / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD not in path.read_text()
    entry = json.loads(path.read_text())["users"]["alice"]
    assert entry["password"].startswith("$argon2id$")
    known = users.load(WarehouseConfig.resolve(tmp_path))
    assert users.verify_password(known["alice"], PASSWORD)
    assert not users.verify_password(known["alice"], PASSWORD + "x")


def test_add_asks_for_the_password_twice_hidden_and_refuses_a_mismatch(tmp_path: Path) -> None:
    typed = costboard(tmp_path, "users", "add", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0, typed.output
    assert "Repeat the password" in typed.output and PASSWORD not in typed.output
    mismatch = costboard(
        tmp_path, "users", "add", "carol", input=f"{PASSWORD}\nsomething else\n" * 1
    )
    assert mismatch.exit_code != 0 and "carol" not in users.load(WarehouseConfig.resolve(tmp_path))


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("alice", PASSWORD, "user 'alice' already exists"),
        ("bad name", PASSWORD, "bad user name 'bad name'"),
        ("dave", "short", "the password is too short: at least 8 characters"),
    ],
)
def test_add_refuses_a_taken_or_bad_name_and_a_short_password(
    tmp_path: Path, name: str, password: str, message: str
) -> None:
    assert add(tmp_path, "alice").exit_code == 0
    before = (tmp_path / "users.json").read_text()
    result = add(tmp_path, name, password)
    assert result.exit_code == 1 and message in result.output
    assert (tmp_path / "users.json").read_text() == before


def test_remove_list_and_unknown_users(tmp_path: Path) -> None:
    empty = costboard(tmp_path, "users", "list")
    assert empty.exit_code == 0 and "no users in" in empty.output
    assert add(tmp_path, "alice").exit_code == 0 and add(tmp_path, "bob").exit_code == 0
    listed = costboard(tmp_path, "users", "list")
    assert "alice  (0 API token(s))" in listed.output and "bob" in listed.output
    assert costboard(tmp_path, "users", "remove", "bob").exit_code == 0
    assert "bob" not in costboard(tmp_path, "users", "list").output
    for command in ("remove", "token"):
        missing = costboard(tmp_path, "users", command, "nobody")
        assert missing.exit_code == 1 and "no user 'nobody'" in missing.output


def test_a_token_is_printed_once_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    assert add(tmp_path, "alice").exit_code == 0
    token = costboard(tmp_path, "users", "token", "alice").output.strip()
    assert len(token) >= 40
    text = (tmp_path / "users.json").read_text()
    assert token not in text and users.token_hash(token) in text
    known = users.load(WarehouseConfig.resolve(tmp_path))
    assert users.user_for_token(known, token) == known["alice"]
    assert users.user_for_token(known, token + "x") is None


def test_the_users_file_variable_points_a_team_at_one_shared_file(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "team-users.json"
    assert add(tmp_path / "home", "alice", COSTBOARD_USERS_FILE=str(shared)).exit_code == 0
    assert shared.exists() and not (tmp_path / "home" / "users.json").exists()
    listed = costboard(tmp_path / "other", "users", "list", COSTBOARD_USERS_FILE=str(shared))
    assert "alice" in listed.output and str(shared) in listed.output


def test_users_from_the_variable_are_read_and_never_written(tmp_path: Path) -> None:
    assert add(tmp_path / "a", "alice").exit_code == 0
    content = (tmp_path / "a" / "users.json").read_text()
    listed = costboard(tmp_path / "b", "users", "list", COSTBOARD_USERS=content)
    assert "alice" in listed.output and "the variable COSTBOARD_USERS" in listed.output
    refused = add(tmp_path / "b", "bob", COSTBOARD_USERS=content)
    assert refused.exit_code == 1 and "cannot change" in refused.output
    assert not (tmp_path / "b" / "users.json").exists()
    broken = costboard(tmp_path / "b", "users", "list", COSTBOARD_USERS="{not json")
    assert broken.exit_code == 1 and "COSTBOARD_USERS: not JSON" in broken.output


def test_a_broken_users_file_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text('{"users": {"alice": {"password": "plain"}}}')
    result = costboard(tmp_path, "users", "list")
    assert result.exit_code == 1
    assert f"{tmp_path / 'users.json'}: user 'alice' has no argon2 password hash" in result.output


def test_the_session_key_is_made_once_private_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(users.SECRET_KEY_ENV, raising=False)
    config = WarehouseConfig.resolve(tmp_path)
    first = users.secret_key(config)
    assert len(first) == 64 and users.secret_key(config) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    given = "k" * 40
    monkeypatch.setenv(users.SECRET_KEY_ENV, given)
    assert users.secret_key(config) == given
    monkeypatch.setenv(users.SECRET_KEY_ENV, "short")
    with pytest.raises(users.UsersError, match="too short"):
        users.secret_key(config)
    assert os.listdir(tmp_path) == ["secret_key"]  # no temporary file left behind
