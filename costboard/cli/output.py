"""Printing frames: a rich table for people, CSV or JSON for programs."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
import polars as pl
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:.4e}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def echo_frame(frame: pl.DataFrame, fmt: str = "table", title: str | None = None) -> None:
    if fmt == "csv":
        nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct)]
        flat = frame.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join(";") for c in nested)
        click.echo(flat.write_csv(), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(frame.to_dicts(), default=_json_default, indent=1))
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for column in frame.columns:
            table.add_column(column, overflow="fold")
        for row in frame.iter_rows():
            table.add_row(*(_cell(v) for v in row))
        Console(file=sys.stdout, width=None if sys.stdout.isatty() else 200).print(table)
