"""hardware_acquisition: Epoch AI's up-front cost of the training cluster, interconnect included.

Epoch AI's second method (costfacts §4): GPUs x server-level price per GPU / (1 - 0.19), the
interconnect being 19% of the cluster's cost. The GPU count is the final_run gpu_count claim,
else GPU-hours / training time. No depreciation: this is the purchase, not its use. The range
is Epoch AI's 90% interval for acquisition costs: 0.46x to 2.1x.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from costboard import hookimpl
from costboard.plugins import formulas, hardware_inputs, inputs
from costboard.plugins.citations import EPOCH, EPOCH_METHOD, EPOCH_UNCERTAINTY
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameter, Parameters, is_chip_level_price

NAME = "hardware_acquisition"
VERSION = "1.0"

#: Row columns a method claim's qualifier (or a by_qualifier default) may name, most specific
#: first: the chip, its family ("A100", "TPU v4"), its class ("TPU" or "GPU").
CHIP_KEYS: Final = ("chip", "chip_family", "chip_class")

# The purchase price, server overhead and interconnect share are also amortized_hardware_energy's
# (all three) and fleet_ownership's (price and overhead), which import them from here.
PURCHASE_PRICE = Parameter(
    "purchase_price",
    33750.0,
    16875.0,
    67500.0,
    "usd_per_gpu",
    "DGX H100 ~$270,000 / 8 GPUs = $33,750 per GPU incl. server, SemiAnalysis (May 2023) via "
    "Epoch AI's price table; range 0.5x-2x, Epoch AI GPU price uncertainty (costfacts §4, §7); "
    f"TPUs, which are not sold: Epoch AI's equivalent chip prices, v1 $5,463, v2 $5,054, v3 "
    f"$5,276, v4 $5,167, {EPOCH_METHOD}",
    metric="purchase_price",
    own_scopes=("final_run", "cluster_capex"),
    chip_scopes=("market",),
    # A chip database's release price is dated by its revision, not the release: not a price.
    accept=(pl.col("qualifier") != "release_price").fill_null(True),
    # Server-level prices (DGX/HGX per GPU, listings) are what Epoch amortizes; prefer them.
    prefer=is_chip_level_price(pl.col("qualifier")).cast(pl.Int32),
    dated=dt.date(2023, 5, 31),
    method_qualifiers=("chip_family",),
    by_qualifier={"TPU v1": 5463.0, "TPU v2": 5054.0, "TPU v3": 5276.0, "TPU v4": 5167.0},
    description="purchase price per GPU at server level (a chip-only price gets server_overhead)",
)
SERVER_OVERHEAD = Parameter(
    "server_overhead",
    1.64,
    1.3,
    2.1,
    "ratio",
    f"server cost over chip price, default 1.64 (uncertainty 1.3-2.1), {EPOCH}; A100 1.66, V100 "
    f"1.69, P100 1.54, {EPOCH_METHOD}",
    metric="server_overhead",
    method=True,
    method_qualifiers=CHIP_KEYS,
    by_qualifier={"A100": 1.66, "V100": 1.69, "P100": 1.54},
    description="server cost over chip price, applied to chip-only purchase prices",
)
INTERCONNECT_FRACTION = Parameter(
    "interconnect_fraction",
    0.19,
    1 - 1 / 1.07,
    1 - 1 / 1.32,
    "ratio",
    f"cluster interconnect = 19% of cluster cost; range from interconnect overhead 1.07-1.32x, "
    f"{EPOCH}",
    metric="interconnect_fraction",
    method=True,
    description="share of the cluster's cost spent on interconnect",
)

#: Epoch AI's 90% interval for the acquisition cost (GPU), relative to the central value
#: (:data:`EPOCH_UNCERTAINTY`); fleet_ownership's capex range too.
ACQUISITION_RANGE: Final = (0.46, 2.1)

PARAMETERS = (PURCHASE_PRICE, SERVER_OVERHEAD, INTERCONNECT_FRACTION)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence)
    hours_per_gpu = pl.when(pl.col("training_duration") > 0).then(
        pl.col("gpu_hours") / pl.col("training_duration")
    )
    rows = run.with_columns(
        pl.coalesce("gpu_count", hours_per_gpu).alias("gpus"),
        pl.when(pl.col("gpu_count").is_not_null())
        .then(claim_ids("gpu_count_claim_id"))
        .otherwise(claim_ids("gpu_hours_claim_ids", "training_duration_claim_id"))
        .alias("gpus_claim_ids"),
    ).filter(pl.col("gpus").is_not_null())
    rows = inputs.subject_facts(rows, evidence)
    rows = hardware_inputs.hardware_price(
        params.attach(rows, evidence, *(p.name for p in PARAMETERS)), evidence, params
    ).with_columns(
        formulas.cluster_cost(
            pl.col("gpus") * pl.col("server_price"), pl.col("interconnect_fraction")
        ).alias("total")
    )
    low_factor, high_factor = ACQUISITION_RANGE
    return to_estimates(
        rows,
        metric="server_capex",
        scope="cluster_capex",
        value=pl.col("total"),
        low=pl.col("total") * low_factor,
        high=pl.col("total") * high_factor,
        parameters=[p.name for p in PARAMETERS],
        derived={"gpus": pl.col("gpus"), "server_price": pl.col("server_price")},
        inputs=["gpus_claim_ids"],
        assumed=hardware_inputs.hardware_assumptions(),
        note=pl.format(
            "{} GPUs x ${} / (1 - {}): buying the training cluster; range {}x-{}x ({})",
            pl.col("gpus").round(0),
            pl.col("server_price").round(2),
            pl.col("interconnect_fraction"),
            pl.lit(low_factor),
            pl.lit(high_factor),
            pl.lit(EPOCH_UNCERTAINTY),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("server_capex", "cluster_capex"),),
    parameters=PARAMETERS,
    description="Epoch AI's up-front cost of the training cluster, interconnect included.",
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
