"""Estimates in the warehouse: `costboard estimate`, the estimates and reconciliation views,
lineage, idempotence, --as-of, --explain, and `costboard plugins`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from costboard import Estimator, hookimpl
from costboard.plugins import default_cloud_rental
from costboard.testing import costboard_plugin  # noqa: F401  (the fixture)
from costboard.warehouse import estimates, history, ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

pytestmark = pytest.mark.catalogs

TODAY = dt.date(2026, 1, 1)
SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-27,
h800,NVIDIA H800,chip,NVIDIA,,,
ml-hardware,ML accelerators,chip,,,,
"""
HEADER = (
    "claim_id,subject,metric,scope,qualifier,value,low,high,unit,claimant,stated_on,source_url\n"
)
V3 = "https://arxiv.org/abs/2412.19437"
CLAIMS = (
    HEADER
    + f"""v3-gpu-hours,deepseek-v3,gpu_hours,final_run,,2788,,,gpu_hours_thousand,DeepSeek-AI,2024-12-27,{V3}
v3-gpu-count,deepseek-v3,gpu_count,final_run,h800,2048,,,count,DeepSeek-AI,2024-12-27,{V3}
v3-price,deepseek-v3,rental_price,final_run,h800,2,,,usd_per_gpu_hour,DeepSeek-AI,2024-12-27,{V3}
v3-cost,deepseek-v3,training_cost,final_run,,5.576,,,usd_million,DeepSeek-AI,2024-12-27,{V3}
v3-params,deepseek-v3,active_params,spec,,37,,,params_billion,DeepSeek-AI,2024-12-27,{V3}
v3-tokens,deepseek-v3,training_tokens,final_run,,14.8,,,tokens_trillion,DeepSeek-AI,2024-12-27,{V3}
h800-cr8dl,h800,rental_price,market,cr8dl,3.42,,,usd_per_gpu_hour,Epoch AI,2024-08-31,https://github.com/epoch-research/training-cost-trends
"""
)
LATER = (
    HEADER
    + """h800-dgx,h800,purchase_price,market,dgx_per_gpu,44750,,,usd_per_gpu,Epoch AI,2025-02-21,https://github.com/epoch-research/training-cost-trends
"""
)


def load(config: WarehouseConfig, tmp_path: Path, name: str, text: str, message: str) -> int:
    files = [write(tmp_path / f"{name}.csv", text)]
    if name == "claims":
        files.insert(0, write(tmp_path / "subjects.csv", SUBJECTS))
    result = ingest.ingest(config, files, message=message, author="tests", today=TODAY)
    assert result.snapshot_id is not None
    return result.snapshot_id


@pytest.fixture
def evidence_snapshot(config: WarehouseConfig, tmp_path: Path) -> int:
    return load(config, tmp_path, "claims", CLAIMS, "the V3 report")


def query(config: WarehouseConfig, sql: str, snapshot_id: int | None = None) -> pl.DataFrame:
    with lake.connect(config, snapshot_id=snapshot_id) as connection:
        return connection.execute(sql).pl()


def snapshot_count(config: WarehouseConfig) -> int:
    return query(config, "SELECT count(*) AS n FROM snapshots")["n"][0]


