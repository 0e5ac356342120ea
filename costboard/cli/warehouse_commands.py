"""Warehouse commands: init, ingest, log, show, tag, tags, sql (diff: diff_command.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import click
import duckdb
import polars as pl
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from costboard.cli import diff_command
from costboard.cli.context import friendly_errors, pass_config
from costboard.cli.options import as_of_option, evidence_until_option, format_option
from costboard.cli.output import FORMATS, echo_frame
from costboard.warehouse import (
    demo,
    evidence_time,
    history,
    ingest,
    lake,
    readonly_sql,
    schema,
)
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.importers import Importer
from costboard.warehouse.readers import LARGE_FILE_BYTES
from costboard.warehouse.vocabulary import Vocabulary
from costboard.warehouse.writer import WriteResult


def _summary(result: WriteResult) -> str:
    parts = [
        f"{name}: +{c.added} ~{c.changed} -{c.removed}"
        for name, c in sorted(result.changes.items())
        if c.total
    ]
    return ", ".join(parts) or "no changes"


@click.command()
@click.option(
    "--demo", "with_demo", is_flag=True, help="Load the seed data (DeepSeek story and market data)."
)
@click.option("--if-missing", is_flag=True, help="Do nothing when the warehouse already exists.")
@click.option("--author", help="Author recorded on the snapshots.")
@pass_config
@friendly_errors
def init(config: WarehouseConfig, with_demo: bool, if_missing: bool, author: str | None) -> None:
    """Create an empty warehouse (with --demo: loaded with the seed data)."""
    if if_missing and schema.is_initialised(config):
        click.echo(f"the warehouse at {config.catalog} already exists")
        return
    snapshot_id = schema.create(config, author=author)
    click.echo(
        f"created the warehouse at {config.catalog} (snapshot {snapshot_id}); data in {config.data_path}"
    )
    if with_demo:
        results = demo.load(config, progress=lambda m: click.echo(f"  {m}"))
        written = [r for r in results if r.wrote]
        click.echo(f"loaded the demo data as {len(written)} snapshots")


@click.command(name="ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-m", "--message", required=True, help="Commit message for the snapshot.")
@click.option("--author", help="Author recorded on the snapshot [default: your user name].")
@click.option(
    "--kind",
    help="The files' kind, an importer's name: claims, subjects, prices, yahoo, stooq, "
    "epoch-models, epoch-chips, epoch-prices, fred, or a plugin's (default: read from each header).",
)
@click.option("--ticker", help="Ticker for Yahoo/Stooq price files (default: from the file name).")
@click.option("--dry-run", is_flag=True, help="Validate and count, write nothing.")
@pass_config
@friendly_errors
def ingest_command(
    config: WarehouseConfig,
    files: tuple[Path, ...],
    message: str,
    author: str | None,
    kind: str | None,
    ticker: str | None,
    dry_run: bool,
) -> None:
    """Validate FILES and write them as one snapshot.

    Claims (CSV, JSON, JSON Lines), subjects (CSV), prices (costboard, Yahoo or Stooq CSV),
    Epoch AI's models, chips and hardware-price CSVs as published, FRED series, and any
    importer plugin's format. Rows an importer cannot use are listed and skipped.
    Any error in any file: every error is listed and nothing is written.
    """
    large = any(f.is_file() and f.stat().st_size > LARGE_FILE_BYTES for f in files)
    # Steps: read and validate each file, then write each table (at most four).
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not large,
        transient=True,
    ) as bar:
        task = bar.add_task("ingest", total=2 * len(files) + 4)

        def step(text: str) -> None:
            # Drawn now, not at the next timed refresh: a quick step would otherwise never
            # be shown (and the README promises the steps).
            bar.update(task, description=text, advance=1, refresh=True)

        result = ingest.ingest(
            config,
            list(files),
            message=message,
            author=author,
            kind=kind,
            ticker=ticker,
            dry_run=dry_run,
            progress=step,
            vocabulary=_merged_vocabulary(),
            importers=_merged_importers(),
        )
        bar.update(task, completed=2 * len(files) + 4)
    _report_skipped(result)
    if dry_run:
        click.echo(f"dry run, nothing written: {_summary(result)}")
    elif result.wrote:
        click.echo(f"snapshot {result.snapshot_id}: {_summary(result)}")
    else:
        click.echo("nothing new: the warehouse already holds this content; no snapshot was made")


def _merged_importers() -> list[Importer]:
    """The built-in importers then every importer plugin's (a refused plugin is listed by
    ``costboard plugins``; ingest goes on with the others)."""
    from costboard.plugins.manager import get_manager

    return get_manager().importers()


#: Skipped rows listed in full up to this many; the rest are counted.
SKIPPED_SHOWN = 20


def _report_skipped(result: WriteResult) -> None:
    """Rows the importers could not use: on stderr, each with file, line, column and why."""
    if not result.skipped:
        return
    click.echo(f"skipped {len(result.skipped)} input rows costboard cannot use:", err=True)
    for error in result.skipped[:SKIPPED_SHOWN]:
        click.echo(f"  {error}", err=True)
    if len(result.skipped) > SKIPPED_SHOWN:
        click.echo(f"  ... and {len(result.skipped) - SKIPPED_SHOWN} more", err=True)


def _merged_vocabulary() -> Vocabulary:
    """The built-in vocabulary plus every vocabulary plugin's (a refused plugin is listed by
    ``costboard plugins``; ingest goes on with the others)."""
    from costboard.plugins.manager import get_manager

    return get_manager().vocabulary()


def _reader(config: WarehouseConfig, snapshot_id: int | None = None) -> duckdb.DuckDBPyConnection:
    return lake.connect(config, read_only=True, snapshot_id=snapshot_id)


@click.command(name="log")
@click.option("-n", "--limit", type=click.IntRange(min=1), help="Show only the newest N snapshots.")
@format_option
@pass_config
@friendly_errors
def log_command(config: WarehouseConfig, limit: int | None, fmt: str) -> None:
    """The snapshot history, newest first."""
    with _reader(config) as connection:
        echo_frame(history.log(connection, limit), fmt)


@click.command()
@click.argument("ref")
@pass_config
@friendly_errors
def show(config: WarehouseConfig, ref: str) -> None:
    """One snapshot: who, when, why, and the rows it added, changed and removed per table."""
    with _reader(config) as connection:
        snapshot_id = history.resolve_ref(connection, ref)
        details, changes = history.show(connection, snapshot_id)
    for key, value in details.items():
        click.echo(f"{key:>17}: {'' if value is None else value}")
    if not changes.is_empty():
        echo_frame(changes)


@click.command(name="tag")
@click.argument("name")
@click.argument("ref", required=False)
@click.option("-m", "--message", help="Why this snapshot is worth a name.")
@click.option("--author")
@pass_config
@friendly_errors
def tag_command(
    config: WarehouseConfig, name: str, ref: str | None, message: str | None, author: str | None
) -> None:
    """Name a snapshot (default: the newest) so links and queries can use the name."""
    with _reader(config) as connection:
        target, result = history.tag(config, connection, name, ref, author=author, message=message)
    if result.wrote:
        click.echo(f"tag {name} -> snapshot {target} (written in snapshot {result.snapshot_id})")
    else:
        click.echo(f"tag {name} already points at snapshot {target}")


@click.command(name="tags")
@format_option
@pass_config
@friendly_errors
def tags_command(config: WarehouseConfig, fmt: str) -> None:
    """Every tag and the snapshot it names."""
    with _reader(config) as connection:
        echo_frame(history.tags(connection), fmt)


@click.command(name="sql")
@click.argument("query", required=False)
@as_of_option
@evidence_until_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="csv and json are for programs and keep every cell's raw text: a cell starting with "
    "=, +, - or @ is not guarded against spreadsheet formulas as the dashboard's CSV exports are.",
)
@pass_config
@friendly_errors
def sql_command(
    config: WarehouseConfig,
    query: str | None,
    as_of: str | None,
    evidence_until: dt.date | None,
    fmt: str,
) -> None:
    """Run QUERY against the warehouse (read-only); with no QUERY, an interactive prompt."""
    snapshot_id = None
    if as_of is not None:
        with _reader(config) as connection:
            snapshot_id = history.resolve_ref(connection, as_of)
    with _reader(config, snapshot_id) as connection:
        # The views filter on it; the read-only check refuses SET, so no query can change it.
        evidence_time.pin(connection, evidence_until)
        if query is not None:
            _run_sql(connection, query, fmt, exit_on_error=True)
            return
        _repl(connection, fmt, snapshot_id, evidence_until)


def _run_sql(
    connection: duckdb.DuckDBPyConnection, query: str, fmt: str, *, exit_on_error: bool
) -> None:
    try:
        _check_read_only(query)
        relation = connection.sql(query)
        # Fetched inside the try: DuckDB raises some errors (error(), a failed cast) only
        # when the rows are read, and they deserve the same one-line message.
        frame = _frame(relation) if relation is not None else None
    except (duckdb.Error, readonly_sql.NotReadOnly, readonly_sql.Unparsable) as error:
        read_only = isinstance(error, readonly_sql.NotReadOnly)
        why = "refused, costboard sql is read-only: " if read_only else ""
        click.echo(f"error: {why}{error}", err=True)
        if exit_on_error:
            raise SystemExit(1) from None
        return
    if frame is not None:
        echo_frame(frame, fmt)


def _frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """The rows as a polars frame; a UNION column (which polars has no type for) as its text."""
    if not any(str(t).upper().startswith("UNION") for t in relation.types):
        return relation.pl()
    columns = [
        f'"{c}"::VARCHAR AS "{c}"' if str(t).upper().startswith("UNION") else f'"{c}"'
        for c, t in zip(relation.columns, relation.types, strict=True)
    ]
    return relation.project(", ".join(columns)).pl()


def _check_read_only(query: str) -> None:
    """Every statement through the warehouse's read-only check, as on the dashboard's SQL page:
    the attach is read-only, but DuckLake's maintenance functions (which a SELECT, an EXPLAIN
    ANALYZE, a CALL or a PIVOT can run) still delete data files on one."""
    for statement in readonly_sql.parse(query):
        readonly_sql.check_statement(statement)


def _repl(
    connection: duckdb.DuckDBPyConnection,
    fmt: str,
    snapshot_id: int | None,
    evidence_until: dt.date | None = None,
) -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    pinned = f" as of snapshot {snapshot_id}" if snapshot_id is not None else ""
    if evidence_until is not None:
        pinned += f", evidence until {evidence_until.isoformat()}"
    click.echo(f"costboard sql{pinned}: end a statement with ';', quit with .quit or Ctrl-D")
    buffer: list[str] = []
    while True:
        try:
            line = input("...> " if buffer else "costboard> ")
        except EOFError:
            click.echo()
            return
        if not buffer and line.strip() in (".quit", ".exit", "quit", "exit"):
            return
        buffer.append(line)
        if line.rstrip().endswith(";"):
            _run_sql(connection, "\n".join(buffer), fmt, exit_on_error=False)
            buffer = []


def register(main: click.Group) -> None:
    for command in (
        init,
        ingest_command,
        log_command,
        show,
        diff_command.diff,
        tag_command,
        tags_command,
        sql_command,
    ):
        main.add_command(command)
