"""A corpus of hostile statements through the real fence (dashboard.fence.run) against a real
warehouse, on each catalog kind: each is refused (403, the check) or contained (failed or
stopped by the time limit or memory cap); afterwards the lake's data files are byte-identical,
so is the SQLite catalog, a PostgreSQL catalog's ``pg_dump`` is unchanged, and a normal query
still answers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from costboard.dashboard import fence
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests import postgres_server as pg
from tests.conftest import Warehouses

pytestmark = pytest.mark.catalogs

CLAIMS = (
    "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "deepseek-v3,training_cost,final_run,5.576,usd_million,DeepSeek-AI,2024-12-27,https://a.org/1\n"
)
SUBJECTS = "subject,kind\ndeepseek-v3,model\n"

ISSUE_BYPASS = (
    "SELECT * FROM json_execute_serialized_sql(json_serialize_sql("
    "'SELECT * FROM query(''SELECT 7'')'))"
)
META = "__ducklake_metadata_lake"

#: Calls that must never run, each alone (below) and nested at depth (NESTINGS).
PAYLOADS = [
    # running SQL hidden in a string
    "query('SELECT 7')",
    "query_table('claims')",
    "json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    "json_execute_serialized_sql('{}')",
    # files and URLs
    "read_csv('/etc/passwd')",
    "read_csv_auto('/etc/passwd')",
    "read_parquet('data/*.parquet')",
    "parquet_scan('data/*.parquet')",
    "parquet_metadata('data/*.parquet')",
    "parquet_schema('data/*.parquet')",
    "parquet_file_metadata('data/x.parquet')",
    "parquet_kv_metadata('data/x.parquet')",
    "parquet_full_metadata('data/x.parquet')",
    "parquet_bloom_probe('data/x.parquet', 'c', 1)",
    "read_json('/etc/hosts')",
    "read_json_auto('/etc/hosts')",
    "read_json_objects('/etc/hosts')",
    "read_ndjson('/etc/hosts')",
    "read_ndjson_auto('/etc/hosts')",
    "read_ndjson_objects('/etc/hosts')",
    "read_text('/etc/hostname')",
    "read_blob('/etc/hostname')",
    "read_duckdb('/tmp/x.duckdb')",
    "glob('/*')",
    "sniff_csv('/etc/passwd')",
    "read_csv('https://example.org/x.csv')",
    "read_parquet('s3://bucket/x.parquet')",
    "read_text('http://169.254.169.254/latest/meta-data/')",
    "glob('s3://bucket/*')",
    # settings, secrets, extensions, databases
    "duckdb_settings()",
    "duckdb_secrets()",
    "which_secret('s3://bucket/x', 's3')",
    "duckdb_secret_types()",
    "duckdb_extensions()",
    "duckdb_databases()",
    "duckdb_profiling_settings()",
    "duckdb_memory()",
    "duckdb_temporary_files()",
    "duckdb_logs()",
    "pragma_database_size()",
    "pragma_storage_info('claim_records')",
    "pragma_user_agent()",
    # the catalog database's own extensions
    f"postgres_query('{META}', 'SELECT * FROM pg_user')",
    f"postgres_execute('{META}', 'COMMIT; UPDATE ducklake_snapshot_changes SET author = 1')",
    "postgres_scan('dbname=postgres', 'pg_catalog', 'pg_authid')",
    "postgres_attach('dbname=postgres')",
    "sqlite_scan('catalog.sqlite', 'ducklake_snapshot')",
    f"sqlite_query('{META}', 'DELETE FROM ducklake_snapshot')",
    "sqlite_attach('catalog.sqlite')",
    "pg_clear_cache()",
    # DuckLake's writers, bare and through the lake's name
    "ducklake_merge_adjacent_files('lake')",
    "ducklake_cleanup_old_files('lake', cleanup_all => true)",
    "ducklake_expire_snapshots('lake', versions => [1])",
    "ducklake_delete_orphaned_files('lake')",
    "ducklake_flush_inlined_data('lake')",
    "ducklake_rewrite_data_files('lake')",
    "ducklake_set_commit_message('lake', 'me', 'rewritten')",
    "ducklake_set_option('lake', 'require_commit_message', false)",
    "ducklake_add_data_files('lake', 'claims', '/tmp/x.parquet')",
    "lake.merge_adjacent_files()",
    "lake.cleanup_old_files()",
    "lake.expire_snapshots()",
    "lake.set_option('x', 1)",
    "ducklake_scan('lake')",
    # the engine's state
    "checkpoint()",
    "force_checkpoint()",
    "enable_logging()",
    "truncate_duckdb_logs()",
    "enable_profiling()",
    "arrow_scan(0, 0, 0)",
    "pandas_scan(0)",
    "seq_scan()",
    "test_all_types()",
    "histogram(claims, value)",
    "histogram_values(claims, value)",
]
#: Scalar calls that must never run.
SCALAR_PAYLOADS = [
    "current_setting('enable_external_access')",
    "getenv('HOME')",
    "sleep_ms(100000)",
    "pg_sleep(100)",
    "write_log('x')",
    "nextval('s')",
    "currval('s')",
    "setseed(0.5)",
    "json_serialize_sql('SELECT 1')",
    "json_deserialize_sql('{}')",
    "json_serialize_plan('SELECT 1')",
    "get_block_size('lake')",
    "list_aggregate([1], 'sleep_ms')",
    "list_aggregate([1], (SELECT 'sum'))",
    "postgres_hstore_get('a=>1', 'a')",
]
#: Where a refused call may hide: every depth the syntax tree reaches.
NESTINGS = [
    "WITH a AS (SELECT * FROM {t}) SELECT * FROM a",
    "SELECT * FROM (SELECT * FROM (SELECT * FROM {t}))",
    "SELECT * FROM claims, LATERAL (SELECT * FROM {t})",
    "SELECT * FROM claims WHERE claim_id IN (SELECT 1 FROM {t})",
    "EXPLAIN SELECT * FROM {t}",
    "EXPLAIN ANALYZE SELECT * FROM {t}",
    "SELECT 1 UNION ALL SELECT 1 FROM {t}",
    "SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {t})) FROM claims",
    "SELECT row_number() OVER (ORDER BY (SELECT 1 FROM {t})) FROM claims",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r, {t} WHERE n < 2) "
    "SELECT * FROM r",
]
SCALAR_NESTINGS = [
    "SELECT {f}",
    "SELECT CASE WHEN false THEN {f} END",
    "SELECT list_transform([1], x -> {f})",
    "SELECT * FROM claims ORDER BY {f}",
    "SELECT * FROM claim_records AT (VERSION => (SELECT {f}))",
    "SELECT * FROM range(3) QUALIFY {f} IS NULL",
    "SELECT {{'a': {f}}}",
    "SELECT * FROM (VALUES ({f}))",
]
#: Statements that are not one SELECT or EXPLAIN.
STATEMENTS = [
    "INSERT INTO tags VALUES ('x')",
    "UPDATE claim_records SET value = 0",
    "DELETE FROM claim_records",
    "TRUNCATE claim_records",
    "COPY claims TO '/tmp/claims.csv'",
    "COPY claim_records FROM '/tmp/claims.csv'",
    "COPY (SELECT 1) TO 'data/x.parquet'",
    "EXPORT DATABASE '/tmp/out'",
    "IMPORT DATABASE '/tmp/out'",
    "ATTACH '/tmp/other.db' AS other",
    "ATTACH 'ducklake:sqlite:catalog.sqlite' AS rw",
    "DETACH lake",
    "USE memory",
    "CALL ducklake_merge_adjacent_files('lake')",
    "CALL ducklake_snapshots('lake')",
    "PRAGMA enable_profiling",
    "PRAGMA database_size",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET memory_limit",
    "SET VARIABLE evidence_until = DATE '2030-01-01'",
    "RESET VARIABLE evidence_until",
    "INSTALL httpfs",
    "LOAD httpfs",
    "FORCE INSTALL postgres_scanner",
    "UPDATE EXTENSIONS",
    "CREATE TEMP TABLE t AS SELECT 1 AS x",
    "CREATE TEMP VIEW v AS SELECT 1 AS x",
    "CREATE MACRO m() AS 1",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "CREATE SEQUENCE s",
    "CREATE TYPE mood AS ENUM ('a')",
    "CREATE TABLE lake.t (x INT)",
    "DROP TABLE claim_records",
    "DROP VIEW claims",
    "ALTER TABLE claim_records ADD COLUMN x INT",
    "COMMENT ON TABLE claim_records IS 'x'",
    "VACUUM",
    "CHECKPOINT",
    "PREPARE p AS SELECT 1",
    "EXECUTE p",
    "DEALLOCATE p",
    "BEGIN",
    "BEGIN TRANSACTION READ WRITE",
    "COMMIT",
    "ROLLBACK",
    "ABORT",
    "SELECT 1; COMMIT",
    "COMMIT; SELECT 1",
    "SELECT 1; DROP TABLE claim_records",
    "PIVOT claims ON metric USING count(*)",
    "SUMMARIZE SELECT * FROM query('SELECT 1')",
    "DESCRIBE SELECT * FROM read_csv('/etc/passwd')",
]
#: Tables that must not be read: files by name, the catalog's own database, system views
#: whose definitions call refused functions.
TABLES = [
    "SELECT * FROM '/etc/passwd.csv'",
    "SELECT * FROM 'data/main/claim_records/x.parquet'",
    "SELECT * FROM 'catalog.sqlite'",
    "SELECT * FROM 'https://example.org/x.parquet'",
    'SELECT * FROM "s3://bucket/x.csv"',
    f"SELECT * FROM {META}.ducklake_snapshot",
    f"SELECT * FROM {META}.main.ducklake_data_file",
    f'SELECT count(*) FROM "{META.upper()}".ducklake_snapshot_changes',
    "SELECT * FROM pg_settings",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT * FROM system.pg_catalog.pg_database",
    "SELECT * FROM duckdb_databases",
    "SELECT * FROM pragma_database_list",
    "SELECT * FROM duckdb_logs",
]
#: The bypass forms issue 17 found, as written there.
ISSUE = [
    ISSUE_BYPASS,
    f"SELECT * FROM postgres_query('{META}', 'SELECT * FROM pg_database')",
    f"SELECT * FROM postgres_query('{META}', 'SELECT pg_sleep(14)')",
    f"SELECT * FROM postgres_execute('{META}', 'COMMIT; CREATE TABLE x (y int)')",
    "SELECT * FROM ducklake_merge_adjacent_files('lake')",
    "SELECT * FROM json_execute_serialized_sql(json_serialize_sql("
    f"'SELECT * FROM postgres_execute(''{META}'', ''COMMIT'')'))",
]

REFUSED = sorted(
    {
        *(f"SELECT * FROM {p}" for p in PAYLOADS),
        *(n.format(t=p) for p in PAYLOADS[::6] for n in NESTINGS),
        *(n.format(f=f) for f in SCALAR_PAYLOADS for n in SCALAR_NESTINGS[:1]),
        *(n.format(f=f) for f in SCALAR_PAYLOADS[::3] for n in SCALAR_NESTINGS),
        *STATEMENTS,
        *TABLES,
        *ISSUE,
    }
)

#: Reads that are allowed but would exhaust the server: the time limit and the memory cap
#: stop them (a short limit keeps this test fast).
CONTAINED = [
    "SELECT count(*) FROM range(1000000000000)",
    "SELECT count(*) FROM range(1000000) a, range(1000000) b",
    "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b CROSS JOIN range(10) c",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "WITH RECURSIVE r(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM r) SELECT max(length(s)) "
    "FROM r",
    "SELECT length(repeat('x', 1000000000))",
    "SELECT length(string_agg(repeat('x', 100000), '')) FROM range(100000)",
    "SELECT list(range) FROM range(10000000000)",
    "SELECT count(*) FROM (SELECT * FROM range(100000000) ORDER BY random())",
    "SELECT max(x) FROM (SELECT md5(range::VARCHAR) AS x FROM range(10000000000))",
]
SHORT = fence.Limits(time_limit_seconds=1.0, memory_limit="256MB")


def digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def catalog_dump(config: WarehouseConfig, server: pg.Server | None) -> str | None:
    """The PostgreSQL catalog's whole ``pg_dump`` (schema and rows); None for SQLite, whose
    catalog file ``digest`` already covers."""
    if server is None:
        return None
    target = config.catalog.partition(":")[2]
    database = dict(part.split("=", 1) for part in target.split())["dbname"]
    return server.comparable_dump(database)


def everything(config: WarehouseConfig, server: pg.Server | None) -> tuple[object, ...]:
    return digest(config.home), catalog_dump(config, server)


@pytest.fixture(scope="module")
def warehouse(
    module_warehouses: Warehouses, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WarehouseConfig, int]]:
    home = tmp_path_factory.mktemp("hostile") / "home"
    config = module_warehouses.make(home, "empty")
    (home / "subjects.csv").write_text(SUBJECTS)
    (home / "claims.csv").write_text(CLAIMS)
    ingest.ingest(
        config,
        [home / "subjects.csv", home / "claims.csv"],
        message="one claim",
        today=dt.date(2025, 6, 1),
    )
    with lake.connect(config) as connection:
        newest = int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])
    yield config, newest
    fence.close_spares()


@pytest.fixture(scope="module")
def server(catalog_kind: str, request: pytest.FixtureRequest) -> pg.Server | None:
    return request.getfixturevalue("postgres_server") if catalog_kind == "postgres" else None


def test_the_corpus_is_big_enough() -> None:
    assert len(REFUSED) + len(CONTAINED) >= 150
    assert len(set(REFUSED)) == len(REFUSED)


def test_every_hostile_statement_is_refused_or_contained_and_nothing_changed(
    warehouse: tuple[WarehouseConfig, int], server: pg.Server | None
) -> None:
    config, newest = warehouse
    before = everything(config, server)
    passed = []
    for sql in REFUSED:
        try:
            fence.run(config, sql, newest, SHORT)
        except fence.Refused:
            continue
        except fence.QueryError as error:
            passed.append((sql, f"not refused but {type(error).__name__}: {error}"))
        else:
            passed.append((sql, "ran"))
    for sql in CONTAINED:
        try:
            fence.run(config, sql, newest, SHORT)
        except fence.Failed:  # TimedOut is a Failed
            continue
        except fence.Refused as refused:
            passed.append((sql, f"refused: {refused}"))  # an allowed read: the limits' job
        else:
            passed.append((sql, "ran to the end"))
    assert passed == []
    # The data files and the SQLite catalog byte for byte; a PostgreSQL catalog by its dump.
    assert everything(config, server) == before
    answer = fence.run(config, "SELECT count(*) AS n FROM claims", newest)
    assert answer.rows == [[1]]


def test_the_issues_bypass_is_refused_naming_the_function(
    warehouse: tuple[WarehouseConfig, int],
) -> None:
    config, newest = warehouse
    with pytest.raises(fence.Refused, match=r"json_execute_serialized_sql\(\) is not allowed"):
        fence.run(config, ISSUE_BYPASS, newest)
