"""How a claim's figure and date read in tables, the CLI and hovers: figures with their unit
("$5.576M", "2.788M gpu_hours"), bounds shown as bounds, dates at the precision the source gave.

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


def _scaled(amount: pl.Expr) -> pl.Expr:
    """``294K``, ``5.576M``, ``1.6B``: the magnitude in four significant figures, no trailing
    zeros, with a K/M/B/T suffix (no sign)."""
    size = amount.abs()
    steps = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
    factor, suffix = pl.lit(1.0), pl.lit("")
    for threshold, letter in reversed(steps):
        factor = pl.when(size >= threshold).then(pl.lit(threshold)).otherwise(factor)
        suffix = pl.when(size >= threshold).then(pl.lit(letter)).otherwise(suffix)
    number = (size / factor).round_sig_figs(4).cast(pl.String).str.replace(r"\.0$", "")
    # Past a thousand trillion (a FLOP count): scientific notation, "3.285e24".
    exponent = (size.log10() + 1e-9).floor()  # log10(1e15) may come out a hair under 15
    mantissa = (size / pl.lit(10.0).pow(exponent)).round_sig_figs(4).cast(pl.String)
    scientific = pl.concat_str(
        mantissa.str.replace(r"\.0$", ""), pl.lit("e"), exponent.cast(pl.Int64).cast(pl.String)
    )
    return pl.when(size >= 1e15).then(scientific).otherwise(pl.concat_str(number, suffix))


def dollar_text(amount: pl.Expr) -> pl.Expr:
    """``$294K``, ``$5.576M``, ``-$589B``."""
    sign = pl.when(amount < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, pl.lit("$"), _scaled(amount))


def figure_expr(amount: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """A figure in its base unit for people: dollars as :func:`dollar_text`, anything else as
    ``2.788M gpu_hours`` (a ratio or count without a unit name)."""
    amount = amount.cast(pl.Float64)
    sign = pl.when(amount < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    named = pl.when(unit.is_in(["ratio", "count"])).then(pl.lit("")).otherwise(" " + unit)
    other = pl.concat_str(sign, _scaled(amount), named.fill_null(""))
    return (
        pl.when(amount.is_null())
        .then(None)
        .when(unit == "usd")
        .then(dollar_text(amount))
        .otherwise(other)
    )


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
