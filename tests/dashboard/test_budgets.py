"""costboard.dashboard.budgets: each budget variable's default, its spelling of a whole number,
and its minimum. (That ``costboard serve`` refuses a bad one in one line is
tests/dashboard/test_cache.py; the SQL byte cap's use is tests/dashboard/test_fence_limits.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from costboard.dashboard import budgets

#: Each budget: its reader, its variable, its default and the least value it takes.
BUDGETS: list[tuple[Callable[[], int], str, int, int]] = [
    (budgets.sql_max_bytes, budgets.SQL_MAX_BYTES_ENV, budgets.SQL_MAX_BYTES, 1),
    (budgets.cache_max_mb, budgets.CACHE_MAX_MB_ENV, budgets.CACHE_MAX_MB, 0),
    (budgets.warm_memory_mb, budgets.WARM_MEMORY_MB_ENV, budgets.WARM_MEMORY_MB, 0),
    (budgets.duckdb_memory_mb, budgets.DUCKDB_MEMORY_MB_ENV, budgets.DUCKDB_MEMORY_MB, 64),
]
IDS = [variable for _, variable, _, _ in BUDGETS]


@pytest.fixture(autouse=True)
def no_budget_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for _, variable, _, _ in BUDGETS:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(("read", "variable", "default", "minimum"), BUDGETS, ids=IDS)
def test_unset_or_blank_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
    read: Callable[[], int],
    variable: str,
    default: int,
    minimum: int,
) -> None:
    assert read() == default
    monkeypatch.setenv(variable, "  ")
    assert read() == default


@pytest.mark.parametrize(("read", "variable", "default", "minimum"), BUDGETS, ids=IDS)
def test_the_minimum_is_taken_and_one_below_it_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    read: Callable[[], int],
    variable: str,
    default: int,
    minimum: int,
) -> None:
    monkeypatch.setenv(variable, str(minimum))
    assert read() == minimum
    monkeypatch.setenv(variable, str(minimum - 1))
    with pytest.raises(ValueError) as refused:
        read()
    assert str(refused.value) == f"{variable}='{minimum - 1}': it must be at least {minimum}"


def test_a_whole_number_may_be_grouped_with_underscores_and_padded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOME_BUDGET", " 2_000_000 ")
    assert budgets.whole_number("SOME_BUDGET", 5) == 2_000_000
    for wrong in ("2e6", "1.5", "two", "0x10"):
        monkeypatch.setenv("SOME_BUDGET", wrong)
        with pytest.raises(ValueError, match=f"^SOME_BUDGET='{wrong}' is not a whole number$"):
            budgets.whole_number("SOME_BUDGET", 5)


def test_check_environment_passes_with_defaults_and_names_each_bad_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    budgets.check_environment()
    for _, variable, _, minimum in BUDGETS:
        monkeypatch.setenv(variable, str(minimum - 1))
        with pytest.raises(ValueError, match=f"^{variable}="):
            budgets.check_environment()
        monkeypatch.delenv(variable)
