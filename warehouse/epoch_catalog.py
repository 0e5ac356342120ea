"""The row-to-claims routine Epoch AI's two catalogs share: models and chips.

Both databases are catalogs of named things (a model, a chip): one row per name and edit,
the newest edit kept, the name's subject id, a link that is the claims' source (else Epoch's
page for the database), ``Last modified`` as the claims' date, and one claim per figure
column. :func:`read_rows` takes a parsed frame to those rows (refusing a nameless row,
skipping an undated one that has figures); :func:`imported` makes the subjects and claims.
Each importer keeps what is its own: its columns, its numbers' parsing and any row check
between the two (the models' compute bounds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from costboard.warehouse import epoch_common as ec
from costboard.warehouse.importers import Imported, ImportedTable
from costboard.warehouse.readers import RawTable


@dataclass(frozen=True)
class Catalog:
    """How one Epoch catalog names its columns and reads as subjects and claims."""

    #: The subject kind of its rows (``model``, ``chip``), also the word in its messages.
    kind: str
    #: The importer's name: the claim ids are made from it, the row's name and the figure.
    importer: str
    name: str
    modified: str
    modified_formats: tuple[str, ...]
    released: str
    developer: str
    link: str
    #: Where a row without a link is sourced: Epoch's page for the database, and its title.
    page: str
    page_title: str
    #: The source title of a row with a link.
    linked_title: pl.Expr
    note: pl.Expr
    #: The parsed (``__n_``) columns whose value makes a row a row with figures.
    figures: tuple[str, ...]
    specs: Sequence[ec.ClaimColumn]
    #: Claim fields located at a column of the catalog's own, for error positions.
    located: dict[str, str] = field(default_factory=dict)
    qualifier_kind: str | None = None


def read_rows(
    table: RawTable, catalog: Catalog, frame: pl.DataFrame, problems: ec.Problems
) -> pl.DataFrame:
    """``frame`` (numbers parsed, ``_row`` kept) as one row per name with its subject and
    source columns; refuses the file (with every error) when a row has no name."""
    frame = ec.parse_date(frame, catalog.modified, catalog.modified_formats, problems)
    frame = ec.parse_date(frame, catalog.released, ("%Y-%m-%d",), problems)
    problems.add(
        frame.filter(pl.col(catalog.name).is_null()),
        catalog.name,
        pl.lit(f"a {catalog.kind} needs a name"),
        skip=False,
    )
    problems.raise_errors()

    frame = ec.keep_latest(frame, catalog.name, catalog.modified, problems, catalog.kind)
    url = ec.first_url(pl.col(catalog.link))
    rows = frame.with_columns(
        ec.subject_id(pl.col(catalog.name)).alias("subject"),
        pl.col(f"__d_{catalog.modified}").alias("stated_on"),
        pl.coalesce(url, pl.lit(catalog.page)).alias("source_url"),
        pl.when(url.is_not_null())
        .then(catalog.linked_title)
        .otherwise(pl.lit(catalog.page_title))
        .alias("source_title"),
        catalog.note.alias("note"),
    )
    # Without Epoch's date a figure has no evidence time: the row is reported, not guessed.
    has_figures = pl.any_horizontal(pl.col(f"__n_{c}").is_not_null() for c in catalog.figures)
    problems.add(
        rows.filter(pl.col("stated_on").is_null() & has_figures),
        catalog.modified,
        pl.lit("no Last modified date: the row's figures have no evidence time; row skipped"),
        skip=True,
    )
    return rows.filter(pl.col("stated_on").is_not_null() | ~has_figures)


def imported(
    table: RawTable, catalog: Catalog, rows: pl.DataFrame, problems: ec.Problems
) -> Imported:
    """The subjects and claims of ``rows`` (from :func:`read_rows`), with the skipped rows."""
    subjects = rows.select(
        "_row",
        "subject",
        pl.col(catalog.name).alias("name"),
        pl.lit(catalog.kind).alias("kind"),
        pl.col(catalog.developer).alias("developer"),
        pl.col(f"__d_{catalog.released}").alias("released_on"),
    )
    claims = ec.claims_table(
        table,
        rows.filter(pl.col("stated_on").is_not_null()),
        catalog.specs,
        key=pl.concat_str(pl.lit(catalog.importer), pl.col(catalog.name), separator="\x1f"),
        prefix="epoch",
        located={
            "subject": catalog.name,
            "stated_on": catalog.modified,
            "source_url": catalog.link,
            **catalog.located,
        },
    )
    located = {
        "subject": catalog.name,
        "name": catalog.name,
        "developer": catalog.developer,
        "released_on": catalog.released,
    }
    return Imported(
        [
            ImportedTable(
                "subjects",
                ec.subjects_table(table, subjects, located),
                subject_kind=catalog.kind,
            ),
            ImportedTable(
                "claims", claims, subject_kind=catalog.kind, qualifier_kind=catalog.qualifier_kind
            ),
        ],
        skipped=problems.skipped,
    )
