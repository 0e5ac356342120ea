"""`costboard diff --table estimates`: the estimates that moved between two snapshots, by the
same rule as the dashboard's history page (warehouse/estimates.py: newest_per_series, moves)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.data import Reader
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

TODAY = dt.date(2026, 1, 1)
SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-27,
h800,NVIDIA H800,chip,NVIDIA,,,
"""
HEADER = "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url\n"
V3 = "https://arxiv.org/abs/2412.19437"
EPOCH = "https://github.com/epoch-research/training-cost-trends"
CLAIMS = (
    HEADER
    + f"""v3-gpu-hours,deepseek-v3,gpu_hours,final_run,,2788,gpu_hours_thousand,DeepSeek-AI,2024-12-27,{V3}
v3-gpu-count,deepseek-v3,gpu_count,final_run,h800,2048,count,DeepSeek-AI,2024-12-27,{V3}
v3-price,deepseek-v3,rental_price,final_run,h800,2,usd_per_gpu_hour,DeepSeek-AI,2024-12-27,{V3}
"""
)
# A DGX H800 price (Epoch AI's table): the hardware estimators' newest deepseek-v3 value moves.
LATER = (
    HEADER
    + f"h800-dgx,h800,purchase_price,market,dgx_per_gpu,44750,usd_per_gpu,Epoch AI,2025-02-21,{EPOCH}\n"
)


def newest(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])


@pytest.fixture
def two_runs(config: WarehouseConfig, tmp_path: Path, cli: CliCall) -> tuple[int, int]:
    """The snapshots of two estimate runs, a new H800 price between them."""
    files = [write(tmp_path / "subjects.csv", SUBJECTS), write(tmp_path / "claims.csv", CLAIMS)]
    ingest.ingest(config, files, message="the V3 report", author="t", today=TODAY)
    assert cli("estimate").exit_code == 0
    first = newest(config)
    later = [write(tmp_path / "later.csv", LATER)]
    ingest.ingest(config, later, message="an H800 price", author="t", today=TODAY)
    assert cli("estimate").exit_code == 0
    return first, newest(config)


def diff_rows(cli: CliCall, *args: str) -> list[dict[str, str]]:
    result = cli("diff", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_diff_lists_an_estimate_that_moved_between_two_snapshots(
    two_runs: tuple[int, int], cli: CliCall
) -> None:
    old, new = two_runs
    rows = diff_rows(cli, str(old), str(new), "--table", "estimates")
    assert rows and {r["table"] for r in rows} == {"estimates"}
    moved = [
        r
        for r in rows
        if r["subject"] == "deepseek-v3" and r["estimator"] == "hardware_acquisition"
    ]
    assert len(moved) == 1
    row = moved[0]
    assert row["change"] == "changed" and "value" in row["changed_columns"].split(";")
    assert float(row["old_value"]) != float(row["new_value"])
    assert float(row["ratio"]) == pytest.approx(float(row["new_value"]) / float(row["old_value"]))
    # cloud_rental uses no chip price: it did not move, so diff does not list it.
    assert not [r for r in rows if r["estimator"] == "cloud_rental"]


def test_diff_estimates_agree_with_the_history_page(
    two_runs: tuple[int, int], cli: CliCall, config: WarehouseConfig
) -> None:
    old, new = two_runs
    rows = diff_rows(cli, str(old), str(new), "--table", "estimates")
    page = Reader(config, SimpleCache(threshold=0), warm_in_background=False)
    try:
        moves = page.estimate_moves(old, new).filter(pl.col("change") != "same")
    finally:
        page.close()
    keys = ("change", "subject", "estimator", "metric", "scope")
    assert sorted(tuple(r[k] for k in keys) for r in rows) == sorted(moves.select(keys).rows())


def test_diff_estimates_between_no_estimates_and_a_run_lists_them_added(
    two_runs: tuple[int, int], cli: CliCall
) -> None:
    old, new = two_runs
    rows = diff_rows(cli, str(old - 1), str(old), "--table", "estimates")
    assert rows and {r["change"] for r in rows} == {"added"}
    assert diff_rows(cli, str(new), str(new), "--table", "estimates") == []


def test_diff_table_format_shows_estimates_after_the_data(
    two_runs: tuple[int, int], cli: CliCall
) -> None:
    old, new = two_runs
    result = cli("diff", str(old), str(new))
    assert result.exit_code == 0, result.output
    claims_at, estimates_at = result.output.index("claims: "), result.output.index("estimates: ")
    assert claims_at < estimates_at
    assert "hardware_acquisition" in result.output[estimates_at:]
    csv = cli("diff", str(old), str(new), "--table", "estimates", "--format", "csv").output
    header = csv.splitlines()[0].split(",")
    assert header[:3] == ["change", "table", "subject"] and "new_value" in header
