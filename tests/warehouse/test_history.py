"""Knowledge time: snapshots, refs, tags, time travel and diffs by natural key."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costboard.warehouse import history, ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import Warehouses, write

pytestmark = pytest.mark.catalogs

SUBJECTS = "subject,kind\nm1,model\nm2,model\nNVDA,ticker\n"
HEADER = "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"


def claims_csv(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    lines = [
        f"{cid},{subject},training_cost,final_run,{value!r},usd,tester,2024-12-27,https://example.org/{cid}\n"
        for cid, subject, value in rows
    ]
    return write(path, HEADER + "".join(lines))


def current_claims(connection, snapshot_id: int | None = None) -> list[tuple]:  # type: ignore[no-untyped-def]
    at = f" AT (VERSION => {snapshot_id})" if snapshot_id is not None else ""
    return connection.execute(
        f"SELECT claim_id, subject, value FROM claim_records{at} ORDER BY claim_id"
    ).fetchall()


@pytest.fixture
def two_snapshots(config: WarehouseConfig, tmp_path: Path) -> tuple[WarehouseConfig, int, int]:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    first = ingest.ingest(
        config,
        [subjects, claims_csv(tmp_path / "a.csv", [("a", "m1", 1.0), ("b", "m1", 2.0)])],
        message="first",
    )
    second = ingest.ingest(
        config,
        [claims_csv(tmp_path / "b.csv", [("b", "m1", 3.0), ("c", "m2", 4.0)])],
        message="second",
    )
    return config, first.snapshot_id, second.snapshot_id  # type: ignore[return-value]


def test_a_changed_claim_becomes_a_new_version_and_the_old_stays_in_its_snapshot(
    two_snapshots,
) -> None:  # type: ignore[no-untyped-def]
    config, first, _ = two_snapshots
    with lake.connect(config) as connection:
        assert current_claims(connection, first) == [("a", "m1", 1.0), ("b", "m1", 2.0)]
        assert current_claims(connection) == [("a", "m1", 1.0), ("b", "m1", 3.0), ("c", "m2", 4.0)]
    with lake.connect(config, snapshot_id=first) as pinned:
        assert pinned.execute("SELECT value FROM claims WHERE claim_id = 'b'").fetchone() == (2.0,)


def test_diff_reports_added_removed_and_changed_rows_with_old_and_new_values(two_snapshots) -> None:  # type: ignore[no-untyped-def]
    config, first, second = two_snapshots
    with lake.connect(config) as connection:
        forward = history.diff(connection, first, second, ["claims"])["claims"]
        backward = history.diff(connection, second, first, ["claims"])["claims"]
    rows = {r["claim_id"]: r for r in forward.iter_rows(named=True)}
    assert set(rows) == {"b", "c"}
    assert rows["b"]["change"] == "changed"
    assert (
        rows["b"]["changed_columns"] == ["value", "source_url"]
        or "value" in rows["b"]["changed_columns"]
    )
    assert (rows["b"]["old_value"], rows["b"]["new_value"]) == (2.0, 3.0)
    assert (
        rows["c"]["change"] == "added"
        and rows["c"]["new_value"] == 4.0
        and rows["c"]["old_value"] is None
    )
    assert dict(backward.select("claim_id", "change").iter_rows()) == {
        "b": "changed",
        "c": "removed",
    }


def test_diff_of_prices_is_keyed_by_ticker_and_date(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    header = "date,ticker,close\n"
    one = ingest.ingest(
        config,
        [subjects, write(tmp_path / "p1.csv", header + "2025-01-24,NVDA,142.6\n")],
        message="p1",
    )
    two = ingest.ingest(
        config,
        [write(tmp_path / "p2.csv", header + "2025-01-24,NVDA,142.62\n2025-01-27,NVDA,118.42\n")],
        message="p2",
    )
    with lake.connect(config) as connection:
        prices = history.diff(connection, one.snapshot_id, two.snapshot_id, ["prices"])["prices"]
    assert prices.select("change", "date", "old_close", "new_close").rows() == [
        ("added", dt.date(2025, 1, 27), None, 118.42),
        ("changed", dt.date(2025, 1, 24), 142.6, 142.62),
    ]


def test_refs_resolve_ids_tags_timestamps_and_latest(two_snapshots) -> None:  # type: ignore[no-untyped-def]
    config, first, second = two_snapshots
    with lake.connect(config) as connection:
        target, result = history.tag(config, connection, "review", str(first), message="for review")
        assert target == first and result.wrote
    with lake.connect(config) as connection:
        assert history.resolve_ref(connection, "review") == first
        assert history.resolve_ref(connection, str(second)) == second
        latest = history.resolve_ref(connection, "latest")
        assert latest == result.snapshot_id
        when = connection.execute(
            "SELECT snapshot_time FROM snapshots WHERE snapshot_id = ?", [first]
        ).fetchone()[0]
        assert history.resolve_ref(connection, when.isoformat()) == first
        assert history.resolve_ref(connection, "2999-01-01") == latest
        with pytest.raises(history.RefError, match="no snapshot existed"):
            history.resolve_ref(connection, "2000-01-01")
        with pytest.raises(history.RefError, match="did you mean 'review'"):
            history.resolve_ref(connection, "reveiw")
        with pytest.raises(history.RefError, match="no snapshot 999"):
            history.resolve_ref(connection, "999")


def test_tag_names_that_read_as_refs_are_refused(config: WarehouseConfig) -> None:
    with lake.connect(config) as connection:
        for bad in ("12", "2025-01-01", "two words"):
            with pytest.raises(history.RefError):
                history.tag(config, connection, bad, None)


def test_retagging_moves_the_tag_and_tagging_twice_writes_nothing(two_snapshots) -> None:  # type: ignore[no-untyped-def]
    config, first, second = two_snapshots
    with lake.connect(config) as connection:
        history.tag(config, connection, "t", str(first))
        _, again = history.tag(config, connection, "t", str(first))
        assert not again.wrote
        history.tag(config, connection, "t", str(second))
    with lake.connect(config) as connection:
        assert history.resolve_ref(connection, "t") == second


def test_snapshots_view_counts_rows_per_table(two_snapshots) -> None:  # type: ignore[no-untyped-def]
    config, _first, second = two_snapshots
    with lake.connect(config) as connection:
        details, changes = history.show(connection, second)
    assert details["message"] == "second" and details["kind"] == "ingest"
    assert (details["rows_added"], details["rows_changed"]) == (2, 1)
    counts = {
        r["table_name"]: (r["added"], r["changed"], r["removed"])
        for r in changes.iter_rows(named=True)
    }
    assert counts["claims"] == (1, 1, 0)
    assert counts["sources"] == (1, 0, 0)


def test_the_catalog_itself_requires_a_commit_message(config: WarehouseConfig) -> None:
    import duckdb

    with (
        lake.connect(config, read_only=False) as connection,
        pytest.raises(duckdb.Error, match="Commit Information"),
    ):
        connection.execute("INSERT INTO tags VALUES ('x', 1, now(), 'a', 'b')")


# --- property: the state as of snapshot k is the state after the k-th ingest ----------------

ids = st.sampled_from(["a", "b", "c", "d"])
values = st.integers(min_value=0, max_value=3).map(
    float
)  # few values: repeats and no-op ingests happen
batch = st.dictionaries(
    ids, st.tuples(st.sampled_from(["m1", "m2"]), values), min_size=1, max_size=4
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(batch, min_size=1, max_size=4))
def test_state_as_of_each_snapshot_equals_the_state_after_that_ingest(
    warehouses: Warehouses,
    batches: list[dict],  # type: ignore[type-arg]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        config = warehouses.make(tmp / "home", "empty")  # a fresh one per example
        subjects = write(tmp / "subjects.csv", SUBJECTS)
        ingest.ingest(config, [subjects], message="subjects")
        expected: dict[str, tuple[str, float]] = {}
        after: list[tuple[int, list[tuple]]] = []
        for index, rows in enumerate(batches):
            result = ingest.ingest(
                config,
                [claims_csv(tmp / f"{index}.csv", [(k, s, v) for k, (s, v) in rows.items()])],
                message=f"ingest {index}",
            )
            changed = any(expected.get(k) != v for k, v in rows.items())
            assert result.wrote == changed, "a snapshot is made exactly when something changed"
            expected.update(rows)
            if result.wrote:
                after.append(
                    (result.snapshot_id, sorted((k, s, v) for k, (s, v) in expected.items()))
                )
        with lake.connect(config) as connection:
            for snapshot_id, state in after:
                assert current_claims(connection, snapshot_id) == state


def test_log_lists_snapshots_newest_first_with_tags(two_snapshots) -> None:  # type: ignore[no-untyped-def]
    config, first, _second = two_snapshots
    with lake.connect(config) as connection:
        history.tag(config, connection, "v1", str(first))
    with lake.connect(config) as connection:
        log = history.log(connection)
    assert log["snapshot_id"].to_list() == sorted(log["snapshot_id"].to_list(), reverse=True)
    assert log.filter(pl.col("snapshot_id") == first)["tags"].item() == "v1"
