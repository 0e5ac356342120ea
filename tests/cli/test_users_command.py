"""costboard.cli.users_command: a password read from standard input (its newline dropped,
nothing else) and held to the users file's length rule. (Adding, listing and removing users
run end to end in tests/dashboard/test_auth_users.py.)"""

from __future__ import annotations

import io

import pytest

from costboard.cli.users_command import _read_password
from costboard.dashboard.users import MIN_PASSWORD_LENGTH, UsersError

LONG_ENOUGH = "x" * MIN_PASSWORD_LENGTH


def test_the_trailing_newline_is_dropped_and_spaces_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f" {LONG_ENOUGH} \nsecond line\n"))
    assert _read_password(from_stdin=True) == f" {LONG_ENOUGH} "


def test_a_password_without_a_newline_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(LONG_ENOUGH))
    assert _read_password(from_stdin=True) == LONG_ENOUGH


def test_a_short_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # One character short once its newline is dropped: the newline does not count.
    monkeypatch.setattr("sys.stdin", io.StringIO(LONG_ENOUGH[:-1] + "\n"))
    with pytest.raises(UsersError, match=f"at least {MIN_PASSWORD_LENGTH} characters"):
        _read_password(from_stdin=True)
