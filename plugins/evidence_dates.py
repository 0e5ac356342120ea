"""Which evidence dates each subject has rows at: the shape of the evidence frame.

A subject has rows only at the dates where its own evidence, or evidence it depends on,
changes (docs/decisions.md, "The evidence frame"). Dependencies are directed, from a
*dependent* to a *resource*:

- a claim whose qualifier names another subject (a model's ``gpu_count`` qualified with its
  chip ``h800``, a company's fleet count per chip) makes its subject depend on that subject,
  from the claim's ``stated_on`` on;
- a group depends on each of its ``members``, always;
- every subject with claims depends on the method subject (``ml-hardware``), always: the cost
  methods' parameters apply to every row.

A subject's dates are then (1) its own claims' dates, ``today``, and the own claims' dates of
every resource it depends on (from the dependency's start): where its estimates can change;
and (2) every date of each of its dependents (from the dependency's start), passed on until
nothing more is added: so that an estimator joining a dependent's row to its resource's row on
an exact ``(subject, as_of)`` finds it, even at a date that only a *second* resource of the
dependent brought in (a company counting H800s and H100s has rows at H100 price dates, and its
H800 line needs the H800's row there). The method subject ends up with every date.

Each dependency starts at its first claim so that the dates up to any day depend only on the
claims stated by then: removing later claims does not move earlier rows (the estimator
conformance check relies on it). The method subject's own qualifiers (a server overhead for
the ``a100``) select rows; they are not dependencies, or every chip they name would get every
date.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

#: The start of a dependency that always holds (polars' Date covers year 1).
ALWAYS: Final = dt.date(1, 1, 1)

_EDGE_SCHEMA: Final = {"dependent": pl.String, "resource": pl.String, "since": pl.Date}


def dependencies(claims: pl.DataFrame, subjects: pl.DataFrame, method_subject: str) -> pl.DataFrame:
    """One row per (dependent, resource): ``since``, the date the dependency starts."""
    known = pl.concat([subjects["subject"], claims["subject"]]).drop_nulls().unique()
    named = claims.filter(
        pl.col("qualifier").is_in(known.implode())
        & (pl.col("qualifier") != pl.col("subject"))
        & (pl.col("subject") != method_subject)
    ).select(
        pl.col("subject").alias("dependent"),
        pl.col("qualifier").alias("resource"),
        pl.col("stated_on").alias("since"),
    )
    members = (
        subjects.select(pl.col("subject").alias("dependent"), pl.col("members").alias("resource"))
        .explode("resource")
        .drop_nulls()
        .with_columns(pl.lit(ALWAYS).alias("since"))
    )
    method = (
        claims.select(pl.col("subject").alias("dependent"))
        .unique()
        .filter(pl.col("dependent") != method_subject)
        .with_columns(pl.lit(method_subject).alias("resource"), pl.lit(ALWAYS).alias("since"))
    )
    return (
        pl.concat(
            [e.select(list(_EDGE_SCHEMA)).cast(_EDGE_SCHEMA) for e in (named, members, method)]
        )
        .filter(pl.col("dependent") != pl.col("resource"))
        .group_by("dependent", "resource")
        .agg(pl.col("since").min())
    )


def subject_dates(
    claims: pl.DataFrame, subjects: pl.DataFrame, today: dt.date, method_subject: str
) -> pl.DataFrame:
    """One row per (subject, as_of) the evidence frame has rows at (before each key's first
    claim is cut; see the module docstring)."""
    own = claims.select("subject", pl.col("stated_on").alias("as_of")).drop_nulls().unique()
    edges = dependencies(claims, subjects, method_subject)
    at_today = own.select("subject").unique().with_columns(pl.lit(today).alias("as_of"))
    from_resources = (
        edges.join(own, left_on="resource", right_on="subject")
        .filter(pl.col("as_of") >= pl.col("since"))
        .select(pl.col("dependent").alias("subject"), "as_of")
    )
    dates = pl.concat([own, at_today, from_resources]).unique()
    # Pass each dependent's dates on to its resources until nothing is added: one loop turn
    # per link of the longest dependency chain (model -> chip: two turns), not per row.
    while True:
        passed = (
            edges.join(dates, left_on="dependent", right_on="subject")
            .filter(pl.col("as_of") >= pl.col("since"))
            .select(pl.col("resource").alias("subject"), "as_of")
        )
        grown = pl.concat([dates, passed]).unique()
        if grown.height == dates.height:
            return dates
        dates = grown


def all_dates(claims: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Every evidence date for every subject: the dense shape, kept to compare against."""
    dates = (
        pl.concat([claims.select("stated_on"), pl.DataFrame({"stated_on": [today]})])
        .drop_nulls()
        .unique()
        .rename({"stated_on": "as_of"})
    )
    return claims.select("subject").unique().join(dates, how="cross")
