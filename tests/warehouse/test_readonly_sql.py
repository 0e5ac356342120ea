"""The one read-only SQL check: the warehouse owns it (warehouse/readonly_sql.py), and
``costboard sql`` and the dashboard's SQL fence both go through it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import costboard
from costboard.dashboard import fence
from costboard.warehouse import extensions, readonly_sql
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall

CLEANUP = "ducklake_cleanup_old_files('lake', cleanup_all => true)"
CLI_REFUSAL = "refused, costboard sql is read-only: "

#: One statement each that is not a read, or a read that runs a function that writes.
REFUSED = [
    "DROP TABLE claim_records",
    "DELETE FROM claim_records",
    "CREATE TEMP TABLE t AS SELECT 1 AS x",
    "SET enable_external_access = true",
    "ATTACH ':memory:' AS other",
    f"CALL {CLEANUP}",
    f"SELECT * FROM {CLEANUP}",
    f"EXPLAIN ANALYZE SELECT * FROM {CLEANUP}",
    f"SUMMARIZE SELECT * FROM {CLEANUP}",
    "SELECT * FROM lake.merge_adjacent_files()",
    "SELECT * FROM query('SELECT 1')",
    # The catalog's own database, beneath the lake and under no snapshot: a team's PostgreSQL
    # server (pg_stat_activity, other databases, pg_sleep past the time limit) or a SQLite file.
    "SELECT * FROM postgres_query('__ducklake_metadata_lake', 'SELECT pg_sleep(15)')",
    "SELECT * FROM postgres_scan('dbname=postgres', 'pg_catalog', 'pg_authid')",
    "SELECT * FROM sqlite_scan('/etc/other.sqlite', 'secrets')",
    "SELECT * FROM __ducklake_metadata_lake.ducklake_snapshot",
    'SELECT count(*) FROM "__DuckLake_Metadata_lake".main.ducklake_data_file',
]
ALLOWED = [
    "SELECT count(*) AS n FROM snapshots",
    "EXPLAIN SELECT * FROM claims",
    "SELECT count(*) AS n FROM ducklake_snapshots('lake')",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_the_cli_and_the_dashboard_refuse_the_same_statements_for_the_same_reason(
    sql: str, config: WarehouseConfig, cli: CliCall
) -> None:
    with pytest.raises(fence.Refused) as refused:
        fence.check(sql)
    result = cli("sql", sql)
    assert result.exit_code == 1
    assert f"{CLI_REFUSAL}{refused.value}" in result.output


@pytest.mark.parametrize("sql", ALLOWED)
def test_the_cli_and_the_dashboard_let_the_same_reads_through(
    sql: str, config: WarehouseConfig, cli: CliCall
) -> None:
    assert fence.check(sql) == sql.split()[0]
    result = cli("sql", sql, "--format", "csv")
    assert result.exit_code == 0, result.output


def test_a_rule_added_to_the_warehouse_check_binds_the_cli_and_the_dashboard_alike(
    monkeypatch: pytest.MonkeyPatch, config: WarehouseConfig, cli: CliCall
) -> None:
    """Neither door keeps a copy of the rules: change the warehouse's and both follow."""
    planted = "upper is planted as a writer"
    real = readonly_sql.refused_function
    monkeypatch.setattr(
        readonly_sql,
        "refused_function",
        lambda sql: planted if "upper" in readonly_sql.function_names(sql) else real(sql),
    )
    sql = "SELECT upper('x') AS shout"
    with pytest.raises(fence.Refused, match=planted):
        fence.check(sql)
    result = cli("sql", sql)
    assert result.exit_code == 1 and f"{CLI_REFUSAL}{planted}" in result.output
    assert cli("sql", "SELECT lower('X') AS quiet").exit_code == 0


def test_a_statement_duckdb_rewrote_into_no_text_is_refused_not_waved_through() -> None:
    # DuckDB splits some statements (a PIVOT without IN) into parts whose text is empty; an
    # empty text has no function to find, so it must not count as checked.
    rewritten = SimpleNamespace(type=SimpleNamespace(name="SELECT"), query="")
    with pytest.raises(readonly_sql.NotReadOnly, match="DuckDB rewrote it"):
        readonly_sql.check_statement(rewritten)  # type: ignore[arg-type]


def lake_with_files_to_clean_up(home: Path) -> list[Path]:
    """A lake at ``home`` whose merged-away Parquet files wait for cleanup; returns its files.

    On a read-only attach ``ducklake_cleanup_old_files`` deletes such files before it fails
    to update the catalog: exactly what a read-only command must not let through.
    """
    data = home / "data"
    connection = extensions.connect_offline()
    try:
        extensions.load(connection, "ducklake", "sqlite_scanner")
        connection.execute(
            f"ATTACH 'ducklake:sqlite:{home / 'catalog.sqlite'}' AS lake "
            f"(DATA_PATH '{data}/', DATA_INLINING_ROW_LIMIT 0, META_JOURNAL_MODE 'WAL')"
        )
        connection.execute("CREATE TABLE lake.t AS SELECT range AS i FROM range(10)")
        connection.execute("INSERT INTO lake.t VALUES (1)")
        connection.execute("INSERT INTO lake.t VALUES (2)")
        connection.execute("CALL ducklake_merge_adjacent_files('lake')")
        connection.execute("CALL ducklake_expire_snapshots('lake', older_than => now())")
        waiting = connection.execute(
            "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_files_scheduled_for_deletion"
        ).fetchone()
    finally:
        connection.close()
    assert waiting and waiting[0] >= 3, "the lake should have files waiting for cleanup"
    return sorted(data.rglob("*.parquet"))


@pytest.mark.parametrize(
    "sql",
    [
        f"CALL {CLEANUP}",
        f"EXPLAIN ANALYZE SELECT * FROM {CLEANUP}",
        # DuckDB turns this PIVOT into a CREATE TYPE and a SELECT with no text of their own.
        f"PIVOT (SELECT * FROM {CLEANUP}) ON path",
    ],
)
def test_costboard_sql_deletes_no_data_file_through_a_statement_that_is_not_a_plain_select(
    sql: str, home: Path, cli: CliCall
) -> None:
    home.mkdir()
    files = lake_with_files_to_clean_up(home)
    result = cli("sql", sql)
    assert result.exit_code == 1 and CLI_REFUSAL in result.output
    assert sorted((home / "data").rglob("*.parquet")) == files


def test_the_check_and_costboard_sql_load_nothing_of_the_dashboard(config: WarehouseConfig) -> None:
    """Dependencies point one way: the warehouse and the CLI's sql command stand without it."""
    program = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import costboard.warehouse.readonly_sql\n"
        "from costboard.cli import main\n"
        f"result = CliRunner().invoke(main, ['--home', {str(config.home)!r}, 'sql', "
        "'SELECT 1 AS one'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('costboard.dashboard')))\n"
    )
    # From the folder the tests import costboard from, so the child imports the same code.
    where = Path(costboard.__file__).resolve().parent.parent
    ran = subprocess.run(
        [sys.executable, "-c", program], cwd=where, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"
