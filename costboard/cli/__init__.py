"""The ``costboard`` command line.

One click group; each area registers its commands from its own module (warehouse commands
in ``warehouse_commands``, estimator commands in ``plugin_commands``, the server in
``serve_command``). Every command takes the warehouse from ``--home`` / ``COSTBOARD_HOME``.
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
@click.version_option(package_name="costboard")
@click.pass_context
def main(context: click.Context, home: str | None) -> None:
    """costboard: claims about what AI models cost, checked against independent cost models."""
    from costboard.warehouse.config import WarehouseConfig

    context.obj = WarehouseConfig.resolve(home)


def _register() -> None:
    from costboard.cli import warehouse_commands

    warehouse_commands.register(main)
    try:
        from costboard.cli import plugin_commands
    except ImportError:  # the estimator commands arrive with the plugin layer
        return
    plugin_commands.register(main)
    try:
        from costboard.cli import serve_command
    except ImportError:
        return
    serve_command.register(main)


_register()
