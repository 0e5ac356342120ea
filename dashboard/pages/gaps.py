"""Gaps: the claims that fall farthest outside the ranges of the estimators they are compared
with, largest gap first, so the subjects at the top are those whose public figures the models
disagree with most.

The ranking is the warehouse's (costboard.warehouse.claim_gaps, over the claim_gaps view):
``costboard gaps`` prints the same rows in the same order. Each claim is compared with the
estimators of its subject, metric, scope and method in one frame (latest: the newest
estimates; at_claim_date: those in force when it was said); its gap is |log10| of the claim
over the nearest end of the nearest estimator's range, 0 inside it; a floor below a range or
a ceiling above it is no gap; a range-only claim is compared by its range. Filters (kind,
metric, scope, frame) are the CLI's options, and live in the URL with the snapshot; each
row links to its subject's overview at the same snapshot.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard.claim_reads import MISSING_IN_SNAPSHOT
from costboard.warehouse import claim_gaps
from costboard.warehouse.estimates import FRAMES
from costboard.warehouse.numbers import number_expr

PAGE = "gaps"
dash.register_page(__name__, **ui.registration("gaps"))

#: The filters, in the order of the controls: URL parameter and claim_gaps column alike.
FILTERS = ("kind", "metric", "scope")
#: What each reason the reconciliation gives for a claim it compares with nothing reads as.
REASONS = {
    "no_estimator": "no estimator models their metric and scope (and method)",
    "missing_input": "the estimators that model them lack an input for their subject",
    "not_yet": "no estimate was in force yet at the claim's date",
}
FRAME_LABELS = {
    "latest": "latest: against the newest estimates",
    "at_claim_date": "at_claim_date: against the estimates in force when it was said",
}

COLUMNS = [
    ui.column("rank", kind="number", width=80),
    ui.column(
        "subject",
        width=170,
        # A link to the subject's overview at this snapshot (a path on this site only).
        cellRenderer="PageLink",
        cellRendererParams={"hrefField": "overview_href"},
    ),
    ui.column("kind", width=100),
    ui.column("claim_gap", "gap (log10)", kind="number", width=120, stated=False),
    ui.column("outside", "outside by", width=130),
    ui.column("claim", width=160),
    ui.column("claimant", width=170),
    ui.column("stated_on", "stated on", kind="date", width=120),
    ui.column("estimator", width=200),
    ui.column("range", "estimator's range", width=180),
    ui.column("value", "estimate", kind="number", unit_field="unit", stated=False),
    ui.column("metric", width=140),
    ui.column("scope", width=130),
    ui.column("method", width=140),
    ui.link_column("source_url", "source", text_field="source_label"),
    ui.column("claim_id", "claim id", width=220),
]


def overview_href(snapshot_id: int, subject: str) -> str:
    """The subject's overview at this snapshot: the URL the overview itself writes."""
    return ui.page("overview").path + ui.query_string({"snapshot": snapshot_id, "subject": subject})


def table(ranked: pl.DataFrame, snapshot_id: int) -> pl.DataFrame:
    """The ranked rows for the grid: the claim as stated, the estimator's range and how far
    outside it, as text by the warehouse's rule, and the overview link of each subject."""
    times = number_expr(pl.lit(10.0).pow(pl.col("claim_gap")), "ratio", stated=False)
    outside = (
        pl.when(pl.col("claim_gap") == 0)
        .then(pl.lit("inside"))
        .otherwise(pl.concat_str(pl.lit("×"), times, pl.lit(" "), pl.col("direction")))
    )
    return ranked.with_columns(
        claim_gaps.claim_texts(ranked),
        claim_gaps.range_expr(),
        outside.alias("outside"),
        pl.coalesce("source_title", "source_url").alias("source_label"),
        pl.col("subject")
        .map_elements(lambda s: overview_href(snapshot_id, s), return_dtype=pl.String)
        .alias("overview_href"),
    )


def chosen_frame(frame: str | None) -> str:
    return frame if frame in FRAMES else "latest"


def filter_options(everything: pl.DataFrame, field: str, chosen: str | None) -> list[dict]:
    """The values of ``field`` among the frame's ranked claims, and the chosen one even when
    none has it (the URL asked for it: the table then says nothing matches)."""
    values = sorted(v for v in everything[field].unique().to_list() if v is not None)
    if chosen and chosen not in values:
        values.append(chosen)
    return ui.options(values)


def empty_reason(
    snapshot_id: int, frame: str, filters: dict[str, str | None], everything: pl.DataFrame
) -> str:
    """Why no claim is ranked: the filters, or why the frame compares no claim at all."""
    named = ", ".join(f"{k} = {v}" for k, v in filters.items() if v)
    if not everything.is_empty():
        return (
            f"No compared claim has {named} in the {frame} frame at snapshot {snapshot_id}; "
            f"{everything.height:,} claims are ranked without these filters."
        )
    reasons = ui.reader().read(snapshot_id, claim_gaps.not_compared, frame)
    if reasons.is_empty():
        return (
            f"Snapshot {snapshot_id} has no claim of a figure any estimator models "
            "(an amount in dollars, or a metric some estimate gives)."
        )
    parts = [
        f"{r['claims']:,}: {REASONS.get(r['reason_kind'], r['reason_kind'])}"
        for r in reasons.to_dicts()
    ]
    return (
        f"No claim is compared with an estimate in the {frame} frame at snapshot "
        f"{snapshot_id}. Claims not compared, and why: " + "; ".join(parts) + ". Each "
        "subject's overview names the reason for each of its claims."
    )


