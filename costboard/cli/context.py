"""Shared helpers for command modules: the warehouse config and friendly errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from costboard.warehouse.config import WarehouseConfig

F = TypeVar("F", bound=Callable[..., Any])

pass_config = click.make_pass_decorator(WarehouseConfig)


def friendly_errors(function: F) -> F:
    """Turn costboard's expected errors into a message and exit status 1 (no traceback)."""
    from costboard.warehouse.errors import IngestError
    from costboard.warehouse.history import RefError
    from costboard.warehouse.lake import CatalogUnreachable, MigrationInProgress, WarehouseMissing
    from costboard.warehouse.schema import WarehouseExists
    from costboard.warehouse.writer import WriterBusy

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except IngestError as error:
            click.echo(error.render(), err=True)
            raise SystemExit(1) from None
        except (
            RefError,
            WarehouseMissing,
            CatalogUnreachable,
            MigrationInProgress,
            WarehouseExists,
            WriterBusy,
            ValueError,
        ) as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]
