"""Assumptions made visible: an estimate that uses a default, an imputed value or a fallback in
place of the subject's own evidence says what in its ``assumed`` list, and the overview draws
it as an open marker whose hover lists it. No silent H100 fallback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from costboard.dashboard import views
from costboard.plugins import (
    default_amortized_hardware_energy,
    default_compute_6nd,
    default_hardware_acquisition,
)
from costboard.plugins.hardware_inputs import CHIP_UNKNOWN, TRAINING_TIME_MEDIAN
from costboard.testing import claim, make_evidence, run_plugin

DAY = dt.date(2025, 1, 1)
CHIPS = [{"subject": "h800", "name": "NVIDIA H800 SXM5", "kind": "chip"}]


def assumed(plugin: Any, *claims: dict[str, Any]) -> list[str]:
    """The ``assumed`` list of ``plugin``'s latest estimate for model ``m``."""
    evidence = make_evidence(list(claims), subjects=CHIPS, today=DAY)
    estimates, statuses = run_plugin(plugin, evidence)
    assert [s.status for s in statuses] == ["ok"], statuses
    rows = estimates.filter(pl.col("subject") == "m").sort("as_of")
    assert rows.height, "no estimate for m"
    return rows["assumed"][-1].to_list()


def run_on(chip: str) -> list[dict[str, Any]]:
    return [
        claim("m", "gpu_hours", "final_run", 2.788e6, DAY, claim_id="h"),
        claim("m", "gpu_count", "final_run", 2048, DAY, qualifier=chip, claim_id="n"),
    ]


def test_a_chip_the_catalog_does_not_know_is_marked_never_a_silent_h100() -> None:
    marks = assumed(default_amortized_hardware_energy, *run_on("tpu-v9"))
    assert CHIP_UNKNOWN in marks
    assert "purchase_price: default (DGX H100 per GPU)" in marks
    assert "power: default TDP (700 W)" in marks
    assert CHIP_UNKNOWN in assumed(default_hardware_acquisition, *run_on("tpu-v9"))


def test_a_known_chip_with_its_own_figures_assumes_only_what_is_missing() -> None:
    known = [
        *run_on("h800"),
        claim("h800", "power", "spec", 0.7, DAY, claim_id="tdp"),
        claim("h800", "purchase_price", "market", 44_750, DAY, qualifier="dgx", claim_id="p"),
    ]
    # 2.788M hours on 2,048 GPUs date the start: nothing is assumed
    assert assumed(default_amortized_hardware_energy, *known) == []
    alone = [c for c in known if c["claim_id"] != "n"]  # no count: no wall clock either
    assert TRAINING_TIME_MEDIAN in assumed(default_amortized_hardware_energy, *alone)


def test_compute_based_costs_mark_the_default_peak_and_the_median_utilization() -> None:
    flop = claim("m", "training_flop", "final_run", 3.3e24, DAY, claim_id="f")
    marks = assumed(default_compute_6nd, flop)
    assert marks == [
        "peak_flops: default (H100 989 TFLOP/s)",
        "utilization: not the model's own (Epoch AI's median 0.375)",
        "rental_price: default ($2 per GPU-hour)",
    ]
    own = [
        flop,
        claim("m", "utilization", "final_run", 0.4, DAY, claim_id="u"),
        claim("m", "rental_price", "final_run", 2.0, DAY, claim_id="r"),
        claim("m", "peak_flops", "spec", 989e12, DAY, qualifier="bf16", claim_id="pk"),
    ]
    assert assumed(default_compute_6nd, *own) == []


def test_the_overview_draws_an_assumed_point_open_and_lists_it_in_the_hover() -> None:
    rows = pl.DataFrame(
        {
            "subject": ["m", "m"],
            "metric": ["training_cost"] * 2,
            "scope": ["final_run"] * 2,
            "unit": ["usd"] * 2,
            "estimator": ["amortized_hardware_energy"] * 2,
            "estimator_version": ["1.0"] * 2,
            "as_of": [DAY, DAY + dt.timedelta(days=30)],
            "value": [1e6, 2e6],
            "low": [5e5, 1e6],
            "high": [2e6, 4e6],
            "assumed": [[], [CHIP_UNKNOWN]],
        }
    )
    panel = views.Panel("m", "training_cost", "final_run", "usd")
    no_claims = (
        rows.clear()
        .select("subject", "metric", "scope", "value", "low", "high")
        .with_columns(pl.col("value").alias("stated_on").cast(pl.Date))
    )
    figure = views.estimate_figure(panel, rows, no_claims, {})
    (line,) = [t for t in figure.data if (t.meta or {}).get("kind") == "estimate"]
    # the second point rests on an assumption, and so does the step carried to the axis's end
    assert list(line.marker.symbol) == ["circle", views.ASSUMED_SYMBOL, views.ASSUMED_SYMBOL]
    assert list(line.marker.size) == [5, 9, 0]
    assert line.customdata[0][3] == ""
    assert CHIP_UNKNOWN in line.customdata[1][3] and "assumed" in line.customdata[1][3]
    assert "%{customdata[3]}" in line.hovertemplate


def test_a_fine_tune_gets_no_final_run_cost() -> None:
    tuned = [
        claim("m", "gpu_hours", "stage", 1e5, DAY, qualifier="fine_tune", claim_id="h"),
        claim("m", "training_flop", "final_run", 1e22, DAY, claim_id="f"),
    ]
    evidence = make_evidence(tuned, subjects=CHIPS, today=DAY)
    for plugin in (default_amortized_hardware_energy, default_hardware_acquisition):
        estimates, _ = run_plugin(plugin, evidence)
        assert estimates.filter(pl.col("subject") == "m").is_empty(), plugin.NAME


def test_a_tpu_without_an_epoch_equivalent_price_gets_the_default_marked_once() -> None:
    tpus = [{"subject": "v5e", "name": "Google TPU v5e", "kind": "chip"}]
    claims = [
        *run_on("v5e"),
        claim("v5e", "power", "spec", 0.14, DAY, claim_id="tdp"),
        claim("v5e", "purchase_price", "market", 1_781, DAY, qualifier="purchase", claim_id="p"),
    ]
    evidence = make_evidence(claims, subjects=tpus, today=DAY)
    estimates, _ = run_plugin(default_hardware_acquisition, evidence)
    row = estimates.filter(pl.col("subject") == "m").sort("as_of").row(-1, named=True)
    # not Epoch's v4 equivalence, not multiplied by the server overhead a second time
    assert row["value"] == pytest.approx(2048 * 1_781 * 1.64 / 0.81)
    assert "TPU-equivalent" not in " ".join(row["assumed"])


def test_compute_based_costs_use_a_chips_tensor_peak_before_its_plain_fp16() -> None:
    claims = [
        claim("m", "training_flop", "final_run", 3.3e24, DAY, qualifier="h800", claim_id="f"),
        claim("h800", "peak_flops", "spec", 989e12, DAY, qualifier="bf16", claim_id="a"),
        claim("h800", "peak_flops", "spec", 134e12, DAY, qualifier="fp16", claim_id="z"),
    ]
    evidence = make_evidence(claims, subjects=CHIPS, today=DAY)
    estimates, _ = run_plugin(default_compute_6nd, evidence)
    row = estimates.filter(pl.col("subject") == "m").sort("as_of").row(-1, named=True)
    assert "989000000000000" in row["note"] or "9.89e+14" in row["note"]
