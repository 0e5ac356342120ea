"""A frame read back from the lake made safe to turn into Python rows
(warehouse/odd_values.py): a date or datetime column holding a year Python cannot hold
becomes its ISO text; every other column, and a frame with nothing odd, is left as it was.

That each surface (CLI, API, pages) shows such a stored date as text is in
tests/warehouse/test_odd_stored_values.py."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from costboard.warehouse.odd_values import pythonable


def read(sql: str) -> pl.DataFrame:
    """Odd values as the lake hands them over: DuckDB holds years 0 and 10000, polars too."""
    return duckdb.connect().execute(sql).pl()


def test_a_year_python_cannot_hold_is_shown_as_its_text_and_the_rows_convert() -> None:
    frame = read(
        "SELECT * FROM (VALUES (DATE '0000-01-01', TIMESTAMP '2025-01-27 09:30', 1), "
        "(DATE '2025-01-27', TIMESTAMP '10000-01-01 00:00', 2)) AS t(stated_on, seen_at, n)"
    )
    safe = pythonable(frame)
    assert safe.schema == {"stated_on": pl.String, "seen_at": pl.String, "n": pl.Int32}
    rows = safe.to_dicts()
    assert rows[0]["stated_on"] == "0000-01-01" and rows[1]["stated_on"] == "2025-01-27"
    assert rows[1]["seen_at"] == "+10000-01-01 00:00:00.000000"  # polars' ISO text


def test_only_the_odd_column_changes_and_a_frame_without_one_is_returned_as_it_is() -> None:
    frame = read("SELECT DATE '0000-01-01' AS odd, DATE '2025-01-27' AS fine, NULL::DATE AS empty")
    safe = pythonable(frame)
    assert safe.schema == {"odd": pl.String, "fine": pl.Date, "empty": pl.Date}
    assert safe.row(0) == ("0000-01-01", dt.date(2025, 1, 27), None)
    plain = read("SELECT DATE '1900-01-01' AS first, DATE '9999-12-31' AS last")
    assert pythonable(plain) is plain
