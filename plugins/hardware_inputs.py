"""Inputs of the cost models that own the hardware, following Epoch AI's method
(shared/reference/epoch/METHOD.md), and what an estimate assumed in place of evidence.

- :func:`hardware_price`: the server price per chip (from the purchase price the parameter
  ladder resolved, its catalog level included) and the acquisition date;
- :func:`training_start`: a fixed start claim, else publication - (training time + 60 days);
- :func:`training_rows`, :func:`with_compute_hours`: chip-hours from training compute where a
  model states neither its chip-hours nor its cluster;
- :func:`with_own_flag`, :func:`default_used`, :func:`hardware_assumptions`: the conditions
  behind an estimate's ``assumed`` list.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard.plugins import formulas, hardware
from costboard.plugins.defaults import TRAINING_TIME_MEDIAN
from costboard.plugins.evidence import Evidence, pick
from costboard.plugins.inputs import training_run, with_server_price
from costboard.plugins.parameters import Parameters


def hardware_price(rows: pl.DataFrame, evidence: Evidence, params: Parameters) -> pl.DataFrame:
    """``rows`` (subject facts, with ``purchase_price`` and ``server_overhead`` attached) with
    Epoch AI's server price per chip and acquisition date (epoch/METHOD.md).

    The price itself is the parameter's (``defaults.PURCHASE_PRICE``: an override; the
    subject's own claim; the catalog's, i.e. a GPU family's oldest DGX price or a TPU's
    equivalent price; a chip's market claim; else the default). A chip-only price (single
    unit, TPU equivalent, any other TPU price) gets the server overhead
    (:func:`with_server_price`). Acquired: a TPU at its release; a GPU at the later of the
    price's date and the chip's release + 90 days. Adds ``server_price``, ``acquired_on`` and
    ``purchase_price_assumed``.
    """
    overridden = "purchase_price" in params.overrides
    if not overridden:
        # Any TPU price other than the subject's own or Epoch's equivalent (Epoch's table
        # estimates one per chip) is a chip's: the server overhead applies, as to equivalents.
        owned = with_own_flag(rows, evidence, "purchase_price")
        tpu_market = (
            ~pl.col("purchase_price_own")
            & (pl.col("chip_class") == "TPU")
            & pl.col("purchase_price_claim_id").is_not_null()
        )
        rows = owned.with_columns(
            pl.when(tpu_market)
            .then(pl.lit("tpu_chip"))
            .otherwise(pl.col("purchase_price_qualifier"))
            .alias("purchase_price_qualifier")
        ).drop("purchase_price_own")
    if overridden:
        price_date = pl.lit(None, dtype=pl.Date)
    else:
        default_date = params["purchase_price"].dated
        price_date = pl.coalesce(
            "purchase_price_stated_on",
            pl.when(
                pl.col("purchase_price_claim_id").is_null()
                & (pl.col("purchase_price_qualifier") != "tpu_equivalent_chip").fill_null(True)
            ).then(pl.lit(default_date)),
        )
    available = pl.col("chip_released_on") + pl.duration(days=formulas.DAYS_AFTER_RELEASE)
    acquired = (
        pl.when(pl.col("chip_class") == "TPU")
        .then(pl.coalesce("chip_released_on", price_date))
        .otherwise(pl.max_horizontal(price_date, available))
    )
    return with_server_price(rows, params).with_columns(
        acquired.alias("acquired_on"),
        (~pl.lit(overridden) & pl.col("purchase_price_claim_id").is_null()).alias(
            "purchase_price_assumed"
        ),
    )


def training_start(rows: pl.DataFrame, evidence: Evidence, params: Parameters) -> pl.DataFrame:
    """``rows`` (subject facts and a training run) with ``training_start`` (epoch/METHOD.md).

    The subject's own final_run ``training_start`` claim (Epoch fixes four from outside
    knowledge) wins; else publication - (training time + 60 days), the training time being
    the run's duration claim, else GPU-hours / GPU count, else Epoch's median training time
    (``training_hours_assumed`` is then true). A GPU run never starts before its hardware was
    acquired (``acquired_on``, when present). Adds ``training_start_claim_id`` too.
    """
    fixed = pick(evidence.frame, "training_start", scope="final_run", name="fixed_start")
    known_hours = pl.coalesce("training_duration", "wall_clock_hours")
    hours = pl.coalesce(known_hours, pl.lit(params["median_training_hours"].value))
    derived = (
        pl.col("publication")
        - pl.duration(hours=hours)
        - pl.duration(days=formulas.DAYS_BEFORE_PUBLICATION)
    ).cast(pl.Date)
    start = pl.coalesce(pl.col("fixed_start").cast(pl.Int32).cast(pl.Date), derived)
    if "acquired_on" in rows.columns:
        start = (
            pl.when(pl.col("chip_class") == "GPU")
            .then(pl.max_horizontal(start, "acquired_on"))
            .otherwise(start)
        )
    return (
        rows.join(
            fixed.select("subject", "as_of", "fixed_start", "fixed_start_claim_id"),
            on=["subject", "as_of"],
            how="left",
        )
        .with_columns(
            start.alias("training_start"),
            pl.col("fixed_start_claim_id").alias("training_start_claim_id"),
            (pl.col("fixed_start").is_null() & known_hours.is_null()).alias(
                "training_hours_assumed"
            ),
        )
        .drop("fixed_start", "fixed_start_claim_id")
    )


def with_own_flag(rows: pl.DataFrame, evidence: Evidence, name: str) -> pl.DataFrame:
    """``rows`` plus ``{name}_own``: whether the claim parameter ``name`` resolved to is about
    the row's own subject (not its chip's market, not a method default)."""
    owners = evidence.claims.select(
        pl.col("claim_id").alias(f"{name}_claim_id"), pl.col("subject").alias("_owner")
    ).unique(f"{name}_claim_id")
    return (
        rows.join(owners, on=f"{name}_claim_id", how="left")
        .with_columns((pl.col("_owner") == pl.col("subject")).fill_null(False).alias(f"{name}_own"))
        .drop("_owner")
    )


#: What the built-in estimators mark as assumed, by condition on their working frame.
CHIP_UNKNOWN: Final = "chip unknown to the hardware catalog: default (H100) figures"


def chip_unknown() -> pl.Expr:
    """True where the row's chip is not a chip of the catalog (subject_facts' columns)."""
    return pl.col("chip_class").is_null()


def default_used(name: str) -> pl.Expr:
    """True where parameter ``name`` fell back to its default (not a claim, not an override)."""
    return pl.col(f"{name}_origin").str.starts_with("default")


def hardware_assumptions(
    *, with_training_time: bool = False, with_power: bool = False
) -> dict[str, pl.Expr]:
    """The assumptions of an estimate priced from the hardware (see ``to_estimates``)."""
    tpu_equivalent = pl.col("purchase_price_qualifier") == "tpu_equivalent_chip"
    assumed = {
        CHIP_UNKNOWN: chip_unknown(),
        "purchase_price: Epoch AI's TPU-equivalent price (TPUs are not sold)": tpu_equivalent,
        "purchase_price: default (DGX H100 per GPU)": pl.col("purchase_price_assumed")
        & ~tpu_equivalent.fill_null(False),
    }
    if with_power:
        assumed["power: default TDP (700 W)"] = default_used("power")
    if with_training_time:
        assumed[TRAINING_TIME_MEDIAN] = pl.col("training_hours_assumed")
        assumed["chip-hours from training compute at utilization not the model's own"] = pl.col(
            "compute_hours"
        ) & ~pl.col("utilization_own")
    return assumed


def training_rows(evidence: Evidence) -> pl.DataFrame:
    """:func:`inputs.training_run`'s rows, plus a row for every model that states only its
    training compute (``flop``, ``flop_claim_id`` on every row): Epoch AI derives those
    models' chip-hours from the compute (:func:`with_compute_hours`)."""
    run = training_run(evidence)
    flop = pick(evidence.frame, "training_flop", scope="final_run", name="flop").select(
        "subject", "as_of", "flop", "flop_claim_id"
    )
    keys = ["subject", "as_of"]
    only_compute = (
        evidence.rows.join(flop.select(keys), on=keys)
        .join(run.select(keys), on=keys, how="anti")
        .select("subject", "as_of", "subject_kind", "chip")
    )
    return pl.concat([run, only_compute], how="diagonal_relaxed").join(flop, on=keys, how="left")


def with_compute_hours(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """``rows`` (training rows with subject facts and ``utilization`` attached) whose missing
    GPU-hours become FLOP / (the chip's peak FLOP/s x utilization) / 3,600, Epoch AI's third
    way to chip-hours; ``compute_hours`` marks those rows."""
    peaked = hardware.peak_flops(rows.with_row_index("_row"), evidence).drop("_row")
    derived = pl.col("gpu_hours").is_null() & pl.col("flop").is_not_null()
    hours = formulas.gpu_hours_from_flop(
        pl.col("flop"), pl.col("peak_flops"), pl.col("utilization")
    )
    ids = pl.concat_list(
        pl.col("gpu_hours_claim_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.concat_list("flop_claim_id", "peak_flops_claim_id", "utilization_claim_id"),
    ).list.drop_nulls()
    return peaked.with_columns(
        pl.when(derived).then(hours).otherwise(pl.col("gpu_hours")).alias("gpu_hours"),
        pl.when(derived)
        .then(ids)
        .otherwise(pl.col("gpu_hours_claim_ids"))
        .alias("gpu_hours_claim_ids"),
        (derived & hours.is_not_null()).alias("compute_hours"),
    )
