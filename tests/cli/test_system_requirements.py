"""A missing Chromium, chromedriver, PostgreSQL or namespace support skips locally, fails in CI."""

from __future__ import annotations

import pytest

from tests import system


def test_a_missing_piece_fails_the_run_in_ci_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run every test, but chromium"):
        system.require(False, "chromium", "run `make system-deps`")


def test_a_missing_piece_skips_locally_naming_the_make_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(
        pytest.skip.Exception, match="PostgreSQL is missing: run `make system-deps`"
    ):
        system.require(False, "PostgreSQL", "run `make system-deps`")


def test_a_present_piece_neither_skips_nor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    system.require(True, "chromium", "run `make system-deps`")
