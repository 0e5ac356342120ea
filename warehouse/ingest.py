"""Ingest: read and validate every file, then write them all as one snapshot.

Validation happens before the write lock is taken; nothing is written unless every file is
clean. The write merges each table's incoming rows by natural key (:func:`tables.merge`):
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

from costboard.warehouse import formats, readers, tables, validate, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import MAX_ERRORS_PER_FILE, IngestError, InputError, did_you_mean
from costboard.warehouse.lake import LAKE
from costboard.warehouse.readers import RawTable
from costboard.warehouse.tables import CLAIMS, PRICES, SOURCES, SUBJECTS
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary
from costboard.warehouse.writer import TableChanges, WriteResult

Progress = Callable[[str], None]

#: Each file kind's validator (Yahoo and Stooq exports are mapped onto "prices" first). A
#: kind is named after the table it fills: claims, subjects and prices are those tables' labels.
VALIDATORS = {
    CLAIMS.label: validate.claims,
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

    def add(self, table: RawTable, kind: str, frame: pl.DataFrame) -> None:
        located = frame.with_columns(
            pl.lit(len(self.tables), dtype=pl.Int32).alias("_table"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        )
        self.tables.append(table)
        getattr(self, kind).append(located)

    def frame(self, kind: str) -> pl.DataFrame | None:
        frames = getattr(self, kind)
        return pl.concat(frames, how="vertical_relaxed") if frames else None

    def error(self, table_index: int, row: int, field_name: str, message: str) -> InputError:
        return self.tables[table_index].error(row, field_name, message)


def read_files(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    ticker: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    vocabulary: Vocabulary = BUILT_IN,
) -> Batch:
    """Read and validate every file; raise one IngestError listing every file's errors.

    ``vocabulary``: the metrics, units, scopes and subject kinds claims and subjects may use
    (the CLI passes the plugin manager's merged vocabulary).
    """
    today = today or dt.date.today()
    batch = Batch()
    errors: list[InputError] = []
    omitted = 0
    for path in paths:
        if progress:
            progress(f"reading {path}")
        try:
            if not path.is_file():
                raise IngestError([InputError(str(path), 1, 1, "no such file")])
            table, _ = readers.read(path)
            file_kind = kind or formats.detect(table)
            if file_kind in ("yahoo", "stooq"):
                table = formats.to_price_layout(table, file_kind, ticker)
                file_kind = "prices"
            elif file_kind == "prices" and ticker and "ticker" not in table.header:
                table.frame = table.frame.with_columns(pl.lit(ticker).alias("ticker"))
                table.header = [*table.header, "ticker"]
            if progress:
                progress(f"validating {path} ({table.frame.height:,} rows)")
            if file_kind not in VALIDATORS:
                raise IngestError(
                    [
                        InputError(
                            str(path),
                            1,
                            1,
                            f"unknown kind '{file_kind}'" + did_you_mean(file_kind, formats.KINDS),
                        )
                    ]
                )
            batch.add(
                table, file_kind, VALIDATORS[file_kind](table, today=today, vocabulary=vocabulary)
            )
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
        values = [c for c in frame.columns if c not in ("_table", "_row", "source_title")]
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
        parts.append(claims.select("source_url", "source_title"))
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
    if incoming is not None:
        members = (
            incoming.select("_table", "_row", "members").explode("members").drop_nulls("members")
        )
        for row in (
            members.filter(~pl.col("members").is_in(list(known)))
            .head(MAX_ERRORS_PER_FILE)
            .iter_rows(named=True)
        ):
            errors.append(
                batch.error(
                    row["_table"],
                    row["_row"],
                    "members",
                    f"unknown member '{row['members']}'" + did_you_mean(row["members"], known),
                )
            )
    return errors


def write_batch(
    connection: duckdb.DuckDBPyConnection, batch: Batch, progress: Progress | None = None
) -> dict[str, TableChanges]:
    """The body of an ingest's transaction."""
    errors = _subject_reference_errors(connection, batch)
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
) -> WriteResult:
    """Validate ``paths`` and write them as one snapshot (or, with ``dry_run``, only count)."""
    batch = read_files(
        paths, kind=kind, ticker=ticker, today=today, progress=progress, vocabulary=vocabulary
    )
    return writer.write(
        config,
        lambda connection: write_batch(connection, batch, progress),
        message=message,
        author=author,
        dry_run=dry_run,
    )
