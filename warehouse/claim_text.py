"""How a claim's figure and date read in tables, the CLI and hovers: figures with their unit
("$5.576M", "2.788M gpu_hours": warehouse/numbers.py's rule, the stated digits kept), bounds
shown as bounds, dates at the precision the source gave.

"> $294K" for a lower bound ("more than"), "< $944M" for an upper bound ("up to"), "~ $1.6B"
for an approximate figure; an exact figure is shown as it is. A claim stated as "2025-09"
reads "2025-09", not the period's last day it counts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from costboard.warehouse.numbers import BOUND_SIGNS, number_expr

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


def figure_expr(amount: pl.Expr, unit: pl.Expr, *, stated: bool = True) -> pl.Expr:
    """A figure with its unit for people, by the one rule of :mod:`numbers` ("$5.576M",
    "2.788M gpu_hours", "50K" for a count): a claim's figure keeps its stated digits."""
    return number_expr(amount, unit, stated=stated)


def claim_figure_expr() -> pl.Expr:
    """A claim's figure with its bound: its value, else its range ("$10M – $100M"), in the
    columns ``value, low, high, unit, bound``."""
    unit = pl.col("unit")
    span = pl.concat_str(
        figure_expr(pl.col("low"), unit).fill_null("…"),
        pl.lit(" – "),
        figure_expr(pl.col("high"), unit).fill_null("…"),
    )
    text = pl.coalesce(figure_expr(pl.col("value"), unit), span)
    return bounded_expr(text, pl.col("bound"))


def evidence_text_expr(in_evidence: pl.Expr, excluded_because: pl.Expr) -> pl.Expr:
    """Whether a claim is evidence, for people: "yes", or "no: <why it is left out>" (the
    columns plugins/claim_standing.py gives every claim). ``--explain`` and the dashboard's
    tables both read it here, so the two say the same."""
    return (
        pl.when(in_evidence)
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no: ") + excluded_because.fill_null("not evidence"))
    )
