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

    from costboard.plugins import isolation
    from costboard.warehouse.catalog import CatalogError
    from costboard.warehouse.config import WarehouseConfig

    # Through the environment, so that gunicorn's workers (costboard serve) inherit them too.
    for variable, seconds in (
        (isolation.HOOK_TIMEOUT_ENV, hook_timeout),
        (isolation.ESTIMATOR_TIMEOUT_ENV, estimator_timeout),
    ):
        if seconds is not None:
            os.environ[variable] = repr(seconds)
    try:
        context.obj = WarehouseConfig.resolve(home, catalog, data_path)
    except CatalogError as error:
        raise click.UsageError(str(error)) from None


def _register() -> None:
    # Every command module is imported unconditionally: a failing import (a typo, a missing
    # dependency) is an error here, never a command that silently goes missing.
    from costboard.cli import (
        check_command,
        gaps_command,
        ladder_command,
        migrate_command,
        plugin_commands,
        serve_command,
        users_command,
        vocabulary_command,
        warehouse_commands,
    )

    for module in (
        warehouse_commands,
        ladder_command,
        migrate_command,
        check_command,
        gaps_command,
        plugin_commands,
        vocabulary_command,
        serve_command,
        users_command,
    ):
        module.register(main)


_register()
