"""The reconciliation view's two frames, its reasons and its method matching
(warehouse/sql/25_reconciliation_view.sql, 14_claim_method_macro.sql): a claim before any
estimate, a claim after, an unmodelled metric, a subject missing an input; a claim naming a
method against the estimators of that method only, a claim naming none against all.

The estimates are stored directly (estimates.store), so no estimator's arithmetic is involved.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse import estimates, ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig
from tests.warehouse.test_reconciliation_view import estimate, store

BEFORE = dt.date(2025, 1, 1)
DAY = dt.date(2025, 1, 10)
LATER = dt.date(2025, 1, 20)
HEADER = "claim_id,subject,metric,scope,qualifier,value,unit,claimant,stated_on,source_url\n"
CLAIMS = [
    # claim_id, subject, metric, scope, qualifier, value, unit, stated_on
    ("before", "m", "training_cost", "final_run", "", "150", "usd", BEFORE),
    ("after", "m", "training_cost", "final_run", "", "150", "usd", LATER),
    ("unmodelled", "m", "hardware_spend", "fleet_capex", "", "150", "usd", DAY),
    ("m-hours", "m", "gpu_hours", "final_run", "", "1000", "gpu_hours", DAY),
    ("n-cost", "n", "training_cost", "final_run", "", "150", "usd", DAY),
    ("amortized", "m", "training_cost", "final_run", "epoch_amortized", "150", "usd", DAY),
    ("cloud", "m", "training_cost", "final_run", "epoch_cloud", "150", "usd", DAY),
    ("acquired", "m", "training_cost", "final_run", "epoch_acquisition", "150", "usd", DAY),
    ("database", "m", "training_cost", "final_run", "epoch_db", "150", "usd", DAY),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> WarehouseConfig:
    home = tmp_path_factory.mktemp("frames") / "home"
    config = WarehouseConfig.resolve(home)
    schema.create(config, author="tests")
    (home / "subjects.csv").write_text("subject,kind\nm,model\nn,model\n")
    rows = [
        f"{c},{s},{m},{sc},{q},{v},{u},someone,{d},https://a.org/{c}"
        for c, s, m, sc, q, v, u, d in CLAIMS
    ]
    (home / "claims.csv").write_text(HEADER + "\n".join(rows) + "\n")
    ingest.ingest(config, [home / "subjects.csv", home / "claims.csv"], message="c", today=LATER)
    amortized = {"methods": ["amortized_hardware_energy"], "inputs": ["m-hours"]}
    store(
        config,
        estimate(**amortized),
        estimate(as_of=LATER, value=1000.0, low=900.0, high=1100.0, **amortized),
        estimate(estimator="model_b", methods=["cloud_rental"], inputs=["m-hours"]),
    )
    return config


@pytest.fixture(scope="module")
def rows(warehouse: WarehouseConfig) -> pl.DataFrame:
    with lake.connect(warehouse) as connection:
        return pl.concat([estimates.reconciliation(connection, s) for s in ("m", "n")])


def compared(rows: pl.DataFrame, claim_id: str, frame: str) -> dict[str, float]:
    """{estimator: estimate value} of a claim's compared rows in a frame."""
    found = rows.filter(
        (pl.col("claim_id") == claim_id)
        & (pl.col("frame") == frame)
        & pl.col("estimator").is_not_null()
    )
    return dict(zip(found["estimator"], found["value"], strict=True))


def reason(rows: pl.DataFrame, claim_id: str, frame: str) -> str | None:
    found = rows.filter(
        (pl.col("claim_id") == claim_id)
        & (pl.col("frame") == frame)
        & pl.col("estimator").is_null()
    )
    return found["reason"].item() if found.height else None


def test_a_claim_before_any_estimate_is_compared_in_the_latest_frame_only(
    rows: pl.DataFrame,
) -> None:
    assert compared(rows, "before", "at_claim_date") == {}
    assert reason(rows, "before", "at_claim_date") == (
        "no estimate yet on 2025-01-01: the first is of 2025-01-10"
    )
    assert compared(rows, "before", "latest") == {"model_a": 1000.0, "model_b": 100.0}
    assert reason(rows, "before", "latest") is None


