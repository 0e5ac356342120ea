"""The ``costboard`` command line.

One click group; each area registers its commands from its own module (warehouse commands
in ``warehouse_commands``, estimator commands in ``plugin_commands``, the server in
``serve_command``). Every command takes the warehouse from ``--home`` / ``COSTBOARD_HOME``, and its catalog
and data path from ``--catalog`` / ``--data-path`` or their variables (warehouse/config.py).
"""

from __future__ import annotations

import click

from costboard.cli.context import pass_config  # noqa: F401  (re-exported for command modules)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--home",
    envvar="COSTBOARD_HOME",
    type=click.Path(file_okay=False),
    help="The warehouse's home folder [env COSTBOARD_HOME; default ~/.costboard].",
)
@click.option(
    "--catalog",
    metavar="CATALOG",
    help="The catalog: postgresql://user@host:port/db, postgres:dbname=... host=..., or "
    "sqlite:PATH [env COSTBOARD_CATALOG; default sqlite:<home>/catalog.sqlite]. A password is "
    "better given by PGPASSWORD or ~/.pgpass than here, where `ps` shows it.",
)
@click.option(
    "--data-path",
    metavar="PATH",
    help="Where the lake's Parquet files live: a folder or s3://bucket/prefix/ "
    "[env COSTBOARD_DATA_PATH; default <home>/data/].",
)
@click.option(
    "--hook-timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds a plugin's hook may take when plugins load [env COSTBOARD_HOOK_TIMEOUT; "
    "default 10].",
)
@click.option(
    "--estimator-timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds one estimator may take on one run [env COSTBOARD_ESTIMATOR_TIMEOUT; default 10].",
)
@click.version_option(package_name="costboard")
@click.pass_context
def main(
    context: click.Context,
    home: str | None,
    catalog: str | None,
    data_path: str | None,
    hook_timeout: float | None,
    estimator_timeout: float | None,
) -> None:
    """costboard: claims about what AI models cost, checked against independent cost models."""
    import os

    from costboard.plugins import manager
    from costboard.warehouse.catalog import CatalogError
    from costboard.warehouse.config import WarehouseConfig

    # Through the environment, so that gunicorn's workers (costboard serve) inherit them too.
    for variable, seconds in (
        (manager.HOOK_TIMEOUT_ENV, hook_timeout),
        (manager.ESTIMATOR_TIMEOUT_ENV, estimator_timeout),
    ):
        if seconds is not None:
            os.environ[variable] = repr(seconds)
    try:
        context.obj = WarehouseConfig.resolve(home, catalog, data_path)
    except CatalogError as error:
        raise click.UsageError(str(error)) from None


def _register() -> None:
    from costboard.cli import check_command, ladder_command, migrate_command, warehouse_commands

    warehouse_commands.register(main)
    ladder_command.register(main)
    migrate_command.register(main)
    check_command.register(main)
    try:
        from costboard.cli import plugin_commands
    except ImportError:  # the estimator commands arrive with the plugin layer
        return
    plugin_commands.register(main)
    from costboard.cli import vocabulary_command

    vocabulary_command.register(main)
    try:
        from costboard.cli import serve_command
    except ImportError:
        return
    serve_command.register(main)
    from costboard.cli import users_command

    users_command.register(main)


_register()
