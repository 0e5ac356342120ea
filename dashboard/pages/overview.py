"""Overview: each estimator's answer over evidence time for a subject, with the claims on it.

One chart per (subject, metric, scope): a step line per estimator in its low–high band (log
y-axis), the claims as markers. Below, the reconciliation: each claim against the estimates
of its scope at the claim's date. With the demo data the DeepSeek story reads at a glance:
the $5.576M claim sits on the cloud-rental line, the $1.6B and $944M on the fleet lines.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html

from costboard.dashboard import components as ui
from costboard.dashboard import views
from costboard.dashboard.data import Reader, default_subjects

PAGE = "overview"
dash.register_page(__name__, path="/", name="Overview", title="costboard · overview", order=0)

RECONCILIATION_COLUMNS = [
    ui.column("subject", width=130),
    ui.column("metric", width=130),
    ui.column("scope", width=110),
    ui.column("claimant", width=170),
    ui.column("stated_on", "stated on", kind="date", width=120),
    ui.column("estimator", width=190),
    ui.column("claim_value", "claim", kind="number"),
    ui.column("value", "estimate", kind="number"),
    ui.column("low", kind="number"),
    ui.column("high", kind="number"),
    ui.column("unit", width=90),
    ui.column("ratio", "claim / estimate", kind="number"),
    ui.column(
        "inside_range",
        "inside range",
        width=120,
        cellStyle={
            "styleConditions": [
                {"condition": "params.value === true", "style": {"color": "#2e7d32"}},
                {"condition": "params.value === false", "style": {"color": "#c62828"}},
            ]
        },
    ),
    ui.column("claim_id", "claim id", width=220),
]


def subject_options(subjects: pl.DataFrame) -> list[dict[str, str]]:
    return [
        {
            "label": f"{r['subject']} — {r['name'] or r['kind']} "
            f"({r['estimates']} estimates, {r['claims']} claims)",
            "value": r["subject"],
        }
        for r in subjects.filter((pl.col("estimates") > 0) | (pl.col("claims") > 0)).to_dicts()
    ]


def chosen_subjects(subjects: pl.DataFrame, wanted: list[str]) -> list[str]:
    known = set(subjects["subject"].to_list())
    picked = [s for s in wanted if s in known]
    return picked or default_subjects(subjects)


def charts(reader: Reader, snapshot_id: int, subjects: list[str]) -> list[Any]:
    """One chart per (subject, metric, scope) with estimates, or a note saying there are none."""
    estimates = reader.estimates(snapshot_id, subjects)
    claims = reader.comparable_claims(snapshot_id, subjects)
    if estimates.is_empty():
        return [
            ui.notice(
                "No estimates for "
                + ", ".join(subjects)
                + f" at snapshot {snapshot_id}. Run `costboard estimate` to compute them.",
                "warn",
            )
        ]
    palette = views.colours(reader.estimators(snapshot_id))
    out = []
    for index, panel in enumerate(views.panels(estimates, subjects, claims)):
        figure = views.estimate_figure(panel, estimates, claims, palette)
        out.append(
            html.Div(
                ui.graph(
                    {"type": "overview-chart", "index": index},
                    figure,
                    ui.slug("costboard", snapshot_id, panel.subject, panel.metric, panel.scope),
                ),
                className="chart-panel",
                **{"data-subject": panel.subject, "data-metric": panel.metric},
            )
        )
    return out


def layout(snapshot: str | None = None, subject: str | list[str] | None = None, **_: Any) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    subjects = reader.subjects(pinned.snapshot_id)
    chosen = chosen_subjects(subjects, ui.as_list(subject))
    return html.Div(
        [
            html.H1("Estimates over evidence time"),
            html.P(
                "Each estimator's central value at every evidence date (using only what was "
                "public by then), in its low–high band; the claims as diamonds. Compare like "
                "with like: each chart is one metric and scope.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.Div(
                className="controls",
                children=html.Div(
                    className="control control-wide",
                    children=[
                        html.Label("Subjects", htmlFor="overview-subject"),
                        dash.dcc.Dropdown(
                            id="overview-subject",
                            options=subject_options(subjects),
                            value=chosen,
                            multi=True,
                        ),
                    ],
                ),
            ),
            dash.dcc.Loading(html.Div(id="overview-charts", className="chart-grid")),
            html.H2("Claims against estimates"),
            html.P(
                "Each claim against every estimate of the same subject, metric and scope at "
                "the claim's date; ratio = claim / estimate.",
                className="lede",
            ),
            ui.grid(
                "overview-reconciliation", RECONCILIATION_COLUMNS, filename="reconciliation.csv"
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output("overview-charts", "children"),
    Output(ui.grid_id("overview-reconciliation"), "rowData"),
    Output("overview-subject", "options"),
    Output("overview-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("overview-snapshot", "value"),
    Input("overview-subject", "value"),
)
def update(snapshot_id: int, chosen: list[str] | None) -> tuple[Any, ...]:
    reader = ui.reader()
    subjects = reader.subjects(snapshot_id)
    picked = chosen_subjects(subjects, list(chosen or []))
    reconciliation = reader.reconciliation(snapshot_id, picked)
    return (
        charts(reader, snapshot_id, picked),
        ui.rows(reconciliation),
        subject_options(subjects),
        ui.snapshot_status(snapshot_id, reader.latest_id()),
        ui.url_state(PAGE, snapshot_id, {"subject": picked}),
    )
