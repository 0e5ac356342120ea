"""Epoch AI's AI models database (``All ML Systems - full view.csv``) as an importer.

Each row becomes a ``model`` subject and the claims of docs/epoch.md ("Models"): training
compute (with Epoch's bounds as the range), hardware quantity and chip-hours (qualified by
the chip when the row names exactly one), training time, MFU and parameters.
"""

from __future__ import annotations

import polars as pl

from costboard.warehouse import epoch_common as ec
from costboard.warehouse.importers import Imported, ImportedTable, Importer, ImportOptions
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


def convert(table: RawTable, options: ImportOptions) -> Imported:
    ec.missing_columns(table, (*COLUMNS, *NUMBERS), "Epoch's AI models database")
    problems = ec.Problems(table)
    frame = table.frame.with_row_index("_row").with_columns(
        pl.lit(None, pl.String).alias(c) for c in (*NOTES, "Confidence") if c not in table.header
    )
    frame = ec.parse_numbers(frame, NUMBERS, problems)
    frame = ec.parse_date(frame, MODIFIED, DATE_FORMATS, problems)
    frame = ec.parse_date(frame, PUBLISHED, ("%Y-%m-%d",), problems)
    problems.add(
        frame.filter(pl.col(NAME).is_null()), NAME, pl.lit("a model needs a name"), skip=False
    )
    problems.raise_errors()

    frame = ec.keep_latest(frame, NAME, MODIFIED, problems, "model")
    url = ec.first_url(pl.col("Link"))
    rows = frame.with_columns(
        ec.subject_id(pl.col(NAME)).alias("subject"),
        pl.col(f"__d_{MODIFIED}").alias("stated_on"),
        pl.coalesce(url, pl.lit(ec.MODELS_PAGE)).alias("source_url"),
        pl.when(url.is_not_null())
        .then(pl.coalesce(pl.col("Reference"), pl.col(NAME)))
        .otherwise(pl.lit("Epoch AI, Data on AI Models"))
        .alias("source_title"),
        (pl.lit("Epoch AI's confidence in the row: ") + pl.col("Confidence")).alias("note"),
    )
    # Without Epoch's date a figure has no evidence time: the row is reported, not guessed.
    has_figures = pl.any_horizontal(pl.col(f"__n_{c}").is_not_null() for c in NUMBERS)
    undated = rows.filter(pl.col("stated_on").is_null() & has_figures)
    problems.add(
        undated, MODIFIED, pl.lit("no Last modified date: the row's figures are skipped"), skip=True
    )
    rows = rows.filter(pl.col("stated_on").is_not_null() | ~has_figures)
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
    rows = rows.filter(~outside.fill_null(False))

    subjects = rows.select(
        "_row",
        "subject",
        pl.col(NAME).alias("name"),
        pl.lit("model").alias("kind"),
        pl.col("Organization").alias("developer"),
        pl.col(f"__d_{PUBLISHED}").alias("released_on"),
    )
    claims = ec.claims_table(
        table,
        rows.filter(pl.col("stated_on").is_not_null()),
        SPECS,
        key=pl.concat_str(pl.lit("epoch-models"), pl.col(NAME), separator="\x1f"),
        prefix="epoch",
        located={
            "subject": NAME,
            "stated_on": MODIFIED,
            "source_url": "Link",
            "qualifier": HARDWARE,
        },
    )
    located_subjects = {"subject": NAME, "name": NAME, "developer": "Organization"}
    return Imported(
        [
            ImportedTable(
                "subjects",
                ec.subjects_table(table, subjects, {**located_subjects, "released_on": PUBLISHED}),
                subject_kind="model",
            ),
            ImportedTable("claims", claims, subject_kind="model", qualifier_kind="chip"),
        ],
        skipped=problems.skipped,
    )


IMPORTER = Importer(
    "epoch-models",
    "Epoch AI's AI models database as published (All ML Systems - full view.csv)",
    ec.recognises(NAME, COMPUTE, HARDWARE, MODIFIED),
    convert,
)
