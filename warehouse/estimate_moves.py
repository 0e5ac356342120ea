"""How the estimates moved between two snapshots: the one rule behind ``costboard diff
--table estimates`` and the dashboard's history page.

An estimate series is an estimator's answers for a subject, metric and scope over evidence
time; a diff compares each series' newest estimate in one snapshot with the other's. A series
moved when its newest value changed, and also when only the claims it used changed: a news
report's duration can replace a GPU count as an input without moving the figure, and an
analyst tracing a number needs to see that (issue 19).
"""

from __future__ import annotations

from typing import Final

import duckdb
import polars as pl

from costboard.warehouse.lake import LAKE

#: One estimate series: an estimator's answers for a subject, metric and scope over evidence time.
SERIES_KEY: Final = ("subject", "estimator", "metric", "scope", "unit")

#: The ``change`` of a series, in the order a diff lists them: it appeared, it went, its newest
#: value moved, only the claims it used moved, nothing moved.
ADDED, REMOVED, CHANGED, INPUTS_CHANGED, SAME = (
    "added",
    "removed",
    "changed",
    "inputs changed",
    "same",
)

#: How one side of an input change reads when it is empty (no claim dropped, or none added).
NONE_TEXT: Final = "∅"


def newest_per_series(
    connection: duckdb.DuckDBPyConnection, *, database: str = LAKE
) -> pl.DataFrame:
    """Each series' newest estimate in the ``estimates`` view: the value, range, evidence date,
    estimator version and the claims it used (``inputs``, sorted) at its latest ``as_of``.

    ``database``: the name the lake is attached under (the dashboard pins one per snapshot).
    """
    return connection.execute(
        f"""
        SELECT subject, estimator, metric, scope, unit,
               arg_max(value, as_of) AS value, arg_max(low, as_of) AS low,
               arg_max(high, as_of) AS high, max(as_of) AS as_of,
               arg_max(estimator_version, as_of) AS version,
               list_sort(list_distinct(coalesce(arg_max(inputs, as_of), []::VARCHAR[])))
                   AS inputs
        FROM {database}.estimates
        GROUP BY subject, estimator, metric, scope, unit
        """
    ).pl()


def _joined(claims: pl.Expr) -> pl.Expr:
    return pl.when(claims.list.len() > 0).then(claims.list.join(", ")).otherwise(pl.lit(NONE_TEXT))


def moves(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """How each series moved between two snapshots: its newest estimate in ``before`` against
    ``after`` (both :func:`newest_per_series` frames).

    One row per series present in either. ``change`` is added, removed, changed (the newest
    value differs), inputs changed (the value is the same but the claims it used are not) or
    same; ``ratio`` is new / old. ``inputs_removed`` and ``inputs_added`` are the claims the
    newest estimate stopped and started using, and ``inputs_change`` reads
    ``"v3-gpu-count-h800 → a0-v3-duration"`` (empty when the inputs did not change, or the
    series was added or removed: its inputs are all new or all gone).
    """
    keys = list(SERIES_KEY)
    moved = before.join(after, on=keys, how="full", coalesce=True, suffix="_new")
    old_inputs, new_inputs = pl.col("inputs"), pl.col("inputs_new")
    both = pl.col("value").is_not_null() & pl.col("value_new").is_not_null()
    removed = pl.when(both).then(old_inputs.list.set_difference(new_inputs).list.sort())
    added = pl.when(both).then(new_inputs.list.set_difference(old_inputs).list.sort())
    return (
        moved.with_columns(inputs_removed=removed, inputs_added=added)
        .with_columns(
            inputs_moved=(pl.col("inputs_removed").list.len() + pl.col("inputs_added").list.len())
            > 0
        )
        .with_columns(
            change=pl.when(pl.col("value").is_null())
            .then(pl.lit(ADDED))
            .when(pl.col("value_new").is_null())
            .then(pl.lit(REMOVED))
            .when(pl.col("value") != pl.col("value_new"))
            .then(pl.lit(CHANGED))
            .when(pl.col("inputs_moved"))
            .then(pl.lit(INPUTS_CHANGED))
            .otherwise(pl.lit(SAME)),
            ratio=pl.col("value_new") / pl.col("value"),
            inputs_change=pl.when(pl.col("inputs_moved")).then(
                pl.format(
                    "{} → {}", _joined(pl.col("inputs_removed")), _joined(pl.col("inputs_added"))
                )
            ),
        )
        .select(
            "change",
            *keys,
            pl.col("value").alias("old_value"),
            pl.col("value_new").alias("new_value"),
            "ratio",
            "inputs_change",
            pl.col("as_of").alias("old_as_of"),
            pl.col("as_of_new").alias("new_as_of"),
            pl.col("version").alias("old_version"),
            pl.col("version_new").alias("new_version"),
            pl.col("inputs").alias("old_inputs"),
            pl.col("inputs_new").alias("new_inputs"),
            "inputs_removed",
            "inputs_added",
        )
        .sort("change", "subject", "metric", "scope", "estimator")
    )
