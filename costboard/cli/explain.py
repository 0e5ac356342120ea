"""``costboard estimate --explain SUBJECT``: a subject's stored estimates and each claim
against them, at a snapshot (--as-of) and an evidence date (--evidence-until)."""

from __future__ import annotations

import datetime as dt

import click
import duckdb
import polars as pl

from costboard.cli.output import echo_frame
from costboard.warehouse.config import WarehouseConfig


def explain(config: WarehouseConfig, subject: str, ref: str | None, until: dt.date | None) -> None:
    """Print the subject's stored estimates (each estimator's latest, at evidence dates up to
    ``until`` when given) as of snapshot ``ref``, and each claim against them, or say which
    command would store them; then every claim of the subject, with whether it is evidence
    and what the checks found."""
    from costboard.warehouse import evidence_time, history, lake
    from costboard.warehouse.errors import did_you_mean

    with lake.connect(config) as connection:
        snapshot = history.resolve_ref(connection, ref) if ref else None
    with lake.connect(config, snapshot_id=snapshot) as connection:
        evidence_time.pin(connection, until)
        subjects = [r[0] for r in connection.execute("SELECT subject FROM subjects").fetchall()]
        if subject not in subjects:
            raise ValueError(f"unknown subject '{subject}'" + did_you_mean(subject, subjects))
        _echo_estimates(config, connection, subject, snapshot, until)
        _echo_claims(connection, subject)


def _echo_claims(connection: duckdb.DuckDBPyConnection, subject: str) -> None:
    table = claims_table(connection, subject)
    if table.is_empty():
        click.echo(f"no claims about {subject}")
        return
    echo_frame(
        table, title=f"{subject}: every claim, whether it is evidence, and what the checks found"
    )


def claims_table(connection: duckdb.DuckDBPyConnection, subject: str) -> pl.DataFrame:
    """Every claim of the subject for people: those no estimator models and those the
    provenance rule leaves out of the evidence too (plugins/claim_standing.py), figures with
    their bounds and dates at their precision."""
    from costboard.plugins.claim_standing import subject_claims
    from costboard.warehouse.claim_text import (
        claim_figure_expr,
        evidence_text_expr,
        stated_on_expr,
    )

    outlet = pl.col("outlet")
    return subject_claims(connection, subject).select(
        "claim_id",
        stated_on_expr(pl.col("stated_on"), pl.col("stated_on_precision")).alias("stated"),
        "metric",
        "scope",
        "qualifier",
        claim_figure_expr().alias("figure"),
        pl.concat_str(
            "claimant",
            pl.when(outlet.is_not_null() & (outlet != pl.col("claimant")))
            .then(" in " + outlet)
            .otherwise(pl.lit("")),
        ).alias("who"),
        pl.col("source_kind").fill_null("unclassified").alias("kind"),
        "status",
        evidence_text_expr(pl.col("in_evidence"), pl.col("excluded_because")).alias("evidence"),
        pl.col("checks").fill_null(""),
    )


def _echo_estimates(
    config: WarehouseConfig,
    connection: duckdb.DuckDBPyConnection,
    subject: str,
    snapshot: int | None,
    until: dt.date | None,
) -> None:
    """The stored estimates and each claim against them, or the command that stores them."""
    from costboard.warehouse import estimates

    stored, stored_later = _explained_estimates(config, connection, subject, snapshot, until)
    if stored.is_empty():
        click.echo(_no_stored_estimates(connection, subject, snapshot, until))
        return
    # Each estimator's latest row: at an evidence date, its answer from what was public then.
    latest = stored.filter(
        pl.col("as_of") == pl.col("as_of").max().over("estimator", "metric", "scope")
    )
    dates = latest["as_of"].unique()
    at = f"at {dates[0]}" if dates.len() == 1 else "each estimator's latest"
    echo_frame(
        readable(
            latest.select(
                "as_of",
                "estimator",
                "metric",
                "scope",
                "value",
                "low",
                "high",
                "unit",
                "inputs",
                pl.col("assumed").list.join("; "),
            )
        ),
        title=f"{subject}: estimates {at} (evidence snapshot {latest['snapshot_id'][0]}"
        + (f", evidence until {until}" if until else "")
        + (f", stored after snapshot {snapshot}" if stored_later else "")
        + ")",
    )
    if stored_later:
        click.echo(
            f"snapshot {snapshot} held no estimates for {subject}; these were computed from "
            "its evidence later, so no claim is compared with them here"
        )
        return
    reconciled = estimates.reconciliation(connection, subject)
    if reconciled.is_empty():
        click.echo(f"no claim about {subject} is of a metric and scope an estimator models")
        return
    echo_frame(
        readable(reconciled),
        title=f"{subject}: each claim against the estimates of its metric, scope and method, "
        "at_claim_date (in force when it was made) and latest (ratio = claim / estimate; "
        "a row with no estimate says why)",
    )


