"""The SQL fence's first two layers and its answers, without a warehouse: which statements and
functions pass, the exact refusals, and how values come back as JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import duckdb
import pytest

from costboard.dashboard import fence
from costboard.warehouse import readonly_sql


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", "SELECT"),
        ("select upper('x') from range(3)", "SELECT"),
        ("WITH a AS (SELECT 1 AS x) SELECT x FROM a", "SELECT"),
        ("EXPLAIN SELECT upper('x')", "EXPLAIN"),
        ("explain analyze SELECT lower('X')", "EXPLAIN"),
        ("/* why */ EXPLAIN SELECT abs(-1)", "EXPLAIN"),
        ("-- why\nEXPLAIN SELECT abs(-1)", "EXPLAIN"),
        ("SELECT * FROM ducklake_snapshots('lake')", "SELECT"),
    ],
)
def test_one_select_or_explain_passes_and_says_which(sql: str, kind: str) -> None:
    assert fence.check(sql) == kind


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "the query is empty"),
        ("  \n\t", "the query is empty"),
        ("SELECT 1; SELECT 2", "one statement at a time; this has 2"),
        ("SELECT 1; SELECT 2; SELECT 3", "one statement at a time; this has 3"),
        ("DROP TABLE claim_records", "only SELECT or EXPLAIN can run here, and this is DROP"),
        (
            "CALL ducklake_snapshots('lake')",
            "only SELECT or EXPLAIN can run here, and this is CALL",
        ),
        ("SET threads = 8", "only SELECT or EXPLAIN can run here, and this is SET"),
        (
            "EXPLAIN DELETE FROM claim_records",
            "cannot check this statement: Only SELECT statements can be serialized to json!",
        ),
    ],
)
def test_anything_else_is_refused_with_the_reason(sql: str, message: str) -> None:
    with pytest.raises(fence.Refused) as refused:
        fence.check(sql)
    assert str(refused.value) == message
    assert refused.value.status == 403


def test_text_duckdb_cannot_parse_fails_with_its_message() -> None:
    with pytest.raises(fence.Failed) as failed:
        fence.check("SELECT 1 +")
    assert str(failed.value) == "Parser Error: syntax error at end of input"
    assert failed.value.status == 400 and not isinstance(failed.value, fence.Refused)


def not_listed(name: str, *, table: bool = True) -> str:
    kind = "table function" if table else "function"
    return (
        f"the {kind} {name}() is not allowed here: a read-only query may call only the "
        "functions listed in costboard/warehouse/sql_functions.py"
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT * FROM ducklake_cleanup_old_files('lake')",
            not_listed("ducklake_cleanup_old_files"),
        ),
        ("SELECT * FROM lake.merge_adjacent_files()", not_listed("merge_adjacent_files")),
        (
            "SELECT * FROM DuckLake_Expire_Snapshots('lake')",
            not_listed("ducklake_expire_snapshots"),  # the parser's spelling
        ),
        ("SELECT * FROM query('SELECT 1')", not_listed("query")),
        ("SELECT 1 WHERE 1 IN (SELECT * FROM query_table('t'))", not_listed("query_table")),
        ("SELECT * FROM checkpoint()", not_listed("checkpoint")),
        ("SELECT * FROM ducklake_some_new_writer('lake')", not_listed("ducklake_some_new_writer")),
        (
            "EXPLAIN SELECT * FROM ducklake_delete_orphaned_files('lake')",
            not_listed("ducklake_delete_orphaned_files"),
        ),
        (
            "EXPLAIN ANALYZE SELECT * FROM ducklake_flush_inlined_data('lake')",
            not_listed("ducklake_flush_inlined_data"),
        ),
        # issue 17's bypass: a statement serialized into a string and run from there
        (
            "SELECT * FROM json_execute_serialized_sql(json_serialize_sql("
            "'SELECT * FROM query(''SELECT 7'')'))",
            not_listed("json_execute_serialized_sql"),
        ),
        ("SELECT json_serialize_sql('SELECT 1')", not_listed("json_serialize_sql", table=False)),
        ("SELECT current_setting('threads')", not_listed("current_setting", table=False)),
        ("SELECT pg_sleep(15)", not_listed("pg_sleep", table=False)),
        # an allowed aggregate's name, in a FROM clause, is the table macro that reads a
        # table named in a string (query_table): position matters
        ("SELECT * FROM histogram(claims, value)", not_listed("histogram")),
        (
            "SELECT list_aggregate([1], 'sleep_ms')",
            not_listed("sleep_ms", table=False),
        ),
        (
            "SELECT list_aggregate([1], name) FROM claims",
            "list_aggregate() finds its aggregate by a name computed at run time: "
            "write the aggregate's name as a string literal",
        ),
        (
            "SELECT * FROM 'claims.csv'",
            "'claims.csv' would be read as a file or URL, which is not allowed here: "
            "query the lake's tables and views",
        ),
        (
            "SELECT * FROM pg_settings",
            "the view pg_settings is not allowed here, since inside it "
            + not_listed("duckdb_settings"),
        ),
        (
            "SELECT * FROM __ducklake_metadata_lake.ducklake_snapshot",
            "__ducklake_metadata_lake is DuckLake's own catalog, not part of the lake: "
            "query the lake's tables",
        ),
    ],
)
def test_a_select_calling_what_is_not_on_the_list_is_refused_naming_it(
    sql: str, message: str
) -> None:
    with pytest.raises(fence.Refused) as refused:
        fence.check(sql)
    assert str(refused.value) == message


@pytest.mark.parametrize("name", sorted(fence.DUCKLAKE_READERS))
def test_every_ducklake_reading_function_passes_bare_or_under_the_lakes_name(name: str) -> None:
    assert fence.refused_function(f"SELECT * FROM {name}('lake')") is None
    assert fence.check(f"SELECT * FROM {name}('lake')") == "SELECT"
    assert fence.refused_function(f"SELECT * FROM lake.{name.removeprefix('ducklake_')}()") is None


def test_a_readers_short_name_is_that_reader_and_nothing_else() -> None:
    # With the lake the current database (USE lake), snapshots() is ducklake_snapshots().
    assert fence.refused_function("SELECT * FROM snapshots()") is None
    assert fence.refused_function("SELECT * FROM lake.ducklake_commit()") == not_listed(
        "ducklake_commit"
    )
    assert fence.refused_function("SELECT * FROM commit()") == not_listed("commit")
    assert fence.refused_function("SELECT snapshots()") == not_listed("snapshots", table=False)


def test_ordinary_functions_pass() -> None:
    sql = (
        "SELECT upper(name), count(*), snapshot_id, list_aggregate([1, 2], 'sum'), "
        "row_number() OVER (ORDER BY snapshot_id), getvariable('evidence_until') "
        "FROM lake.snapshots() GROUP BY ALL"
    )
    assert fence.refused_function(sql) is None


def test_the_products_macros_and_system_views_that_read_names_pass() -> None:
    for sql in (
        "SELECT price_index_at(DATE '2024-06-01'), is_dollars('usd')",
        "SELECT * FROM lake.estimates_in_usd_of('2024-01-01')",
        "SELECT * FROM claims_in_usd_of('2024-01-01')",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM duckdb_tables() JOIN duckdb_columns() USING (table_name)",
    ):
        assert fence.refused_function(sql) is None, sql


def test_every_function_a_select_calls_is_found_wherever_it_is() -> None:
    sql = (
        "WITH a AS (SELECT upper('x') AS u) "
        "SELECT lower(u), (SELECT abs(1)) FROM a WHERE length(u) > 0 ORDER BY md5(u)"
    )
    assert fence._function_names(sql) == {"upper", "lower", "abs", "length", "md5"}


def test_walking_the_syntax_tree_yields_every_function_name() -> None:
    tree = {
        "function_name": "outer",
        "children": [
            {"function_name": "inner", "x": [[{"function_name": "deep"}]]},
            {"function_name": 3},
            "function_name",
        ],
    }
    assert sorted(fence._walk_function_names(tree)) == ["deep", "inner", "outer"]
    assert list(fence._walk_function_names("function_name")) == []


def test_a_table_function_is_told_from_the_calls_in_its_arguments() -> None:
    tree = readonly_sql._tree("SELECT * FROM range(abs(-3)) WHERE upper('a') = 'A'")
    assert sorted((c["function_name"], t) for c, t in readonly_sql.walk_calls(tree)) == [
        ("abs", False),
        ("range", True),
        ("upper", False),
    ]


def test_sql_lists_quote_their_items() -> None:
    assert fence._sql_list([]) == "[]"
    assert fence._sql_list(["/a/b", "it's"]) == "['/a/b', 'it''s']"


@pytest.mark.parametrize(
    ("value", "json"),
    [
        (None, None),
        (True, True),
        (3, 3),
        ("x", "x"),
        (1.5, 1.5),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (decimal.Decimal("1.25"), 1.25),
        (dt.date(2025, 1, 27), "2025-01-27"),
        (dt.datetime(2025, 1, 27, 9, 30), "2025-01-27T09:30:00"),
        (dt.time(9, 30), "09:30:00"),
        (dt.timedelta(days=1, hours=2), "1 day, 2:00:00"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (b"\x00\xff", "AP8="),
        (bytearray(b"ab"), "YWI="),
        (memoryview(b"ab"), "YWI="),
        ({1: dt.date(2025, 1, 1), "n": [float("nan")]}, {"1": "2025-01-01", "n": ["nan"]}),
        ([1, (2, {3})], [1, [2, [3]]]),
        (complex(1, 2), "(1+2j)"),
    ],
)
def test_values_become_what_json_can_carry(value: object, json: object) -> None:
    converted = fence.jsonable(value)
    assert converted == json and type(converted) is type(json)


def test_a_result_becomes_the_apis_json_body() -> None:
    result = fence.QueryResult(
        columns=["n"],
        types=["BIGINT"],
        rows=[[1]],
        truncated=True,
        elapsed_ms=2.5,
        snapshot_id=7,
        limits={"row_cap": 1},
    )
    assert result.to_json() == {
        "columns": ["n"],
        "types": ["BIGINT"],
        "rows": [[1]],
        "truncated": True,
        "truncated_by": None,
        "elapsed_ms": 2.5,
        "snapshot_id": 7,
        "limits": {"row_cap": 1},
    }


def test_refusals_are_403_and_failures_400() -> None:
    assert fence.QueryError.status == 400
    assert fence.Refused("x").status == 403
    assert fence.Failed("x").status == 400
    assert fence.TimedOut("x").status == 400 and isinstance(fence.TimedOut("x"), fence.Failed)


# --- the same check, statement by statement (costboard sql runs scripts through it) ----------


def test_each_statement_of_a_script_is_checked_on_its_own_text() -> None:
    first, second = duckdb.extract_statements(
        "SELECT 1; SELECT * FROM ducklake_cleanup_old_files('lake')"
    )
    assert readonly_sql.check_statement(first) == "SELECT"
    with pytest.raises(readonly_sql.NotReadOnly) as refused:
        readonly_sql.check_statement(second)
    assert str(refused.value) == not_listed("ducklake_cleanup_old_files")
    # given text wins over the parser's copy
    assert readonly_sql.check_statement(second, "SELECT 2") == "SELECT"


def test_a_statement_duckdb_rewrote_into_others_cannot_be_checked() -> None:
    create, select = duckdb.extract_statements("PIVOT t ON x USING sum(y)")
    with pytest.raises(readonly_sql.NotReadOnly) as refused:
        readonly_sql.check_statement(select)
    assert str(refused.value) == "cannot check this statement: DuckDB rewrote it into others"
    with pytest.raises(readonly_sql.NotReadOnly, match="and this is CREATE"):
        readonly_sql.check_statement(create)


def test_parsing_gives_the_statements_or_says_why_not() -> None:
    assert [s.type.name for s in readonly_sql.parse("SELECT 1; EXPLAIN SELECT 2")] == [
        "SELECT",
        "EXPLAIN",
    ]
    with pytest.raises(readonly_sql.NotReadOnly, match=r"^the query is empty$"):
        readonly_sql.parse(" ")
    with pytest.raises(readonly_sql.Unparsable, match="syntax error"):
        readonly_sql.parse("SELEC 1")
