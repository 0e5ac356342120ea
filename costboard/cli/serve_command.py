"""``costboard serve``: the dashboard under gunicorn, for one worker as for many.

Before handing over to gunicorn it checks what can be checked with a clear message: the
warehouse exists, the port is free, the users file reads, and an address beyond this machine
has users to sign in (or ``--no-auth``, said out loud).
"""

from __future__ import annotations

import ipaddress
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


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (a host name other than localhost is
    taken as reachable from elsewhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_sign_in(config: WarehouseConfig, host: str, no_auth: bool) -> None:
    from costboard.dashboard import users

    known = users.load(config)
    where = users.describe_source(config)
    if known and no_auth:
        raise click.ClickException(
            f"--no-auth, but {where} has {len(known)} user(s): sign-in stays on while there "
            "are users; drop --no-auth (or remove the users)"
        )
    if not known and not no_auth and not is_loopback(host):
        raise click.ClickException(
            f"refusing to serve on {host} with no users to sign in: anyone who can reach it "
            "would read the whole warehouse and run SQL on it. Add one with `costboard users "
            f"add NAME` (users are read from {where}), or give --no-auth to serve it open"
        )
    if no_auth:
        click.secho(
            f"WARNING: --no-auth: NO SIGN-IN on {host}. Anyone who can reach this port reads "
            "the whole warehouse and can run SQL on it. Add users with `costboard users add "
            "NAME` and drop --no-auth.",
            fg="red",
            bold=True,
            err=True,
        )
    if not known and not no_auth:
        # Open on loopback is the one-analyst default (`make run`), but a reverse proxy in
        # front would open it to everyone the proxy serves: say so every time.
        click.echo(
            f"no users in {where}: no sign-in; anyone who can reach {host} (through a reverse "
            "proxy in front, too) reads it. `costboard users add NAME` turns sign-in on.",
            err=True,
        )
    if known:
        # Made now, once, rather than by the workers racing each other (they would agree
        # anyway: see users.secret_key).
        users.secret_key(config)


def _serving_catalog(
    config: WarehouseConfig, read_catalog: str | None, allow_writing_role: bool
) -> WarehouseConfig:
    """The config every worker reads through: the read catalog when given. On a PostgreSQL
    catalog, the server is asked what the role may do; a role that can write, with users to
    sign in (a shared server), is refused unless ``--allow-writing-role`` says it is meant."""
    from costboard.dashboard import users
    from costboard.warehouse import lake, read_role

    serving = config.reading_through(read_catalog)
    if serving.catalog_type != "postgres":
        return serving
    with lake.connect(serving) as connection:
        writes = read_role.writes_allowed(connection)
    if not writes:
        return serving
    shown = ", ".join(writes[:3]) + (f" and {len(writes) - 3} more" if len(writes) > 3 else "")
    why = (
        f"the dashboard's catalog role can write to the catalog ({shown}), so a mistake in "
        "the SQL fence could rewrite the team's history"
    )
    fix = (
        "serve through a role that can only read: --read-catalog or COSTBOARD_READ_CATALOG "
        "(README: A read-only role for the dashboard)"
    )
    if users.load(serving) and not allow_writing_role:
        raise click.ClickException(f"refusing to serve: {why}; {fix}, or give --allow-writing-role")
    click.secho(f"WARNING: {why}; {fix}.", fg="red", bold=True, err=True)
    return serving


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes; they share the results cache and the sign-in key.",
)
@click.option(
    "--no-auth",
    is_flag=True,
    help="Serve with no users on an address beyond localhost: no sign-in at all (warns).",
)
@click.option(
    "--no-secure-cookie",
    is_flag=True,
    help="Send the session cookie over plain http too: only for a trusted network without "
    "TLS (browsers keep Secure cookies on http://localhost and 127.0.0.1 anyway).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A host name the server answers to besides localhost, 127.0.0.1, [::1] and --host "
    "(repeatable; adds to COSTBOARD_ALLOWED_HOSTS): other Host headers get a 400.",
)
@click.option(
    "--proxies",
    type=click.IntRange(0, 8),
    default=None,
    help="Reverse proxies in front that append X-Forwarded-For: the client's address is "
    "taken from it (default COSTBOARD_TRUSTED_PROXIES, else 0: the header is ignored).",
)
@click.option(
    "--read-catalog",
    metavar="URL",
    default=None,
    help="The PostgreSQL catalog as a read-only role reaches it: every read the dashboard "
    "makes goes through it (default COSTBOARD_READ_CATALOG, else the catalog).",
)
@click.option(
    "--allow-writing-role",
    is_flag=True,
    help="Serve with sign-in on a PostgreSQL catalog through a role that can write (warns).",
)
@pass_config
@friendly_errors
def serve(
    config: WarehouseConfig,
    host: str,
    port: int,
    workers: int,
    no_auth: bool,
    no_secure_cookie: bool,
    allowed_hosts: tuple[str, ...],
    proxies: int | None,
    read_catalog: str | None,
    allow_writing_role: bool,
) -> None:
    """Serve the dashboard with gunicorn (read-only; it never writes to the warehouse)."""
    from costboard.dashboard import budgets, server
    from costboard.dashboard.app import require_warehouse

    budgets.check_environment()  # a bad budget variable: one line here, not in every worker
    # Before anything reads the lake: the workers get this config (through the environment).
    config = _serving_catalog(config, read_catalog, allow_writing_role)
    require_warehouse(config)
    _check_port(host, port)
    _check_sign_in(config, host, no_auth)
    # Before the banner: a bad --allowed-host or proxy count is a one-line error.
    argv, environment = server.command(
        config,
        host,
        port,
        workers,
        secure_cookie=not no_secure_cookie,
        allowed_hosts=allowed_hosts,
        proxies=proxies,
    )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"costboard dashboard for {config.catalog} on http://{shown}:{port}/ (Ctrl-C stops)")
    # gunicorn forks its workers: start it from a fresh interpreter that has not loaded
    # polars or DuckDB (see costboard/dashboard/server.py). The warehouse goes through the
    # environment, not the command line, which `ps` shows to everyone.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, environment)


def register(main: click.Group) -> None:
    main.add_command(serve)
