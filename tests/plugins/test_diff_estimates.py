"""`costboard diff --table estimates`: the estimates that moved between two snapshots, by the
same rule as the dashboard's history page (warehouse/estimate_moves.py: newest_per_series,
moves): a series whose newest value moved, and one whose value stayed while the claims it used
changed (issue 19: a duration claim replaced a GPU-count input and the diff said nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
from pathlib import Path

import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.app import create_app
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

# The V3 report: pre-training "completed in less than two months" (costfacts.md). With a
# duration claimed, the amortized estimator times the run's depreciation by it in place of
# GPU-hours / GPU count; the H800 was bought after the run's start either way, so the value
# stays (the start is the acquisition date) and only the claim it used changes.
DURATION = (
    HEADER.rstrip("\n")
    + ",quote\n"
    + f"v3-duration,deepseek-v3,training_duration,final_run,,2,months,DeepSeek-AI,2024-12-27,{V3},"
    + "completed in less than two months\n"
)
INPUT_MOVE = "v3-gpu-count → v3-duration"


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


@pytest.fixture
def duration_runs(config: WarehouseConfig, tmp_path: Path, cli: CliCall) -> tuple[int, int]:
    """The snapshots of two estimate runs, a V3 duration claim between them."""
    files = [
        write(tmp_path / "subjects.csv", SUBJECTS),
        write(tmp_path / "claims.csv", CLAIMS),
        write(tmp_path / "later.csv", LATER),
    ]
    ingest.ingest(config, files, message="the V3 report, an H800 price", author="t", today=TODAY)
    assert cli("estimate").exit_code == 0
    first = newest(config)
    duration = [write(tmp_path / "duration.csv", DURATION)]
    ingest.ingest(config, duration, message="two months", author="t", today=TODAY)
    assert cli("estimate").exit_code == 0
    return first, newest(config)


def amortized(rows: list[dict[str, str]]) -> dict[str, str]:
    [row] = [r for r in rows if r["estimator"] == "amortized_hardware_energy"]
    return row


def test_diff_lists_an_estimate_whose_inputs_changed_though_its_value_did_not(
    duration_runs: tuple[int, int], cli: CliCall
) -> None:
    old, new = duration_runs
    rows = diff_rows(cli, str(old), str(new), "--table", "estimates")
    row = amortized(rows)
    assert row["change"] == "inputs changed" and row["changed_columns"] == "inputs"
    assert row["old_value"] == row["new_value"]
    assert row["inputs_change"] == INPUT_MOVE
    assert (row["inputs_removed"], row["inputs_added"]) == ("v3-gpu-count", "v3-duration")
    assert "v3-duration" in row["new_inputs"].split(";")
    assert "v3-duration" not in row["old_inputs"].split(";")
    # Every other series kept its value and its inputs: nothing else is listed.
    assert len(rows) == 1


def test_diff_csv_lists_the_input_change(duration_runs: tuple[int, int], cli: CliCall) -> None:
    old, new = duration_runs
    result = cli("diff", str(old), str(new), "--table", "estimates", "--format", "csv")
    assert result.exit_code == 0, result.output
    row = amortized(list(csv.DictReader(io.StringIO(result.output))))
    assert (row["change"], row["inputs_change"]) == ("inputs changed", INPUT_MOVE)


def test_diff_table_names_the_input_change_instead_of_no_differences(
    duration_runs: tuple[int, int], cli: CliCall
) -> None:
    old, new = duration_runs
    result = cli("diff", str(old), str(new), "--table", "estimates")
    assert result.exit_code == 0, result.output
    assert "no differences" not in result.output
    assert "estimates: 1 inputs changed" in result.output
    assert INPUT_MOVE in result.output


def test_the_history_page_shows_the_input_change(
    duration_runs: tuple[int, int], config: WarehouseConfig
) -> None:
    old, new = duration_runs
    app = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    with app.server.test_request_context("/"):
        # Dash imports the page modules when the app is made (they register themselves).
        page = importlib.import_module("costboard.dashboard.pages.history")
        _sections, rows, _state = page.compare(new, old, new)
    moved = [r for r in rows if r["change"] == "inputs changed"]
    assert [r["estimator"] for r in moved] == ["amortized_hardware_energy"]
    assert moved[0]["inputs_change"] == INPUT_MOVE
    assert moved[0]["old_value"] == moved[0]["new_value"]
    # The page's grid has a column for it (and for every other column it names).
    fields = [c["field"] for c in page.MOVE_COLUMNS]
    assert "inputs_change" in fields and set(fields) <= set(moved[0])
