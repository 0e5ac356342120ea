"""The event window: the one type for "a market move from START to END".

An estimator reads windows in ``Parameters.windows`` (``market_cap_move`` prices each one), the
pipeline checks them before any estimator runs, and the dashboard's market page asks for them
and reads the claims stated in them. A ``NamedTuple``, so ``for start, end in windows`` and a
plain ``(start, end)`` pair, which plugin authors and ``--window START:END`` pass, keep working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple


class Window(NamedTuple):
    """An event window: from the last close before ``start`` to the last close on or before ``end``."""

    start: dt.date
    end: dt.date


def checked(windows: Iterable[tuple[dt.date, dt.date]]) -> tuple[Window, ...]:
    """``windows`` as Windows, or ValueError naming the first that starts after it ends."""
    found = tuple(Window(start, end) for start, end in windows)
    for start, end in found:
        if start > end:
            raise ValueError(f"window start {start} is after its end {end}")
    return found