def test_a_claim_after_the_estimates_is_compared_in_both_frames(rows: pl.DataFrame) -> None:
    assert compared(rows, "after", "at_claim_date") == {"model_a": 1000.0, "model_b": 100.0}
    assert compared(rows, "after", "latest") == {"model_a": 1000.0, "model_b": 100.0}
    # A claim of DAY: the estimate in force then, and the newest one now.
    assert compared(rows, "database", "at_claim_date")["model_a"] == 100.0
    assert compared(rows, "database", "latest")["model_a"] == 1000.0


@pytest.mark.parametrize("frame", estimates.FRAMES)
def test_an_unmodelled_metric_and_a_subject_missing_an_input_say_why_in_each_frame(
    rows: pl.DataFrame, frame: str
) -> None:
    assert reason(rows, "unmodelled", frame) == "no estimator models hardware_spend fleet_capex"
    assert reason(rows, "n-cost", frame) == (
        "model_a, model_b give no estimate for n: it has no claim of gpu_hours final_run "
        "(what they used for other subjects)"
    )
    # An input claim of a metric no estimate gives is not a claim to reconcile.
    assert "m-hours" not in rows["claim_id"].to_list()


@pytest.mark.parametrize("frame", estimates.FRAMES)
def test_a_claim_naming_a_method_meets_only_the_estimators_of_that_method(
    rows: pl.DataFrame, frame: str
) -> None:
    assert set(compared(rows, "amortized", frame)) == {"model_a"}
    assert set(compared(rows, "cloud", frame)) == {"model_b"}
    assert compared(rows, "acquired", frame) == {}
    assert reason(rows, "acquired", frame) == (
        "no estimator models training_cost final_run by the hardware_acquisition method"
    )
    # epoch_db names no method: like a claim with none, it meets every estimator.
    assert set(compared(rows, "database", frame)) == {"model_a", "model_b"}
    methods = dict(zip(rows["claim_id"], rows["method"], strict=False))
    assert (methods["amortized"], methods["database"]) == ("amortized_hardware_energy", None)


def test_every_claim_has_a_row_in_each_frame(rows: pl.DataFrame) -> None:
    reconciled = {c for c, *_ in CLAIMS} - {"m-hours"}
    for frame in estimates.FRAMES:
        assert set(rows.filter(pl.col("frame") == frame)["claim_id"]) == reconciled


# --- the demo: Epoch AI's published costs are compared in the latest frame -------------------


@pytest.fixture(scope="module")
def demo(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    home = tmp_path_factory.mktemp("frames-demo") / "home"
    shutil.copytree(demo_home_template, home)
    result = CliRunner().invoke(main, ["--home", str(home), "estimate", "-m", "estimates"])
    assert result.exit_code == 0, result.output
    with lake.connect(WarehouseConfig.resolve(home)) as connection:
        return pl.concat(
            [estimates.reconciliation(connection, s) for s in ("gpt-4", "gemini-1.0-ultra")]
        )


def test_gemini_ultra_and_gpt4_cost_claims_get_latest_rows(demo: pl.DataFrame) -> None:
    latest = demo.filter((pl.col("frame") == "latest") & pl.col("estimator").is_not_null())
    for claim_id in (
        "epoch-gemini-ultra-cost-amortized",
        "epoch-gemini-ultra-cost-cloud",
        "altman-gpt-4-cost",
    ):
        assert claim_id in latest["claim_id"].to_list()
    # At the claim's date Gemini's estimates did not exist yet, and the row says so.
    assert reason(demo, "epoch-gemini-ultra-cost-amortized", "at_claim_date").startswith(
        "no estimate yet on 2024-05-31"
    )


@pytest.mark.parametrize("frame", estimates.FRAMES)
def test_epochs_amortized_claim_for_gpt4_meets_the_amortized_estimator_only(
    demo: pl.DataFrame, frame: str
) -> None:
    assert set(compared(demo, "epoch-gpt-4-cost-amortized", frame)) == {"amortized_hardware_energy"}
    assert set(compared(demo, "epoch-gpt-4-cost-cloud", frame)) == {"cloud_rental", "compute_6nd"}
