"""Epoch AI's ML hardware database and hardware price database as importers.

``Chip dataset-Grid view.csv`` (kind ``epoch-chips``): each row a ``chip`` subject with its
peak FLOP/s per precision, TDP and release price. ``Hardware prices.csv`` (kind
``epoch-prices``): purchase prices and cloud prices per chip-hour, per vendor and date, as
claims about the chip the row names (which must be a subject already, or come in the same
ingest). The mapping is docs/epoch.md's ("Chips", "Hardware prices").
"""

from __future__ import annotations

import polars as pl

from costboard.warehouse import epoch_catalog as catalog
from costboard.warehouse import epoch_common as ec
from costboard.warehouse.importers import Imported, ImportedTable, Importer, ImportOptions
from costboard.warehouse.readers import RawTable

# --- chips ------------------------------------------------------------------------------------

CHIP_NAME = "Hardware name"
CHIP_MODIFIED = "Last modified"
RELEASED = "Release date"
RELEASE_PRICE = "Release price (USD)"
DATASHEET = "Link to datasheet"
#: Epoch's column -> the precision qualifier of its peak_flops claims.
PRECISIONS = {
    "Tensor-FP16/BF16 performance (FLOP/s)": "bf16",
    "TF32 (TensorFloat-32) performance (FLOP/s)": "tf32",
    "FP16 (half precision) performance (FLOP/s)": "fp16",
    "FP32 (single precision) performance (FLOP/s)": "fp32",
    "FP64 (double precision) performance (FLOP/s)": "fp64",
    "FP8 performance (FLOP/s)": "fp8",
    "FP4 performance (FLOP/s)": "fp4",
    "INT8 performance (OP/s)": "int8",
}
CHIP_NUMBERS = (*PRECISIONS, "TDP (W)")
CHIP_COLUMNS = (CHIP_NAME, "Manufacturer", RELEASED, RELEASE_PRICE, DATASHEET, CHIP_MODIFIED)
#: Airtable's export: "6/13/2025 3:59pm".
CHIP_DATE_FORMATS = ("%m/%d/%Y %I:%M%p", "%Y-%m-%d %H:%M", "%Y-%m-%d")
NONE = pl.lit(None, pl.String)
CHIP_SPECS = (
    *(
        ec.ClaimColumn(column, "peak_flops", "flop_per_second", pl.lit("spec"), pl.lit(precision))
        for column, precision in PRECISIONS.items()
    ),
    ec.ClaimColumn("TDP (W)", "power", "w", pl.lit("spec"), NONE),
    ec.ClaimColumn(
        RELEASE_PRICE,
        "purchase_price",
        "usd_per_gpu",
        pl.lit("market"),
        pl.lit("release_price"),
        quote=pl.col("Source for the price"),
    ),
)


CHIPS = catalog.Catalog(
    kind="chip",
    importer="epoch-chips",
    name=CHIP_NAME,
    modified=CHIP_MODIFIED,
    modified_formats=CHIP_DATE_FORMATS,
    released=RELEASED,
    developer="Manufacturer",
    link=DATASHEET,
    page=ec.HARDWARE_PAGE,
    page_title="Epoch AI, Data on Machine Learning Hardware",
    linked_title=ec.text(pl.col(CHIP_NAME), " datasheet"),
    note=NONE,
    figures=(*CHIP_NUMBERS, RELEASE_PRICE),
    specs=CHIP_SPECS,
)


def convert_chips(table: RawTable, options: ImportOptions) -> Imported:
    ec.missing_columns(table, (*CHIP_COLUMNS, *CHIP_NUMBERS), "Epoch's ML hardware database")
    problems = ec.Problems(table)
    frame = table.frame.with_row_index("_row")
    if "Source for the price" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("Source for the price"))
    frame = ec.parse_numbers(frame, CHIP_NUMBERS, problems)
    frame = ec.parse_numbers(frame, (RELEASE_PRICE,), problems, money=True)
    rows = catalog.read_rows(table, CHIPS, frame, problems)
    return catalog.imported(table, CHIPS, rows, problems)


CHIPS_IMPORTER = Importer(
    "epoch-chips",
    "Epoch AI's ML hardware database as published (Chip dataset-Grid view.csv)",
    ec.recognises(CHIP_NAME, "Tensor-FP16/BF16 performance (FLOP/s)", CHIP_MODIFIED),
    convert_chips,
)

# --- hardware prices --------------------------------------------------------------------------

