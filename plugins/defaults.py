"""The parameters several built-in estimators share, declared once (each cites its source).

No ``default_*`` module imports another (tests/plugins/test_estimator_imports.py): a default
two estimators use lives here, one used by a single estimator stays in that estimator's
module. Figures come from ../shared/reference/costfacts.md and epoch/METHOD.md. The labels an
estimate's ``assumed`` list shows are derived from the same numbers, so each is written once.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from costboard.plugins import formulas, hardware
from costboard.plugins.citations import EPOCH, EPOCH_METHOD, EPOCH_UNCERTAINTY
from costboard.plugins.distributions import Distribution
from costboard.plugins.parameters import Catalog, Parameter, is_chip_level_price

#: Row columns a method claim's qualifier (or a by_qualifier default) may name, most specific
#: first: the chip, its family ("A100", "TPU v4"), its class ("TPU" or "GPU").
CHIP_KEYS: Final = ("chip", "chip_family", "chip_class")

# --- cloud_rental and compute_6nd ------------------------------------------------------------

#: DeepSeek-V3's stated price per H800 GPU-hour (the default of both rental-priced estimators).
_DEEPSEEK_PRICE: Final = 2.0
RENTAL_PRICE = Parameter(
    "rental_price",
    _DEEPSEEK_PRICE,
    1.99,
    4.86,
    "usd_per_gpu_hour",
    f"${_DEEPSEEK_PRICE:g} per H800 GPU-hour, DeepSeek-V3 report Table 1 (Dec 2024); range: H100 "
    "at Lambda $1.99 (Jun 2023) to Google Cloud 3-yr committed $4.86 (Mar 2025), Epoch AI price "
    "table (costfacts §7)",
    metric="rental_price",
    own_scopes=("final_run",),
    chip_scopes=("market",),
    # Epoch's cloud price (vendor order, closest date, 3-year terms) for a row that carries a
    # price target (cloud_rental's rows; compute_6nd's have none and skip this level).
    catalog=Catalog(
        "Epoch AI's cloud price",
        hardware.RENTAL_CATALOG_NEEDS,
        hardware.rental_catalog,
    ),
    description="rental price of one GPU for one hour",
)
#: The ``assumed`` label of an estimate priced at the default rental price.
RENTAL_PRICE_DEFAULT: Final = f"rental_price: default (${RENTAL_PRICE.value:g} per GPU-hour)"

# --- cloud_rental and amortized_hardware_energy ----------------------------------------------

#: Dates a training start when a model states no training time.
MEDIAN_TRAINING_HOURS = Parameter(
    "median_training_hours",
    793.5,
    793.5,
    793.5,
    "hours",
    f"median training time of the models in Epoch AI's database, used when a model gives none; "
    f"{EPOCH_METHOD}",
    description="training time assumed for a model that states none (dates its start)",
)
TRAINING_TIME_MEDIAN: Final = (
    f"training time: Epoch AI's median, {MEDIAN_TRAINING_HOURS.value:g} hours"
)

# --- compute_6nd and amortized_hardware_energy -----------------------------------------------

#: Utilization and peak must share a basis: Epoch uses the BF16/FP16 dense peak first.
_LOW_PRECISION = pl.col("qualifier").str.contains("(?i)fp8|int8|fp4")

UTILIZATION = Parameter(
    "utilization",
    0.375,
    0.1,
    0.65,
    "ratio",
    f"median of 33 known MFU values, 0.375 (range 0.1-0.65), {EPOCH}",
    metric="utilization",
    own_scopes=("final_run",),
    method=True,
    # MFU measured against an FP8 peak is half the BF16 figure (costfacts §5): never mix them.
    accept=~_LOW_PRECISION.fill_null(False),
    prefer=pl.col("qualifier").str.contains("(?i)noncausal").cast(pl.Int32),
    description="model FLOP utilization against the BF16 dense peak",
)

# --- hardware_acquisition, amortized_hardware_energy and fleet_ownership ---------------------

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
    # Epoch's purchase price (a GPU family's oldest DGX price, a TPU's equivalent price) for
    # rows with the catalog's chip facts (the Epoch-method estimators'; fleet lines have none
    # and keep the latest market price, as SemiAnalysis prices a fleet).
    catalog=Catalog(
        "Epoch AI's purchase price",
        hardware.PURCHASE_CATALOG_NEEDS,
        hardware.purchase_catalog,
    ),
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
#: (citations.EPOCH_UNCERTAINTY): hardware_acquisition's range and fleet_ownership's capex range.
ACQUISITION_RANGE: Final = (0.46, 2.1)

#: Epoch AI's 90% intervals for its inputs, as distributions (shared/reference/epoch/
#: UNCERTAINTY.md, "Input 90% intervals"): factors of the central value (a price, a count), raw
#: multipliers and rates as Epoch gives them (server and interconnect overheads, the other PUE,
#: price-performance, the energy fraction), and raw values divided by their central one where
#: Epoch does that. The Monte Carlo of issue 20 draws from these; a test reproduces Epoch's
#: resulting relative intervals from them (tests/plugins/test_distributions.py).
EPOCH_INPUTS: Final = {
    "hardware_quantity": Distribution(0.8, 1.25, source=EPOCH_UNCERTAINTY),
    "training_time": Distribution(0.5, 2.0, source=EPOCH_UNCERTAINTY),
    "gpu_price": Distribution(0.5, 2.0, source=EPOCH_UNCERTAINTY),
    "tpu_price": Distribution(0.25, 4.0, source=EPOCH_UNCERTAINTY),
    "server_overhead": Distribution(1.3, 2.1, source=EPOCH_UNCERTAINTY),
    "interconnect_overhead": Distribution(1.07, 1.32, source=EPOCH_UNCERTAINTY),
    # orders of magnitude per year (Hobbhahn et al. 2023, via Epoch)
    "price_performance": Distribution(0.10, 0.18, "normal", source=EPOCH_UNCERTAINTY),
    # when chip-hours are imputed from compute / (peak x utilization)
    "training_compute": Distribution(1 / 3, 3.0, source=EPOCH_UNCERTAINTY),
    "peak_flops": Distribution(0.5, 2.0, source=EPOCH_UNCERTAINTY),
    "utilization": Distribution(
        0.10, 0.65, "normal", source=EPOCH_UNCERTAINTY, clip=(0.01, 0.99), central=0.37
    ),
    "energy_price": Distribution(0.6, 1.7, source=EPOCH_UNCERTAINTY),
    "average_power_gpu": Distribution(0.56, 1.00, source=EPOCH_UNCERTAINTY, central=0.75),
    "average_power_tpu": Distribution(0.30, 0.62, source=EPOCH_UNCERTAINTY, central=0.43),
    "pue_hyperscaler": Distribution(1.05, 1.16, source=EPOCH_UNCERTAINTY, central=1.1),
    "pue_other": Distribution(1.12, 1.4, source=EPOCH_UNCERTAINTY),
    "energy_fraction": Distribution(0.03, 0.30, source=EPOCH_UNCERTAINTY),
}
#: ``years_since`` (acquisition to training start): normal, 120 days either side of its
#: central value (UNCERTAINTY.md), in years.
EPOCH_YEARS_SINCE_SPREAD: Final = 120 / formulas.DAYS_PER_YEAR
