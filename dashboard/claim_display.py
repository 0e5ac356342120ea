"""How claims read in the dashboard's tables, as polars expressions over claim frames.

A claim's figure with its bound ("> $294K", "< -$595B", "~ $1.6B": the warehouse's
``claim_text`` rule), its date at the precision the source gave ("2025-01"), where it was
published (outlet and title, for a source with no URL too), and whether it is evidence. The
overview's claim table, the claims page and the market page all use these, so a bound or a
partial date reads the same everywhere.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard.warehouse.claim_text import bounded_expr, evidence_text_expr, stated_on_expr

#: Units shown without a suffix (as :func:`costboard.dashboard.components.human` does).
_BARE_UNITS: Final = ("ratio", "count")
_STEPS: Final = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
#: From this size on a figure is written as a power of ten: 4.02e24 FLOP.
SCIENTIFIC_FROM: Final = 1e15


def _significant(number: pl.Expr) -> pl.Expr:
    """Three significant figures, no trailing ".0": 5.576 -> "5.58", 294.0 -> "294"."""
    return number.round_sig_figs(3).cast(pl.String).str.replace(r"\.0$", "")


def human_expr(value: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """:func:`components.human` over frame columns: 5576000 usd -> "$5.58M", 101000 gpu_hours
    -> "101K gpu_hours"; a missing value reads "–"."""
    size = value.abs()
    factor: pl.Expr = pl.lit(1.0)
    suffix: pl.Expr = pl.lit("")
    for threshold, letter in reversed(_STEPS):  # the largest threshold reached wins
        factor = pl.when(size >= threshold).then(pl.lit(threshold)).otherwise(factor)
        suffix = pl.when(size >= threshold).then(pl.lit(letter)).otherwise(suffix)
    number = _significant(size / factor)
    # Beyond the trillions (FLOP counts), powers of ten read better than "4020000000000T".
    exponent = size.log10().floor()
    scientific = pl.concat_str(
        _significant(size / pl.lit(10.0).pow(exponent)), pl.lit("e"), exponent.cast(pl.Int64)
    )
    number = pl.when(size >= SCIENTIFIC_FROM).then(scientific).otherwise(number)
    suffix = pl.when(size >= SCIENTIFIC_FROM).then(pl.lit("")).otherwise(suffix)
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    is_dollars = unit == "usd"
    tail = (
        pl.when(is_dollars | unit.is_null() | unit.is_in(_BARE_UNITS))
        .then(pl.lit(""))
        .otherwise(pl.lit(" ") + unit)
    )
    text = pl.concat_str(
        sign, pl.when(is_dollars).then(pl.lit("$")).otherwise(pl.lit("")), number, suffix, tail
    )
    return pl.when(value.is_null() | value.is_nan()).then(pl.lit("–")).otherwise(text)


def claim_figure_expr() -> pl.Expr:
    """A claim's figure as the source gave it: its value with its bound's sign, or, for a claim
    given only as a range, "low – high"."""
    unit = pl.col("unit")
    value = bounded_expr(human_expr(pl.col("value"), unit), pl.col("bound"))
    span = pl.concat_str(
        human_expr(pl.col("low"), unit), pl.lit(" – "), human_expr(pl.col("high"), unit)
    )
    return pl.when(pl.col("value").is_not_null()).then(value).otherwise(span)


def stated_expr() -> pl.Expr:
    """The claim's date at its precision ("2025-01" for a month), from ``stated_on``."""
    return stated_on_expr(pl.col("stated_on"), pl.col("stated_on_precision"))


def source_label_expr() -> pl.Expr:
    """Where the claim was published, for people: "outlet: title" (either may be missing).
    A claim without a URL is shown by this alone, as plain text."""
    named = pl.col("outlet").is_not_null() | pl.col("source_title").is_not_null()
    label = pl.concat_str(
        pl.col("outlet"), pl.col("source_title"), separator=": ", ignore_nulls=True
    )
    return pl.when(named).then(label).otherwise(pl.col("source_url"))


def evidence_expr() -> pl.Expr:
    """ "yes", or "no: <why the provenance rule leaves the claim out>" (claim_text's rule)."""
    return evidence_text_expr(pl.col("in_evidence"), pl.col("excluded_because"))


def with_display_columns(claims: pl.DataFrame) -> pl.DataFrame:
    """``claims`` with ``figure``, ``stated`` and ``source_label`` (and ``evidence`` when the
    frame says whether each claim is in it). Columns a frame lacks read as their defaults: an
    exact figure, a date given to the day, no outlet."""
    defaults = {"bound": "exact", "stated_on_precision": "day", "outlet": None}
    missing = [pl.lit(v, pl.String).alias(k) for k, v in defaults.items() if k not in claims]
    frame = claims.with_columns(missing) if missing else claims
    shown = [
        claim_figure_expr().alias("figure"),
        stated_expr().alias("stated"),
        source_label_expr().alias("source_label"),
    ]
    if "in_evidence" in frame.columns:
        shown.append(evidence_expr().alias("evidence"))
    return frame.with_columns(shown)
