"""Estimator commands: ``estimate`` (compute, store, explain) and ``plugins`` (list, new)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import polars as pl

from costboard.cli.context import friendly_errors, pass_config
from costboard.cli.explain import explain
from costboard.cli.options import evidence_until_option
from costboard.cli.output import echo_frame
from costboard.plugins.windows import Window
from costboard.warehouse.config import WarehouseConfig

#: The exit status when some plugin failed; the others' estimates were still stored.
PLUGINS_FAILED = 3

#: One run's estimator time limit, overriding ``costboard --estimator-timeout``.
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Seconds each estimator may take [default: --estimator-timeout].",
)


def _window(text: str) -> Window:
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        window = Window(dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip()))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not START:END (two YYYY-MM-DD dates)") from None
    if window[0] > window[1]:
        raise click.BadParameter(f"'{text}': the window starts after it ends")
    return window


def _status_frame(statuses: list) -> pl.DataFrame:  # type: ignore[type-arg]
    rows = [
        {
            "estimator": s.estimator or f"({s.plugin})",
            "version": s.version,
            "status": s.status,
            "rows": s.rows,
            "seconds": round(s.seconds, 3) if s.seconds is not None else None,
            "error": s.error,
        }
        for s in statuses
    ]
    return pl.DataFrame(
        rows,
        schema={
            "estimator": pl.String,
            "version": pl.String,
            "status": pl.String,
            "rows": pl.Int64,
            "seconds": pl.Float64,
            "error": pl.String,
        },
    )


@click.command(name="estimate")
@click.option(
    "--as-of",
    "ref",
    metavar="REF",
    help="Use the evidence of this snapshot (id, tag, date): knowledge time [default: latest].",
)
@click.option(
    "--explain",
    "subject",
    metavar="SUBJECT",
    help="Print SUBJECT's stored estimates and how its claims compare with them; compute nothing.",
)
@click.option("-m", "--message", help="Commit message [default: says what was estimated].")
@click.option("--author", help="Author recorded on the snapshot [default: your user name].")
@click.option(
    "--window",
    "windows",
    multiple=True,
    metavar="START:END",
    help="Also estimate market moves over START:END (repeatable).",
)
@evidence_until_option
@timeout_option
@click.option("--dry-run", is_flag=True, help="Compute and count, write nothing.")
@pass_config
@friendly_errors
def estimate_command(
    config: WarehouseConfig,
    ref: str | None,
    subject: str | None,
    message: str | None,
    author: str | None,
    windows: tuple[str, ...],
    evidence_until: dt.date | None,
    timeout: float | None,
    dry_run: bool,
) -> None:
    """Run every estimator on every subject and evidence date, and store the estimates.

    Estimates are keyed by the input snapshot (the latest that changed evidence), estimator,
    version and parameters: running again on the same evidence writes nothing. Exits 3 when
    any plugin failed (the other estimators' estimates are stored).

    With --evidence-until, --explain reads the stored estimates at evidence dates up to DATE,
    and --dry-run computes the estimates from the evidence stated by then ("today" is DATE);
    a storing run refuses it, since what it stored would differ from a plain run's.
    """
    if subject:
        explain(config, subject, ref, evidence_until)
        return
    if evidence_until is not None and not dry_run:
        raise click.UsageError(
            "--evidence-until does not store estimates (they would differ from a plain "
            f"run's): to read the stored estimates at evidence dates up to {evidence_until}, "
            f"use `costboard estimate --explain SUBJECT --evidence-until {evidence_until}`; "
            "to compute them from the evidence stated by then without writing, add --dry-run"
        )
    from costboard.plugins import pipeline
    from costboard.warehouse.tables import ESTIMATES

    request = pipeline.EstimateRequest(
        at=ref,
        evidence_until=evidence_until,
        windows=tuple(_window(w) for w in windows),
        timeout=timeout,
    )
    estimated = pipeline.estimate(config, request)
    if estimated is None:
        click.echo("no evidence yet: ingest claims first")
        return
    run, frame = estimated.run, estimated.run.estimates
    until_text = f", evidence until {evidence_until}" if evidence_until else ""
    echo_frame(
        _status_frame(run.statuses),
        title=f"estimators on evidence snapshot {estimated.snapshot_id}{until_text}",
    )
    for status in run.failed:
        click.echo(
            f"warning: {status.estimator or status.plugin}: {status.status}: {status.error}",
            err=True,
        )
    if evidence_until is not None:
        click.echo(
            f"dry run, nothing written: {frame.height} estimates from the evidence stated on "
            f"or before {evidence_until}"
        )
        if run.failed:
            raise SystemExit(PLUGINS_FAILED)
        return
    result = pipeline.store(config, estimated, message=message, author=author, dry_run=dry_run)
    counts = result.changes.get(ESTIMATES.name)
    summary = f"+{counts.added} ~{counts.changed} -{counts.removed}" if counts else "+0"
    if dry_run:
        click.echo(f"dry run, nothing written: estimate_records {summary}")
    elif result.wrote:
        click.echo(f"snapshot {result.snapshot_id}: estimate_records {summary}")
    else:
        click.echo(
            f"nothing new: the estimates of evidence snapshot {estimated.snapshot_id} are "
            "already stored; no snapshot was made"
        )
    if run.failed:
        raise SystemExit(PLUGINS_FAILED)


def _plugin_rows(
    config: WarehouseConfig, run: bool, timeout: float | None
) -> list[dict[str, object]]:
    from costboard.plugins import pipeline
    from costboard.plugins.manager import get_manager
    from costboard.warehouse import schema

    manager = get_manager()
    # Importers are collected only by ingest; collect them here too, first, so a failing
    # importer plugin is listed with its error like any plugin failure.
    manager.importers()
    statuses = None
    if run and schema.is_initialised(config):
        request = pipeline.EstimateRequest(timeout=timeout)
        estimated = pipeline.estimate(config, request, manager=manager)
        statuses = estimated.run.statuses if estimated else None
    by_name = {(s.estimator or s.plugin): s for s in statuses or []}
    rows: list[dict[str, object]] = []
    for loaded in manager.estimators():
        estimator, plugin = loaded.estimator, loaded.plugin
        status = by_name.get(estimator.name)
        rows.append(
            {
                "name": estimator.name,
                "version": estimator.version,
                "plugin": plugin.name,
                "distribution": plugin.distribution,
                "hooks": list(plugin.hooks),
                "status": status.status if status else "ok",
                "error": status.error if status else None,
                "rows": status.rows if status else None,
                "seconds": round(status.seconds, 4) if status and status.seconds else None,
                "outputs": [f"{m}/{s}" for m, s in estimator.outputs],
                "description": estimator.description,
            }
        )
    providing = {loaded.plugin.name for loaded in manager.estimators()}
    for record in manager.plugins():
        if record.name in providing:
            continue
        rows.append(
            {
                "name": f"({record.name})",
                "version": record.version,
                "plugin": record.name,
                "distribution": record.distribution,
                "hooks": list(record.hooks),
                "status": record.status,
                "error": record.error,
                "rows": None,
                "seconds": None,
                "outputs": [],
                "description": "a plugin that provides no estimator",
            }
        )
    return rows


@click.group(name="plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.option(
    "--no-run",
    is_flag=True,
    help="Only load the plugins; do not try each estimator on the warehouse's evidence.",
)
@timeout_option
@click.pass_context
def plugins_group(
    context: click.Context, as_json: bool, no_run: bool, timeout: float | None
) -> None:
    """List every estimator: name, version, distribution, hooks, status, last error.

    Unless --no-run, each estimator is tried on the warehouse's latest evidence (nothing is
    written), so the status says whether it works on real data. Exits 3 when any plugin
    failed to load or run.
    """
    if context.invoked_subcommand is not None:
        return
    config = context.find_object(WarehouseConfig)
    assert config is not None
    rows = _plugin_rows(config, run=not no_run, timeout=timeout)
    failed = any(r["status"] in ("error", "timeout") for r in rows)
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        if failed:
            raise SystemExit(PLUGINS_FAILED)
        return
    frame = pl.DataFrame(
        [
            {
                "name": r["name"],
                "version": r["version"],
                "distribution": r["distribution"],
                "hooks": ", ".join(r["hooks"]),  # type: ignore[arg-type]
                "status": r["status"],
                "last error": r["error"],
            }
            for r in rows
        ],
        schema={
            c: pl.String
            for c in ("name", "version", "distribution", "hooks", "status", "last error")
        },
    )
    echo_frame(frame, title="costboard estimators")
    if failed:
        raise SystemExit(PLUGINS_FAILED)


@plugins_group.command(name="new")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the package folder costboard-NAME.",
)
@friendly_errors
def new_command(name: str, directory: Path) -> None:
    """Scaffold a pip-installable estimator plugin package costboard-NAME."""
    from costboard.plugins.scaffold import new_plugin

    folder = new_plugin(name, directory)
    click.echo(f"created {folder}")
    click.echo(f"  pip install -e {folder}   # then `costboard plugins` lists it")
    click.echo(f"  pytest {folder}           # its test passes as generated")


def register(main: click.Group) -> None:
    """Add the estimator commands to the ``costboard`` group."""
    main.add_command(estimate_command)
    main.add_command(plugins_group)
