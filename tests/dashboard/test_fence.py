"""The SQL fence: one SELECT or EXPLAIN, read-only, no files, a time limit and a row cap."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from costboard.dashboard import fence
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.browser.support import dashboard_home


@pytest.fixture(scope="session")
def warehouse(
    demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> WarehouseConfig:
    return WarehouseConfig.resolve(dashboard_home(demo_home_template, tmp_path_factory.mktemp("d")))


@pytest.fixture(scope="module")
def newest(warehouse: WarehouseConfig) -> int:
    with lake.connect(warehouse) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


def run(config: WarehouseConfig, sql: str, snapshot_id: int, **limits: object) -> fence.QueryResult:
    return fence.run(config, sql, snapshot_id, fence.Limits(**limits))  # type: ignore[arg-type]


def test_a_select_runs_pinned_to_the_snapshot(warehouse: WarehouseConfig, newest: int) -> None:
    now = run(warehouse, "SELECT count(*) AS n FROM claims", newest)
    early = run(warehouse, "SELECT count(*) AS n FROM claims", 10)
    assert now.columns == ["n"] and now.snapshot_id == newest and not now.truncated
    assert now.rows[0][0] > early.rows[0][0]
    assert now.to_json().keys() >= {"columns", "rows", "truncated", "elapsed_ms", "snapshot_id"}


def test_explain_and_time_travel_are_allowed(warehouse: WarehouseConfig, newest: int) -> None:
    assert run(warehouse, "EXPLAIN SELECT * FROM claims", newest).rows
    travelled = run(warehouse, "SELECT count(*) FROM claim_records AT (VERSION => 3)", newest)
    assert travelled.rows[0][0] < run(warehouse, "SELECT count(*) FROM claims", newest).rows[0][0]


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("DROP TABLE claim_records", "DROP"),
        ("ATTACH '/tmp/other.db' AS other", "ATTACH"),
        ("COPY claims TO '/tmp/claims.csv'", "COPY"),
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("SET enable_external_access = true", "SET"),
        ("PRAGMA enable_profiling", "PRAGMA"),
        ("CALL ducklake_snapshots('lake')", "CALL"),
        ("DETACH lake", "DETACH"),
        ("CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
        ("DELETE FROM claim_records", "DELETE"),
        ("SELECT 1; SELECT 2", "one statement at a time"),
        ("SELECT 1; DROP TABLE claim_records", "one statement at a time"),
        ("", "empty"),
    ],
)
def test_statements_other_than_one_select_are_refused(
    warehouse: WarehouseConfig, newest: int, sql: str, says: str
) -> None:
    with pytest.raises(fence.Refused, match=says) as refused:
        run(warehouse, sql, newest)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM ducklake_cleanup_old_files('lake', cleanup_all => true)",
        "SELECT * FROM lake.merge_adjacent_files()",
        "SELECT * FROM ducklake_expire_snapshots('lake', versions => [2])",
        "SELECT * FROM query('SELECT 1')",
        "EXPLAIN ANALYZE SELECT * FROM ducklake_delete_orphaned_files('lake')",
        "SELECT * FROM claims WHERE claim_id IN (SELECT * FROM query_table('claims'))",
    ],
)
def test_functions_that_write_or_hide_sql_are_refused(
    warehouse: WarehouseConfig, newest: int, sql: str
) -> None:
    # A SELECT may call DuckLake's maintenance functions; on a read-only attach
    # ducklake_cleanup_old_files still deletes files before it fails, so the fence refuses them.
    files_before = sorted(Path(warehouse.data_path).rglob("*"))
    with pytest.raises(fence.Refused, match="not allowed"):
        run(warehouse, sql, newest)
    assert sorted(Path(warehouse.data_path).rglob("*")) == files_before


READS_OUTSIDE = (
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    f"SELECT * FROM glob('{os.path.expanduser('~')}/*')",
)


@pytest.mark.parametrize("sql", READS_OUTSIDE)
def test_reading_a_file_outside_the_warehouse_is_refused_and_the_connection_cannot_either(
    warehouse: WarehouseConfig, newest: int, sql: str
) -> None:
    # The allow-list refuses file readers; the locked connection is a layer of its own.
    with pytest.raises(fence.Refused, match=r"\(\) is not allowed here"):
        run(warehouse, sql, newest)
    with (
        fence.fenced_connection(warehouse, newest, fence.Limits()) as connection,
        pytest.raises(Exception, match="disabled by configuration"),
    ):
        connection.execute(sql)


def test_the_configuration_is_locked(warehouse: WarehouseConfig, newest: int) -> None:
    with fence.fenced_connection(warehouse, newest, fence.Limits()) as connection:
        with pytest.raises(Exception, match="locked"):
            connection.execute("SET enable_external_access = true")
        with pytest.raises(Exception, match=r"read-only|read only"):
            connection.execute("DELETE FROM claim_records")


def test_a_long_query_is_interrupted_at_the_time_limit(
    warehouse: WarehouseConfig, newest: int
) -> None:
    with pytest.raises(fence.TimedOut, match=r"longer than 0.5 s"):
        run(warehouse, "SELECT count(*) FROM range(1000000000000)", newest, time_limit_seconds=0.5)


def test_the_row_cap_says_when_it_cut(warehouse: WarehouseConfig, newest: int) -> None:
    cut = run(warehouse, "SELECT * FROM range(250)", newest, row_cap=100)
    whole = run(warehouse, "SELECT * FROM range(100)", newest, row_cap=100)
    assert (len(cut.rows), cut.truncated) == (100, True)
    assert (len(whole.rows), whole.truncated) == (100, False)


def test_a_bad_query_fails_with_duckdbs_message(warehouse: WarehouseConfig, newest: int) -> None:
    with pytest.raises(fence.Failed, match="nope"):
        run(warehouse, "SELECT * FROM nope", newest)
    with pytest.raises(fence.Failed, match="syntax error"):
        run(warehouse, "SELECT 1 +", newest)


def test_values_come_back_as_json(warehouse: WarehouseConfig, newest: int) -> None:
    result = run(
        warehouse,
        "SELECT DATE '2025-01-27' AS d, 1.5::DECIMAL(4,2) AS m, [1, 2] AS l, "
        "'nan'::DOUBLE AS n, NULL AS z, {'a': 1} AS s",
        newest,
    )
    assert result.rows == [["2025-01-27", 1.5, [1, 2], "nan", None, {"a": 1}]]
