"""Waiting in a test without a sleep in it: poll a condition until it holds, under a ceiling.

The ceiling (``timeout``) is how long the thing waited for may take before the test gives up
with ``message``: a failure message, never an assertion on how long anything took. The pause
between two polls is tenacity's, so no test holds a sleep of its own (tests/cli/test_layout.py
checks that none does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import tenacity

T = TypeVar("T")


def until(
    check: Callable[[], T],
    *,
    timeout: float,
    message: str | Callable[[], str],
    every: float = 0.1,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """``check()``'s first truthy answer, polled every ``every`` seconds for up to ``timeout``.

    An exception of a type in ``ignoring`` (a server not listening yet: ``OSError``) counts as
    "not yet"; any other one propagates at once, so a check can fail fast (a process that
    exited). Past ``timeout``, an ``AssertionError`` with ``message`` (called if callable, so
    it can show a log as it is by then).
    """
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(every),
        retry=tenacity.retry_if_result(lambda answer: not answer)
        | tenacity.retry_if_exception_type(ignoring),
    )
    try:
        return retrying(check)
    except tenacity.RetryError:
        raise AssertionError(message() if callable(message) else message) from None