def summary(snapshot_id: int, frame: str, shown: pl.DataFrame) -> str:
    outside = shown.filter(pl.col("claim_gap") > 0).height
    return (
        f"{shown.height:,} claims ranked at snapshot {snapshot_id} ({frame} frame), "
        f"{outside:,} outside every range they are compared with."
    )


def gaps_view(
    snapshot_id: int, frame: str, filters: dict[str, str | None]
) -> tuple[list[dict[str, Any]], Any, Any, dict[str, list[dict]]]:
    """The grid's rows, the summary line, the empty-table notice (None when there are rows)
    and the filters' options, for a snapshot, frame and filters."""
    reader = ui.reader()
    try:
        everything = reader.read(snapshot_id, claim_gaps.ranked, frame)
        shown = reader.read(snapshot_id, claim_gaps.ranked, frame, *filters.values())
    except MISSING_IN_SNAPSHOT:
        why = (
            f"Snapshot {snapshot_id} was written by an older costboard, before the claim_gaps "
            "view: it has no gaps to rank. Choose a newer snapshot."
        )
        return [], None, ui.notice(why, "warn", id="gaps-empty"), {f: [] for f in FILTERS}
    options = {f: filter_options(everything, f, filters[f]) for f in FILTERS}
    if shown.is_empty():
        why = empty_reason(snapshot_id, frame, filters, everything)
        return [], None, ui.notice(why, "info", id="gaps-empty"), options
    return ui.rows(table(shown, snapshot_id)), summary(snapshot_id, frame, shown), None, options


def dropdown(field: str, value: str | None) -> html.Div:
    return html.Div(
        className="control",
        children=[
            html.Label(field.capitalize(), htmlFor=f"gaps-{field}"),
            # The URL's value among the options from the start: a dropdown drops a value
            # its options lack, and the callback would then see no filter.
            dcc.Dropdown(
                id=f"gaps-{field}",
                options=ui.options([value] if value else []),
                value=value,
                placeholder=f"any {field}",
            ),
        ],
    )


def layout(
    snapshot: str | None = None,
    frame: str | None = None,
    kind: str | None = None,
    metric: str | None = None,
    scope: str | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    asked = ui.first(frame)
    unknown = (
        ui.notice(f"No frame '{asked}'; showing the latest frame.", "warn")
        if asked and asked not in FRAMES
        else None
    )
    wanted = {"kind": ui.first(kind), "metric": ui.first(metric), "scope": ui.first(scope)}
    return html.Div(
        [
            html.H1("Gaps: claims against the models' ranges"),
            html.P(
                "Each claim against the estimators of its subject, metric, scope and method, "
                "ranked by how far it falls outside the nearest estimator's low–high range: "
                "the gap is |log10| of the claim over the range's nearest end (1 is ten times "
                "out), 0 inside it. A floor (> more than) below a range or a ceiling (< up to) "
                "above it is no gap; a claim that gave only a range is compared by its range. "
                "Misattributed and retracted claims are left out. The same ranking as "
                "costboard gaps prints; click a subject for its overview.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            unknown,
            html.Div(
                className="controls",
                children=[
                    html.Div(
                        className="control control-wide",
                        children=[
                            html.Label("Frame", htmlFor="gaps-frame"),
                            dcc.RadioItems(
                                id="gaps-frame",
                                options=[{"label": FRAME_LABELS[f], "value": f} for f in FRAMES],
                                value=chosen_frame(asked),
                                inline=True,
                            ),
                        ],
                    ),
                    *(dropdown(field, wanted[field]) for field in FILTERS),
                ],
            ),
            html.P(id="gaps-summary", className="muted"),
            html.Div(id="gaps-notice"),
            # One row a claim: its id names the row, so a filter or sort keeps each row's identity.
            ui.grid(
                "gaps",
                COLUMNS,
                filename="gaps.csv",
                empty="No claim to rank: the notice above says why.",
                height=560,
                getRowId={"function": "params.data.claim_id"},
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output(ui.grid_id("gaps"), "rowData"),
    Output("gaps-summary", "children"),
    Output("gaps-notice", "children"),
    *(Output(f"gaps-{field}", "options") for field in FILTERS),
    Output("gaps-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("gaps-snapshot", "value"),
    Input("gaps-frame", "value"),
    *(Input(f"gaps-{field}", "value") for field in FILTERS),
)
def update(
    snapshot_id: int,
    frame: str | None,
    kind: str | None = None,
    metric: str | None = None,
    scope: str | None = None,
) -> tuple[Any, ...]:
    frame = chosen_frame(frame)
    filters = {"kind": kind or None, "metric": metric or None, "scope": scope or None}
    rows, said, empty, options = gaps_view(snapshot_id, frame, filters)
    return (
        rows,
        said,
        empty,
        *(options[field] for field in FILTERS),
        ui.snapshot_status(snapshot_id, ui.reader().latest_id()),
        ui.url_state(PAGE, snapshot_id, {"frame": frame, **filters}),
    )
