"""Which claims enter the evidence: the provenance rule, decided once.

For the same figure (subject, metric, scope and qualifier), the evidence as of a date is the
latest claim of the best source kind stated by then. In order:

1. A ``misattributed`` or ``retracted`` claim never enters the evidence.
2. A claim that ``cites`` a claim of the same figure never replaces it: the cited claim is the
   evidence, the restatement only points at it.
3. A primary claim (the party itself; an unclassified claim counts as one) is preferred over
   an analysis, and both over a secondary report: a claim is left out when a better-sourced
   claim of the same figure was stated on or before it. Among claims of one rank, the latest
   wins, as before.

Rule 3 only looks back in time, so the evidence up to a day still depends only on the claims
stated by then (an estimate at an evidence date uses only what was public at it). A secondary
claim stated before any primary one is evidence until the primary one appears.

Everything left out is listed with its reason by :func:`evidence_exclusions`; ``--explain``
and the overview show it.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard.warehouse.validate_claims import NOT_EVIDENCE_STATUSES

#: Lower is preferred. An unclassified claim (NULL) ranks with primary ones, so a warehouse
#: whose claims say nothing of their source kind keeps "the latest claim wins".
SOURCE_RANK: Final = {"primary": 0, "analysis": 1, "secondary": 2}
_UNCLASSIFIED_RANK: Final = 0
_FIGURE: Final = ("subject", "metric", "scope", "qualifier")
_REASONS_SCHEMA: Final = {"claim_id": pl.String, "reason": pl.String}
_PROVENANCE_COLUMNS: Final = {
    "qualifier": pl.String(),
    "source_kind": pl.String(),
    "cites": pl.List(pl.String()),
    "status": pl.String(),
    "status_note": pl.String(),
}


def _rank() -> pl.Expr:
    return (
        pl.col("source_kind")
        .replace_strict(SOURCE_RANK, default=_UNCLASSIFIED_RANK, return_dtype=pl.Int8)
        .fill_null(_UNCLASSIFIED_RANK)
    )


def _status_reasons(claims: pl.DataFrame) -> pl.DataFrame:
    return claims.filter(pl.col("status").is_in(NOT_EVIDENCE_STATUSES)).select(
        "claim_id",
        pl.format("{}: {}", pl.col("status"), pl.col("status_note").fill_null("no note")).alias(
            "reason"
        ),
    )


def _restatement_reasons(claims: pl.DataFrame) -> pl.DataFrame:
    cited = claims.select(*_FIGURE, "claim_id", pl.col("cites").alias("cited")).explode("cited")
    same_figure = cited.join(
        claims.select(*_FIGURE, pl.col("claim_id").alias("cited")),
        on=[*_FIGURE, "cited"],
        nulls_equal=True,
    )
    return (
        same_figure.group_by("claim_id", maintain_order=True)
        .agg(pl.col("cited").sort().first())
        .select(
            "claim_id",
            pl.format("restates claim {}, which is the evidence instead", "cited").alias("reason"),
        )
    )


def _outranked_reasons(claims: pl.DataFrame) -> pl.DataFrame:
    ranked = claims.select(*_FIGURE, "claim_id", "stated_on", "source_kind", _rank().alias("_rank"))
    # Of all the better-ranked claims stated on or before a claim, the one named is the best
    # rank's earliest (then smallest id). Within one rank that is always the rank's earliest
    # claim of the figure, so each figure needs only its earliest claim per rank (at most
    # three rows), not every pair of its claims: the join below yields at most three rows per
    # claim, and memory stays linear in the claims (a self-join of a figure's claims was
    # quadratic: 2,541 claims of one figure took 1.1 GB).
    firsts = (
        ranked.drop_nulls("stated_on")
        .sort(*_FIGURE, "_rank", "stated_on", "claim_id", "source_kind", nulls_last=False)
        .unique([*_FIGURE, "_rank"], keep="first", maintain_order=True)
        .select(
            *_FIGURE,
            pl.col("claim_id").alias("_better"),
            pl.col("stated_on").alias("_better_on"),
            pl.col("source_kind").fill_null("unclassified").alias("_better_kind"),
            pl.col("_rank").alias("_better_rank"),
        )
    )
    return (
        ranked.join(firsts, on=list(_FIGURE), nulls_equal=True)
        .filter(
            (pl.col("_better_rank") < pl.col("_rank"))
            & (pl.col("_better_on") <= pl.col("stated_on"))
        )
        .sort("claim_id", "_better_rank", "_better_on", "_better")
        .unique("claim_id", keep="first", maintain_order=True)
        .select(
            "claim_id",
            pl.format(
                "a {} claim of the same figure is preferred ({}, stated {})",
                "_better_kind",
                "_better",
                "_better_on",
            ).alias("reason"),
        )
    )


def _with_provenance_columns(claims: pl.DataFrame) -> pl.DataFrame:
    """``claims`` with the columns the rule reads (missing ones null: a claim that says
    nothing of its provenance is a current, unclassified claim that cites nothing)."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in _PROVENANCE_COLUMNS.items()
        if name not in claims.columns
    ]
    return claims.with_columns(missing) if missing else claims


def evidence_exclusions(claims: pl.DataFrame) -> pl.DataFrame:
    """``claim_id, reason`` of every claim of ``claims`` (as the ``claims`` view gives them)
    that does not enter the evidence, with the first rule (module doc) that leaves it out."""
    claims = _with_provenance_columns(claims)
    by_status = _status_reasons(claims)
    rest = claims.join(by_status, on="claim_id", how="anti")
    restating = _restatement_reasons(rest)
    candidates = rest.join(restating, on="claim_id", how="anti")
    outranked = _outranked_reasons(candidates)
    return pl.concat([f.cast(_REASONS_SCHEMA) for f in (by_status, restating, outranked)]).sort(
        "claim_id"
    )


def evidence_claims(claims: pl.DataFrame) -> pl.DataFrame:
    """The claims that enter the evidence (every claim not in :func:`evidence_exclusions`)."""
    return claims.join(evidence_exclusions(claims), on="claim_id", how="anti")
