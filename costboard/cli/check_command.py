"""``costboard check``: the catalog against the data path; orphans removed only when asked."""

from __future__ import annotations

import click

from costboard.cli.context import friendly_errors, pass_config
from costboard.warehouse import check as checking
from costboard.warehouse.config import WarehouseConfig


def _shown(path: str) -> str:
    # A file name may hold anything; one that a terminal would obey (escapes, controls) is
    # shown quoted with its escapes spelled out, so it is still findable.
    return path if path.isprintable() else repr(path)


def _print_report(report: checking.Report) -> None:
    data = sum(f.kind == "data" for f in report.named)
    click.echo(
        f"checked {data} data files and {len(report.named) - data} delete files that the "
        f"catalog names, in {_shown(report.data_path)}"
    )
    for file in report.missing:
        size = "" if file.size is None else f", {file.size:,} bytes recorded"
        click.echo(f"missing  {_shown(report.relative(file.path))}  ({file.kind} file{size})")
    for file, found in report.wrong_size:
        click.echo(
            f"size     {_shown(report.relative(file.path))}  ({file.kind} file: "
            f"{file.size:,} bytes recorded, {found:,} found)"
        )
    for orphan in report.orphans:
        click.echo(
            f"orphan   {_shown(report.relative(orphan.path))}  ({orphan.size:,} bytes, "
            f"modified {orphan.modified:%Y-%m-%d %H:%M:%S %Z})"
        )


@click.command(name="check")
@click.option(
    "--remove-orphans",
    is_flag=True,
    help="Delete the orphan files (under the write lock). Named files are never touched.",
)
@click.option(
    "--min-age",
    type=click.FloatRange(min=0),
    metavar="MINUTES",
    help="With --remove-orphans: only orphans untouched for this long [default: 0 on a "
    "SQLite catalog, whose writers all take this machine's lock; 60 on a server catalog, "
    "where another machine's write in progress looks like an orphan until it commits].",
)
@pass_config
@friendly_errors
def check_command(config: WarehouseConfig, remove_orphans: bool, min_age: float | None) -> None:
    """Check that every file the catalog names is in the data path with its recorded size,
    and list the files there that the catalog does not name (orphans, left by a writer that
    was killed before its commit).

    Exits 1 when anything is wrong (after --remove-orphans: when anything is left). Never
    expires snapshots or rewrites files: every past snapshot stays readable.
    """
    if not remove_orphans:
        report = checking.check(config)
        _print_report(report)
        if report.orphans:
            total = sum(orphan.size for orphan in report.orphans)
            click.echo(
                f"{len(report.orphans)} orphan files ({total:,} bytes): no snapshot reads them; "
                "`costboard check --remove-orphans` deletes them"
            )
        if report.missing or report.wrong_size:
            click.echo(
                f"{len(report.missing) + len(report.wrong_size)} named files are missing or "
                "damaged: snapshots that use them cannot be read (restore them from a backup)"
            )
        if report.ok:
            click.echo("ok: every named file is present with its recorded size; no orphans")
        raise SystemExit(0 if report.ok else 1)
    removal = checking.remove_orphans(config, min_age=None if min_age is None else min_age * 60.0)
    _print_report(removal.report)
    for orphan in removal.removed:
        click.echo(
            f"removed  {_shown(removal.report.relative(orphan.path))}  ({orphan.size:,} bytes)"
        )
    for orphan in removal.kept:
        click.echo(
            f"kept     {_shown(removal.report.relative(orphan.path))}  (younger than the "
            "minimum age: another writer's work in progress? --min-age 0 removes it)"
        )
    damaged = len(removal.report.missing) + len(removal.report.wrong_size)
    click.echo(
        f"removed {len(removal.removed)} orphan files "
        f"({sum(o.size for o in removal.removed):,} bytes); kept {len(removal.kept)}"
        + (f"; {damaged} named files missing or damaged" if damaged else "")
    )
    raise SystemExit(1 if removal.kept or damaged else 0)


def register(main: click.Group) -> None:
    main.add_command(check_command)
