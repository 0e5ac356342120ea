"""The one range every date read from a file must fall in: 1900-01-01 to today.

Every date field of every format (a claim's ``stated_on``, a figure in a date unit, a
subject's ``released_on``, a price's ``date``, the dates Epoch AI's and FRED's files carry)
is checked with :func:`too_early` and :func:`too_late`, so the rule and its wording live here
only. The floor is why: nothing costboard tracks (AI models, chips, listed companies' prices)
predates 1900, and a year like 0000 or 9999 is a typo or an attack; DuckDB stores such a date
but Python's ``datetime`` cannot hold year 0, so reads of it fail (README, "Bad input").
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

#: The earliest date a file may carry.
EARLIEST: Final = dt.date(1900, 1, 1)


def too_early(parsed: pl.Expr) -> pl.Expr:
    """Rows whose parsed date (null where none) is before :data:`EARLIEST`."""
    return parsed < pl.lit(EARLIEST)


def too_late(parsed: pl.Expr, today: dt.date) -> pl.Expr:
    """Rows whose parsed date is after ``today``."""
    return parsed > pl.lit(today)


def early_message(written: pl.Expr) -> pl.Expr:
    """The error of a date before the floor, quoting the date as written."""
    return pl.concat_str(
        [
            written,
            pl.lit(f" is before {EARLIEST.isoformat()}: dates must lie between then and today"),
        ]
    )


def late_message(written: pl.Expr) -> pl.Expr:
    """The error of a date after today, quoting the date as written."""
    return pl.concat_str([written, pl.lit(" is in the future")])
