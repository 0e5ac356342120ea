"""The SQL console's limits and its locked connection, on a two-claim warehouse.

The console promises (README, the SQL page, docs/api.md) one SELECT or EXPLAIN, 10 s and
10,000 rows: a fence that let a query run 600 s or cut at 100 rows would break that promise
silently, so the numbers are pinned here as well as their effect.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import fence
from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig
from tests.waiting import until

REPO = Path(__file__).resolve().parents[2]
CONSOLE_LIMITS = {
    "time_limit_seconds": 10.0,
    "row_cap": 10_000,
    "memory_limit": "1GB",
    "threads": 2,
    "max_bytes": 8_000_000,
}
WIDE = "SELECT repeat('x', 40000) AS s FROM range(10000)"  # 400 MB: the result
SLOW = "SELECT count(*) FROM range(1000000000000)"  # hours of work

SUBJECTS = "subject,kind\ndeepseek-v3,model\n"
CLAIMS = (
    "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "deepseek-v3,training_cost,final_run,5.576,usd_million,DeepSeek-AI,2024-12-27,https://a.org/1\n"
    "deepseek-v3,gpu_hours,final_run,2.788,gpu_hours_million,DeepSeek-AI,2024-12-27,https://a.org/1\n"
)


def latest(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[WarehouseConfig, int, int]]:
    """(config, the empty warehouse's snapshot, the snapshot with two claims)."""
    home = tmp_path_factory.mktemp("fence") / "home"
    config = WarehouseConfig.resolve(home)
    empty = schema.create(config, author="tests")
    (home / "subjects.csv").write_text(SUBJECTS)
    (home / "claims.csv").write_text(CLAIMS)
    ingest.ingest(
        config,
        [home / "subjects.csv", home / "claims.csv"],
        message="two claims",
        today=dt.date(2025, 6, 1),
    )
    yield config, empty, latest(config)
    fence.close_spares()


@pytest.fixture
def config(warehouse: tuple[WarehouseConfig, int, int]) -> WarehouseConfig:
    return warehouse[0]


@pytest.fixture
def newest(warehouse: tuple[WarehouseConfig, int, int]) -> int:
    return warehouse[2]


def test_the_console_stops_a_query_after_10_s_and_keeps_10000_rows() -> None:
    limits = fence.Limits()
    assert (limits.time_limit_seconds, limits.row_cap) == (10.0, 10_000)
    assert (limits.memory_limit, limits.threads, limits.max_bytes) == ("1GB", 2, 8_000_000)
    assert limits.describe() == (
        "one SELECT or EXPLAIN; read-only; stops after 10 s; at most 10,000 rows and 8 MB of "
        "results; 1GB of memory; no files or network beyond the warehouse"
    )


def test_the_readme_promises_the_limits_the_fence_applies() -> None:
    limits = fence.Limits()
    promise = f"one SELECT or EXPLAIN, {limits.time_limit_seconds:g} s, {limits.row_cap:,} rows"
    assert promise == "one SELECT or EXPLAIN, 10 s, 10,000 rows"
    assert promise in (REPO / "README.md").read_text(encoding="utf-8")


def test_a_query_given_no_limits_runs_under_the_consoles(
    config: WarehouseConfig, newest: int
) -> None:
    result = fence.run(config, "SELECT 42 AS answer, 'x' AS letter", newest)
    assert result.limits == CONSOLE_LIMITS
    assert (result.columns, result.types, result.rows) == (
        ["answer", "letter"],
        ["INTEGER", "VARCHAR"],
        [[42, "x"]],
    )
    assert result.snapshot_id == newest and not result.truncated
    assert 0 < result.elapsed_ms < 60_000 and round(result.elapsed_ms, 1) == result.elapsed_ms


def test_the_console_keeps_10000_rows_and_says_when_it_cut(
    config: WarehouseConfig, newest: int
) -> None:
    whole = fence.run(config, "SELECT * FROM range(10000)", newest)
    cut = fence.run(config, "SELECT * FROM range(10001)", newest)
    assert (len(whole.rows), whole.truncated, whole.truncated_by) == (10_000, False, None)
    assert (len(cut.rows), cut.truncated, cut.truncated_by) == (10_000, True, "rows")
    assert cut.rows[-1] == [9_999]
    assert cut.to_json()["truncated_by"] == "rows"


def test_a_smaller_row_cap_cuts_at_that_row(config: WarehouseConfig, newest: int) -> None:
    limits = fence.Limits(row_cap=3)
    assert fence.run(config, "SELECT * FROM range(3)", newest, limits).rows == [[0], [1], [2]]
    cut = fence.run(config, "SELECT * FROM range(4)", newest, limits)
    assert (cut.rows, cut.truncated) == ([[0], [1], [2]], True)
    assert cut.limits["row_cap"] == 3


def test_a_query_past_its_time_limit_is_stopped_at_that_limit(
    config: WarehouseConfig, newest: int
) -> None:
    started = time.perf_counter()
    with pytest.raises(fence.TimedOut) as stopped:
        fence.run(config, SLOW, newest, fence.Limits(time_limit_seconds=0.5))
    assert str(stopped.value) == "the query ran longer than 0.5 s and was stopped"
    assert stopped.value.status == 400
    assert time.perf_counter() - started < 8


def test_a_query_within_its_time_limit_is_not_stopped(config: WarehouseConfig, newest: int) -> None:
    result = fence.run(
        config, "SELECT count(*) FROM range(2000000)", newest, fence.Limits(time_limit_seconds=5)
    )
    assert result.rows == [[2_000_000]]


def test_a_query_reads_the_snapshot_it_is_pinned_to(
    warehouse: tuple[WarehouseConfig, int, int],
) -> None:
    config, empty, newest = warehouse
    count = "SELECT count(*) FROM claims"
    assert fence.run(config, count, empty).rows == [[0]]
    assert fence.run(config, count, newest).rows == [[2]]
    assert fence.run(config, count, empty).snapshot_id == empty


def test_a_refused_query_never_opens_a_connection(
    config: WarehouseConfig, newest: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_connection(*_: object) -> None:
        raise AssertionError("the fence opened a connection for a refused query")

    monkeypatch.setattr(fence, "fenced_connection", no_connection)
    with pytest.raises(fence.Refused, match="this is DELETE"):
        fence.run(config, "DELETE FROM claim_records", newest)


def test_a_query_duckdb_rejects_fails_with_its_message(
    config: WarehouseConfig, newest: int
) -> None:
    with pytest.raises(fence.Failed) as failed:
        fence.run(config, "SELECT * FROM no_such_table", newest)
    assert "no_such_table" in str(failed.value) and failed.value.status == 400
    assert not isinstance(failed.value, fence.TimedOut)


def setting(connection: duckdb.DuckDBPyConnection, name: str) -> object:
    return connection.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_the_connection_is_read_only_pinned_capped_and_locked(
    warehouse: tuple[WarehouseConfig, int, int],
) -> None:
    config, empty, _ = warehouse
    catalog = config.catalog.partition(":")[2]
    limits = fence.Limits(memory_limit="512MB", threads=1)
    with fence.fenced_connection(config, empty, limits) as connection:
        assert connection.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        assert setting(connection, "threads") == 1
        assert setting(connection, "memory_limit") == "488.2 MiB"
        assert setting(connection, "enable_external_access") is False
        assert setting(connection, "lock_configuration") is True
        # DuckDB adds the files it derives (its own WAL and checkpoint names) to the lists.
        paths = set(setting(connection, "allowed_paths"))  # type: ignore[arg-type]
        assert {catalog, catalog + "-wal", catalog + "-shm"} <= paths
        assert config.data_path in setting(connection, "allowed_directories")  # type: ignore[operator]
        with pytest.raises(duckdb.Error, match="locked"):
            connection.execute("SET threads = 4")
        with pytest.raises(duckdb.Error, match=r"read-only|read only"):
            connection.execute("DELETE FROM claim_records")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            connection.execute("SELECT * FROM read_text('/etc/hostname')")


def test_a_connection_that_cannot_be_fenced_is_closed(
    config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[duckdb.DuckDBPyConnection] = []
    spares = fence._Spares()
    monkeypatch.setattr(spares, "take", lambda c: made.append(spares._make(c)) or made[-1])
    monkeypatch.setattr(fence, "_spares", spares)
    with pytest.raises(duckdb.Error):
        fence.fenced_connection(config, 10_000, fence.Limits())  # no such snapshot
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        made[0].execute("SELECT 1")


class FakeConnection:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_spare_connection_is_made_once_taken_once_and_closed_at_the_end(
    config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    spares = fence._Spares()
    made: list[FakeConnection] = []
    monkeypatch.setattr(spares, "_make", lambda _: made.append(FakeConnection()) or made[-1])
    spares._refill(config)
    spares._refill(config)  # one spare per catalog type is enough: the second is closed
    assert [c.closed for c in made] == [False, True]
    assert spares.take(config) is made[0]
    assert spares.take(config) is made[2]  # none left: a new one is made
    spares._refill(config)
    spares.close()
    assert made[3].closed and not made[2].closed
    assert spares.take(config) is made[4]


def test_after_a_query_a_spare_is_made_for_the_next(
    config: WarehouseConfig, newest: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    spares = fence._Spares()
    monkeypatch.setattr(fence, "_spares", spares)
    fence.run(config, "SELECT 1", newest)
    # The spare is made on a background thread after the query: wait until it is ready.
    until(
        lambda: config.catalog_type in spares._ready,
        timeout=30,
        every=0.05,
        message="no spare connection was made after the query",
    )
    spare = spares._ready[config.catalog_type]
    assert spare.execute(
        "SELECT count(*) FROM duckdb_extensions() WHERE loaded AND extension_name = 'ducklake'"
    ).fetchone() == (1,)
    fence.close_spares()
    spares.close()


# --------------------------------------------------------------------------- the byte cap


class CountingResult:
    """A real DuckDB result that counts the rows handed to Python (what the fetch holds)."""

    def __init__(self, result: duckdb.DuckDBPyConnection) -> None:
        self.result = result
        self.fetched = 0

    def fetchmany(self, size: int) -> list[tuple[object, ...]]:
        rows = self.result.fetchmany(size)
        self.fetched += len(rows)
        return rows


def test_a_result_over_the_byte_cap_is_cut_while_it_is_fetched() -> None:
    with duckdb.connect() as connection:
        counting = CountingResult(connection.execute(WIDE))
        rows, cut_by = fence.fetch_within(counting, fence.Limits(max_bytes=1_000_000))
    # Each row is ["xxx..."]: 40,004 bytes of JSON and a comma, inside the list's brackets.
    assert (len(rows), cut_by) == (24, "bytes")
    assert 2 + 24 * 40_005 <= 1_000_000 < 2 + 25 * 40_005
    # Held: the rows kept and the one that went over, not the 10,000 rows of the result.
    assert counting.fetched <= len(rows) + 2


def test_the_byte_cap_measures_the_json_the_api_sends(config: WarehouseConfig, newest: int) -> None:
    limits = fence.Limits(max_bytes=2_000)
    result = fence.run(config, "SELECT i, 'é' AS letter FROM range(1000) t(i)", newest, limits)
    assert (result.truncated, result.truncated_by) == (True, "bytes")
    sent = json.dumps(result.rows, separators=(",", ":"))
    assert len(sent) <= 2_000 < len(sent) + len(json.dumps([len(result.rows), "é"])) + 1
    assert result.limits["max_bytes"] == 2_000


def test_a_result_under_both_caps_is_whole(config: WarehouseConfig, newest: int) -> None:
    result = fence.run(config, "SELECT repeat('x', 40000) AS s FROM range(150)", newest)
    assert (len(result.rows), result.truncated, result.truncated_by) == (150, False, None)


def test_the_byte_cap_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTBOARD_SQL_MAX_BYTES", "250_000")
    assert fence.Limits().max_bytes == 250_000
    assert "at most 10,000 rows and 0.25 MB of results" in fence.Limits().describe()
    for wrong, says in (("lots", "is not a whole number"), ("0", "it must be at least 1")):
        monkeypatch.setenv("COSTBOARD_SQL_MAX_BYTES", wrong)
        with pytest.raises(ValueError) as refused:
            fence.Limits()
        assert str(refused.value) == f"COSTBOARD_SQL_MAX_BYTES={wrong!r}: {says}".replace(
            f"{wrong!r}: is", f"{wrong!r} is"
        )


def test_api_sql_cuts_a_wide_result_at_the_byte_cap_and_says_so(
    config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_SQL_MAX_BYTES", "1000000")
    client = create_app(config, cache=SimpleCache(threshold=0), warm=False).server.test_client()
    answer = client.get("/api/sql", query_string={"q": WIDE})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["truncated"], body["truncated_by"], len(body["rows"])) == (True, "bytes", 24)
    assert len(answer.data) < 1_000_000 + 2_000  # the rows, and a few fields beside them
    small = client.get("/api/sql", query_string={"q": "SELECT * FROM range(10001)"}).get_json()
    assert (small["truncated"], small["truncated_by"], len(small["rows"])) == (True, "rows", 10_000)


def test_the_sql_page_says_the_size_cap_cut_the_result(
    config: WarehouseConfig, newest: int
) -> None:
    from costboard.dashboard.pages import sql as page

    cut = fence.run(config, WIDE, newest, fence.Limits(max_bytes=100_000))
    _, rows, notice = page.result_view(cut)
    assert len(rows) == 2
    assert "cut at the size cap (100,000 bytes as JSON): there are more rows" in str(notice)
    whole = fence.run(config, "SELECT * FROM range(10001)", newest)
    assert "cut at the row cap (10,000)" in str(page.result_view(whole)[2])
