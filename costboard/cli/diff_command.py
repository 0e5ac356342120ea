"""``costboard diff``: what changed between two snapshots, data and estimates."""

from __future__ import annotations

import click
import duckdb
import polars as pl
import polars.selectors as cs

from costboard.cli.context import friendly_errors, pass_config
from costboard.cli.options import format_option
from costboard.cli.output import echo_frame
from costboard.warehouse import estimate_moves, history, lake
from costboard.warehouse.config import WarehouseConfig

#: diff's tables: the stored ones by natural key, then the estimates they moved.
ESTIMATES_DIFF = "estimates"
DIFF_CHOICES = (*history.DIFF_TABLES, ESTIMATES_DIFF)


@click.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(DIFF_CHOICES),
    help="Limit the diff to this table (repeatable); estimates: each estimate series' newest "
    "value and the claims it used (inputs), as the dashboard's history page shows them.",
)
@format_option
@pass_config
@friendly_errors
def diff(config: WarehouseConfig, old: str, new: str, tables: tuple[str, ...], fmt: str) -> None:
    """What changed between two snapshots, by natural key (claims by claim_id, prices by ticker
    and date), and the estimates that moved (each series' newest value, or only its inputs)."""
    wanted = tables or DIFF_CHOICES
    with lake.connect(config) as connection:
        old_id, new_id = history.resolve_ref(connection, old), history.resolve_ref(connection, new)
        stored_tables = tuple(t for t in wanted if t != ESTIMATES_DIFF)
        results = history.diff(connection, old_id, new_id, stored_tables)
        if ESTIMATES_DIFF in wanted:
            results[ESTIMATES_DIFF] = _estimate_moves(config, connection, old_id, new_id)
    if fmt != "table":
        frames = [
            _lists_as_text(frame).select(
                "change", pl.lit(name).alias("table"), pl.exclude("change").cast(pl.String)
            )
            for name, frame in results.items()
            if not frame.is_empty()
        ]
        echo_frame(pl.concat(frames, how="diagonal") if frames else pl.DataFrame(), fmt)
        return
    click.echo(f"diff snapshot {old_id} -> {new_id}")
    for name, frame in results.items():
        if frame.is_empty():
            continue
        counts = frame["change"].value_counts().sort("change").iter_rows()
        click.echo(f"\n{name}: " + ", ".join(f"{n} {c}" for c, n in counts))
        if name == ESTIMATES_DIFF:
            # The claim lists in full are for csv and json; inputs_change names what moved.
            echo_frame(frame.drop("changed_columns", "old_version", "new_version", *_INPUT_LISTS))
        else:
            echo_frame(
                _compact_diff(_lists_as_text(frame, "changed_columns"), history.DIFF_TABLES[name])
            )
    if all(f.is_empty() for f in results.values()):
        click.echo("no differences")


#: The estimate diff's claim lists (estimate_moves.moves), left out of the table format.
_INPUT_LISTS = ("old_inputs", "new_inputs", "inputs_removed", "inputs_added")


def _estimate_moves(
    config: WarehouseConfig, connection: duckdb.DuckDBPyConnection, old: int, new: int
) -> pl.DataFrame:
    """The estimate series that moved between two snapshots, by the dashboard history page's
    rule (estimate_moves.moves): the value, or only the inputs. ``changed_columns`` names them
    like the stored tables' diffs."""
    sides = []
    for snapshot_id in (old, new):
        alias = f"snapshot_{snapshot_id}"
        # Each side pinned to its snapshot: views cannot be read AT (VERSION => n).
        if snapshot_id not in (old, new)[: len(sides)]:
            lake.attach(connection, config, alias=alias, read_only=True, snapshot_id=snapshot_id)
        sides.append(estimate_moves.newest_per_series(connection, database=alias))
    moved = estimate_moves.moves(*sides).filter(pl.col("change") != estimate_moves.SAME)
    changed_columns = pl.concat_list(
        pl.when(pl.col(f"old_{c}").ne_missing(pl.col(f"new_{c}"))).then(pl.lit(c))
        for c in ("value", "as_of", "version", "inputs")
    ).list.drop_nulls()
    kept = pl.col("change").is_in([estimate_moves.CHANGED, estimate_moves.INPUTS_CHANGED])
    return moved.with_columns(pl.when(kept).then(changed_columns).alias("changed_columns"))


def _lists_as_text(frame: pl.DataFrame, *keep: str) -> pl.DataFrame:
    """List columns (a claim's ``cites``, ``changed_columns``) as ``;``-joined text, the way
    claims files write them, so they print and compare like any other value."""
    return frame.with_columns((cs.by_dtype(pl.List(pl.String)) - cs.by_name(keep)).list.join(";"))


def _compact_diff(frame: pl.DataFrame, table: history.DiffTable) -> pl.DataFrame:
    """For people: the key, then 'old -> new' for each changed column (all values when added/removed)."""

    def side(column: str, change: str) -> pl.Expr:
        prefix = "new_" if change == "added" else "old_"
        return pl.col(prefix + column).cast(pl.String)

    detail = (
        pl.concat_list(
            pl.when(
                (pl.col("change") != "changed") | pl.col("changed_columns").list.contains(c)
            ).then(
                pl.when(pl.col("change") == "changed")
                .then(
                    pl.format(
                        "{}: {} -> {}",
                        pl.lit(c),
                        pl.col("old_" + c).cast(pl.String).fill_null("∅"),
                        pl.col("new_" + c).cast(pl.String).fill_null("∅"),
                    )
                )
                .when(pl.col("change") == "added")
                .then(pl.format("{}={}", pl.lit(c), side(c, "added").fill_null("∅")))
                .otherwise(pl.format("{}={}", pl.lit(c), side(c, "removed").fill_null("∅")))
            )
            for c in table.columns
        )
        .list.drop_nulls()
        .list.join("; ")
        .alias("values")
    )
    return frame.select("change", *table.key, detail)