PRICE_SOURCE = "Price source"
PRICE_DATE = "Price date"
PRICE_CHIP = "Hardware model"
PURCHASE = "Price (hardware purchase)"
#: Epoch's rental column -> the price type in the qualifier ``{vendor}:{type}``.
RENTALS = {
    "Price per chip-hour (on-demand)": "on_demand",
    "Price per chip-hour (1-year CUD)": "cud_1y",
    "Price per chip-hour (3-year CUD)": "cud_3y",
}
#: What tells two rows of the same chip, vendor and date apart (with the notes and source).
DISTINCT = ("Location", "Cloud GPU description", "Number of GPUs")
PRICE_COLUMNS = (PRICE_SOURCE, PRICE_DATE, PRICE_CHIP, "Vendor", "Notes", *DISTINCT)
VENDOR = (
    pl.col("Vendor")
    .str.to_lowercase()
    .str.replace_all(r"[^a-z0-9]+", "-")
    .str.strip_chars("-")
    .fill_null("unknown-vendor")
)
NOTES = pl.col("Notes").str.to_lowercase()
PURCHASE_KIND = (
    pl.when(NOTES.str.contains("dgx"))
    .then(pl.lit("dgx"))
    .when(NOTES.str.contains(r"single[- ]unit"))
    .then(pl.lit("single_unit"))
    .otherwise(pl.lit("purchase"))
)
PRICE_SPECS = (
    ec.ClaimColumn(PURCHASE, "purchase_price", "usd_per_gpu", pl.lit("market"), PURCHASE_KIND),
    *(
        ec.ClaimColumn(
            column,
            "rental_price",
            "usd_per_gpu_hour",
            pl.lit("market"),
            ec.text(VENDOR, f":{kind}"),
        )
        for column, kind in RENTALS.items()
    ),
)


def convert_prices(table: RawTable, options: ImportOptions) -> Imported:
    numbers = (PURCHASE, *RENTALS)
    ec.missing_columns(table, (*PRICE_COLUMNS, *numbers), "Epoch's hardware price database")
    problems = ec.Problems(table)
    frame = table.frame.with_row_index("_row")
    frame = ec.parse_numbers(frame, numbers, problems, money=True)
    frame = ec.parse_date(frame, PRICE_DATE, ("%Y-%m-%d",), problems)
    problems.add(
        frame.filter(pl.col(PRICE_CHIP).is_null()),
        PRICE_CHIP,
        pl.lit("a price needs the Hardware model it is for"),
        skip=False,
    )
    problems.raise_errors()

    # A row repeated exactly says nothing new: keep the first, report the others.
    content = [c for c in table.header]
    first = pl.col("_row").first().over(content)
    repeats = frame.filter(pl.col("_row") != first).with_columns(first.alias("_first"))
    if not repeats.is_empty():
        repeats = repeats.with_columns(
            ec.lines_of(table, repeats["_first"]).cast(pl.String).alias("_first_line")
        )
        problems.add(
            repeats,
            PRICE_CHIP,
            ec.text("repeats line ", pl.col("_first_line"), " exactly; skipped"),
            skip=True,
        )
    frame = frame.filter(pl.col("_row") == first)

    has_figures = pl.any_horizontal(pl.col(f"__n_{c}").is_not_null() for c in numbers)
    problems.add(
        frame.filter(pl.col(f"__d_{PRICE_DATE}").is_null() & has_figures),
        PRICE_DATE,
        pl.lit("no Price date: the price has no evidence time; row skipped"),
        skip=True,
    )
    url = ec.first_url(pl.col(PRICE_SOURCE))
    # What distinguishes rows of the same chip and date; rows equal even on this get their
    # order among their equals (stable as long as Epoch keeps their relative order).
    distinct = pl.concat_str(
        *(pl.col(c).fill_null("") for c in (PRICE_DATE, "Vendor", *DISTINCT, "Notes")),
        pl.col(PRICE_SOURCE).fill_null(""),
        separator="\x1f",
    )
    rows = (
        frame.filter(pl.col(f"__d_{PRICE_DATE}").is_not_null())
        .with_columns(distinct.alias("_distinct"))
        .with_columns(
            ec.subject_id(pl.col(PRICE_CHIP)).alias("subject"),
            pl.col(f"__d_{PRICE_DATE}").alias("stated_on"),
            pl.coalesce(url, pl.lit(ec.HARDWARE_PAGE)).alias("source_url"),
            pl.when(url.is_not_null())
            .then(NONE)
            .otherwise(pl.lit("Epoch AI, Data on Machine Learning Hardware"))
            .alias("source_title"),
            pl.concat_str(
                pl.col("Notes"),
                pl.lit("location: ") + pl.col("Location"),
                pl.lit("instance: ") + pl.col("Cloud GPU description"),
                pl.lit("GPUs: ") + pl.col("Number of GPUs"),
                separator="; ",
                ignore_nulls=True,
            ).alias("note"),
            pl.int_range(pl.len()).over(PRICE_CHIP, "_distinct").cast(pl.String).alias("_nth"),
        )
        .with_columns(pl.when(pl.col("note") == "").then(NONE).otherwise("note").alias("note"))
    )
    claims = ec.claims_table(
        table,
        rows,
        PRICE_SPECS,
        key=pl.concat_str(
            pl.lit("epoch-prices"), pl.col(PRICE_CHIP), "_distinct", "_nth", separator="\x1f"
        ),
        prefix="epoch",
        located={
            "subject": PRICE_CHIP,
            "stated_on": PRICE_DATE,
            "source_url": PRICE_SOURCE,
            "qualifier": "Vendor",
            "note": "Notes",
        },
    )
    return Imported(
        [ImportedTable("claims", claims, subject_kind="chip")], skipped=problems.skipped
    )


PRICES_IMPORTER = Importer(
    "epoch-prices",
    "Epoch AI's hardware price database as published (Hardware prices.csv)",
    ec.recognises(PRICE_CHIP, PRICE_DATE, PURCHASE, "Price per chip-hour (on-demand)"),
    convert_prices,
)
