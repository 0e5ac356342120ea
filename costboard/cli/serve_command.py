"""``costboard serve``: the dashboard, one process by default, gunicorn for more workers."""

from __future__ import annotations

import os
import socket
import sys

import click

from costboard.cli.context import friendly_errors, pass_config
from costboard.warehouse.config import WarehouseConfig


def _check_port(host: str, port: int) -> None:
    """Fail with a clear message now rather than from deep inside a server."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({error.strerror}); pick another --port"
            ) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes; more than one runs gunicorn, sharing the results cache.",
)
@pass_config
@friendly_errors
def serve(config: WarehouseConfig, host: str, port: int, workers: int) -> None:
    """Serve the dashboard (read-only; it never writes to the warehouse)."""
    from costboard.dashboard.app import require_warehouse

    require_warehouse(config)
    _check_port(host, port)
    click.echo(f"costboard dashboard for {config.catalog} on http://{host}:{port}/ (Ctrl-C stops)")
    if workers > 1:
        from costboard.dashboard import server

        # gunicorn forks its workers: start it from a fresh interpreter that has not loaded
        # polars or DuckDB (see costboard/dashboard/server.py).
        sys.stdout.flush()
        command = server.command(config, host, port, workers)
        os.execv(command[0], command)
    from werkzeug.serving import run_simple

    from costboard.dashboard.app import create_app

    app = create_app(config)
    run_simple(host, port, app.server, threaded=True, use_reloader=False, use_debugger=False)


def register(main: click.Group) -> None:
    main.add_command(serve)
