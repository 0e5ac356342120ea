"""Calling plugin code in isolation (plugins/isolation.py): the time limits read from the
environment (a bad value refused with the variable's name), one call on a worker thread that
returns, re-raises, or is abandoned past its limit, with the caller's context variables, and
one line describing what went wrong.

A hanging estimator or hook recorded by the manager and the run: tests/plugins/test_faults.py."""

from __future__ import annotations

import contextvars
import threading

import pytest

from costboard.plugins import isolation
from costboard.plugins.isolation import PluginTimeout, call_with_timeout, describe, time_limit

VARIABLE = isolation.HOOK_TIMEOUT_ENV


@pytest.mark.parametrize(("raw", "seconds"), [(None, 10.0), ("", 10.0), ("  ", 10.0), ("2.5", 2.5)])
def test_a_time_limit_is_the_variables_seconds_or_the_default(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, seconds: float
) -> None:
    if raw is None:
        monkeypatch.delenv(VARIABLE, raising=False)
    else:
        monkeypatch.setenv(VARIABLE, raw)
    assert time_limit(VARIABLE, isolation.HOOK_TIMEOUT) == seconds


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten", "COSTBOARD_HOOK_TIMEOUT='ten' is not a number of seconds"),
        ("0", "COSTBOARD_HOOK_TIMEOUT='0': a time limit must be a positive number of seconds"),
        ("-3", "COSTBOARD_HOOK_TIMEOUT='-3': a time limit must be a positive number of seconds"),
        ("inf", "COSTBOARD_HOOK_TIMEOUT='inf': a time limit must be a positive number of seconds"),
        ("nan", "COSTBOARD_HOOK_TIMEOUT='nan': a time limit must be a positive number of seconds"),
    ],
)
def test_a_time_limit_that_is_not_a_positive_number_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str, message: str
) -> None:
    monkeypatch.setenv(VARIABLE, raw)
    with pytest.raises(ValueError) as refused:
        time_limit(VARIABLE, isolation.HOOK_TIMEOUT)
    assert str(refused.value) == message


def test_a_call_returns_its_value_from_another_thread() -> None:
    caller = threading.get_ident()
    assert call_with_timeout(
        lambda a, b=0: (a + b, threading.get_ident() != caller), 5, 2, b=3
    ) == (
        5,
        True,
    )


def test_the_workers_exception_is_raised_in_the_caller_as_it_was() -> None:
    error = KeyError("h800")

    def fails() -> None:
        raise error

    with pytest.raises(KeyError) as raised:
        call_with_timeout(fails, 5)
    assert raised.value is error


def test_a_call_past_its_limit_is_abandoned_and_the_caller_goes_on() -> None:
    release = threading.Event()
    finished = threading.Event()

    def hangs() -> None:
        release.wait()
        finished.set()

    with pytest.raises(PluginTimeout, match=r"^still running after 0.05 s \(abandoned\)$"):
        call_with_timeout(hangs, 0.05)
    assert not finished.is_set()  # the caller did not wait for it
    release.set()
    assert finished.wait(5)


def test_the_plugin_sees_the_callers_context_variables() -> None:
    active: contextvars.ContextVar[str] = contextvars.ContextVar("active", default="none")
    active.set("merged vocabulary")
    assert call_with_timeout(active.get, 5) == "merged vocabulary"


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_describe_gives_the_type_the_first_line_and_where_it_happened() -> None:
    line = raised.__code__.co_firstlineno + 2  # the `raise` above
    assert describe(raised(ValueError("bad price\nsecond line"))) == (
        f"ValueError: bad price (test_isolation.py:{line})"
    )
    assert describe(raised(ZeroDivisionError())) == f"ZeroDivisionError (test_isolation.py:{line})"
    assert describe(RuntimeError("never raised")) == "RuntimeError: never raised"
