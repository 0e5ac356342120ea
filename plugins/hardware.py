"""The hardware catalog as the cost models read it: chips, their families, and their prices.

Chips are subjects of kind ``chip`` (Epoch AI's ML hardware database, the seed's chips); their
figures are claims (peak FLOP/s per precision, TDP, purchase and rental prices per vendor and
date). This module turns them into what Epoch AI's cost method needs (../shared/reference/
epoch/METHOD.md), vectorized over the estimators' rows:

- :func:`chip_catalog`: each chip's family (``A100``, ``TPU v4``), class (TPU or GPU) and the
  chip that stands for its family in price tables (``NVIDIA A100``);
- :func:`purchase_price`: Epoch's purchase-price selection for GPUs (the family's oldest DGX
  price, else its oldest price);
- :func:`rental_price`: Epoch's cloud price selection (vendor order, the price dated closest
  to the target date, price types in order, committed-use conversion);
- :func:`peak_rank`, :func:`peak_flops`: a chip's peak FLOP/s in Epoch's order of precisions,
  the one rule every estimator uses (compute_6nd's parameter through ``peak_rank``);
- :func:`purchase_catalog`, :func:`rental_catalog`: those prices as the catalog level of the
  parameter ladder (``plugins/parameter_ladder.py``).

Every function reads only claims stated on or before each row's ``as_of``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from costboard.plugins.evidence import Evidence, middle

if TYPE_CHECKING:
    from costboard.plugins.parameters import Parameter

#: A GPU family alias in a chip's name: a letter or two and 2-4 digits (A100, V100, K80, MI250).
#: Epoch's code keeps a list of aliases; reading them from the name covers chips it never listed.
FAMILY_PATTERN: Final = r"\b([A-Z]{1,2}\d{2,4})"
#: A TPU's version in its name ("Google TPU v4" -> "v4", "Google TPU v5e" -> "v5e").
TPU_PATTERN: Final = r"(?i)\bTPU[\s-]*(v\d+[a-z]?)"

#: The qualifier of a chip database's release price (docs/epoch.md).
RELEASE_PRICE: Final = "release_price"
#: Epoch AI's price types, in the order the cloud method tries them (METHOD.md).
PRICE_TYPES: Final = ("cud_3y", "cud_1y", "on_demand")
#: Cloud vendors in Epoch's default order, after the one a model's developer or chip puts first.
VENDOR_ORDER: Final = ("amazon-web-services", "microsoft-azure", "google-cloud")
#: Committed-use discounts (1-year, 3-year) per vendor, Epoch AI's cloud method (METHOD.md).
CUD_DISCOUNTS: Final = {
    "amazon-web-services": (0.41, 0.64),
    "google-cloud": (0.37, 0.56),
    "microsoft-azure": (0.25, 0.49),
    "lambda-labs": (0.34, 0.56),
}
#: Days before training start that Epoch prices cloud compute at (METHOD.md).
CLOUD_PRICE_LEAD_DAYS: Final = 60


def chip_catalog(evidence: Evidence) -> pl.DataFrame:
    """One row per chip subject: ``chip``, ``chip_name``, ``chip_released_on``, ``chip_class``
    ("TPU" or "GPU": Epoch costs every non-TPU accelerator as a GPU), ``chip_family`` ("A100",
    "TPU v4"; null when the name holds no alias) and ``family_chip`` (the chip named
    "<maker> <family>", e.g. "NVIDIA A100", that cloud price tables use for the family)."""
    chips = evidence.subjects.filter(pl.col("kind") == "chip").select(
        pl.col("subject").alias("chip"),
        pl.coalesce("name", "subject").alias("chip_name"),
        pl.col("released_on").alias("chip_released_on"),
    )
    tpu = pl.col("chip_name").str.extract(TPU_PATTERN, 1)
    chips = chips.with_columns(
        pl.when(tpu.is_not_null()).then(pl.lit("TPU")).otherwise(pl.lit("GPU")).alias("chip_class"),
        pl.when(tpu.is_not_null())
        .then(pl.lit("TPU ") + tpu.str.to_lowercase())
        .otherwise(pl.col("chip_name").str.extract(FAMILY_PATTERN, 1))
        .alias("chip_family"),
    )
    by_name = chips.select(
        pl.col("chip_name").alias("_family_name"), pl.col("chip").alias("family_chip")
    )
    family_name = (
        pl.col("chip_name").str.extract(r"^(\S+)", 1) + pl.lit(" ") + pl.col("chip_family")
    )
    return (
        chips.with_columns(family_name.alias("_family_name"))
        .join(by_name.unique("_family_name", keep="first"), on="_family_name", how="left")
        .drop("_family_name")
    )


def with_chip_facts(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """``rows`` (with ``chip``) plus the catalog's columns for that chip (null when unknown)."""
    catalog = chip_catalog(evidence)
    present = [c for c in catalog.columns if c != "chip" and c in rows.columns]
    return rows.drop(present).join(catalog, on="chip", how="left")


