"""The table registry (warehouse/tables.py) and its one merge.

Every table fact (stored columns, natural key, compared columns) is read from the registry,
and the registry reads its columns from the DDL: these tests hold the SQL, the registry and
its readers (diff, the views, ingest, the estimate store) to one another.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from costboard.warehouse import estimates, history, ingest, lake, schema, tables, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.tables import TABLES, Table
from costboard.warehouse.writer import TableChanges

pytestmark = pytest.mark.catalogs


@pytest.fixture
def lake_connection(config: WarehouseConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    with lake.connect(config) as connection:
        # The registry types TIMESTAMPTZ as UTC; DuckDB uses the session's time zone.
        connection.execute("SET TimeZone = 'UTC'")
        yield connection


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_registry_columns_and_types_are_what_the_ddl_creates_in_the_lake(
    table: Table, lake_connection: duckdb.DuckDBPyConnection
) -> None:
    created = lake_connection.execute(f"SELECT * FROM {table.name} LIMIT 0").pl().schema
    assert table.columns == tuple(created.names())
    assert table.dtypes() == dict(created)


def test_every_table_the_ddl_creates_is_registered_once() -> None:
    created = [
        match
        for _, sql in schema.ddl_statements()
        for match in re.findall(r"CREATE\s+TABLE\s+(\w+)", sql, re.I)
    ]
    assert sorted(t.name for t in TABLES) == sorted(created)
    assert len({t.label for t in TABLES}) == len(TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_each_ddl_comment_names_the_registered_natural_key(table: Table) -> None:
    """SQL readers see the key in the DDL's comment; it must be the one merge and diff use."""
    sql = (tables.sql_folder() / table.ddl_file).read_text(encoding="utf-8")
    comments = " ".join(line.lstrip("- ") for line in sql.splitlines() if line.startswith("--"))
    named = re.search(r"Natural key: \(?([\w,\s]+?)\)?\.", comments)
    assert named, f"{table.ddl_file} names no natural key"
    assert tuple(k.strip() for k in named.group(1).split(",")) == table.key


def test_diff_compares_every_table_by_its_registered_key_and_compared_columns() -> None:
    by_label = {t.label: t for t in TABLES}
    for label, diffed in history.DIFF_TABLES.items():
        table = by_label[label]
        assert (diffed.stored, diffed.key, diffed.columns) == (
            table.name,
            table.key,
            table.compared,
        )


@pytest.mark.parametrize(
    ("view", "table", "extra"),
    [("claims", tables.CLAIMS, {"source_title"}), ("prices", tables.PRICES, set())],
)
def test_views_show_every_stored_column(
    view: str, table: Table, extra: set[str], lake_connection: duckdb.DuckDBPyConnection
) -> None:
    shown = lake_connection.execute(f"SELECT * FROM {view} LIMIT 0").pl().columns
    assert set(shown) == set(table.columns) | extra


def merge_sources(
    config: WarehouseConfig, rows: dict[str, str | None], **options: object
) -> TableChanges:
    frame = pl.DataFrame(
        {"source_url": list(rows), "source_title": list(rows.values())},
        schema={"source_url": pl.String, "source_title": pl.String},
    )
    result = writer.write(
        config,
        lambda connection: {"sources": tables.merge(connection, tables.SOURCES, frame, **options)},  # type: ignore[arg-type]
        message="sources",
    )
    return result.changes["sources"]


def stored_sources(config: WarehouseConfig) -> list[tuple[str, str | None]]:
    with lake.connect(config) as connection:
        return connection.execute("SELECT * FROM sources ORDER BY ALL").fetchall()


def test_merge_adds_new_keys_replaces_changed_rows_and_skips_identical_ones(
    config: WarehouseConfig,
) -> None:
    first = {"https://a.org": "A", "https://b.org": None}
    assert merge_sources(config, first) == TableChanges(added=2)
    assert merge_sources(config, first) == TableChanges()
    second = {"https://a.org": "A", "https://b.org": "B", "https://c.org": "C"}
    assert merge_sources(config, second) == TableChanges(added=1, changed=1)
    assert stored_sources(config) == list(second.items())


def test_merge_with_no_compared_columns_only_adds_new_keys(config: WarehouseConfig) -> None:
    merge_sources(config, {"https://a.org": "A"})
    changes = merge_sources(config, {"https://a.org": None, "https://b.org": None}, compared=())
    assert changes == TableChanges(added=1)
    assert stored_sources(config) == [("https://a.org", "A"), ("https://b.org", None)]


def test_ingest_and_the_estimate_store_write_through_the_one_merge(
    config: WarehouseConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged: list[str] = []
    real_merge = tables.merge

    def spy(connection: duckdb.DuckDBPyConnection, table: Table, *args, **kwargs) -> TableChanges:  # type: ignore[no-untyped-def]
        merged.append(table.name)
        return real_merge(connection, table, *args, **kwargs)

    monkeypatch.setattr(tables, "merge", spy)
    files = {
        "subjects.csv": "subject,kind\nm,model\nNVDA,ticker\n",
        "claims.csv": "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "m,training_cost,final_run,5,usd_million,someone,2025-01-10,https://a.org/1\n",
        "prices.csv": "ticker,date,close\nNVDA,2025-01-10,140\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = ingest.ingest(
        config, [tmp_path / n for n in files], message="evidence", today=dt.date(2026, 1, 1)
    )
    assert result.snapshot_id is not None
    assert result.changes["claims"] == TableChanges(added=1)
    assert sorted(set(merged)) == ["claim_records", "price_records", "sources", "subjects"]

    merged.clear()
    estimate = pl.DataFrame(
        [
            {
                "estimator": "model_a",
                "estimator_version": "1",
                "params_hash": "p",
                "subject": "m",
                "as_of": dt.date(2025, 1, 10),
                "metric": "training_cost",
                "scope": "final_run",
                "value": 1.0,
                "low": 1.0,
                "high": 1.0,
                "unit": "usd",
                "inputs": ["c1"],
                "parameters": "{}",
                "note": None,
            }
        ],
        schema_overrides={"inputs": pl.List(pl.String), "note": pl.String},
    )
    stored = estimates.store(config, estimate, result.snapshot_id, message="estimates")
    assert stored.changes == {"estimate_records": TableChanges(added=1)}
    assert merged == ["estimate_records"]
