"""Subject resolution: a name an importer knows a subject by becomes the subject of that name.

Epoch AI's files name models and chips ("GPT-4", "NVIDIA H100 SXM5 80GB"); an importer
makes subject ids from those names (docs/epoch.md). When a subject of the same kind with
exactly that ``name`` already exists (in the warehouse, or in a file of the same ingest that
is not resolved itself), the importer's id is rewritten to it everywhere the ingest uses
it: the subjects it brings, its claims' subjects and qualifiers (a model's chip). The
existing subject keeps its curated id, name, notes and every field it has, and gains the
claims; a field it lacks (a release date, a developer) is filled from the importer's row, so a
seed subject without a publication date gets Epoch's (a new version of the subject row). A
resolved subject defined in the same ingest keeps its row as it is.

This needs the warehouse, so it runs in the ingest's transaction (ingest.write_batch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import polars as pl

from costboard.warehouse.lake import LAKE

if TYPE_CHECKING:
    from costboard.warehouse.ingest import Batch


def subject_id(name: pl.Expr) -> pl.Expr:
    """The id an importer makes from a subject's name: the name with each run of whitespace as
    '-' (case and all else kept). The one rule: the Epoch importers make their ids with it, and
    resolution matches names by it."""
    return name.str.strip_chars().str.replace_all(r"\s+", "-")


def targets(connection: duckdb.DuckDBPyConnection, batch: Batch) -> dict[str, dict[str, str]]:
    """Per kind: the id an importer would make from a name -> the existing subject's id."""
    stored = connection.execute(
        f"SELECT subject, kind, name FROM {LAKE}.subjects WHERE name IS NOT NULL"
    ).pl()
    parts = [stored]
    for frame in batch.subjects:
        index = int(frame["_table"][0]) if frame.height else -1
        if index not in batch.resolution:
            parts.append(frame.select("subject", "kind", "name").drop_nulls("name"))
    named = (
        pl.concat(parts, how="vertical_relaxed")
        .unique()
        .with_columns(subject_id(pl.col("name")).alias("_from"))
        # A name two subjects of one kind share is ambiguous: it resolves to neither.
        .filter(pl.col("subject").n_unique().over("kind", "_from") == 1)
        .filter(pl.col("subject") != pl.col("_from"))
    )
    mapping: dict[str, dict[str, str]] = {}
    for kind, source, target in named.select("kind", "_from", "subject").iter_rows():
        mapping.setdefault(kind, {})[source] = target
    return mapping


def apply(connection: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Rewrite the resolving tables of ``batch`` in place (see the module's docstring)."""
    if not batch.resolution:
        return
    mapping = targets(connection, batch)
    if not mapping:
        return
    for kind in ("subjects", "claims"):
        frames = getattr(batch, kind)
        for position, frame in enumerate(frames):
            if frame.is_empty():
                continue
            subject_kind, qualifier_kind = batch.resolution.get(
                int(frame["_table"][0]), (None, None)
            )
            if subject_kind is None:
                continue
            to_subject = mapping.get(subject_kind, {})
            if kind == "subjects":
                frames[position] = _fill_stored(connection, frame, to_subject)
                continue
            rewrites = [pl.col("subject").replace(to_subject)]
            if qualifier_kind is not None:
                rewrites.append(pl.col("qualifier").replace(mapping.get(qualifier_kind, {})))
            frames[position] = frame.with_columns(rewrites)


def _fill_stored(
    connection: duckdb.DuckDBPyConnection, frame: pl.DataFrame, to_subject: dict[str, str]
) -> pl.DataFrame:
    """``frame``'s own subjects, plus, for each that resolves to a stored subject, that
    subject's row with the fields it lacks taken from ``frame`` (or nothing, if it lacks none)."""
    resolving = pl.col("subject").is_in(list(to_subject))
    kept = frame.filter(~resolving)
    stored = connection.execute(
        f"SELECT * FROM {LAKE}.subjects WHERE list_contains(?::VARCHAR[], subject)",
        [list(set(to_subject.values()))],
    ).pl()
    if stored.is_empty():
        return kept
    incoming = frame.filter(resolving).with_columns(pl.col("subject").replace(to_subject))
    fields = [c for c in stored.columns if c != "subject" and c in incoming.columns]
    joined = incoming.join(stored, on="subject", how="inner", suffix="_stored")
    lacking = pl.any_horizontal(
        pl.col(f"{c}_stored").is_null() & pl.col(c).is_not_null() for c in fields
    )
    filled = joined.filter(lacking).select(
        *(
            pl.coalesce(f"{c}_stored", c).alias(c) if c in fields else pl.col(c)
            for c in frame.columns
        )
    )
    return pl.concat([kept, filled], how="vertical_relaxed")
