"""How claims read in the dashboard's tables, as polars expressions over claim frames.

A claim's figure with its bound ("> $294K", "< -$595B", "~ $1.6B": the warehouse's
``claim_text`` and ``numbers`` rule, the stated digits kept), its date at the precision the
source gave ("2025-01"), where it was published (outlet and title, for a source with no URL
too), and whether it is evidence. The
overview's claim table, the claims page and the market page all use these, so a bound or a
partial date reads the same everywhere.
"""

from __future__ import annotations

import polars as pl

from costboard.warehouse.claim_text import claim_figure_expr, evidence_text_expr, stated_on_expr


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
