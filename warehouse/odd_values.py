"""Frames read back from the lake, made safe to turn into Python values.

DuckDB and polars hold dates Python's ``datetime`` cannot (year 0, years past 9999); ingest
refuses them now (warehouse/date_range.py), but an older warehouse may hold one, and turning
such a frame into Python rows (``to_dicts``, ``iter_rows``) raises. Every place that does so
for display (the CLI's table and JSON, the dashboard's tables, the API) passes the frame
through :func:`pythonable` first: the odd column is shown as its text instead of failing the
page; a frame without odd values is returned unchanged.
"""

from __future__ import annotations

import polars as pl


def _odd(frame: pl.DataFrame, name: str) -> bool:
    year = pl.col(name).dt.year()
    return bool(frame.select(((year < 1) | (year > 9999)).any()).item())


def pythonable(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each date or datetime column Python cannot hold as its ISO text."""
    odd = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Date | pl.Datetime) and _odd(frame, name)
    ]
    return frame.with_columns(pl.col(c).cast(pl.String) for c in odd) if odd else frame
