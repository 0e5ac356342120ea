"""The overview's table of every claim of the chosen subjects, with its standing.

Every claim, not only those a chart can draw: a claim that no estimator models (R1's stage
costs) and one the provenance rule leaves out of the evidence (the reports that gave V3's
$5.6M to R1) are listed too, with an "evidence" column ("yes", or "no: <reason>") and the
claim_checks findings. The frame is ``costboard.plugins.claim_standing.subject_claims``, what
``costboard estimate --explain`` shows: the page decides nothing of its own.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from costboard.dashboard import components as ui
from costboard.dashboard.claim_display import with_display_columns

GRID: Final = "overview-claims"

#: Who said it, the figure, whether it stands and is evidence, and what the checks found come
#: first, in the first screen at 1,280 px (issue 19); the claimant stays pinned on the left.
COLUMNS: Final = [
    ui.column("claimant", width=150, pinned="left"),
    ui.column("figure", "claim", width=130),
    ui.column("status", width=110),
    ui.column(
        "evidence",
        width=240,
        cellStyle={
            "styleConditions": [
                {"condition": "params.value === 'yes'", "style": {"color": "#2e7d32"}},
                {
                    "condition": "params.value && params.value.startsWith('no')",
                    "style": {"color": "#c62828"},
                },
            ]
        },
    ),
    ui.column("checks", width=300),
    ui.column("subject", width=120),
    ui.column("stated", "stated on", width=110),
    ui.column("outlet", width=130),
    ui.column("metric", width=130),
    ui.column("scope", width=110),
    ui.column("qualifier", width=110),
    ui.column("source_kind", "source kind", width=110),
    ui.column("quote", width=260),
    ui.link_column("source_url", "source", text_field="source_label"),
    ui.column("claim_id", "claim id", width=220),
]


def table(standing: pl.DataFrame) -> pl.DataFrame:
    """The table's frame: each claim's figure with its bound, date at its precision, whether
    it is evidence, and the columns the grid shows (subject, then date, oldest first)."""
    shown = with_display_columns(standing)
    keep = [c["field"] for c in COLUMNS if c["field"] in shown.columns]
    # source_label: the source link's text (outlet and title), read by the grid's SafeLink.
    return shown.sort("subject", "stated_on", "claim_id").select(
        *keep, "source_label", "source_title", "stated_on"
    )


def rows(standing: pl.DataFrame) -> list[dict[str, Any]]:
    """The grid's rows (safe hrefs beside the source URLs)."""
    return ui.rows(table(standing))
