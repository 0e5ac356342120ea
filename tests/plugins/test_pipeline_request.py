"""The pipeline called directly: a typed request in (a snapshot, an evidence date), the
evidence it pins and the estimates it stores out; and the one run's result and windows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from costboard import Estimator, hookimpl
from costboard.plugins import default_cloud_rental, pipeline
from costboard.plugins.manager import PluginManager
from costboard.plugins.pipeline import EstimateRequest
from costboard.plugins.windows import Window
from costboard.testing import sample_evidence
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write

TODAY = dt.date(2026, 1, 1)
#: After the V3 report (2024-12-27), before the outlet's later figure (2025-03-01).
UNTIL = dt.date(2025, 1, 31)
SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-27,
h800,NVIDIA H800,chip,NVIDIA,,,
"""
HEADER = "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url\n"
V3 = "https://arxiv.org/abs/2412.19437"
# The V3 report's figures, and a later final-run figure (a made-up claim for the test).
FIRST = (
    HEADER
    + f"""v3-gpu-hours,deepseek-v3,gpu_hours,final_run,,2788,gpu_hours_thousand,DeepSeek-AI,2024-12-27,{V3}
v3-gpu-count,deepseek-v3,gpu_count,final_run,h800,2048,count,DeepSeek-AI,2024-12-27,{V3}
v3-price,deepseek-v3,rental_price,final_run,h800,2,usd_per_gpu_hour,DeepSeek-AI,2024-12-27,{V3}
later-hours,deepseek-v3,gpu_hours,final_run,,3000,gpu_hours_thousand,DeepSeek-AI,2025-03-01,{V3}
"""
)
# A second snapshot: Epoch AI's DGX H800 price.
SECOND = (
    HEADER
    + """h800-dgx,h800,purchase_price,market,dgx_per_gpu,44750,usd_per_gpu,Epoch AI,2025-02-21,https://github.com/epoch-research/training-cost-trends
"""
)


def ingested(config: WarehouseConfig, *files: Path) -> int:
    result = ingest.ingest(config, list(files), message="claims", author="t", today=TODAY)
    assert result.snapshot_id is not None
    return result.snapshot_id


@pytest.fixture
def first(config: WarehouseConfig, tmp_path: Path) -> int:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    return ingested(config, subjects, write(tmp_path / "first.csv", FIRST))


@pytest.fixture
def second(config: WarehouseConfig, first: int, tmp_path: Path) -> int:
    return ingested(config, write(tmp_path / "second.csv", SECOND))


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])


@pytest.mark.catalogs
def test_an_evidence_date_cuts_the_evidence_and_is_its_today(
    config: WarehouseConfig, first: int
) -> None:
    whole = pipeline.estimate(config, EstimateRequest())
    assert whole is not None and "later-hours" in whole.evidence.claim_ids
    cut = pipeline.estimate(config, EstimateRequest(evidence_until=UNTIL))
    assert cut is not None
    assert cut.snapshot_id == first
    assert cut.evidence.today == UNTIL
    assert "later-hours" not in cut.evidence.claim_ids
    assert {"v3-gpu-hours", "v3-price"} <= cut.evidence.claim_ids
    assert cut.run.estimates["as_of"].max() <= UNTIL
    assert whole.run.estimates["as_of"].max() > UNTIL


@pytest.mark.catalogs
def test_an_evidence_date_after_the_snapshot_leaves_today_the_day_it_was_written(
    config: WarehouseConfig, first: int
) -> None:
    with lake.connect(config) as connection:
        written = connection.execute(
            "SELECT CAST(timezone('UTC', snapshot_time) AS DATE) FROM snapshots "
            "WHERE snapshot_id = ?",
            [first],
        ).fetchone()[0]
        later = pipeline.evidence_snapshot(connection, until=written + dt.timedelta(days=400))
        cut = pipeline.evidence_snapshot(connection, until=UNTIL)
    assert later == pipeline.EvidenceSnapshot(first, written, written + dt.timedelta(days=400))
    assert cut == pipeline.EvidenceSnapshot(first, UNTIL, UNTIL)