def test_estimate_stores_every_estimator_keyed_by_the_input_snapshot(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    result = cli("estimate")
    assert result.exit_code == 0, result.output
    assert "estimate_records +" in result.output
    stored = query(config, "SELECT * FROM estimates")
    assert set(stored["snapshot_id"]) == {evidence_snapshot}
    assert {
        "cloud_rental",
        "compute_6nd",
        "amortized_hardware_energy",
        "hardware_acquisition",
    } <= set(stored["estimator"])
    for column in (
        "subject",
        "as_of",
        "estimator",
        "estimator_version",
        "metric",
        "scope",
        "value",
        "low",
        "high",
        "snapshot_id",
        "inputs",
    ):
        assert column in stored.columns
    kinds = query(config, "SELECT kind, message FROM snapshots ORDER BY snapshot_id DESC LIMIT 1")
    assert kinds["kind"][0] == "estimate"
    assert kinds["message"][0].startswith("estimate: ")


def test_running_estimate_twice_on_the_same_data_writes_nothing(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    assert cli("estimate", "-m", "first run").exit_code == 0
    before = snapshot_count(config)
    again = cli("estimate")
    assert again.exit_code == 0
    assert "nothing new" in again.output
    assert snapshot_count(config) == before


def test_estimate_dry_run_reports_and_writes_nothing(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    before = snapshot_count(config)
    result = cli("estimate", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert snapshot_count(config) == before
    assert query(config, "SELECT count(*) AS n FROM estimate_records")["n"][0] == 0


def test_each_stored_estimate_names_real_claims_of_its_input_snapshot(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    cli("estimate")
    inputs = query(config, "SELECT DISTINCT unnest(inputs) AS claim_id FROM estimates")
    claims = query(config, "SELECT claim_id FROM claim_records", snapshot_id=evidence_snapshot)
    assert inputs.height > 0
    assert set(inputs["claim_id"]) <= set(claims["claim_id"])


def test_writing_estimates_or_tags_is_not_new_evidence(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    cli("estimate")
    with lake.connect(config) as connection:
        history.tag(config, connection, "reviewed", None, author="tests")
    with lake.connect(config) as connection:
        assert estimates.input_snapshot_id(connection) == evidence_snapshot
    assert "nothing new" in cli("estimate").output


def test_new_evidence_gives_new_estimates_and_the_view_shows_the_latest(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall, tmp_path: Path
) -> None:
    cli("estimate")
    later = load(config, tmp_path, "later", LATER, "an H800 price")
    cli("estimate")
    stored = query(config, "SELECT * FROM estimates")
    assert set(stored["snapshot_id"]) == {later}
    acquisition = stored.filter(
        (pl.col("estimator") == "hardware_acquisition") & (pl.col("as_of") == dt.date(2025, 2, 21))
    )
    assert acquisition["value"][0] == pytest.approx(2048 * 44_750 / 0.81)
    # The earlier estimates stay stored, under their own input snapshot.
    older = query(
        config,
        f"SELECT count(*) AS n FROM estimate_records WHERE input_snapshot_id = {evidence_snapshot}",
    )
    assert older["n"][0] > 0


def test_estimate_as_of_an_older_snapshot_uses_only_its_evidence(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall, tmp_path: Path
) -> None:
    load(config, tmp_path, "later", LATER, "an H800 price")
    result = cli("estimate", "--as-of", str(evidence_snapshot))
    assert result.exit_code == 0, result.output
    assert f"evidence snapshot {evidence_snapshot}" in result.output
    stored = query(config, "SELECT DISTINCT input_snapshot_id, as_of FROM estimate_records")
    assert set(stored["input_snapshot_id"]) == {evidence_snapshot}
    assert dt.date(2025, 2, 21) not in stored["as_of"].to_list()


def test_reconciliation_compares_each_claim_with_each_estimate_at_its_date(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    cli("estimate")
    rows = query(
        config,
        "SELECT claim_id, subject, estimator, claim_value, value, low, high, ratio, inside_range "
        "FROM reconciliation WHERE claim_id = 'v3-cost'",
    )
    rental = rows.filter(pl.col("estimator") == "cloud_rental").row(0, named=True)
    assert rental["claim_value"] == 5.576e6
    assert rental["ratio"] == pytest.approx(1.0)
    assert rental["inside_range"] is True
    assert {"compute_6nd", "amortized_hardware_energy"} <= set(rows["estimator"])


def test_explain_prints_the_estimates_and_the_reconciliation_as_tables(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    cli("estimate")
    before = snapshot_count(config)
    result = cli("estimate", "--explain", "deepseek-v3")
    assert result.exit_code == 0, result.output
    for text in ("cloud_rental", "compute_6nd", "v3-cost", "inside_range", "ratio"):
        assert text in result.output
    # the two frames, each row named by its frame, and a title that names both
    rows = result.output.split("each claim against the estimates", 1)[1]
    assert "at_claim_date (in force when it was made) and latest" in " ".join(rows.split())
    assert "│ latest" in rows and "│ at_claim_d" in rows
    assert snapshot_count(config) == before  # --explain computes and writes nothing


def test_explain_names_an_unknown_subject_with_a_suggestion(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    result = cli("estimate", "--explain", "deepseek-v4")
    assert result.exit_code == 1
    assert "unknown subject 'deepseek-v4'" in result.output


def test_estimate_on_an_empty_warehouse_says_there_is_no_evidence(
    config: WarehouseConfig, cli: CliCall
) -> None:
    result = cli("estimate")
    assert result.exit_code == 0
    assert "no evidence yet" in result.output


def test_plugins_json_lists_every_built_in_with_its_status(
    config: WarehouseConfig, evidence_snapshot: int, cli: CliCall
) -> None:
    result = cli("plugins", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    for name in (
        "cloud_rental",
        "amortized_hardware_energy",
        "hardware_acquisition",
        "fleet_ownership",
        "compute_6nd",
        "market_cap_move",
    ):
        assert rows[name]["distribution"] == "costboard"
        assert rows[name]["hooks"] == ["costboard_estimators"]
        assert rows[name]["status"] == "ok"
        assert rows[name]["error"] is None
    assert rows["cloud_rental"]["rows"] > 0
    table = cli("plugins", "--no-run")
    for header in ("name", "version", "distribution", "hooks", "status", "last error"):
        assert header in table.output


def test_a_plugin_registered_for_one_test_shows_up_with_its_estimates(
    config: WarehouseConfig,
    evidence_snapshot: int,
    cli: CliCall,
    costboard_plugin,  # noqa: F811
) -> None:
    class Doubled:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            def estimate(evidence: Any, params: Any) -> pl.DataFrame:
                rental = default_cloud_rental.estimate(evidence, params)
                return rental.with_columns(pl.col("value", "low", "high") * 2)

            return [
                Estimator(
                    "doubled_rental",
                    "1",
                    estimate,
                    (("training_cost", "final_run"),),
                    default_cloud_rental.ESTIMATOR.parameters,
                )
            ]

    costboard_plugin(Doubled(), name="doubled")
    listed = {r["name"]: r for r in json.loads(cli("plugins", "--json").output)}
    assert listed["doubled_rental"]["status"] == "ok"
    cli("estimate")
    stored = query(config, "SELECT value FROM estimates WHERE estimator = 'doubled_rental'")
    assert 2 * 5.576e6 in stored["value"].to_list()


def test_the_fixture_removed_the_plugin_after_its_test() -> None:
    from costboard.plugins.manager import get_manager

    assert "doubled" not in get_manager().records


def test_a_failing_plugin_is_shown_and_the_others_are_still_stored(
    config: WarehouseConfig,
    evidence_snapshot: int,
    cli: CliCall,
    costboard_plugin,  # noqa: F811
) -> None:
    class Failing:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            def estimate(evidence: Any, params: Any) -> pl.DataFrame:
                raise ZeroDivisionError("division by zero")

            return [Estimator("always_fails", "1", estimate, (("training_cost", "final_run"),))]

    costboard_plugin(Failing(), name="failing")
    result = cli("estimate")
    assert result.exit_code == 3  # some plugin failed; the others' estimates are stored
    assert "warning: always_fails: error: ZeroDivisionError" in result.output
    assert "cloud_rental" in set(query(config, "SELECT estimator FROM estimates")["estimator"])
    plugins = cli("plugins", "--json")
    assert plugins.exit_code == 3
    listed = {r["name"]: r for r in json.loads(plugins.output)}
    assert listed["always_fails"]["status"] == "error"
    assert "ZeroDivisionError" in listed["always_fails"]["error"]


def test_a_new_estimator_version_replaces_its_rows_in_the_view(
    config: WarehouseConfig,
    evidence_snapshot: int,
    cli: CliCall,
    costboard_plugin,  # noqa: F811
) -> None:
    version = {"value": "1"}

    class Versioned:
        @hookimpl
        def costboard_estimators(self) -> list[Estimator]:
            return [
                Estimator(
                    "versioned",
                    version["value"],
                    default_cloud_rental.estimate,
                    (("training_cost", "final_run"),),
                    default_cloud_rental.ESTIMATOR.parameters,
                )
            ]

    from costboard.plugins.manager import get_manager

    costboard_plugin(Versioned(), name="versioned")
    cli("estimate")
    version["value"] = "2"
    get_manager().refresh()  # the plugin changed in place: collect its estimators again
    result = cli("estimate")
    assert "estimate_records +" in result.output and " -" in result.output
    versions = query(
        config, "SELECT DISTINCT estimator_version FROM estimates WHERE estimator = 'versioned'"
    )
    assert versions["estimator_version"].to_list() == ["2"]


def test_stored_window_moves_survive_a_later_run_without_windows(
    config: WarehouseConfig, cli: CliCall, tmp_path: Path
) -> None:
    subjects = SUBJECTS + "NVDA,Nvidia,ticker,,,,\n"
    claims = HEADER + (
        "nvda-shares,NVDA,shares_outstanding,market,,24.804,,,shares_billion,Macrotrends,"
        "2025-01-26,https://pro.macrotrends.net/stocks/charts/NVDA/nvidia/shares-outstanding\n"
    )
    prices = (
        "date,ticker,close,source_url\n"
        "2025-01-24,NVDA,142.6069,https://example.org/nvda.csv\n"
        "2025-01-27,NVDA,118.4091,https://example.org/nvda.csv\n"
    )
    files = [
        write(tmp_path / "subjects.csv", subjects),
        write(tmp_path / "claims.csv", claims),
        write(tmp_path / "prices.csv", prices),
    ]
    ingest.ingest(config, files, message="NVDA", author="tests", today=TODAY)
    result = cli("estimate", "--window", "2025-01-27:2025-01-27")
    assert result.exit_code == 0, result.output
    window = query(config, "SELECT value FROM estimates WHERE scope = 'window'")
    assert window["value"].to_list() == pytest.approx([(118.4091 - 142.6069) * 24.804e9])
    assert "nothing new" in cli("estimate").output
