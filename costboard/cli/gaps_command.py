"""``costboard gaps``: claims ranked by how far they fall outside the matched estimators' ranges."""

from __future__ import annotations

import datetime as dt

import click
import polars as pl

from costboard.cli.context import friendly_errors, pass_config
from costboard.cli.options import as_of_option, evidence_until_option, format_option
from costboard.cli.output import echo_frame
from costboard.warehouse import claim_gaps, estimates, evidence_time, history, lake
from costboard.warehouse.config import WarehouseConfig


def table_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The ranking for people, every column text: the claim as stated (a range-only claim as
    its range), the estimate's range, the gap in orders of magnitude (log10).

    The gap is written here, as a computed figure: left a float, echo_frame rewrote it by the
    number rule, and number_expr's text came back named after its struct's first field,
    "value", so the table grew a ``value`` column (the gaps' text, mostly 0s) beside it.
    """
    return rows.select(
        "rank",
        "subject",
        claim_gaps.gap_expr(),
        "direction",
        claim_gaps.claim_texts(rows),
        "claimant",
        "stated_on",
        "estimator",
        claim_gaps.range_expr(),
        "claim_id",
        "source_url",
    )


@click.command(name="gaps")
@click.option("--kind", help="Only subjects of this kind (model, company, chip, ticker, group).")
@click.option("--metric", help="Only claims of this metric (training_cost, ...).")
@click.option("--scope", help="Only claims of this scope (final_run, ...).")
@click.option(
    "--frame",
    type=click.Choice(estimates.FRAMES),
    default="latest",
    show_default=True,
    help="latest: against the newest estimates; at_claim_date: against those in force then.",
)
@click.option("--top", type=click.IntRange(min=1), help="Only the N largest gaps.")
@as_of_option
@evidence_until_option
@format_option
@pass_config
@friendly_errors
def gaps_command(
    config: WarehouseConfig,
    kind: str | None,
    metric: str | None,
    scope: str | None,
    frame: str,
    top: int | None,
    as_of: str | None,
    evidence_until: dt.date | None,
    fmt: str,
) -> None:
    """Claims ranked by how far they fall outside the ranges of the estimators they are
    compared with (same subject, metric, scope and method): |log10| of the claim over the
    nearest end of the nearest range, 0 inside one; a floor below a range or a ceiling above
    it is no gap; a range-only claim is compared by its range. The claim_gaps view."""
    with lake.connect(config, read_only=True) as connection:
        snapshot_id = history.resolve_ref(connection, as_of)
    with lake.connect(config, read_only=True, snapshot_id=snapshot_id) as connection:
        evidence_time.pin(connection, evidence_until)
        rows = claim_gaps.ranked(connection, frame, kind, metric, scope, top)
    if fmt != "table":
        echo_frame(rows, fmt)
        return
    click.echo(f"claims against estimates ({frame}) at snapshot {snapshot_id}, largest gap first")
    if rows.is_empty():
        click.echo("no claim is compared with an estimate here (see the reconciliation view)")
        return
    echo_frame(table_rows(rows))


def register(main: click.Group) -> None:
    main.add_command(gaps_command)