@pytest.mark.catalogs
def test_a_snapshot_pins_the_evidence_snapshot(
    config: WarehouseConfig, first: int, second: int
) -> None:
    then = pipeline.estimate(config, EstimateRequest(at=first))
    now = pipeline.estimate(config, EstimateRequest())
    assert then is not None and now is not None
    assert (then.snapshot_id, now.snapshot_id) == (first, second)
    assert "h800-dgx" not in then.evidence.claim_ids
    assert "h800-dgx" in now.evidence.claim_ids
    # A ref names it as well as an id does.
    by_text = pipeline.estimate(config, EstimateRequest(at=str(first)))
    assert by_text is not None and by_text.snapshot_id == first


@pytest.mark.catalogs
def test_store_keys_the_estimates_by_their_evidence_snapshot_and_a_repeat_writes_nothing(
    config: WarehouseConfig, first: int, second: int
) -> None:
    estimated = pipeline.estimate(config, EstimateRequest(at=first))
    assert estimated is not None
    result = pipeline.store(config, estimated, author="t")
    assert result.wrote
    with lake.connect(config) as connection:
        keys = connection.execute(
            "SELECT DISTINCT input_snapshot_id FROM estimate_records"
        ).fetchall()
        message = connection.execute(
            "SELECT message FROM snapshots ORDER BY snapshot_id DESC LIMIT 1"
        ).fetchone()[0]
    assert keys == [(first,)]
    assert message.endswith(f"estimators from evidence snapshot {first}")
    again = pipeline.estimate(config, EstimateRequest(at=first))
    assert again is not None
    assert not pipeline.store(config, again, author="t").wrote


@pytest.mark.catalogs
def test_store_refuses_estimates_cut_at_an_evidence_date(
    config: WarehouseConfig, first: int
) -> None:
    estimated = pipeline.estimate(config, EstimateRequest(evidence_until=UNTIL))
    assert estimated is not None and not estimated.run.estimates.is_empty()
    before = snapshot_count(config)
    for dry_run in (False, True):
        with pytest.raises(ValueError, match="until 2025-01-31 are not stored"):
            pipeline.store(config, estimated, dry_run=dry_run)
    assert snapshot_count(config) == before


@pytest.mark.catalogs
def test_a_warehouse_with_no_evidence_estimates_nothing(config: WarehouseConfig) -> None:
    assert pipeline.estimate(config, EstimateRequest()) is None


class Broken:
    @hookimpl
    def costboard_estimators(self) -> list[Estimator]:
        def estimate(evidence: Any, params: Any) -> pl.DataFrame:
            raise RuntimeError("broken on purpose")

        return [Estimator("broken", "1", estimate, (("training_cost", "final_run"),))]


def test_a_run_names_what_failed_and_what_completed() -> None:
    manager = PluginManager(entry_points=False)
    manager.register(default_cloud_rental, name="cloud_rental")
    manager.register(Broken(), name="broken")
    run = pipeline.run_estimators(sample_evidence(), manager=manager)
    estimates, statuses = run  # still reads as the (estimates, statuses) pair
    assert [s.estimator for s in run.failed] == ["broken"]
    assert run.complete == ["cloud_rental"]
    assert set(estimates["estimator"]) == {"cloud_rental"}
    assert {s.estimator: s.status for s in statuses} == {"cloud_rental": "ok", "broken": "error"}


def test_a_window_is_a_start_end_pair_and_a_reversed_one_is_refused() -> None:
    start, end = dt.date(2025, 1, 24), dt.date(2025, 1, 27)
    window = Window(start, end)
    assert window == (start, end) and (window.start, window.end) == (start, end)
    with pytest.raises(ValueError, match="window start 2025-01-27 is after its end 2025-01-24"):
        pipeline.run_estimators(
            sample_evidence(), windows=[(end, start)], manager=PluginManager(entry_points=False)
        )
