"""Printing frames: a rich table for people, CSV or JSON for programs."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys

import click
import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from costboard.warehouse import odd_values
from costboard.warehouse.numbers import number_expr

FORMATS = ("table", "csv", "json")

#: Terminal escape sequences (CSI, OSC, and two-character ESC forms), then any control or
#: format character left (tab and newline are kept: rich lays them out).
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROLS = re.compile(
    r"[^\S\t\n]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def safe_text(text: str) -> str:
    """``text`` as a terminal may show it: no escape sequences, no control or invisible
    characters, and rich's markup (``[bold]``) escaped so data is printed, not obeyed."""
    return escape(
        _CONTROLS.sub(lambda m: " " if m.group().isspace() else "", _ESCAPES.sub("", text))
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return safe_text(", ".join(str(v) for v in value))
    return safe_text(str(value))


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _csv_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A nested column as one CSV cell: a list of plain values ``;``-joined, as claims files
    write ``cites``; anything deeper (a struct, a map, a list of them) as its JSON."""
    if isinstance(dtype, pl.List | pl.Array) and not dtype.inner.is_nested():
        return pl.col(name).cast(pl.List(pl.String)).list.join(";")
    return pl.col(name).map_elements(
        lambda value: json.dumps(value, default=_json_default), return_dtype=pl.String
    )


def echo_frame(frame: pl.DataFrame, fmt: str = "table", title: str | None = None) -> None:
    frame = odd_values.pythonable(frame)  # a year-0 date prints as its text
    if fmt == "csv":
        nested = [(c, t) for c, t in frame.schema.items() if t.is_nested()]
        click.echo(frame.with_columns(_csv_text(c, t) for c, t in nested).write_csv(), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(frame.to_dicts(), default=_json_default, indent=1))
    else:
        # Floats as warehouse/numbers.py writes a stated figure (no unit known here: a
        # command that knows its columns' units writes them first, as --explain does).
        floats = [c for c, t in frame.schema.items() if t.is_float()]
        frame = frame.with_columns(number_expr(pl.col(c), stated=True) for c in floats)
        table = Table(title=title, show_lines=False, header_style="bold")
        for column in frame.columns:
            table.add_column(safe_text(column), overflow="fold")
        for row in frame.iter_rows():
            table.add_row(*(_cell(v) for v in row))
        Console(file=sys.stdout, width=None if sys.stdout.isatty() else 200).print(table)
