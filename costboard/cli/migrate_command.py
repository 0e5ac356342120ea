"""``costboard migrate``: move the warehouse to a team catalog with its whole history."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from costboard.cli.context import friendly_errors, pass_config
from costboard.warehouse import catalog as catalog_strings
from costboard.warehouse import migrate as migration
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.migrate_verify import MigrationDiffers


def _target(config: WarehouseConfig, to: str, data_path: str | None) -> WarehouseConfig:
    """The target's config: ``--to`` and ``--data-path`` only (never the source's variables)."""
    try:
        parsed = catalog_strings.parse(to)
    except catalog_strings.CatalogError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    if data_path is None:
        kind, _, where = parsed.text.partition(":")
        if kind != "sqlite":
            raise click.UsageError(
                "--data-path is needed with a server catalog: the folder or s3://bucket/prefix/ "
                "every member of the team reaches"
            )
        data_path = str(Path(where).resolve().parent / "data") + "/"
    return WarehouseConfig(config.home, parsed.text, data_path, parsed.password)


@click.command()
@click.option(
    "--to",
    "to",
    required=True,
    metavar="CATALOG",
    help="The empty target catalog: postgresql://user@host:port/db, postgres:dbname=... "
    "host=..., or sqlite:PATH. A password is better given by PGPASSWORD or ~/.pgpass.",
)
@click.option(
    "--data-path",
    "data_path",
    metavar="PATH",
    help="The empty target data path: a folder or s3://bucket/prefix/ (default for a sqlite: "
    "target: data/ beside its file; required for a server catalog).",
)
@pass_config
@friendly_errors
def migrate(config: WarehouseConfig, to: str, data_path: str | None) -> None:
    """Copy this warehouse into an empty catalog and data path, keeping its whole history.

    Every snapshot is replayed in order with its id, time, author, message and extra info,
    so `--as-of`, `diff`, tags, estimates and pinned dashboard links answer the same on the
    target. Then every snapshot's tables are compared with the source's (row counts and a
    content hash) and the first difference, if any, is named (exit status 1).

    The source is only read (its write lock is held meanwhile, so no write is left behind).
    Until the copy is verified the target is marked and every costboard command refuses it;
    if the migration is interrupted, run the same command again: it clears what the
    interrupted run wrote and starts over.

    \b
    Example:
      costboard migrate --to postgresql://costboard@db.internal/costboard \\
          --data-path /mnt/shared/costboard/data/
    """
    target = _target(config, to, data_path)
    console = Console(stderr=True)
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        try:
            result = migration.migrate(config, target, progress=step)
        except (migration.MigrationError, MigrationDiffers) as error:
            bar.stop()
            click.echo(f"error: {error}", err=True)
            raise SystemExit(1) from None
    seconds = time.monotonic() - started
    compared = result.compared
    if result.cleared_interrupted:
        click.echo("cleared what an interrupted migration had written to the target")
    click.echo(
        f"migrated {result.snapshots} snapshots (ids 0-{result.snapshots - 1}, kept) from "
        f"{config.catalog} to {target.catalog}, data in {target.data_path} ({seconds:.1f} s)"
    )
    click.echo(
        f"verified: {compared.snapshots} snapshots, {compared.tables} snapshot tables, "
        f"{compared.rows} rows: ids, times, authors, messages, extra info, every table's "
        "rows at every snapshot, views and macros all equal"
    )
    click.echo(
        f"use it: export COSTBOARD_CATALOG='{target.catalog}' "
        f"COSTBOARD_DATA_PATH='{target.data_path}'"
    )


def register(group: click.Group) -> None:
    group.add_command(migrate)
