"""The dashboard's reads: snapshot references, the cache, and each query's answer."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import data, grid_sql
from costboard.dashboard.data import Reader, Window
from costboard.warehouse import lake, schema
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.history import RefError
from tests.browser.support import REVISED_CLAIM, TAG, dashboard_home


@pytest.fixture(scope="session")
def warehouse(
    demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> WarehouseConfig:
    return WarehouseConfig.resolve(dashboard_home(demo_home_template, tmp_path_factory.mktemp("d")))


class CountingCache(SimpleCache):
    """A cache that counts what it was asked for and what it had."""

    def __init__(self) -> None:
        super().__init__(threshold=0)
        self.hits = self.misses = 0

    def get(self, key: str) -> Any:
        found = super().get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found


@pytest.fixture(scope="module")
def reader(warehouse: WarehouseConfig) -> Reader:
    return Reader(warehouse, SimpleCache(threshold=0), warm_in_background=False)


@pytest.fixture(scope="module")
def newest(warehouse: WarehouseConfig) -> int:
    with lake.connect(warehouse) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


def test_references_resolve_to_concrete_snapshot_ids(reader: Reader, newest: int) -> None:
    assert reader.latest_id() == newest
    assert reader.resolve(None) == reader.resolve("latest") == reader.resolve("") == newest
    assert reader.resolve("12") == 12
    assert reader.resolve(TAG) < newest
    assert reader.resolve(dt.date.today().isoformat()) == newest
    with pytest.raises(RefError, match="no snapshot 9999"):
        reader.resolve("9999")
    with pytest.raises(RefError, match="did you mean 'first-estimates'"):
        reader.resolve("first-estimate")


def test_results_are_cached_per_snapshot_and_query(warehouse: WarehouseConfig, newest: int) -> None:
    cache = CountingCache()
    reader = Reader(warehouse, cache, warm_in_background=False)
    first = reader.subjects(newest)
    misses = cache.misses
    again = reader.subjects(newest)
    assert again.equals(first) and cache.misses == misses and cache.hits >= 1
    reader.subjects(newest - 1)
    assert cache.misses == misses + 1


def test_a_rebuilt_warehouse_never_reads_the_old_ones_results(tmp_path: Path) -> None:
    # Same catalog path, same snapshot ids, another warehouse: the cache keys differ.
    config = WarehouseConfig.resolve(tmp_path / "home")
    schema.create(config)
    cache = SimpleCache(threshold=0)
    before = Reader(config, cache, warm_in_background=False)
    key = before._key("frame", 1)
    for path in tmp_path.joinpath("home").glob("catalog.sqlite*"):
        path.unlink()
    schema.create(config)
    assert Reader(config, cache, warm_in_background=False)._key("frame", 1) != key


def test_a_new_snapshot_warms_the_default_views(warehouse: WarehouseConfig, newest: int) -> None:
    cache = CountingCache()
    reader = Reader(warehouse, cache, warm_in_background=False)
    data.default_views(reader, newest)
    misses = cache.misses
    reader.snapshot_choices(newest)
    reader.estimates(newest, data.default_subjects(reader.subjects(newest)))
    assert cache.misses == misses


def test_snapshot_choices_are_newest_first_with_tags(reader: Reader, newest: int) -> None:
    choices = reader.snapshot_choices(newest)
    assert choices["snapshot_id"][0] == newest
    assert choices.filter(pl.col("tags") == TAG).height == 1


def test_the_default_subjects_are_the_model_and_its_developer(reader: Reader, newest: int) -> None:
    assert data.default_subjects(reader.subjects(newest)) == ["deepseek-v3", "deepseek"]


def test_estimates_and_claims_are_read_for_the_subjects_asked(reader: Reader, newest: int) -> None:
    estimates = reader.estimates(newest, ["deepseek-v3"])
    assert set(estimates["subject"]) == {"deepseek-v3"}
    assert {"cloud_rental", "amortized_hardware_energy", "compute_6nd"} <= set(
        estimates["estimator"]
    )
    claims = reader.comparable_claims(newest, ["deepseek-v3"])
    assert "v3-training-cost-final-run" in claims["claim_id"].to_list()
    # Only claims some estimator answers: GPU-hours are an input, not a comparable figure.
    assert "v3-gpu-hours-total" not in claims["claim_id"].to_list()
    # Each with what its chart marker needs: its bound, status and checks.
    assert set(data.STANDING_COLUMNS) <= set(claims.columns)
    cnbc = claims.filter(pl.col("claim_id") == "cnbc-v3-final-run-cost").row(0, named=True)
    assert cnbc["outlet"] == "CNBC" and cnbc["status"] == "current"


def test_the_deepseek_story_reconciles(reader: Reader, newest: int) -> None:
    """$5.576M sits on the rental line; $1.6B and $944M inside the fleet estimates."""
    rows = reader.reconciliation(newest, ["deepseek-v3", "deepseek"])

    def row(claim_id: str, estimator: str) -> dict[str, Any]:
        return rows.filter(
            (pl.col("claim_id") == claim_id) & (pl.col("estimator") == estimator)
        ).row(0, named=True)

    assert row("v3-training-cost-final-run", "cloud_rental")["ratio"] == pytest.approx(1.0)
    assert row("semianalysis-server-capex", "fleet_ownership")["inside_range"]
    assert row("semianalysis-operating-cost", "fleet_ownership")["inside_range"]


def test_an_earlier_snapshot_shows_what_was_known_then(reader: Reader, newest: int) -> None:
    before_estimates = 30
    assert reader.estimates(before_estimates, ["deepseek-v3"]).is_empty()
    assert reader.subjects(10)["claims"].sum() < reader.subjects(newest)["claims"].sum()


def test_window_claims_include_the_next_days_reports(reader: Reader, newest: int) -> None:
    claims = reader.window_claims(
        newest, ["NVDA", "nvidia-broadcom"], Window(dt.date(2025, 1, 27), dt.date(2025, 1, 27))
    )
    assert {"nvda-mcap-change-bloomberg", "cnbc-nvidia-broadcom-mcap-change"} <= set(
        claims["claim_id"]
    )


def test_the_claims_grid_reads_one_filtered_sorted_page(reader: Reader, newest: int) -> None:
    kinds = {"subject": "text", "value": "number", "stated_on": "date", "claim_id": "text"}
    where, params = grid_sql.where(
        {
            "subject": {"filterType": "text", "type": "equals", "filter": "DeepSeek-V3"},
            "value": {"filterType": "number", "type": "greaterThan", "filter": 1e6},
        },
        kinds,
    )
    order = grid_sql.order_by([{"colId": "value", "sort": "desc"}], kinds, '"claim_id"')
    page, total = reader.claims_page(
        newest, where=where, params=params, order_by=order, offset=0, limit=3
    )
    assert page.height == 3 and total > 3
    assert set(page["subject"]) == {"deepseek-v3"}
    assert page["value"].to_list() == sorted(page["value"].to_list(), reverse=True)


def test_a_revised_claim_has_two_versions_and_shows_in_the_diff(
    reader: Reader, newest: int
) -> None:
    versions = reader.claim_versions(newest, REVISED_CLAIM)
    assert versions["value"].to_list() == [3.42, 3.45]
    revised_at = versions["from_snapshot"][1]
    assert versions["until_snapshot"].to_list() == [revised_at, None]
    changed = reader.diff(revised_at - 1, revised_at)["claims"]
    row = changed.filter(pl.col("claim_id") == REVISED_CLAIM).row(0, named=True)
    assert row["change"] == "changed" and "value" in row["changed_columns"]
    assert (row["old_value"], row["new_value"]) == (3.42, 3.45)


def test_estimate_moves_compare_two_snapshots(reader: Reader, newest: int) -> None:
    moves = reader.estimate_moves(30, newest)
    assert set(moves["change"]) == {"added"}
    same = reader.estimate_moves(newest, newest)
    assert set(same["change"]) == {"same"}
    assert same["ratio"].to_list() == pytest.approx([1.0] * same.height)


def test_readers_use_a_private_copy_of_the_catalog_and_follow_new_snapshots(
    demo_config: WarehouseConfig, tmp_path: Path
) -> None:
    from costboard.warehouse import ingest

    reader = Reader(demo_config, SimpleCache(threshold=0), warm_in_background=False)
    first = reader.latest_id()
    copy = reader.catalog_for(first)
    assert copy.catalog != demo_config.catalog and copy.data_path == demo_config.data_path
    assert Path(copy.catalog.partition(":")[2]).name == f"catalog-{first}.sqlite"
    live = Reader(demo_config, SimpleCache(threshold=0), copy_catalog=False)
    assert reader.subjects(first).equals(live.subjects(first))

    claim = tmp_path / "new.csv"
    claim.write_text(
        "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "new-claim,deepseek-v3,training_cost,final_run,6,usd_million,Tester,2025-02-01,"
        "https://example.org/new\n",
        encoding="utf-8",
    )
    written = ingest.ingest(demo_config, [claim], message="a new claim").snapshot_id
    assert written == first + 1
    reader._latest = None  # the newest id is trusted for a second; ask again now
    assert reader.latest_id() == written
    claims = reader.frame(written, "SELECT claim_id FROM {db}.claims WHERE claim_id = 'new-claim'")
    assert claims.height == 1
    assert reader.catalog_for(written).catalog.endswith(f"catalog-{written}.sqlite")
    # The older snapshot still reads as it did.
    assert reader.subjects(first).equals(live.subjects(first))


def test_old_catalog_copies_are_pruned_unless_recently_used(tmp_path: Path) -> None:
    copies = data.CatalogCopies(WarehouseConfig.resolve(tmp_path / "home"), tmp_path / "copies")
    copies.folder.mkdir()
    long_ago = time.time() - 2 * copies.KEEP_SECONDS
    for n in range(1, 7):
        path = copies.folder / f"catalog-{n}.sqlite"
        path.write_bytes(b"")
        (copies.folder / f"catalog-{n}.sqlite-wal").write_bytes(b"")
        os.utime(path, (long_ago, long_ago))
    data.CatalogCopies.touch(
        replace(copies.config, catalog=f"sqlite:{copies.folder}/catalog-2.sqlite")
    )
    copies._prune(6)
    assert sorted(p.name for p in copies.folder.glob("catalog-*.sqlite")) == [
        "catalog-2.sqlite",
        "catalog-4.sqlite",
        "catalog-5.sqlite",
        "catalog-6.sqlite",
    ]
    assert not (copies.folder / "catalog-1.sqlite-wal").exists()
