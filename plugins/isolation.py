"""Calling plugin code in isolation: one call on a worker thread, with a time limit.

Both the plugin manager (each plugin's hook) and the run (each estimator) call untrusted
code through :func:`call_with_timeout`, with the limits :func:`time_limit` reads, and turn
what went wrong into one line with :func:`describe`.
"""

from __future__ import annotations

import contextvars
import math
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any, Final, TypeVar

#: Seconds a plugin's hook may take before it is recorded as hung, unless the variable is set.
HOOK_TIMEOUT: Final = 10.0
HOOK_TIMEOUT_ENV: Final = "COSTBOARD_HOOK_TIMEOUT"
#: Seconds one estimator may take on one run, unless the variable is set.
ESTIMATOR_TIMEOUT: Final = 10.0
ESTIMATOR_TIMEOUT_ENV: Final = "COSTBOARD_ESTIMATOR_TIMEOUT"

T = TypeVar("T")


class PluginTimeout(TimeoutError):
    pass


def time_limit(variable: str, default: float) -> float:
    """Seconds from the environment variable (``costboard --hook-timeout`` and
    ``--estimator-timeout`` set them, so gunicorn's workers inherit them), else ``default``."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number of seconds") from None
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"{variable}={raw!r}: a time limit must be a positive number of seconds")
    return seconds


def call_with_timeout(function: Callable[..., T], timeout: float, *args: Any, **kwargs: Any) -> T:
    """Call ``function`` on a worker thread; raise PluginTimeout if it runs past ``timeout``.

    Why a thread and not a subprocess: the dashboard re-runs every estimator live on each
    what-if change, and a subprocess would cost far more than the estimators themselves
    (start-up, importing polars, pickling the evidence). Polars releases the GIL, so a
    worker thread costs almost nothing. The price: Python cannot kill a thread. A thread
    that never returns is abandoned as a daemon; it can use CPU until the process exits,
    but it never blocks the caller, whose result no longer waits for it. An exception in
    the worker is re-raised in the caller.
    """
    outcome: dict[str, Any] = {}
    # The worker runs in a copy of the caller's context, so context variables the caller set
    # (the active vocabulary, see plugins/estimator.py) hold inside the plugin too.
    context = contextvars.copy_context()

    def work() -> None:
        try:
            outcome["value"] = context.run(function, *args, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(
        target=work, name=f"costboard-plugin-{getattr(function, '__name__', 'call')}", daemon=True
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise PluginTimeout(f"still running after {timeout:g} s (abandoned)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def describe(error: BaseException) -> str:
    """One line for an error: its type and message, and where in the plugin it happened."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return (
        f"{type(error).__name__}: {message}{where}" if message else f"{type(error).__name__}{where}"
    )
