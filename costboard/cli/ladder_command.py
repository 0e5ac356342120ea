"""``costboard ladder``: every dollar figure about a subject and its related subjects, by size."""

from __future__ import annotations

import datetime as dt

import click
import polars as pl

from costboard.cli.context import friendly_errors, pass_config
from costboard.cli.options import as_of_option, evidence_until_option, format_option
from costboard.cli.output import echo_frame
from costboard.warehouse import evidence_time, history, ladder, lake
from costboard.warehouse.config import WarehouseConfig

#: What the table shows of each rung (CSV and JSON give every column of ladder.COLUMNS).
TABLE_COLUMNS = ("figure", "kind", "scope", "subject", "metric", "who", "status", "dated", "id")


def table_rows(rungs: pl.DataFrame) -> pl.DataFrame:
    """The ladder for people: the figure as text ("> $500M", "~ $800B loss"), who gave it
    (a claimant or an estimator), its status with the names of its checks (CSV and JSON
    carry each check's detail), and its claim id or estimator version."""
    check_names = pl.col("checks").list.eval(pl.element().str.extract(r"^(\w+)")).list.join(", ")
    return rungs.with_columns(
        who=pl.coalesce("claimant", "estimator"),
        id=pl.coalesce("claim_id", pl.format("v{}", "estimator_version")),
        dated=pl.col("date_text"),
        status=pl.when(pl.col("checks").list.len() > 0)
        .then(pl.format("{} ({})", "status", check_names))
        .otherwise(pl.col("status")),
    ).select(TABLE_COLUMNS)


@click.command(name="ladder")
@click.argument("subject")
@as_of_option
@evidence_until_option
@format_option
@pass_config
@friendly_errors
def ladder_command(
    config: WarehouseConfig,
    subject: str,
    as_of: str | None,
    evidence_until: dt.date | None,
    fmt: str,
) -> None:
    """Every dollar figure about SUBJECT and its related subjects, smallest first.

    Related subjects: SUBJECT's developer, that company's models, the subjects listed as
    related, the chips and tickers their claims name, and the members of any group among
    them. Each claim with its bound and status; each estimator's latest estimate for the same
    subject and scope with its range. Market moves are placed by size and marked "loss".
    With --evidence-until, only the claims stated by then and the latest estimates at
    evidence dates up to it.
    """
    with lake.connect(config, read_only=True) as connection:
        snapshot_id = history.resolve_ref(connection, as_of)
    with lake.connect(config, read_only=True, snapshot_id=snapshot_id) as connection:
        evidence_time.pin(connection, evidence_until)
        related = ladder.related_subjects(connection, subject)
        rungs = ladder.ladder(connection, subject)
    if fmt != "table":
        echo_frame(rungs, fmt)
        return
    until = f", evidence until {evidence_until}" if evidence_until else ""
    click.echo(
        f"cost ladder of {subject} at snapshot {snapshot_id}{until}: "
        f"{rungs.filter(pl.col('kind') == 'claim').height} claims and "
        f"{rungs.filter(pl.col('kind') == 'estimate').height} estimates in US dollars about "
        + ", ".join(related["subject"].to_list())
    )
    if rungs.is_empty():
        click.echo("no dollar figures about these subjects")
        return
    echo_frame(table_rows(rungs))


def register(main: click.Group) -> None:
    main.add_command(ladder_command)
