"""The one range a date read from a file must fall in, 1900-01-01 to today
(warehouse/date_range.py): both ends are allowed, the day beyond either is refused, a
missing date is neither, and each message quotes the date as it was written.

Each importer's refusal at its cell is in tests/warehouse/test_malformed_files.py; here is
the rule those refusals share."""

from __future__ import annotations

import datetime as dt

import polars as pl

from costboard.warehouse import date_range

D = dt.date
TODAY = D(2026, 1, 15)


def flags(days: list[dt.date | None]) -> list[tuple[bool | None, bool | None]]:
    """(too early, too late) of each day, as the validators compute them on a column."""
    frame = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    found = frame.select(
        date_range.too_early(pl.col("day")).alias("early"),
        date_range.too_late(pl.col("day"), TODAY).alias("late"),
    )
    return list(found.iter_rows())


def test_the_floor_and_today_are_allowed_and_the_day_beyond_each_is_not() -> None:
    assert D(1900, 1, 1) == date_range.EARLIEST
    assert flags([D(1899, 12, 31), D(1900, 1, 1), TODAY, D(2026, 1, 16)]) == [
        (True, False),
        (False, False),
        (False, False),
        (False, True),
    ]


def test_a_missing_date_is_neither_too_early_nor_too_late() -> None:
    # Null, not False: the validators' own "required" check names a missing date.
    assert flags([None]) == [(None, None)]


def test_the_messages_quote_the_date_as_written() -> None:
    frame = pl.DataFrame({"written": ["0000-01-01", "2099-12-31"]})
    early, late = frame.select(
        date_range.early_message(pl.col("written")).alias("early"),
        date_range.late_message(pl.col("written")).alias("late"),
    ).iter_rows()
    assert early[0] == "0000-01-01 is before 1900-01-01: dates must lie between then and today"
    assert late[1] == "2099-12-31 is in the future"
