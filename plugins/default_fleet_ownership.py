"""fleet_ownership: a company's whole GPU fleet, SemiAnalysis-style.

- ``server_capex`` / ``fleet_capex``: the sum over the fleet's chips of GPUs x server-level
  price per GPU. Counts are the company's ``gpu_count`` claims in scope ``fleet_capex``, one
  per chip (the qualifier names the chip subject). A count for a chip family (``hopper``)
  counts its members too: the members counted on their own are subtracted from it, so no GPU
  is counted twice, and the rest is priced at the family's price (or the default). A count
  with no qualifier is the whole fleet, used only when no per-chip counts exist.
- ``operating_cost_rate`` / ``fleet_opex``: operating cost PER YEAR = capex x opex_fraction.
- ``operating_cost`` / ``fleet_opex``: the TOTAL over ``ownership_years`` (4, SemiAnalysis's
  TCO horizon), comparable with SemiAnalysis's $944M.

SemiAnalysis's own method is not public (costfacts §3); the opex share is derived from a
public reading of its chart. Capex range: Epoch AI's 90% interval for acquisition costs,
0.46x-2.1x; opex range: that times the opex share's range.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard import hookimpl
from costboard.plugins import inputs
from costboard.plugins.citations import EPOCH_UNCERTAINTY
from costboard.plugins.defaults import ACQUISITION_RANGE, PURCHASE_PRICE, SERVER_OVERHEAD
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
from costboard.plugins.evidence import Evidence, middle
from costboard.plugins.parameters import Parameter, Parameters

NAME = "fleet_ownership"
VERSION = "1.0"

OPEX_FRACTION = Parameter(
    "opex_fraction",
    0.15,
    0.10,
    0.20,
    "ratio",
    "operating cost per year over server capex: Glenn's reading of SemiAnalysis's TCO chart, "
    "$640M/yr TCO - $1.6B capex / 4 y = $240M/yr = 15% (Hoppers only: 13.9%; SemiAnalysis's "
    "$944M over 4 y = 14.75%); range +-1/3 as the method is not public (costfacts §3)",
    description="fleet operating cost per year as a share of server capex",
)
OWNERSHIP_YEARS = Parameter(
    "ownership_years",
    4.0,
    4.0,
    4.0,
    "years",
    "SemiAnalysis's 'TCO (4y ownership)' row, DeepSeek Debates (31 Jan 2025, costfacts §3)",
    description="years of ownership an operating-cost total covers",
)

PARAMETERS = (PURCHASE_PRICE, SERVER_OVERHEAD, OPEX_FRACTION, OWNERSHIP_YEARS)

#: Chip families and the chip subjects in them (SemiAnalysis counts "Hopper GPUs").
CHIP_FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "hopper": ("h100", "h800", "h800-pcie", "h20", "h200"),
}
_FAMILY_OF: Final = {chip: family for family, chips in CHIP_FAMILIES.items() for chip in chips}


def fleet_lines(evidence: Evidence) -> pl.DataFrame:
    """One row per (company, as_of, chip) with the GPUs to price (family counts net of members)."""
    counts = evidence.frame.filter(
        (pl.col("metric") == "gpu_count") & (pl.col("scope") == "fleet_capex")
    ).select(
        "subject",
        "as_of",
        pl.col("qualifier").alias("chip"),
        middle().alias("count"),
        "claim_id",
    )
    members = (
        counts.with_columns(
            pl.col("chip")
            .replace_strict(_FAMILY_OF, default=None, return_dtype=pl.String)
            .alias("family")
        )
        .drop_nulls("family")
        .group_by("subject", "as_of", "family")
        .agg(pl.col("count").sum().alias("members_counted"))
    )
    has_chips = counts.group_by("subject", "as_of").agg(
        pl.col("chip").is_not_null().any().alias("_per_chip")
    )
    return (
        counts.join(
            members,
            left_on=["subject", "as_of", "chip"],
            right_on=["subject", "as_of", "family"],
            how="left",
        )
        .join(has_chips, on=["subject", "as_of"])
        # The whole-fleet count stands in only when nothing is counted chip by chip.
        .filter(pl.col("chip").is_not_null() | ~pl.col("_per_chip"))
        .with_columns(
            (pl.col("count") - pl.col("members_counted").fill_null(0.0))
            .clip(lower_bound=0.0)
            .alias("gpus")
        )
        .drop("_per_chip")
    )


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    lines = fleet_lines(evidence)
    lines = params.attach(lines, evidence, PURCHASE_PRICE.name, SERVER_OVERHEAD.name)
    lines = inputs.with_server_price(lines, params).with_columns(
        (pl.col("gpus") * pl.col("server_price")).alias("line_capex")
    )
    fleet = (
        lines.group_by("subject", "as_of")
        .agg(
            pl.col("line_capex").sum().alias("capex"),
            pl.col("gpus").sum().alias("gpus"),
            pl.struct(
                "chip",
                "gpus",
                "server_price",
                pl.col("purchase_price_origin").alias("price_origin"),
            )
            .sort_by("chip")
            .alias("lines"),
            claim_ids("claim_id", "purchase_price_claim_id", "server_overhead_claim_id")
            .explode()
            .drop_nulls()
            .unique()
            .sort()
            .alias("fleet_claim_ids"),
        )
        .sort("subject", "as_of")
        .with_columns(pl.lit(None, dtype=pl.String).alias("chip"))
    )
    fleet = params.attach(fleet, evidence, OPEX_FRACTION.name, OWNERSHIP_YEARS.name)
    low_factor, high_factor = ACQUISITION_RANGE
    capex_low = pl.col("capex") * low_factor
    capex_high = pl.col("capex") * high_factor
    rate = pl.col("capex") * pl.col("opex_fraction")
    rate_low = capex_low * pl.col("opex_fraction_low")
    rate_high = capex_high * pl.col("opex_fraction_high")
    years = pl.col("ownership_years")
    common = {
        "derived": {"gpus": pl.col("gpus"), "capex": pl.col("capex"), "fleet": pl.col("lines")},
        "inputs": ["fleet_claim_ids"],
    }
    capex = to_estimates(
        fleet,
        metric="server_capex",
        scope="fleet_capex",
        value=pl.col("capex"),
        low=capex_low,
        high=capex_high,
        note=pl.format(
            "{} GPUs priced at server level; range {}x-{}x ({})",
            pl.col("gpus").round(0),
            pl.lit(low_factor),
            pl.lit(high_factor),
            pl.lit(EPOCH_UNCERTAINTY),
        ),
        **common,  # type: ignore[arg-type]
    )
    per_year = to_estimates(
        fleet,
        metric="operating_cost_rate",
        scope="fleet_opex",
        value=rate,
        low=rate_low,
        high=rate_high,
        parameters=[OPEX_FRACTION.name],
        note=pl.lit("a RATE per year: server capex x opex_fraction"),
        **common,  # type: ignore[arg-type]
    )
    total = to_estimates(
        fleet,
        metric="operating_cost",
        scope="fleet_opex",
        value=rate * years,
        low=rate_low * years,
        high=rate_high * years,
        parameters=[OPEX_FRACTION.name, OWNERSHIP_YEARS.name],
        note=pl.format(
            "a TOTAL over {} years of ownership (SemiAnalysis's TCO horizon); per year: ${}",
            years,
            rate.round(0),
        ),
        **common,  # type: ignore[arg-type]
    )
    return pl.concat([capex, per_year, total])


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(
        ("server_capex", "fleet_capex"),
        ("operating_cost_rate", "fleet_opex"),
        ("operating_cost", "fleet_opex"),
    ),
    parameters=PARAMETERS,
    description=(
        "A company's GPU fleet: server capex, and operating cost per year and over four "
        "years of ownership."
    ),
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
