"""Ingest: read and validate every file, then write them all as one snapshot.

Each file is read, recognised by an importer (warehouse/importers.py: costboard's own
layouts, market exports, Epoch AI's and FRED's files, and any plugin's) and mapped onto
costboard's tables, which are then validated. Validation happens before the write lock is
taken; nothing is written unless every file is clean. Rows an importer cannot use are
reported (``WriteResult.skipped``), never half-imported. The write merges each table's incoming rows by natural key (:func:`tables.merge`):
new keys are added, keys whose values differ replace their row (a claim's new version; the
old one stays readable in earlier snapshots), identical rows are skipped. When nothing
differs no snapshot is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from costboard.warehouse import (
    claim_refs,
    currency,
    readers,
    resolve,
    schema,
    tables,
    validate,
    validate_claims,
    writer,
)
from costboard.warehouse import importers as importers_module
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError, did_you_mean
from costboard.warehouse.importers import ImportedTable, Importer, ImportOptions
from costboard.warehouse.lake import LAKE
from costboard.warehouse.readers import RawTable
from costboard.warehouse.tables import CLAIMS, PRICES, SOURCES, SUBJECTS
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary
from costboard.warehouse.writer import TableChanges, WriteResult

Progress = Callable[[str], None]

#: Each file kind's validator (Yahoo and Stooq exports are mapped onto "prices" first). A
#: kind is named after the table it fills: claims, subjects and prices are those tables' labels.
VALIDATORS = {
    CLAIMS.label: validate_claims.claims,
    SUBJECTS.label: validate.subjects,
    PRICES.label: validate.prices,
}


@dataclass
class Batch:
    """Everything one ingest brings, validated and normalised, with where each row came from."""

    tables: list[RawTable] = field(default_factory=list)
    claims: list[pl.DataFrame] = field(default_factory=list)
    subjects: list[pl.DataFrame] = field(default_factory=list)
    prices: list[pl.DataFrame] = field(default_factory=list)
    #: Rows importers reported and skipped (not errors: the rest of the file is written).
    skipped: list[InputError] = field(default_factory=list)
    #: Table index -> (subject kind, qualifier kind) of tables whose ids resolve by name.
    resolution: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)

    def add(
        self, table: RawTable, kind: str, frame: pl.DataFrame, imported: ImportedTable | None = None
    ) -> None:
        located = frame.with_columns(
            pl.lit(len(self.tables), dtype=pl.Int32).alias("_table"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        )
        if imported is not None and imported.subject_kind is not None:
            self.resolution[len(self.tables)] = (imported.subject_kind, imported.qualifier_kind)
        self.tables.append(table)
        getattr(self, kind).append(located)

    def frame(self, kind: str) -> pl.DataFrame | None:
        frames = getattr(self, kind)
        return pl.concat(frames, how="vertical_relaxed") if frames else None

    def error(self, table_index: int, row: int, field_name: str, message: str) -> InputError:
        return self.tables[table_index].error(row, field_name, message)


def _importer(
    path: Path, table: RawTable, kind: str | None, importers: Sequence[Importer]
) -> Importer:
    if kind is None:
        return importers_module.detect(table, importers)
    by_name = {i.name: i for i in importers}
    if kind not in by_name:
        raise IngestError(
            [InputError(str(path), 1, 1, f"unknown kind '{kind}'" + did_you_mean(kind, by_name))]
        )
    return by_name[kind]


def _convert(
    importer: Importer, table: RawTable, options: ImportOptions
) -> tuple[list[ImportedTable], list[InputError]]:
    """The importer's tables; a plugin's failure is this file's error, with its name."""
    try:
        imported = importer.convert(table, options)
    except IngestError:
        raise
    except Exception as error:
        message = f"importer '{importer.name}' failed: {type(error).__name__}: {error}"
        raise IngestError([InputError(table.path, 1, 1, message)]) from error
    return imported.tables, imported.skipped


def read_files(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    ticker: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    importers: Sequence[Importer] | None = None,
    vocabulary: Vocabulary = BUILT_IN,
) -> Batch:
    """Read, map and validate every file; raise one IngestError listing every file's errors.

    ``importers`` are the formats to recognise (default: costboard's built-ins; the CLI
    passes the plugin manager's, built-ins first); ``kind`` forces one by name.
    """
    today = today or dt.date.today()
    importers = importers_module.built_in_importers() if importers is None else importers
    options = ImportOptions(ticker=ticker)
    batch = Batch()
    errors: list[InputError] = []
    omitted = 0
    for path in paths:
        if progress:
            progress(f"reading {path}")
        try:
            # readers.read names a missing file, a directory, a FIFO or a device as such.
            table, _ = readers.read(path)
            importer = _importer(path, table, kind, importers)
            if progress:
                progress(f"validating {path} ({table.frame.height:,} rows)")
            outputs, skipped = _convert(importer, table, options)
            file_errors: list[InputError] = []
            for output in outputs:
                try:
                    if output.kind not in VALIDATORS:
                        message = f"importer '{importer.name}' made a table of unknown kind '{output.kind}'"
                        raise IngestError([InputError(table.path, 1, 1, message)])
                    validated = VALIDATORS[output.kind](
                        output.table, today=today, vocabulary=vocabulary
                    )
                    batch.add(output.table, output.kind, validated, output)
                except IngestError as error:
                    file_errors.extend(error.errors)
                    omitted += error.omitted
            if file_errors:
                raise IngestError(file_errors)
            batch.skipped.extend(skipped)
        except IngestError as error:
            errors.extend(error.errors)
            omitted += error.omitted
    errors.extend(_cross_file_duplicates(batch))
    if errors or omitted:
        raise IngestError(errors, omitted=omitted)
    return batch


