"""``costboard vocabulary``: the merged vocabulary (built-in plus every plugin's) as a table.

The README's metric table documents the built-in vocabulary; this command is the complete,
current list for an installation, vocabulary plugins included, so what it prints is always
what ingest accepts.
"""

from __future__ import annotations

import click
import polars as pl

from costboard.cli.options import format_option
from costboard.cli.output import echo_frame
from costboard.warehouse.vocabulary import Vocabulary

SCHEMA = {
    "what": pl.String,
    "name": pl.String,
    "base_unit": pl.String,
    "factor": pl.Float64,
    "is_cost": pl.Boolean,
    "description": pl.String,
}


def vocabulary_frame(vocabulary: Vocabulary) -> pl.DataFrame:
    """One row per metric, unit, scope and subject kind, in that order."""
    rows = [
        *(
            ("metric", m.name, m.base_unit, None, m.is_cost, m.description)
            for m in vocabulary.metrics
        ),
        *(("unit", u.name, u.base, float(u.factor), None, u.description) for u in vocabulary.units),
        *(("scope", name, None, None, None, text) for name, text in vocabulary.scopes.items()),
        *(("subject_kind", kind, None, None, None, None) for kind in vocabulary.subject_kinds),
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


@click.command(name="vocabulary")
@click.option(
    "--what",
    type=click.Choice(["metric", "unit", "scope", "subject_kind"]),
    help="Only this part of the vocabulary.",
)
@format_option
def vocabulary_command(what: str | None, fmt: str) -> None:
    """The metrics (with base units), units (with factors), scopes and subject kinds ingest
    accepts: the built-in vocabulary plus every vocabulary plugin's (see `costboard plugins`
    for a plugin whose contribution was refused)."""
    from costboard.plugins.manager import get_manager

    frame = vocabulary_frame(get_manager().vocabulary())
    if what:
        frame = frame.filter(pl.col("what") == what)
    echo_frame(frame, fmt, title="costboard vocabulary")


def register(main: click.Group) -> None:
    main.add_command(vocabulary_command)
