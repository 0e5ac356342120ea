"""How a claim's figure and date read in tables, the CLI and hovers: bounds shown as bounds,
dates at the precision the source gave.

"> $294K" for a lower bound ("more than"), "< $944M" for an upper bound ("up to"), "~ $1.6B"
for an approximate figure; an exact figure is shown as it is. A claim stated as "2025-09"
reads "2025-09", not the period's last day it counts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

#: The sign put before a figure of each bound (an exact figure has none).
BOUND_SIGNS: Final = {"lower": "> ", "upper": "< ", "approximate": "~ ", "exact": ""}
_DATE_FORMATS: Final = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}


def bounded(text: str, bound: str | None) -> str:
    """``text`` (a formatted figure) marked with ``bound``'s sign."""
    return BOUND_SIGNS.get(bound or "exact", "") + text


def bounded_expr(text: pl.Expr, bound: pl.Expr) -> pl.Expr:
    """:func:`bounded` over frame columns."""
    return pl.concat_str(bound.fill_null("exact").replace_strict(BOUND_SIGNS, default=""), text)


def stated_on_text(stated_on: dt.date | None, precision: str | None) -> str:
    """The date as precise as its source: 2025-09-30 at month precision reads 2025-09."""
    if stated_on is None:
        return ""
    return stated_on.strftime(_DATE_FORMATS.get(precision or "day", "%Y-%m-%d"))


def stated_on_expr(stated_on: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """:func:`stated_on_text` over frame columns."""
    filled = precision.fill_null("day")
    return (
        pl.when(filled == "year")
        .then(stated_on.dt.strftime("%Y"))
        .when(filled == "month")
        .then(stated_on.dt.strftime("%Y-%m"))
        .otherwise(stated_on.dt.strftime("%Y-%m-%d"))
    )
