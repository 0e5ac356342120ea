"""The estimate store (warehouse/estimates.py) on its own: which snapshot estimates are keyed to,
what a write adds, replaces and removes, and what the estimates view then shows.

Frames are stored directly (no estimator runs), so each count is known exactly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from costboard.warehouse import estimates, history, ingest, lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.writer import TableChanges

pytestmark = pytest.mark.catalogs

DAY = dt.date(2025, 1, 10)
SUBJECTS = "subject,kind\nm,model\nn,model\n"
CLAIMS = (
    "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "m,training_cost,final_run,5,usd_million,someone,2025-01-10,https://a.org/1\n"
)


def evidence(config: WarehouseConfig, tmp_path: Path, claims: str = CLAIMS) -> int:
    (tmp_path / "subjects.csv").write_text(SUBJECTS)
    (tmp_path / "claims.csv").write_text(claims)
    files = [tmp_path / "subjects.csv", tmp_path / "claims.csv"]
    result = ingest.ingest(config, files, message="evidence", today=dt.date(2026, 1, 1))
    assert result.snapshot_id is not None
    return result.snapshot_id


def row(**changes: object) -> dict[str, object]:
    return {
        "estimator": "model_a",
        "estimator_version": "1",
        "params_hash": "p",
        "subject": "m",
        "as_of": DAY,
        "metric": "training_cost",
        "scope": "final_run",
        "value": 100.0,
        "low": 50.0,
        "high": 200.0,
        "unit": "usd",
        "inputs": ["c1"],
        "parameters": "{}",
        "note": "a note",
        "assumed": [],
        "methods": [],
    } | changes


def frame(*rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        list(rows),
        schema_overrides={
            "inputs": pl.List(pl.String),
            "assumed": pl.List(pl.String),
            "methods": pl.List(pl.String),
        },
    )


def store(config: WarehouseConfig, snapshot: int, *rows: dict[str, object], **options: object):  # type: ignore[no-untyped-def]
    return estimates.store(config, frame(*rows), snapshot, message="estimates", **options)  # type: ignore[arg-type]


def changes(added: int = 0, changed: int = 0, removed: int = 0) -> dict[str, TableChanges]:
    return {"estimate_records": TableChanges(added=added, changed=changed, removed=removed)}


def records(config: WarehouseConfig) -> list[tuple[object, ...]]:
    with lake.connect(config) as connection:
        return connection.execute(
            "SELECT input_snapshot_id, estimator, estimator_version, subject, value, note "
            "FROM estimate_records ORDER BY ALL"
        ).fetchall()


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return connection.execute("SELECT count(*) FROM snapshots").fetchone()[0]


def input_snapshot(config: WarehouseConfig, at: int | None = None) -> int | None:
    with lake.connect(config) as connection:
        return estimates.input_snapshot_id(connection, at)


def test_estimates_are_keyed_to_the_latest_snapshot_that_changed_evidence(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    with lake.connect(config) as connection:
        created = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0]
    before = snapshot_count(config)
    assert input_snapshot(config) is None  # the warehouse's creation is not evidence
    first = evidence(config, tmp_path)
    assert input_snapshot(config) == first
    assert store(config, first, row()).wrote
    with lake.connect(config) as connection:
        history.tag(config, connection, "v1", None, author="tests")
    assert snapshot_count(config) == before + 3
    assert input_snapshot(config) == first  # estimates and tags are not evidence
    second = evidence(config, tmp_path, CLAIMS.replace(",5,", ",6,"))
    assert input_snapshot(config) == second
    assert input_snapshot(config, at=second - 1) == first
    assert input_snapshot(config, at=first) == first
    assert input_snapshot(config, at=created) is None


def test_a_snapshot_written_by_another_client_counts_as_evidence(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    with lake.connect(config, read_only=False) as connection:
        connection.execute("BEGIN TRANSACTION")
        connection.execute("CREATE TABLE lake.made_elsewhere (x INTEGER)")
        connection.execute("CALL lake.set_commit_message('someone', 'not through costboard')")
        connection.execute("COMMIT")
    other = input_snapshot(config)
    assert other is not None and other > first


def test_the_snapshot_date_is_the_day_it_was_written_in_utc(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    with lake.connect(config) as connection:
        assert estimates.snapshot_date(connection, first) == dt.datetime.now(dt.UTC).date()
        with pytest.raises(ValueError, match=r"^no snapshot 999$"):
            estimates.snapshot_date(connection, 999)


def test_a_frame_without_the_estimate_columns_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        estimates._stored_frame(frame(row()).drop("low", "note"), 3)
    assert str(refused.value) == "estimates lack column(s): low, note"


def test_a_stored_frame_has_the_table_columns_keyed_to_the_snapshot() -> None:
    stored = estimates._stored_frame(frame(row()).select(reversed(row())), 7)
    assert stored.columns == list(estimates.COLUMNS)
    assert stored.schema["input_snapshot_id"] == pl.Int64
    assert stored["input_snapshot_id"].to_list() == [7]


def test_a_write_adds_new_keys_and_a_repeat_writes_nothing(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    written = store(config, first, row(), row(subject="n"), author="tests")
    assert written.wrote and written.changes == changes(added=2)
    with lake.connect(config) as connection:
        kind, author, message, is_evidence = connection.execute(
            "SELECT kind, author, message, changes_evidence FROM snapshots WHERE snapshot_id = ?",
            [written.snapshot_id],
        ).fetchone()
    assert (kind, author, message, is_evidence) == ("estimate", "tests", "estimates", False)
    before = snapshot_count(config)
    again = store(config, first, row(), row(subject="n"))
    assert not again.wrote and again.changes == changes()
    assert snapshot_count(config) == before


@pytest.mark.parametrize(
    "change",
    [
        {"value": 101.0},
        {"low": 49.0},
        {"high": 201.0},
        {"unit": "usd_per_day"},
        {"inputs": ["c1", "c2"]},
        {"parameters": '{"x": 1}'},
        {"note": "another note"},
        {"assumed": ["chip unknown"]},
        {"methods": ["cloud_rental"]},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_key_stored_again_with_other_numbers_replaces_its_row(
    config: WarehouseConfig, tmp_path: Path, change: dict[str, object]
) -> None:
    first = evidence(config, tmp_path)
    store(config, first, row(), row(subject="n"))
    replaced = store(config, first, row(**change), row(subject="n"))
    assert replaced.changes == changes(changed=1)
    with lake.connect(config) as connection:
        stored = connection.execute(
            "SELECT * EXCLUDE (input_snapshot_id, estimator, estimator_version, params_hash, "
            "as_of, metric, scope) FROM estimate_records ORDER BY subject"
        ).pl()
    assert stored.to_dicts() == [
        {k: v for k, v in row(**change).items() if k in stored.columns},
        {k: v for k, v in row(subject="n").items() if k in stored.columns},
    ]


def test_a_dry_run_counts_but_writes_nothing(config: WarehouseConfig, tmp_path: Path) -> None:
    first = evidence(config, tmp_path)
    before = snapshot_count(config)
    dry = store(config, first, row(), dry_run=True)
    assert not dry.wrote and dry.changes == changes(added=1)
    assert snapshot_count(config) == before and records(config) == []


def test_an_estimator_that_ran_replaces_what_it_stored_under_another_version(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    store(config, first, row(), row(subject="n"), row(estimator="model_b"))
    kept = store(config, first, row(estimator_version="2", value=7.0))
    assert kept.changes == changes(added=1)  # not complete: the old version stays
    assert len(records(config)) == 4
    newer = store(
        config,
        first,
        row(estimator_version="3", value=8.0),
        row(estimator="model_b", params_hash="q", value=9.0),
        complete=["model_a"],
    )
    # model_a's versions 1 and 2 for m are superseded; its row for n (not in this run) stays;
    # model_b did not complete, so its old row stays beside the new one.
    assert newer.changes == changes(added=2, removed=2)
    assert records(config) == [
        (first, "model_a", "1", "n", 100.0, "a note"),
        (first, "model_a", "3", "m", 8.0, "a note"),
        (first, "model_b", "1", "m", 9.0, "a note"),
        (first, "model_b", "1", "m", 100.0, "a note"),
    ]


def test_a_complete_run_leaves_other_snapshots_estimates_alone(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    store(config, first, row())
    second = evidence(config, tmp_path, CLAIMS.replace(",5,", ",6,"))
    written = store(config, second, row(estimator_version="2"), complete=["model_a"])
    assert written.changes == changes(added=1)
    assert records(config) == [
        (first, "model_a", "1", "m", 100.0, "a note"),
        (second, "model_a", "2", "m", 100.0, "a note"),
    ]


def test_the_estimates_view_shows_the_latest_evidence_newest_date_first(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    later = dt.date(2025, 2, 1)
    store(
        config,
        first,
        row(),
        row(as_of=later),
        row(subject="n"),
        row(estimator="model_b", value=1.0),
        row(metric="server_capex", scope="cluster_capex"),
    )
    with lake.connect(config) as connection:
        every = estimates.stored(connection)
        only_m = estimates.stored(connection, "m")
    assert every.columns == [
        "subject",
        "as_of",
        "estimator",
        "estimator_version",
        "metric",
        "scope",
        "value",
        "low",
        "high",
        "unit",
        "snapshot_id",
        "inputs",
        "note",
        "assumed",
    ]
    assert every.select("subject", "as_of", "metric", "estimator").rows() == [
        ("m", later, "training_cost", "model_a"),
        ("m", DAY, "server_capex", "model_a"),
        ("m", DAY, "training_cost", "model_a"),
        ("m", DAY, "training_cost", "model_b"),
        ("n", DAY, "training_cost", "model_a"),
    ]
    assert only_m.equals(every.filter(pl.col("subject") == "m"))
    assert set(every["snapshot_id"]) == {first}
    assert every["inputs"].to_list()[0] == ["c1"]


def test_a_warehouse_from_before_assumptions_gains_the_column_on_its_next_estimate_write(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = evidence(config, tmp_path)
    with lake.connect(config, read_only=False) as connection:
        # the warehouse as costboard 0.1 made it: no assumed column, a view without it
        connection.execute("BEGIN TRANSACTION")
        connection.execute("DROP VIEW estimates")
        connection.execute("ALTER TABLE estimate_records DROP COLUMN assumed")
        connection.execute(
            "CREATE VIEW estimates AS SELECT subject, as_of, estimator, value FROM estimate_records"
        )
        connection.execute("CALL lake.set_commit_message('tests', 'downgrade to 0.1')")
        connection.execute("COMMIT")
    store(config, first, row(assumed=["chip unknown"]))
    with lake.connect(config) as connection:
        stored = connection.execute("SELECT subject, assumed FROM estimates").fetchall()
    assert stored == [("m", ["chip unknown"])]
