"""Claims ranked by how far they fall outside the matched estimators' ranges: the reads of the
``claim_gaps`` view (warehouse/sql/28_claim_gaps_view.sql) that ``costboard gaps`` prints and
the dashboard's Gaps page shows, so the two rank alike, and how a ranked row reads for people.

A claim's row is the one of its estimators nearest to it (the view's ``nearest``); its
``claim_gap`` is |log10| of the claim over the nearest end of that estimator's range, 0 inside
it. The ranking is largest gap first, then subject and claim id, so ties read the same
everywhere; the rank is given after the filters.
"""

from __future__ import annotations

from typing import Final

import duckdb
import polars as pl

from costboard.warehouse import claim_text
from costboard.warehouse.lake import LAKE
from costboard.warehouse.numbers import number_expr

#: The columns of a ranked row, in order (the claim_gaps view's, ranked). ``range_only``: the
#: claim gave a range and no value (its ``claim_value`` is then the range's middle).
COLUMNS: Final = (
    "rank",
    "subject",
    "kind",
    "claim_gap",
    "direction",
    "claim_id",
    "claimant",
    "stated_on",
    "claim_value",
    "claim_low",
    "claim_high",
    "range_only",
    "bound",
    "unit",
    "source_url",
    "source_title",
    "estimator",
    "value",
    "low",
    "high",
    "metric",
    "scope",
    "method",
    "frame",
)


def ranked(
    connection: duckdb.DuckDBPyConnection,
    frame: str,
    kind: str | None = None,
    metric: str | None = None,
    scope: str | None = None,
    top: int | None = None,
    *,
    database: str = LAKE,
) -> pl.DataFrame:
    """Each claim's row of the ``claim_gaps`` view nearest its estimators' ranges in ``frame``,
    largest gap first (then subject and claim id), only of subjects of ``kind`` and claims of
    ``metric`` and ``scope`` when given; the first ``top`` rows when given."""
    rows = connection.execute(
        f"""
        SELECT *, at_least < at_most AS range_only FROM {database}.claim_gaps
        WHERE nearest AND frame = ? AND (? IS NULL OR kind = ?)
          AND (? IS NULL OR metric = ?) AND (? IS NULL OR scope = ?)
        ORDER BY claim_gap DESC, subject, claim_id
        """,
        [frame, kind, kind, metric, metric, scope, scope],
    ).pl()
    rows = rows.with_row_index("rank", offset=1).select(COLUMNS)
    return rows.head(top) if top else rows


def not_compared(
    connection: duckdb.DuckDBPyConnection, frame: str, *, database: str = LAKE
) -> pl.DataFrame:
    """How many claims the ``reconciliation`` view compares with no estimate in ``frame``, by
    its reason (``reason_kind``: no_estimator, missing_input, not_yet), most first: why a
    ranking is short or empty."""
    return connection.execute(
        f"""
        SELECT reason_kind, count(DISTINCT claim_id) AS claims
        FROM {database}.reconciliation
        WHERE frame = ? AND estimator IS NULL
        GROUP BY reason_kind ORDER BY claims DESC, reason_kind
        """,
        [frame],
    ).pl()


def claim_texts(rows: pl.DataFrame) -> pl.Series:
    """Each ranked row's claim as it was stated, with its bound: a range-only claim as its
    range ("$10M – $100M"), any other as its value ("> $500M"), by claim_text's rule."""
    stated = rows.select(
        value=pl.when(pl.col("range_only")).then(None).otherwise(pl.col("claim_value")),
        low=pl.col("claim_low"),
        high=pl.col("claim_high"),
        unit=pl.col("unit"),
        bound=pl.col("bound"),
    )
    return stated.select(claim_text.claim_figure_expr().alias("claim"))["claim"]


def range_expr() -> pl.Expr:
    """The estimate's low–high range of a ranked row, as computed figures ("$50 – $200")."""
    low = claim_text.figure_expr(pl.col("low"), pl.col("unit"), stated=False)
    high = claim_text.figure_expr(pl.col("high"), pl.col("unit"), stated=False)
    return pl.format("{} – {}", low, high).alias("range")


def gap_expr() -> pl.Expr:
    """The gap in orders of magnitude (log10) as text, three significant figures ("0.699")."""
    return number_expr(pl.col("claim_gap"), stated=False).alias("gap (log10)")
