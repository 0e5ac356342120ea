"""The table registry, and the one merge that writes rows into a table by natural key.

Each table costboard owns is one :class:`Table`: the DDL file in ``sql/`` that creates it,
its natural key, and which columns count as a change. The stored columns are read from that
DDL file, so the SQL is the only place they are written down and Python cannot drift from it.
Ingest, validation, diff and the estimate store all read their table facts from here.

DuckLake has no primary keys, so the natural keys live here, and :func:`merge` is how every
keyed write (ingest, the estimate store) compares incoming rows with stored ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

import duckdb
import polars as pl

from costboard.warehouse.lake import LAKE
from costboard.warehouse.writer import TableChanges

#: The polars type of each SQL type the DDL uses (the evidence frames plugins get are typed so).
POLARS_TYPES: Final[dict[str, pl.DataType]] = {
    "VARCHAR": pl.String(),
    "VARCHAR[]": pl.List(pl.String()),
    "DOUBLE": pl.Float64(),
    "BIGINT": pl.Int64(),
    "BOOLEAN": pl.Boolean(),
    "DATE": pl.Date(),
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
}


def sql_folder() -> Traversable:
    """The folder of DDL files (one per table or view, applied in file-name order)."""
    return resources.files("costboard.warehouse") / "sql"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    not_null: bool


def parse_create_table(sql: str) -> tuple[str, tuple[Column, ...]]:
    """The table name and columns, in order, of a DDL file's ``CREATE TABLE`` statement."""
    text = re.sub(r"--[^\n]*", "", sql)
    found = re.search(r"CREATE\s+TABLE\s+(\w+)\s*\((.*)\)\s*;?\s*$", text, re.S | re.I)
    if found is None:
        raise ValueError("no CREATE TABLE statement")
    columns = []
    # A comma inside parentheses (DECIMAL(18, 2)) does not end a column.
    for item in re.split(r",(?![^()]*\))", found.group(2)):
        name, sql_type, *rest = item.split()
        columns.append(Column(name, sql_type.upper(), "NOT NULL" in " ".join(rest).upper()))
    return found.group(1), tuple(columns)


@dataclass(frozen=True)
class Table:
    """One stored table: ``sql/NN_<name>.sql`` creates it; rows are told apart by ``key``.

    ``label`` is what diffs, ingest files and snapshot change counts call it (default: the
    name). ``not_compared`` are columns whose difference is not a change of the row.
    """

    name: str
    key: tuple[str, ...]
    label: str = ""
    not_compared: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @cached_property
    def ddl_file(self) -> str:
        """The name of the file in ``sql/`` that creates this table."""
        found = [f.name for f in sql_folder().iterdir() if f.name.endswith(f"_{self.name}.sql")]
        if len(found) != 1:
            raise LookupError(f"expected one sql/NN_{self.name}.sql, found {found}")
        return found[0]

    @cached_property
    def ddl_columns(self) -> tuple[Column, ...]:
        """The columns as the DDL file declares them, checked against this table's facts."""
        created, columns = parse_create_table(
            (sql_folder() / self.ddl_file).read_text(encoding="utf-8")
        )
        if created != self.name:
            raise ValueError(f"{self.ddl_file} creates {created}, not {self.name}")
        names = {c.name for c in columns}
        unknown = [c for c in (*self.key, *self.not_compared) if c not in names]
        if unknown:
            raise ValueError(f"{self.name} has no column(s) {', '.join(unknown)}")
        return columns

    @property
    def columns(self) -> tuple[str, ...]:
        """The stored columns, in table order."""
        return tuple(c.name for c in self.ddl_columns)

    @property
    def compared(self) -> tuple[str, ...]:
        """The columns whose difference makes a stored row "changed" (merge and diff)."""
        return tuple(c for c in self.columns if c not in self.key and c not in self.not_compared)

    def dtypes(self, names: Sequence[str] | None = None) -> dict[str, pl.DataType]:
        """The polars type of ``names`` (default: every column), in the order given."""
        types = {c.name: POLARS_TYPES[c.sql_type] for c in self.ddl_columns}
        unknown = [n for n in names or () if n not in types]
        if unknown:
            raise KeyError(f"{self.name} has no column(s) {', '.join(unknown)}")
        return {n: types[n] for n in (names if names is not None else types)}


SUBJECTS: Final = Table("subjects", key=("subject",))
SOURCES: Final = Table("sources", key=("source_url",))
CLAIMS: Final = Table("claim_records", key=("claim_id",), label="claims")
PRICES: Final = Table("price_records", key=("ticker", "date"), label="prices")
# created_at is when a tag was (re)pointed, not what it says: moving a tag changes it anyway.
TAGS: Final = Table("tags", key=("tag",), not_compared=("created_at",))
# input_snapshot_id first: an estimate is keyed to the evidence it was computed from.
ESTIMATES: Final = Table(
    "estimate_records",
    key=(
        "input_snapshot_id",
        "estimator",
        "estimator_version",
        "params_hash",
        "subject",
        "as_of",
        "metric",
        "scope",
    ),
)
#: Every table costboard owns, in the order their DDL files create them.
TABLES: Final = (SUBJECTS, SOURCES, CLAIMS, PRICES, TAGS, ESTIMATES)


def matching(left: str, right: str, columns: Sequence[str]) -> str:
    """SQL that is true where ``left`` and ``right`` agree on every one of ``columns``."""
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in columns)


def merge(
    connection: duckdb.DuckDBPyConnection,
    table: Table,
    incoming: pl.DataFrame,
    *,
    compared: Sequence[str] | None = None,
) -> TableChanges:
    """Write ``incoming`` into ``table`` by natural key; returns the rows added and changed.

    A new key is added; a stored row whose compared columns differ is replaced (deleted and
    inserted: the old version stays readable in earlier snapshots, and diff shows the pair as
    one change); an identical row is skipped, so writing the same rows again changes nothing.
    ``compared`` narrows what counts as a change (default ``table.compared``; ``()`` only
    adds new keys and never replaces a stored row).
    """
    key = table.key
    compared = table.compared if compared is None else tuple(compared)
    stored = f"{LAKE}.{table.name}"
    columns = ", ".join(table.columns)
    differs = " OR ".join(f"i.{c} IS DISTINCT FROM t.{c}" for c in compared) or "false"
    connection.register("_incoming", incoming.select(table.columns).to_arrow())
    try:
        # Key columns are NOT NULL, so a missing stored row is a NULL key[0] after the join.
        connection.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _plan AS
            SELECT i.*, t.{key[0]} IS NULL AS _is_new
            FROM _incoming AS i LEFT JOIN {stored} AS t ON {matching("i", "t", key)}
            WHERE t.{key[0]} IS NULL OR ({differs})
            """
        )
        added, changed = connection.execute(
            "SELECT count(*) FILTER (WHERE _is_new), count(*) FILTER (WHERE NOT _is_new) FROM _plan"
        ).fetchone()  # type: ignore[misc]
        if changed:
            connection.execute(
                f"DELETE FROM {stored} USING _plan AS p "
                f"WHERE NOT p._is_new AND {matching(stored, 'p', key)}"
            )
        if added or changed:
            connection.execute(f"INSERT INTO {stored} ({columns}) SELECT {columns} FROM _plan")
        connection.execute("DROP TABLE _plan")
    finally:
        connection.unregister("_incoming")
    return TableChanges(added=int(added), changed=int(changed))
