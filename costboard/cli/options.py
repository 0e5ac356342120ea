"""Options more than one command module takes: written once, so every command reads the same."""

from __future__ import annotations

import datetime as dt

import click

from costboard.cli.output import FORMATS
from costboard.warehouse import evidence_time


def _evidence_date(
    _context: click.Context, _param: click.Parameter, value: str | None
) -> dt.date | None:
    if value is None:
        return None
    try:
        return evidence_time.parse(value)
    except evidence_time.EvidenceDateError as error:
        raise click.BadParameter(str(error)) from None


#: Evidence time beside --as-of's knowledge time (design.md, "Two kinds of time").
evidence_until_option = click.option(
    "--evidence-until",
    "evidence_until",
    metavar="DATE",
    callback=_evidence_date,
    help="Only evidence made public on or before DATE (YYYY-MM-DD): claims stated and prices "
    "dated by then, and the estimates at evidence dates up to it. Combines with --as-of.",
)

#: Knowledge time: which snapshot a read-only command reads.
as_of_option = click.option(
    "--as-of",
    "as_of",
    help="Read the warehouse as it was at this REF (snapshot id, tag or timestamp): knowledge time.",
)

#: How a command that prints a table prints it.
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)