def _cross_file_duplicates(batch: Batch) -> list[InputError]:
    errors = []
    for table in (CLAIMS, SUBJECTS, PRICES):
        kind, key = table.label, list(table.key)
        frame = batch.frame(kind)
        if frame is None or len(getattr(batch, kind)) < 2:
            continue
        values = [c for c in frame.columns if c not in ("_table", "_row", "document_title")]
        distinct = frame.unique(subset=values, keep="first", maintain_order=True)
        clash = distinct.filter(pl.col("_table").n_unique().over(key) > 1)
        first = clash.group_by(key, maintain_order=True).agg(
            pl.col("_table", "_row").first().name.prefix("first")
        )
        later = clash.join(first, on=key).filter(pl.col("_table") != pl.col("first_table"))
        for row in later.head(MAX_ERRORS_PER_FILE).iter_rows(named=True):
            other = batch.tables[row["first_table"]]
            names = ", ".join(f"{k}={row[k]}" for k in key)
            errors.append(
                batch.error(
                    row["_table"],
                    row["_row"],
                    key[0],
                    f"conflicting duplicate: {names} also in {other.path}:{other.line(row['first_row'])} with other values",
                )
            )
    return errors


def _sources(batch: Batch) -> pl.DataFrame | None:
    parts = []
    claims = batch.frame("claims")
    if claims is not None:
        parts.append(claims.select("source_url", pl.col("document_title").alias("source_title")))
    prices = batch.frame("prices")
    if prices is not None:
        parts.append(
            prices.select("source_url", pl.lit(None, dtype=pl.String).alias("source_title"))
        )
    if not parts:
        return None
    return (
        pl.concat(parts)
        .filter(pl.col("source_url").is_not_null())
        .group_by("source_url", maintain_order=True)
        .agg(pl.col("source_title").drop_nulls().first())
    )


def _subject_reference_errors(
    connection: duckdb.DuckDBPyConnection, batch: Batch
) -> list[InputError]:
    known = {
        row[0] for row in connection.execute(f"SELECT subject FROM {LAKE}.subjects").fetchall()
    }
    incoming = batch.frame("subjects")
    if incoming is not None:
        known |= set(incoming["subject"].to_list())
    errors = []
    claims = batch.frame("claims")
    if claims is not None:
        unknown = claims.filter(~pl.col("subject").is_in(list(known))).head(MAX_ERRORS_PER_FILE)
        for row in unknown.iter_rows(named=True):
            errors.append(
                batch.error(
                    row["_table"],
                    row["_row"],
                    "subject",
                    f"unknown subject '{row['subject']}': define it in a subjects file in this ingest or an earlier one"
                    + did_you_mean(row["subject"], known),
                )
            )
    for column, what in (("members", "member"), ("related", "related subject")):
        if incoming is None:
            break
        named = incoming.select("_table", "_row", column).explode(column).drop_nulls(column)
        for row in (
            named.filter(~pl.col(column).is_in(list(known)))
            .head(MAX_ERRORS_PER_FILE)
            .iter_rows(named=True)
        ):
            errors.append(
                batch.error(
                    row["_table"],
                    row["_row"],
                    column,
                    f"unknown {what} '{row[column]}'" + did_you_mean(row[column], known),
                )
            )
    return errors


def write_batch(
    connection: duckdb.DuckDBPyConnection, batch: Batch, progress: Progress | None = None
) -> dict[str, TableChanges]:
    """The body of an ingest's transaction."""
    # A warehouse made by an older costboard gains the columns, views and macros added since
    # (ingesting the price index into one should make the constant-dollar macros usable).
    schema.upgrade(connection)
    resolve.apply(connection, batch)
    currency.apply(connection, batch)
    errors = _subject_reference_errors(connection, batch) + claim_refs.errors(connection, batch)
    if errors:
        raise IngestError(errors)
    changes: dict[str, TableChanges] = {}
    subjects = batch.frame(SUBJECTS.label)
    if subjects is not None:
        changes[SUBJECTS.label] = tables.merge(connection, SUBJECTS, subjects)
    sources = _sources(batch)
    if sources is not None:
        # A price file names no title: an existing title is never blanked by one.
        titled = sources.filter(pl.col("source_title").is_not_null())
        untitled = sources.filter(pl.col("source_title").is_null())
        changes[SOURCES.label] = tables.merge(connection, SOURCES, titled)
        extra = tables.merge(connection, SOURCES, untitled, compared=())
        changes[SOURCES.label].added += extra.added
    for table in (CLAIMS, PRICES):
        frame = batch.frame(table.label)
        if frame is not None:
            if progress:
                progress(f"writing {frame.height:,} {table.label}")
            changes[table.label] = tables.merge(connection, table, frame)
    return changes


def ingest(
    config: WarehouseConfig,
    paths: Sequence[Path],
    *,
    message: str,
    author: str | None = None,
    kind: str | None = None,
    ticker: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
    vocabulary: Vocabulary = BUILT_IN,
    importers: Sequence[Importer] | None = None,
) -> WriteResult:
    """Validate ``paths`` and write them as one snapshot (or, with ``dry_run``, only count).

    ``importers``: see :func:`read_files`. The result's ``skipped`` lists the rows the
    importers reported and left out.
    """
    batch = read_files(
        paths,
        kind=kind,
        ticker=ticker,
        today=today,
        progress=progress,
        vocabulary=vocabulary,
        importers=importers,
    )
    result = writer.write(
        config,
        lambda connection: write_batch(connection, batch, progress),
        message=message,
        author=author,
        dry_run=dry_run,
    )
    result.skipped = sorted(batch.skipped)
    return result