def _claims(evidence: Evidence, metric: str, scope: str) -> pl.DataFrame:
    return (
        evidence.claims.filter((pl.col("metric") == metric) & (pl.col("scope") == scope))
        .with_columns(middle().alias("_price"))
        .filter(pl.col("_price") > 0)
    )


def purchase_price(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """Epoch AI's purchase price for each GPU row (``_row``, ``chip``, ``chip_family``,
    ``chip_class``, ``as_of``): among the purchase-price claims (scope market) of every chip of
    the row's family (the chip itself when it has none) stated by ``as_of``, the oldest whose
    qualifier says DGX, else the oldest. TPUs get none (Epoch prices them by equivalence).

    Returns ``_row``, ``catalog_price``, ``catalog_price_claim_id``,
    ``catalog_price_qualifier`` and ``catalog_price_stated_on``.
    """
    catalog = chip_catalog(evidence).select("chip", "chip_family")
    # Epoch's method prices from its hardware price table; a chip database's release price
    # (dated by the row's revision, not the release) is not among them.
    prices = _claims(evidence, "purchase_price", "market").filter(
        (pl.col("qualifier") != RELEASE_PRICE).fill_null(True)
    )
    prices = prices.join(catalog, left_on="subject", right_on="chip", how="inner")
    prices = prices.with_columns(pl.coalesce("chip_family", "subject").alias("_key"))
    wanted = rows.filter(pl.col("chip_class") == "GPU").select(
        "_row", "as_of", pl.coalesce("chip_family", "chip").alias("_key")
    )
    return (
        wanted.join(
            prices.select("_key", "_price", "claim_id", "qualifier", "stated_on"), on="_key"
        )
        .filter(pl.col("stated_on") <= pl.col("as_of"))
        .with_columns(
            (~pl.col("qualifier").str.contains("(?i)dgx").fill_null(False)).alias("_not_dgx")
        )
        .sort("_row", "_not_dgx", "stated_on", "claim_id")
        .unique("_row", keep="first", maintain_order=True)
        .select(
            "_row",
            pl.col("_price").alias("catalog_price"),
            pl.col("claim_id").alias("catalog_price_claim_id"),
            pl.col("qualifier").alias("catalog_price_qualifier"),
            pl.col("stated_on").alias("catalog_price_stated_on"),
        )
    )


def vendor_rank(first_vendor: pl.Expr) -> pl.Expr:
    """An expression ranking column ``vendor``: ``first_vendor`` first, then Epoch's order,
    then every other vendor."""
    default = pl.col("vendor").replace_strict(
        {v: i + 1 for i, v in enumerate(VENDOR_ORDER)}, default=len(VENDOR_ORDER) + 1
    )
    return pl.when(pl.col("vendor") == first_vendor).then(pl.lit(0)).otherwise(default)


def first_vendor(developer: pl.Expr, chip_class: pl.Expr) -> pl.Expr:
    """Epoch's first cloud vendor: Google Cloud for Google/DeepMind models and for TPUs, Azure
    for Microsoft/OpenAI models, else AWS."""
    return (
        pl.when(developer.str.contains("(?i)google|deepmind") | (chip_class == "TPU"))
        .then(pl.lit("google-cloud"))
        .when(developer.str.contains("(?i)microsoft|openai"))
        .then(pl.lit("microsoft-azure"))
        .otherwise(pl.lit("amazon-web-services"))
    )


def to_three_year_terms(price: pl.Expr, vendor: pl.Expr, price_type: pl.Expr) -> pl.Expr:
    """A price of ``price_type`` in 3-year committed-use terms: price x (1 - d3) / (1 - d).

    Null for a vendor whose discounts Epoch does not give, unless the price is already 3-year.
    """
    one = vendor.replace_strict({v: d[0] for v, d in CUD_DISCOUNTS.items()}, default=None)
    three = vendor.replace_strict({v: d[1] for v, d in CUD_DISCOUNTS.items()}, default=None)
    found = (
        pl.when(price_type == "cud_3y")
        .then(three)
        .when(price_type == "cud_1y")
        .then(one)
        .otherwise(pl.lit(0.0))
    )
    return (
        pl.when(price_type == "cud_3y").then(price).otherwise(price * (1.0 - three) / (1.0 - found))
    )


def rental_price(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """Epoch AI's cloud price per chip-hour, in 3-year committed-use terms, for each row.

    ``rows`` needs ``_row``, ``as_of``, ``chip``, ``family_chip``, ``chip_class``,
    ``developer`` and ``price_target`` (training start minus 60 days). Rental claims are
    scope ``market`` with qualifier ``{vendor}:{price type}[:...]`` (docs/epoch.md). For each
    price type in :data:`PRICE_TYPES` order and each vendor in order, the vendor's claims for
    the chip (else, when the vendor has none for it, for its family's chip) stated by
    ``as_of``, the one dated closest on or before the target (after it only if none is
    before); the first found wins and is converted to 3-year terms.

    Returns ``_row``, ``catalog_rental``, ``catalog_rental_claim_id``, ``catalog_rental_vendor``
    and ``catalog_rental_type``.
    """
    parts = pl.col("qualifier").str.split(":")
    claims = (
        _claims(evidence, "rental_price", "market")
        .with_columns(
            parts.list.get(0, null_on_oob=True).alias("vendor"),
            parts.list.get(1, null_on_oob=True).alias("price_type"),
        )
        .filter(pl.col("price_type").is_in(PRICE_TYPES))
        .select("subject", "vendor", "price_type", "_price", "claim_id", "stated_on")
    )
    wanted = rows.select(
        "_row",
        "as_of",
        "chip",
        "family_chip",
        "price_target",
        first_vendor(pl.col("developer").fill_null(""), pl.col("chip_class")).alias("_first"),
    )
    exact = wanted.join(claims, left_on="chip", right_on="subject").with_columns(
        pl.lit(0).alias("_match")
    )
    family = (
        wanted.filter(pl.col("family_chip") != pl.col("chip"))
        .join(claims, left_on="family_chip", right_on="subject")
        .with_columns(pl.lit(1).alias("_match"))
    )
    candidates = pl.concat([exact, family], how="vertical_relaxed").filter(
        pl.col("stated_on") <= pl.col("as_of")
    )
    # Per vendor: the chip's own rows when the vendor has any, else its family's.
    candidates = candidates.filter(
        pl.col("_match") == pl.col("_match").min().over("_row", "vendor")
    )
    after = pl.col("stated_on") > pl.col("price_target")
    distance = (pl.col("stated_on") - pl.col("price_target")).dt.total_days().abs()
    converted = to_three_year_terms(pl.col("_price"), pl.col("vendor"), pl.col("price_type"))
    chosen = (
        # A price that cannot be put in 3-year terms (a vendor without known discounts) is
        # not a candidate: the next vendor's is.
        candidates.with_columns(converted.alias("_converted"))
        .filter(pl.col("_converted").is_not_null())
        .with_columns(
            pl.col("price_type")
            .replace_strict({t: i for i, t in enumerate(PRICE_TYPES)}, return_dtype=pl.Int32)
            .alias("_type_rank"),
            vendor_rank(pl.col("_first")).alias("_vendor_rank"),
            after.alias("_after"),
            distance.alias("_distance"),
        )
        .sort("_row", "_type_rank", "_vendor_rank", "_after", "_distance", "claim_id")
        .unique("_row", keep="first", maintain_order=True)
    )
    return chosen.select(
        "_row",
        pl.col("_converted").alias("catalog_rental"),
        pl.col("claim_id").alias("catalog_rental_claim_id"),
        pl.col("vendor").alias("catalog_rental_vendor"),
        pl.col("price_type").alias("catalog_rental_type"),
    )


#: Epoch's order of precisions for a chip's peak FLOP/s (METHOD.md); fp16 counts for TPUs only
#: and TPU v1 uses int8.
PEAK_PRECISIONS: Final = ("bf16", "tf32", "fp16", "fp32")


def peak_rank(
    qualifier: pl.Expr | None = None,
    chip_class: pl.Expr | None = None,
    chip_family: pl.Expr | None = None,
) -> pl.Expr:
    """The rank of a ``peak_flops`` claim's precision in Epoch's order (lower first), null
    where Epoch does not use it: "Tensor-FP16/BF16, else TF32, else FP16 (TPUs only), else
    FP32; TPU v1 uses INT8" (epoch/METHOD.md). A precision it does not name (fp8, fp4, a
    claim without one) is null: its basis is not the one utilization is measured on.

    Defaults to the columns ``qualifier``, ``chip_class`` and ``chip_family``.
    """
    qualifier = pl.col("qualifier") if qualifier is None else qualifier
    chip_class = pl.col("chip_class") if chip_class is None else chip_class
    chip_family = pl.col("chip_family") if chip_family is None else chip_family
    rank = qualifier.replace_strict(
        {p: i for i, p in enumerate(PEAK_PRECISIONS)}, default=None, return_dtype=pl.Int32
    )
    return (
        pl.when(chip_family == "TPU v1")
        .then(pl.when(qualifier == "int8").then(pl.lit(0, dtype=pl.Int32)))
        .when(qualifier == "fp16")
        .then(pl.when(chip_class == "TPU").then(rank))
        .otherwise(rank)
    )


def peak_flops(rows: pl.DataFrame, evidence: Evidence) -> pl.DataFrame:
    """``rows`` (with ``_row``, ``chip``, ``chip_class``, ``chip_family``, ``as_of``) plus
    ``peak_flops`` and ``peak_flops_claim_id``: the chip's spec claim of the first precision
    in Epoch's order (:func:`peak_rank`) that it has, as of the row's date."""
    spec = evidence.frame.filter(
        (pl.col("metric") == "peak_flops") & (pl.col("scope") == "spec")
    ).select(
        pl.col("subject").alias("chip"),
        "as_of",
        "qualifier",
        middle().alias("_peak"),
        "claim_id",
    )
    joined = (
        rows.select("_row", "chip", "as_of", "chip_class", "chip_family")
        .join(spec, on=["chip", "as_of"])
        .with_columns(peak_rank().alias("_rank"))
        .filter(pl.col("_rank").is_not_null())
        .sort("_row", "_rank")
        .unique("_row", keep="first", maintain_order=True)
        .select(
            "_row",
            pl.col("_peak").alias("peak_flops"),
            pl.col("claim_id").alias("peak_flops_claim_id"),
        )
    )
    return rows.join(joined, on="_row", how="left")


#: The row columns :func:`purchase_catalog` reads (``inputs.subject_facts`` gives them).
PURCHASE_CATALOG_NEEDS: Final = ("chip", "as_of", "chip_class", "chip_family")


def purchase_catalog(rows: pl.DataFrame, evidence: Evidence, parameter: Parameter) -> pl.DataFrame:
    """Epoch AI's purchase price per row, as a catalog level of the ladder: a GPU's
    :func:`purchase_price` (its claim); a TPU's equivalent price from ``parameter``'s
    ``by_qualifier`` table (TPUs are not sold: no claim, qualifier ``tpu_equivalent_chip``).
    A TPU Epoch gives no equivalent for (v5e, ...) gets none here."""
    gpus = purchase_price(rows, evidence).select(
        "_row",
        pl.col("catalog_price").alias("value"),
        pl.col("catalog_price_claim_id").alias("claim_id"),
        pl.col("catalog_price_qualifier").alias("qualifier"),
        pl.col("catalog_price_stated_on").alias("stated_on"),
        (pl.lit("claim: ") + pl.col("catalog_price_claim_id")).alias("origin"),
    )
    equivalent = pl.col("chip_family").replace_strict(
        dict(parameter.by_qualifier or {}), default=None, return_dtype=pl.Float64
    )
    tpus = (
        rows.filter(pl.col("chip_class") == "TPU")
        .select("_row", equivalent.alias("value"), "chip_family")
        .drop_nulls("value")
        .select(
            "_row",
            "value",
            pl.lit(None, dtype=pl.String).alias("claim_id"),
            pl.lit("tpu_equivalent_chip").alias("qualifier"),
            pl.lit(None, dtype=pl.Date).alias("stated_on"),
            pl.format("default: Epoch AI's {} equivalent price", "chip_family").alias("origin"),
        )
    )
    # A catalog price is one figure: its range is itself.
    return pl.concat([gpus, tpus], how="vertical_relaxed").with_columns(
        pl.col("value").alias("low"), pl.col("value").alias("high")
    )


#: The row columns :func:`rental_catalog` reads (cloud_rental's rows carry ``price_target``).
RENTAL_CATALOG_NEEDS: Final = (
    "as_of",
    "chip",
    "family_chip",
    "chip_class",
    "developer",
    "price_target",
)


#: What the origin of a price from :func:`rental_catalog` says (and no other origin does).
RENTAL_CATALOG_TERMS: Final = "in 3-year committed-use terms"


def rental_catalog_used(origin: pl.Expr | None = None) -> pl.Expr:
    """True where a rental price's origin (default column ``rental_price_origin``) is
    :func:`rental_catalog`'s."""
    origin = pl.col("rental_price_origin") if origin is None else origin
    return origin.str.contains(RENTAL_CATALOG_TERMS, literal=True).fill_null(False)


def rental_catalog(rows: pl.DataFrame, evidence: Evidence, parameter: Parameter) -> pl.DataFrame:
    """Epoch AI's cloud price per row (:func:`rental_price`) as a catalog level of the ladder."""
    del parameter  # the cloud price needs no default of its own
    found = rental_price(rows, evidence)
    return found.select(
        "_row",
        pl.col("catalog_rental").alias("value"),
        pl.col("catalog_rental").alias("low"),
        pl.col("catalog_rental").alias("high"),
        pl.col("catalog_rental_claim_id").alias("claim_id"),
        pl.format("{}:{}", "catalog_rental_vendor", "catalog_rental_type").alias("qualifier"),
        pl.lit(None, dtype=pl.Date).alias("stated_on"),
        pl.format(
            f"claim: {{}} ({{}} {{}}, {RENTAL_CATALOG_TERMS})",
            "catalog_rental_claim_id",
            "catalog_rental_vendor",
            "catalog_rental_type",
        ).alias("origin"),
    )
