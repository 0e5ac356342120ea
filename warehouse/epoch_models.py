"""Epoch AI's AI models database (``All ML Systems - full view.csv``) as an importer.

Each row becomes a ``model`` subject and the claims of docs/epoch.md ("Models"): training
compute (with Epoch's bounds as the range), hardware quantity and chip-hours (qualified by
the chip when the row names exactly one), training time, MFU and parameters.
"""

from __future__ import annotations

import polars as pl

from costboard.warehouse import epoch_catalog as catalog
from costboard.warehouse import epoch_common as ec
from costboard.warehouse.importers import Imported, Importer, ImportOptions
from costboard.warehouse.readers import RawTable

NAME = "Model"
MODIFIED = "Last modified"
PUBLISHED = "Publication date"
COMPUTE = "Training compute (FLOP)"
LOWER, UPPER = "Training compute lower bound", "Training compute upper bound"
HARDWARE = "Training hardware"
NUMBERS = (
    COMPUTE,
    LOWER,
    UPPER,
    "Hardware quantity",
    "Training chip-hours",
    "Training time (hours)",
    "Hardware utilization (MFU)",
    "Parameters",
)
#: Every column the mapping reads: a file without one of them is refused.
COLUMNS = (NAME, "Organization", PUBLISHED, "Link", "Reference", "Base model", HARDWARE, MODIFIED)
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")

#: A fine-tune (a row with a Base model) is a stage of another model's training: Epoch gives
#: it no cost, and no final-run estimate may use its figures.
FINE_TUNE = pl.col("Base model").is_not_null()
RUN_SCOPE = pl.when(FINE_TUNE).then(pl.lit("stage")).otherwise(pl.lit("final_run"))
#: One chip named (no comma): its subject id; several chips: none (no chip-dependent estimate).
CHIP = (
    pl.when(pl.col(HARDWARE).str.contains(","))
    .then(pl.lit(None, pl.String))
    .otherwise(ec.subject_id(pl.col(HARDWARE)))
)


def _run_qualifier(other: pl.Expr) -> pl.Expr:
    return pl.when(FINE_TUNE).then(pl.lit("fine_tune")).otherwise(other)


SPECS = (
    ec.ClaimColumn(
        COMPUTE,
        "training_flop",
        "flop",
        RUN_SCOPE,
        # The chip rides on the compute too: a model with no quantity or chip-hours still
        # names its chip, and Epoch derives its chip-hours from FLOP / (peak x utilization).
        _run_qualifier(CHIP),
        quote=pl.col("Training compute notes"),
        low=LOWER,
        high=UPPER,
    ),
    ec.ClaimColumn(
        "Hardware quantity",
        "gpu_count",
        "count",
        RUN_SCOPE,
        _run_qualifier(CHIP),
        quote=pl.col(HARDWARE),
    ),
    ec.ClaimColumn(
        "Training chip-hours",
        "gpu_hours",
        "chip_hours",
        RUN_SCOPE,
        _run_qualifier(CHIP),
        quote=pl.col(HARDWARE),
    ),
    ec.ClaimColumn(
        "Training time (hours)",
        "training_duration",
        "hours",
        RUN_SCOPE,
        _run_qualifier(pl.lit(None, pl.String)),
        quote=pl.col("Training time notes"),
    ),
    ec.ClaimColumn(
        "Hardware utilization (MFU)",
        "utilization",
        "ratio",
        RUN_SCOPE,
        _run_qualifier(pl.lit(None, pl.String)),
        quote=pl.col("Utilization notes"),
    ),
    ec.ClaimColumn(
        "Parameters",
        "total_params",
        "params",
        pl.lit("spec"),
        pl.lit(None, pl.String),
        quote=pl.col("Parameters notes"),
    ),
)
#: Notes columns quoted above: read when present (older exports lack some).
NOTES = ("Training compute notes", "Training time notes", "Utilization notes", "Parameters notes")


CATALOG = catalog.Catalog(
    kind="model",
    importer="epoch-models",
    name=NAME,
    modified=MODIFIED,
    modified_formats=DATE_FORMATS,
    released=PUBLISHED,
    developer="Organization",
    link="Link",
    page=ec.MODELS_PAGE,
    page_title="Epoch AI, Data on AI Models",
    linked_title=pl.coalesce(pl.col("Reference"), pl.col(NAME)),
    note=pl.lit("Epoch AI's confidence in the row: ") + pl.col("Confidence"),
    figures=NUMBERS,
    specs=SPECS,
    located={"qualifier": HARDWARE},
    qualifier_kind="chip",
)


def convert(table: RawTable, options: ImportOptions) -> Imported:
    ec.missing_columns(table, (*COLUMNS, *NUMBERS), "Epoch's AI models database")
    problems = ec.Problems(table)
    frame = table.frame.with_row_index("_row").with_columns(
        pl.lit(None, pl.String).alias(c) for c in (*NOTES, "Confidence") if c not in table.header
    )
    frame = ec.parse_numbers(frame, NUMBERS, problems)
    rows = catalog.read_rows(table, CATALOG, frame, problems)
    # Epoch's bounds sometimes miss its own central figure: such a range is not usable.
    value, low, high = (pl.col(f"__n_{c}") for c in (COMPUTE, LOWER, UPPER))
    outside = (low > value) | (value > high) | (low > high)
    problems.add(
        rows.filter(outside.fill_null(False)),
        COMPUTE,
        ec.text(
            "training compute ",
            pl.col(COMPUTE),
            " is outside its bounds ",
            pl.col(LOWER),
            " to ",
            pl.col(UPPER),
            "; row skipped",
        ),
        skip=True,
    )
    return catalog.imported(table, CATALOG, rows.filter(~outside.fill_null(False)), problems)


IMPORTER = Importer(
    "epoch-models",
    "Epoch AI's AI models database as published (All ML Systems - full view.csv)",
    ec.recognises(NAME, COMPUTE, HARDWARE, MODIFIED),
    convert,
)
