"""amortized_hardware_energy: Epoch AI's primary method, the owner's cost of the chip-hours.

Following ``cost_analysis_standalone.py`` (Epoch AI, arXiv 2405.21015; costfacts §4):

- hardware value at training start: V = P x 10^(-r x years), r = 0.14 orders of magnitude a
  year, years from acquisition (the price's date, or the chip's release + 90 days if later)
  to training start (publication - training time - 60 days), never negative;
- hardware cost = V x r x ln(10) / 8,766 per chip-hour x chip-hours;
- interconnect = 19% of the cluster's cost: hardware x 0.19 / 0.81;
- energy = TDP x chip-to-server multiplier x average-power fraction x PUE x chip-hours x $/kWh
  (the electricity price of the publication year).

P is a server-level price per GPU (a chip-only price is multiplied by server_overhead). The
range is Epoch AI's 90% interval for this method: 0.34x to 3.7x the central value.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard import hookimpl
from costboard.plugins import formulas, hardware_inputs, inputs
from costboard.plugins.citations import EPOCH, EPOCH_METHOD, EPOCH_UNCERTAINTY
from costboard.plugins.defaults import (
    CHIP_KEYS,
    INTERCONNECT_FRACTION,
    MEDIAN_TRAINING_HOURS,
    PURCHASE_PRICE,
    SERVER_OVERHEAD,
    UTILIZATION,
)
from costboard.plugins.estimator import Estimator, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameter, Parameters

NAME = "amortized_hardware_energy"
VERSION = "1.0"

DEPRECIATION_RATE = Parameter(
    "depreciation_rate",
    0.14,
    0.10,
    0.18,
    "ooms_per_year",
    f"ML GPU price-performance trend, 0.14 orders of magnitude a year (0.10-0.18), {EPOCH}",
    metric="depreciation_rate",
    method=True,
    description="hardware value lost per year, in orders of magnitude",
)
POWER = Parameter(
    "power",
    0.7,
    0.7,
    0.7,
    "kw",
    "H100/H800 SXM TDP 700 W, NVIDIA H100 spec page and Epoch AI chip data (costfacts §7)",
    metric="power",
    own_scopes=("final_run", "spec"),
    chip_scopes=("spec",),
    description="chip TDP in kW",
)
SERVER_POWER_MULTIPLIER = Parameter(
    "server_power_multiplier",
    1.8,
    1.8,
    1.8,
    "ratio",
    f"chip-to-server power multiplier: GPUs 1.8 unless listed (H100 (10.2/8)/0.7, A100 "
    f"(6.5/8)/0.4, V100 ((10/16)/0.3 + (1.5/4)/0.3)/2), TPU v1 2.93, v2 1.64, v3 1.47, other "
    f"TPUs 1.56; {EPOCH_METHOD}",
    metric="server_power_multiplier",
    method=True,
    method_qualifiers=CHIP_KEYS,
    by_qualifier={
        "H100": (10.2 / 8) / 0.7,
        "A100": (6.5 / 8) / 0.4,
        "V100": ((10 / 16) / 0.3 + (1.5 / 4) / 0.3) / 2,
        "TPU v1": 2.93,
        "TPU v2": 1.64,
        "TPU v3": 1.47,
        "TPU": 1.56,
    },
    description="server power per chip over chip TDP",
)
AVERAGE_POWER_FRACTION = Parameter(
    "average_power_fraction",
    0.75,
    0.56,
    1.0,
    "ratio",
    f"average power over TDP, 0.75 for GPUs (power ratio 0.56-1.0), 0.43 for TPUs, {EPOCH}; "
    f"{EPOCH_METHOD}",
    metric="average_power_fraction",
    method=True,
    method_qualifiers=("chip_class",),
    by_qualifier={"TPU": 0.43},
    description="average power over TDP during training",
)
#: ``pue_class`` is "hyperscaler" for Epoch AI's hyperscalers (``inputs.HYPERSCALERS``).
PUE = Parameter(
    "pue",
    1.25,
    1.12,
    1.4,
    "ratio",
    f"PUE 1.25 outside hyperscalers (1.12-1.4), 1.1 for Google, DeepMind, Microsoft, Amazon, "
    f"Meta and Facebook, {EPOCH}",
    metric="pue",
    method=True,
    method_qualifiers=("pue_class",),
    by_qualifier={"hyperscaler": 1.1},
    description="power usage effectiveness of the data centre",
)
ELECTRICITY_PRICE = Parameter(
    "electricity_price",
    0.0771,
    0.0771 * 0.6,
    0.0771 * 1.7,
    "usd_per_kwh",
    f"average US industrial electricity price by year (2024: $0.0771/kWh; range 0.6-1.7x), {EPOCH}",
    metric="electricity_price",
    method=True,
    method_qualifiers=("year",),
    # US industrial electricity price, 2010-2025 (epoch/METHOD.md).
    by_year=dict(
        zip(
            range(2010, 2026),
            (
                *(0.0677, 0.0682, 0.0667, 0.0689, 0.0710, 0.0691, 0.0676, 0.0688),
                *(0.0692, 0.0681, 0.0667, 0.0718, 0.0832, 0.0806, 0.0771, 0.0826),
            ),
            strict=True,
        )
    ),
    description="electricity price by year",
)

#: Epoch AI's 90% interval for amortized hardware + energy (GPU), relative to the central value
#: (:data:`EPOCH_UNCERTAINTY`).
AMORTIZED_RANGE: Final = (0.34, 3.7)

PARAMETERS = (
    PURCHASE_PRICE,
    SERVER_OVERHEAD,
    DEPRECIATION_RATE,
    INTERCONNECT_FRACTION,
    POWER,
    SERVER_POWER_MULTIPLIER,
    AVERAGE_POWER_FRACTION,
    PUE,
    ELECTRICITY_PRICE,
    MEDIAN_TRAINING_HOURS,
    UTILIZATION,
)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = hardware_inputs.training_rows(evidence)
    rows = params.attach(
        inputs.subject_facts(run, evidence), evidence, *(p.name for p in PARAMETERS)
    )
    rows = hardware_inputs.with_own_flag(rows, evidence, UTILIZATION.name)
    rows = hardware_inputs.with_compute_hours(rows, evidence).filter(
        pl.col("gpu_hours").is_not_null()
    )
    rows = hardware_inputs.hardware_price(rows, evidence, params)
    rows = hardware_inputs.training_start(rows, evidence, params)
    rate = pl.col("depreciation_rate")
    chip_hours = pl.col("gpu_hours")
    rows = rows.with_columns(
        # The training time dates the depreciation, so its claims are inputs too.
        pl.when(pl.col("training_start_claim_id").is_not_null())
        .then(pl.col("training_start_claim_id"))
        .when(pl.col("training_duration").is_not_null())
        .then(pl.col("training_duration_claim_id"))
        .when(pl.col("wall_clock_hours").is_not_null())
        .then(pl.col("gpu_count_claim_id"))
        .alias("timing_claim_id"),
        (
            (pl.col("training_start") - pl.col("acquired_on")).dt.total_days()
            / formulas.DAYS_PER_YEAR
        )
        .clip(lower_bound=0.0)
        .fill_null(0.0)
        .alias("years_depreciated"),
    )
    rows = (
        rows.with_columns(
            formulas.depreciated_value(
                pl.col("server_price"), pl.col("years_depreciated"), rate
            ).alias("hardware_value")
        )
        .with_columns(
            formulas.cost_per_chip_hour(pl.col("hardware_value"), rate).alias("cost_per_chip_hour"),
        )
        .with_columns(
            (pl.col("cost_per_chip_hour") * chip_hours).alias("hardware_cost"),
            formulas.facility_energy_kwh(
                pl.col("power"),
                pl.col("server_power_multiplier"),
                pl.col("average_power_fraction"),
                pl.col("pue"),
                chip_hours,
            ).alias("energy_kwh"),
        )
        .with_columns(
            formulas.interconnect_cost(
                pl.col("hardware_cost"), pl.col("interconnect_fraction")
            ).alias("interconnect_cost"),
            (pl.col("energy_kwh") * pl.col("electricity_price")).alias("energy_cost"),
        )
        .with_columns(
            (pl.col("hardware_cost") + pl.col("interconnect_cost") + pl.col("energy_cost")).alias(
                "total"
            )
        )
    )
    low_factor, high_factor = AMORTIZED_RANGE
    return to_estimates(
        rows,
        metric="training_cost",
        scope="final_run",
        value=pl.col("total"),
        low=pl.col("total") * low_factor,
        high=pl.col("total") * high_factor,
        parameters=[p.name for p in PARAMETERS],
        derived={
            "chip_hours": chip_hours,
            "server_price": pl.col("server_price"),
            "acquired_on": pl.col("acquired_on"),
            "training_start": pl.col("training_start"),
            "years_depreciated": pl.col("years_depreciated"),
            "hardware_value": pl.col("hardware_value"),
            "cost_per_chip_hour": pl.col("cost_per_chip_hour"),
            "hardware_cost": pl.col("hardware_cost"),
            "interconnect_cost": pl.col("interconnect_cost"),
            "gpu_energy_kwh": formulas.gpu_energy_kwh(pl.col("power"), chip_hours),
            "energy_kwh": pl.col("energy_kwh"),
            "energy_cost": pl.col("energy_cost"),
        },
        inputs=["gpu_hours_claim_ids", "timing_claim_id"],
        assumed=hardware_inputs.hardware_assumptions(with_training_time=True, with_power=True),
        note=pl.format(
            "owner's cost: hardware ${} + interconnect ${} + energy ${}; range {}x-{}x ({})",
            pl.col("hardware_cost").round(0),
            pl.col("interconnect_cost").round(0),
            pl.col("energy_cost").round(0),
            pl.lit(low_factor),
            pl.lit(high_factor),
            pl.lit(EPOCH_UNCERTAINTY),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("training_cost", "final_run"),),
    methods=("amortized_hardware_energy",),
    parameters=PARAMETERS,
    description=(
        "Epoch AI's primary method: hardware value depreciated at 0.14 OOM/year, amortized "
        "over the chip-hours, plus cluster interconnect and energy."
    ),
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
