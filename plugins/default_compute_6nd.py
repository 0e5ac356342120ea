"""compute_6nd: training cost from compute, independent of any claimed GPU-hours.

FLOP = 6 x active parameters x tokens (costfacts §5; a claimed final_run training_flop stands
in when parameters or tokens are missing). GPU-hours = FLOP / (peak FLOP/s x utilization) /
3600, with the chip's peak in Epoch AI's order of precisions (hardware.peak_rank: BF16 first)
and a utilization measured on the same basis (an FP8-basis MFU is half as large and is never
mixed in). Dollars = GPU-hours x rental price.

Range: FLOP's range x utilization 0.1-0.65 (Epoch AI; a claimed MFU keeps its own range) x the
spread of rental prices. When the subject also claims GPU-hours, the estimate records the
utilization those imply (``implied_utilization``), a consistency check on the claims.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard import hookimpl
from costboard.plugins import formulas, hardware, hardware_inputs, inputs
from costboard.plugins.defaults import RENTAL_PRICE, RENTAL_PRICE_DEFAULT, UTILIZATION
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
from costboard.plugins.evidence import Evidence, pick
from costboard.plugins.parameters import Parameter, Parameters

NAME = "compute_6nd"
VERSION = "1.0"

#: The H100/H800 SXM dense BF16 peak, FLOP/s (costfacts §7): the default for an unknown chip.
_H100_BF16: Final = 989e12
PEAK_FLOPS = Parameter(
    "peak_flops",
    _H100_BF16,
    _H100_BF16,
    _H100_BF16,
    "flop_per_second",
    f"H100/H800 SXM BF16 dense peak {_H100_BF16 / 1e12:g} TFLOP/s, NVIDIA H100 spec page and "
    "Epoch AI chip data",
    metric="peak_flops",
    own_scopes=("spec", "final_run"),
    chip_scopes=("spec",),
    # The one rule for a chip's peak (hardware.peak_rank, Epoch's order of precisions), which
    # amortized_hardware_energy's chip-hours from compute use too: an A100's Tensor 312
    # TFLOP/s, not its plain-FP16 78; a GPU's plain FP16 never, a TPU's FP16 before its FP32.
    accept=hardware.peak_rank().is_not_null(),
    prefer=hardware.peak_rank(),
    description="peak dense BF16 throughput of one chip",
)
#: The ``assumed`` labels of an estimate at the default peak and utilization.
PEAK_FLOPS_DEFAULT: Final = f"peak_flops: default (H100 {PEAK_FLOPS.value / 1e12:g} TFLOP/s)"
UTILIZATION_NOT_OWN: Final = (
    f"utilization: not the model's own (Epoch AI's median {UTILIZATION.value:g})"
)

PARAMETERS = (PEAK_FLOPS, UTILIZATION, RENTAL_PRICE)


def compute(evidence: Evidence) -> pl.DataFrame:
    """Training FLOP per (subject, as_of): 6ND where N and D are known, else the claimed FLOP."""
    frame = evidence.frame
    keys = ["subject", "as_of"]
    params_n = pick(frame, "active_params", scope=["spec", "final_run"], name="n")
    tokens = pick(frame, "training_tokens", scope="final_run", name="d")
    claimed = pick(frame, "training_flop", scope="final_run", name="claimed_flop")
    hours = pick(frame, "gpu_hours", scope="final_run", name="claimed_gpu_hours")
    rows = (
        evidence.rows.join(params_n, on=keys, how="left")
        .join(tokens, on=keys, how="left")
        .join(claimed, on=keys, how="left")
        .join(hours, on=keys, how="left")
    )
    six_nd = formulas.six_nd(pl.col("n"), pl.col("d"))
    use_6nd = six_nd.is_not_null()
    return rows.with_columns(
        pl.coalesce(six_nd, "claimed_flop").alias("flop"),
        pl.coalesce(formulas.six_nd(pl.col("n_low"), pl.col("d_low")), "claimed_flop_low").alias(
            "flop_low"
        ),
        pl.coalesce(formulas.six_nd(pl.col("n_high"), pl.col("d_high")), "claimed_flop_high").alias(
            "flop_high"
        ),
        pl.when(use_6nd)
        .then(pl.lit("6 x active_params x training_tokens"))
        .otherwise(pl.lit("claimed training_flop"))
        .alias("flop_source"),
        pl.when(use_6nd)
        .then(claim_ids("n_claim_id", "d_claim_id"))
        .otherwise(claim_ids("claimed_flop_claim_id"))
        .alias("flop_claim_ids"),
    ).filter(pl.col("flop").is_not_null())


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    # The chip's class and family decide which of its peaks counts (hardware.peak_rank).
    rows = hardware.with_chip_facts(compute(evidence), evidence)
    rows = params.attach(rows, evidence, PEAK_FLOPS.name, UTILIZATION.name)
    rows = hardware_inputs.with_own_flag(rows, evidence, UTILIZATION.name)
    rows = inputs.rental_price(rows, evidence, params)
    gpu_hours = formulas.gpu_hours_from_flop(
        pl.col("flop"), pl.col("peak_flops"), pl.col("utilization")
    )
    rows = rows.with_columns(
        gpu_hours.alias("gpu_hours"),
        formulas.gpu_hours_from_flop(
            pl.col("flop_low"), pl.col("peak_flops_high"), pl.col("utilization_high")
        ).alias("gpu_hours_low"),
        formulas.gpu_hours_from_flop(
            pl.col("flop_high"), pl.col("peak_flops_low"), pl.col("utilization_low")
        ).alias("gpu_hours_high"),
    )
    claimed = pl.col("claimed_gpu_hours")
    return to_estimates(
        rows,
        metric="training_cost",
        scope="final_run",
        value=pl.col("gpu_hours") * pl.col("rental_price"),
        low=pl.col("gpu_hours_low") * pl.col("rental_price_low"),
        high=pl.col("gpu_hours_high") * pl.col("rental_price_high"),
        parameters=[p.name for p in PARAMETERS],
        derived={
            "training_flop": pl.col("flop"),
            "flop_source": pl.col("flop_source"),
            "gpu_hours": pl.col("gpu_hours"),
            "claimed_gpu_hours": claimed,
            "implied_utilization": formulas.implied_utilization(
                pl.col("flop"), claimed, pl.col("peak_flops")
            ),
            "achieved_flops_per_gpu": formulas.achieved_flops(pl.col("flop"), claimed),
        },
        inputs=["flop_claim_ids"],
        assumed={
            PEAK_FLOPS_DEFAULT: hardware_inputs.default_used("peak_flops"),
            UTILIZATION_NOT_OWN: ~pl.col("utilization_own")
            & ~pl.lit("utilization" in params.overrides),
            RENTAL_PRICE_DEFAULT: hardware_inputs.default_used("rental_price"),
        },
        note=pl.format(
            "{} FLOP ({}) / ({} FLOP/s x {} utilization) = {} GPU-hours x ${}/GPU-hour",
            pl.col("flop"),
            pl.col("flop_source"),
            pl.col("peak_flops"),
            pl.col("utilization").round(4),
            pl.col("gpu_hours").round(0),
            pl.col("rental_price").round(4),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("training_cost", "final_run"),),
    methods=("cloud_rental",),
    parameters=PARAMETERS,
    description=(
        "6 x active parameters x tokens FLOP / (peak FLOP/s x utilization) -> GPU-hours -> "
        "dollars, independent of any claimed GPU-hours."
    ),
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
