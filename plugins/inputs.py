"""Inputs several built-in estimators share, derived from the evidence in a few joins.

- :func:`training_run`: a model's GPU-hours, GPU count and training time at each evidence date.
- :func:`rental_price`: the rental price per GPU-hour a row should use, with its spread.
- :func:`subject_facts`: publication date, developer and chip release date for depreciation.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from costboard.plugins import formulas, hardware
from costboard.plugins.estimator import EMPTY_IDS, claim_ids
from costboard.plugins.evidence import Evidence, pick, point_and_range, spread
from costboard.plugins.parameter_ladder import catalog_figures
from costboard.plugins.parameters import Parameters, is_chip_level_price

#: Developers whose data centres get Epoch AI's hyperscaler PUE (costfacts §4, epoch/METHOD.md):
#: :func:`subject_facts` gives rows whose developer names one ``pue_class`` "hyperscaler".
HYPERSCALERS: Final = ("Google", "DeepMind", "Microsoft", "Amazon", "Meta", "Facebook")


#: The stage qualifier Epoch AI's importer gives a fine-tune's figures.
FINE_TUNE: Final = "fine_tune"


def _stages(evidence: Evidence, run_count: pl.DataFrame) -> pl.DataFrame:
    """The sum over a run's stages of each stage's GPU-hours, per (subject, as_of).

    A stage's GPU-hours are its own gpu_hours claim, else its GPU count (or the run's) x its
    training_duration. If any stage's hours cannot be found the sum is left out: a partial
    sum would undercount.
    """
    metrics = ("gpu_hours", "gpu_count", "training_duration")
    stage = evidence.frame.filter(
        (pl.col("scope") == "stage")
        & pl.col("metric").is_in(metrics)
        # Epoch's fine-tunes (docs/epoch.md) are a model's own tuning on another's base: not
        # a final run, and Epoch's method gives them no cost.
        & (pl.col("qualifier") != FINE_TUNE).fill_null(True)
    ).with_columns(
        (
            expression.alias(name)
            for expression, name in zip(point_and_range(), ("_point", "_low", "_high"), strict=True)
        )
    )
    per_stage = stage.group_by("subject", "as_of", "qualifier").agg(
        *(
            pl.col(column).filter(pl.col("metric") == metric).first().alias(f"{metric}{suffix}")
            for metric in metrics
            for column, suffix in (
                ("_point", ""),
                ("_low", "_low"),
                ("_high", "_high"),
                ("claim_id", "_id"),
            )
        )
    )
    per_stage = per_stage.join(run_count, on=["subject", "as_of"], how="left")
    count = pl.coalesce("gpu_count", "run_count")
    count_low = pl.coalesce("gpu_count_low", "run_count_low")
    count_high = pl.coalesce("gpu_count_high", "run_count_high")
    derived = pl.col("gpu_hours").is_null()
    per_stage = per_stage.with_columns(
        pl.coalesce("gpu_hours", count * pl.col("training_duration")).alias("stage_hours"),
        pl.coalesce("gpu_hours_low", count_low * pl.col("training_duration_low")).alias(
            "stage_low"
        ),
        pl.coalesce("gpu_hours_high", count_high * pl.col("training_duration_high")).alias(
            "stage_high"
        ),
        pl.when(derived)
        .then(
            claim_ids(
                pl.when(pl.col("gpu_count").is_not_null())
                .then(pl.col("gpu_count_id"))
                .otherwise(pl.col("run_count_claim_id")),
                "training_duration_id",
            )
        )
        .otherwise(claim_ids("gpu_hours_id"))
        .alias("stage_ids"),
    )
    return (
        per_stage.group_by("subject", "as_of")
        .agg(
            pl.col("stage_hours").sum().alias("stages"),
            pl.col("stage_low").sum().alias("stages_low"),
            pl.col("stage_high").sum().alias("stages_high"),
            pl.col("stage_hours").null_count().alias("_missing"),
            pl.col("stage_ids").explode().drop_nulls().unique().sort().alias("stages_ids"),
        )
        .filter(pl.col("_missing") == 0)
        .drop("_missing")
    )


def training_run(evidence: Evidence) -> pl.DataFrame:
    """A training run's size at every evidence date, for every subject that has one.

    Returns one row per (subject, as_of) with ``chip``; ``gpu_hours`` (+ ``_low``, ``_high``,
    ``_claim_ids``, ``_source``): the final_run gpu_hours claim, else the sum of the stages,
    else gpu_count x training_duration; ``gpu_count`` (+ ``_low``, ``_high``, ``_claim_id``);
    ``training_duration`` in hours (+ ...); ``wall_clock_hours`` = gpu_hours / gpu_count.
    """
    frame = evidence.frame
    claimed = pick(frame, "gpu_hours", scope="final_run", name="claimed")
    count = pick(frame, "gpu_count", scope="final_run", name="gpu_count")
    duration = pick(frame, "training_duration", scope="final_run", name="training_duration")
    run_count = count.select(
        "subject",
        "as_of",
        pl.col("gpu_count").alias("run_count"),
        pl.col("gpu_count_low").alias("run_count_low"),
        pl.col("gpu_count_high").alias("run_count_high"),
        pl.col("gpu_count_claim_id").alias("run_count_claim_id"),
    )
    stages = _stages(evidence, run_count)
    rows = (
        evidence.rows.join(claimed, on=["subject", "as_of"], how="left")
        .join(count, on=["subject", "as_of"], how="left")
        .join(duration, on=["subject", "as_of"], how="left")
        .join(stages, on=["subject", "as_of"], how="left")
    )
    product = pl.col("gpu_count") * pl.col("training_duration")
    source = (
        pl.when(pl.col("claimed").is_not_null())
        .then(pl.lit("claimed gpu_hours"))
        .when(pl.col("stages").is_not_null())
        .then(pl.lit("sum of stages"))
        .when(product.is_not_null())
        .then(pl.lit("gpu_count x training_duration"))
    )
    return (
        rows.with_columns(
            pl.coalesce("claimed", "stages", product).alias("gpu_hours"),
            pl.coalesce(
                "claimed_low",
                "stages_low",
                pl.col("gpu_count_low") * pl.col("training_duration_low"),
            ).alias("gpu_hours_low"),
            pl.coalesce(
                "claimed_high",
                "stages_high",
                pl.col("gpu_count_high") * pl.col("training_duration_high"),
            ).alias("gpu_hours_high"),
            pl.when(pl.col("claimed").is_not_null())
            .then(claim_ids("claimed_claim_id"))
            .when(pl.col("stages").is_not_null())
            .then(pl.col("stages_ids"))
            .when(product.is_not_null())
            .then(claim_ids("gpu_count_claim_id", "training_duration_claim_id"))
            .otherwise(EMPTY_IDS)
            .alias("gpu_hours_claim_ids"),
            source.alias("gpu_hours_source"),
        )
        .with_columns(
            formulas.wall_clock_hours(pl.col("gpu_hours"), pl.col("gpu_count")).alias(
                "wall_clock_hours"
            )
        )
        .filter(pl.col("gpu_hours").is_not_null() | pl.col("gpu_count").is_not_null())
        .select(
            "subject",
            "as_of",
            "subject_kind",
            "chip",
            "gpu_hours",
            "gpu_hours_low",
            "gpu_hours_high",
            "gpu_hours_claim_ids",
            "gpu_hours_source",
            "gpu_count",
            "gpu_count_low",
            "gpu_count_high",
            "gpu_count_claim_id",
            "training_duration",
            "training_duration_low",
            "training_duration_high",
            "training_duration_claim_id",
            "wall_clock_hours",
        )
    )


def rental_price(rows: pl.DataFrame, evidence: Evidence, params: Parameters) -> pl.DataFrame:
    """``rows`` with the rental price per GPU-hour each should use.

    Central: an override, else the subject's own final_run claim (the claimant's own
    convention, e.g. DeepSeek's $2), else the parameter's catalog price for rows that carry
    what it needs (Epoch AI's cloud price, see ``parameters.Catalog``), else the median of the
    chip's market listings (the latest per vendor), else the default. Range: the cheapest and
    dearest known price (own claim, catalog price and listings, with their own ranges); with
    fewer than two known prices the default range is folded in, so one listing does not pass
    for certainty.

    Adds ``rental_price``, ``rental_price_low``, ``rental_price_high``,
    ``rental_price_claim_ids`` (list) and ``rental_price_origin`` (a catalog's price says so
    in its own words: ``hardware.rental_catalog_used``).
    """
    parameter = params["rental_price"]
    if "rental_price" in params.overrides:
        return rows.with_columns(
            pl.lit(parameter.value).alias("rental_price"),
            pl.lit(parameter.value).alias("rental_price_low"),
            pl.lit(parameter.value).alias("rental_price_high"),
            EMPTY_IDS.alias("rental_price_claim_ids"),
            pl.lit("override").alias("rental_price_origin"),
        )
    own = pick(evidence.frame, "rental_price", scope="final_run", name="own")
    market = spread(evidence.frame, "rental_price", scope="market", name="market").rename(
        {"subject": "chip"}
    )
    joined = rows.join(
        own.drop("own_qualifier", "own_stated_on"), on=["subject", "as_of"], how="left"
    )
    joined = joined.join(market, on=["chip", "as_of"], how="left")
    indexed = "_row" in joined.columns
    joined = joined if indexed else joined.with_row_index("_row")
    found = catalog_figures(joined, evidence, parameter)
    joined = joined.join(
        found.select(
            "_row", *(pl.col(c).alias(f"catalog_{c}") for c in ("value", "claim_id", "origin"))
        ),
        on="_row",
        how="left",
    )
    use = pl.col("own").is_null() & pl.col("catalog_value").is_not_null()
    known = pl.col("own").is_not_null().cast(pl.Int64) + pl.col("market_count").fill_null(0)
    few = known < 2
    low = pl.min_horizontal("own_low", "market_min")
    high = pl.max_horizontal("own_high", "market_max")
    origin = (
        pl.when(pl.col("own").is_not_null())
        .then(pl.lit("claim: ") + pl.col("own_claim_id"))
        .when(use)
        .then(pl.col("catalog_origin"))
        .when(pl.col("market_median").is_not_null())
        .then(
            pl.format(
                "claims: median of {} market price(s) for {}",
                pl.col("market_count"),
                pl.col("chip"),
            )
        )
        .otherwise(pl.lit(f"default: {parameter.citation}"))
    )
    low = pl.when(few).then(pl.min_horizontal(low, pl.lit(parameter.low))).otherwise(low)
    high = pl.when(few).then(pl.max_horizontal(high, pl.lit(parameter.high))).otherwise(high)
    value = pl.coalesce("own", "catalog_value", "market_median", pl.lit(parameter.value))
    # The catalog's price is one more known price: the range spans it too.
    return joined.with_columns(
        value.alias("rental_price"),
        pl.when(use).then(pl.min_horizontal(low, value)).otherwise(low).alias("rental_price_low"),
        pl.when(use)
        .then(pl.max_horizontal(high, value))
        .otherwise(high)
        .alias("rental_price_high"),
        pl.when(use)
        .then(claim_ids("catalog_claim_id"))
        .otherwise(claim_ids("own_claim_id", pl.col("market_claim_ids").fill_null(EMPTY_IDS)))
        .alias("rental_price_claim_ids"),
        origin.alias("rental_price_origin"),
    ).drop(
        *(() if indexed else ("_row",)),
        "catalog_value",
        "catalog_claim_id",
        "catalog_origin",
        "own",
        "own_low",
        "own_high",
        "own_claim_id",
        "market_median",
        "market_min",
        "market_max",
        "market_count",
        "market_claim_ids",
    )


def subject_facts(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """``rows`` with ``developer``, the chip's catalog facts (``chip_released_on``,
    ``chip_name``, ``chip_class``, ``chip_family``, ``family_chip``: see
    :func:`hardware.chip_catalog`), ``publication`` (released_on, else the subject's first
    claim date), ``year`` (publication year) and ``pue_class`` ("hyperscaler" when the
    developer names one of Epoch AI's hyperscalers)."""
    first = evidence.frame.group_by("subject").agg(pl.col("stated_on").min().alias("_first"))
    meta = evidence.subjects.select("subject", "developer", "released_on")
    hyperscaler = "|".join(HYPERSCALERS)
    return (
        hardware.with_chip_facts(
            rows.join(meta, on="subject", how="left").join(first, on="subject", how="left"),
            evidence,
        )
        .with_columns(pl.coalesce("released_on", "_first").alias("publication"))
        .with_columns(
            pl.col("publication").dt.year().alias("year"),
            # Epoch matches organizations by name: "Meta AI", "Google DeepMind", "Microsoft
            # Research" are all hyperscalers' data centres.
            pl.when(pl.col("developer").str.contains(f"(?i)\\b({hyperscaler})\\b"))
            .then(pl.lit("hyperscaler"))
            .alias("pue_class"),
        )
        .drop("_first", "released_on")
    )


def with_server_price(rows: pl.DataFrame, params: Parameters) -> pl.DataFrame:
    """``rows`` (with ``purchase_price`` and ``server_overhead`` attached) plus ``server_price``.

    A chip-only price claim (see ``is_chip_level_price``) is multiplied by server_overhead, as
    Epoch AI does; DGX/HGX per-GPU prices and the default already include the server. An
    overridden purchase_price is taken as server-level. Where the overhead does not apply,
    its claim is not an input of the estimate.
    """
    chip_only = is_chip_level_price(pl.col("purchase_price_qualifier"))
    if "purchase_price" in params.overrides:
        chip_only = pl.lit(False)
    return rows.with_columns(
        pl.when(chip_only)
        .then(pl.col("purchase_price") * pl.col("server_overhead"))
        .otherwise(pl.col("purchase_price"))
        .alias("server_price"),
        pl.when(chip_only)
        .then(pl.col("server_overhead_claim_id"))
        .alias("server_overhead_claim_id"),
        pl.when(chip_only)
        .then(pl.col("server_overhead_origin"))
        .otherwise(pl.lit("not applied: the price includes the server"))
        .alias("server_overhead_origin"),
    )
