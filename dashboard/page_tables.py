"""The tables the pages show, as pure functions of the frames data.py returns.

No Dash and no warehouse here: each function takes polars frames and returns a frame or grid
rows, so the callbacks' logic is tested without a browser. The market page's event-window
table, the what-if page's comparison, the history page's diff. The figures are in figures.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from costboard.warehouse.point_value import claim_point

# -------------------------------------------------------------------------- market


def window_table(moves: pl.DataFrame, groups: Sequence[str], claims: pl.DataFrame) -> pl.DataFrame:
    """The event-window table: each ticker's and group's move beside its claims.

    ``moves`` are ``market_cap_move``'s window estimates (the closes each used are in its
    ``parameters``); the table only lays them out. One row per (subject, claim); a subject no
    claim speaks about gets one row of its own.
    """
    closes = [json.loads(p)["closes"]["value"] for p in moves["parameters"].to_list()]
    computed = pl.DataFrame(
        {
            "subject": moves["subject"].to_list(),
            "kind": ["group" if s in groups else "ticker" for s in moves["subject"].to_list()],
            "base_date": [min(dt.date.fromisoformat(c["base_date"]) for c in cs) for cs in closes],
            "end_date": [max(dt.date.fromisoformat(c["date"]) for c in cs) for cs in closes],
            "price_change": [
                cs[0]["close"] / cs[0]["base_close"] - 1 if len(cs) == 1 else None for cs in closes
            ],
            "market_cap_change": moves["value"].to_list(),
        },
        schema={
            "subject": pl.String,
            "kind": pl.String,
            "base_date": pl.Date,
            "end_date": pl.Date,
            "price_change": pl.Float64,
            "market_cap_change": pl.Float64,
        },
    )
    said = claims.select(
        "subject",
        "metric",
        "claimant",
        "stated_on",
        claim_point().alias("claim_value"),
        "claim_id",
        "source_url",
        "source_title",
    )
    joined = computed.join(said, on="subject", how="left")
    return joined.with_columns(
        pl.when(pl.col("metric") == "price_change")
        .then(pl.col("claim_value") / pl.col("price_change"))
        .otherwise(pl.col("claim_value") / pl.col("market_cap_change"))
        .alias("ratio")
    ).sort("kind", "subject", "metric", "stated_on", nulls_last=True)


# ------------------------------------------------------------------------ what-if


def headline(estimates: pl.DataFrame) -> pl.DataFrame:
    """Each (subject, metric, scope, estimator) series at its newest evidence date."""
    if estimates.is_empty():
        return estimates
    return (
        estimates.sort("as_of")
        .group_by("subject", "metric", "scope", "unit", "estimator", maintain_order=True)
        .agg(pl.all().last())
        .sort("subject", "metric", "scope", "estimator")
    )


def compare(baseline: pl.DataFrame, what_if: pl.DataFrame) -> pl.DataFrame:
    """The newest estimate of each series with the defaults beside the what-if's."""
    keys = ["subject", "metric", "scope", "unit", "estimator"]
    before = headline(baseline).select(*keys, "as_of", "value", "low", "high")
    after = headline(what_if).select(
        *keys,
        pl.col("value").alias("what_if_value"),
        pl.col("low").alias("what_if_low"),
        pl.col("high").alias("what_if_high"),
    )
    return (
        before.join(after, on=keys, how="full", coalesce=True)
        .with_columns((pl.col("what_if_value") / pl.col("value")).alias("ratio"))
        .sort(keys)
    )


# ------------------------------------------------------------------------ history


def diff_rows(
    frame: pl.DataFrame, key: Sequence[str], compared: Sequence[str]
) -> list[dict[str, Any]]:
    """A diff table for people: the change, the key, and 'old → new' for what changed.

    Added and removed rows list their values; changed rows only the columns that changed.
    """

    def shown(value: object) -> str:
        if value is None:
            return "∅"
        if isinstance(value, list):
            return "[" + ", ".join(str(v) for v in value) + "]"
        return str(value)

    out = []
    for row in frame.to_dicts():
        change = row["change"]
        if change == "changed":
            details = [
                f"{c}: {shown(row['old_' + c])} → {shown(row['new_' + c])}"
                for c in row.get("changed_columns") or []
            ]
        else:
            side = "new_" if change == "added" else "old_"
            details = [f"{c}={shown(row[side + c])}" for c in compared if row[side + c] is not None]
        out.append(
            {
                "change": change,
                "key": " · ".join(shown(row[k]) for k in key),
                "details": "; ".join(details),
            }
        )
    return out