#: Columns written as a claim's figure (its stated digits kept), and as computed figures
#: (three significant figures), by warehouse/numbers.py's rule in the row's ``unit``.
STATED_COLUMNS = ("claim_value", "claim_low", "claim_high")
COMPUTED_COLUMNS = ("value", "low", "high", "estimate_value", "estimate_low", "estimate_high")
#: Computed figures with no unit (a claim over an estimate).
RATIO_COLUMNS = ("ratio", "log_ratio")


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s figures as people read them: "$5.576M" beside "$5.58M", never
    "1.13146e+08" beside "312,996" (the columns it has of :data:`STATED_COLUMNS`,
    :data:`COMPUTED_COLUMNS` and :data:`RATIO_COLUMNS`)."""
    from costboard.warehouse.numbers import number_expr

    unit = pl.col("unit") if "unit" in frame.columns else None
    shown = [
        number_expr(pl.col(c), unit, stated=c in STATED_COLUMNS).alias(c)
        for c in (*STATED_COLUMNS, *COMPUTED_COLUMNS)
        if c in frame.columns
    ]
    shown += [number_expr(pl.col(c)).alias(c) for c in RATIO_COLUMNS if c in frame.columns]
    return frame.with_columns(shown)


def _explained_estimates(
    config: WarehouseConfig,
    connection: duckdb.DuckDBPyConnection,
    subject: str,
    snapshot: int | None,
    until: dt.date | None,
) -> tuple[pl.DataFrame, bool]:
    """The subject's stored estimates to explain, and whether they were stored after the
    snapshot asked for.

    Knowledge time first: what the snapshot held. A snapshot that held none for the subject
    still has an answer when ``costboard estimate --as-of`` computed its evidence's estimates
    later: the estimates view, told that evidence snapshot, finds them in the newest snapshot.
    """
    from costboard.warehouse import estimates, evidence_time, lake

    stored = estimates.stored(connection, subject)
    if not stored.is_empty() or snapshot is None or _held_any(connection, subject, until):
        return stored, False
    source = estimates.input_snapshot_id(connection, at=snapshot)
    if source is None:
        return stored, False
    with lake.connect(config) as newest:
        evidence_time.pin(newest, until)
        estimates.pin_input_snapshot(newest, source)
        later = estimates.stored(newest, subject)
    return later, not later.is_empty()


def _held_any(connection: duckdb.DuckDBPyConnection, subject: str, until: dt.date | None) -> bool:
    """Whether the connection's snapshot holds estimates for the subject at any evidence date."""
    from costboard.warehouse import estimates, evidence_time

    if until is None:
        return not estimates.stored(connection, subject).is_empty()
    evidence_time.pin(connection, None)
    try:
        return not estimates.stored(connection, subject).is_empty()
    finally:
        evidence_time.pin(connection, until)


def _no_stored_estimates(
    connection: duckdb.DuckDBPyConnection,
    subject: str,
    snapshot: int | None,
    until: dt.date | None,
) -> str:
    """Why there is nothing to explain, and the command that would store it."""
    from costboard.warehouse import estimates, evidence_time

    if until is not None:
        evidence_time.pin(connection, None)
        try:
            every_date = estimates.stored(connection, subject)
        finally:
            evidence_time.pin(connection, until)
        if not every_date.is_empty():
            return (
                f"no stored estimates for {subject} at evidence dates on or before {until}: "
                f"its earliest is at {every_date['as_of'].min()}"
            )
    if snapshot is None:
        return f"no stored estimates for {subject}: run `costboard estimate` first"
    return (
        f"no stored estimates for {subject} at snapshot {snapshot}: run "
        f"`costboard estimate --as-of {snapshot}` first (it computes them from that "
        "snapshot's evidence; this command then shows them)"
    )
