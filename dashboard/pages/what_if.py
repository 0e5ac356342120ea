"""What-if: set the cost models' parameters and see every estimator recomputed, live.

Nothing is written: the estimators run in this process on the pinned snapshot's evidence
with the values entered here pinned (an override beats claims and defaults). The overrides
are in the URL, so a link reproduces the scenario.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import estimators, views
from costboard.dashboard.data import default_subjects
from costboard.plugins.parameters import Parameter
from costboard.warehouse.numbers import number_text

PAGE = "what_if"
dash.register_page(__name__, **ui.registration("what_if"))

COMPARE_COLUMNS = [
    ui.column("subject", width=140),
    ui.column("metric", width=140),
    ui.column("scope", width=120),
    ui.column("estimator", width=210),
    ui.column("as_of", "as of", width=120),
    ui.column("value", "default", kind="number"),
    ui.column("what_if_value", "what-if", kind="number"),
    ui.column("ratio", "what-if / default", kind="number"),
    ui.column("what_if_low", "what-if low", kind="number"),
    ui.column("what_if_high", "what-if high", kind="number"),
    ui.column("unit", width=90),
]


def control(parameter: Parameter, value: float | None) -> html.Div:
    return html.Div(
        [
            html.Label(
                f"{parameter.name.replace('_', ' ')} ({parameter.unit})",
                htmlFor=f"what-if-{parameter.name}",
                title=parameter.citation,
            ),
            dcc.Input(
                id={"type": "what-if-parameter", "name": parameter.name},
                type="number",
                value=value,
                placeholder=f"default {parameter.value:g} ({parameter.low:g}–{parameter.high:g})",
                debounce=True,
                step="any",
                min=0,
            ),
            html.Small(parameter.description, className="muted"),
        ],
        className="control",
    )


def headline_cards(comparison: pl.DataFrame) -> list[html.Div]:
    """One card per (subject, metric, scope, estimator): the default → the what-if."""
    cards = []
    for row in comparison.to_dicts():
        changed = row["ratio"] is not None and abs(row["ratio"] - 1) > 1e-12
        key = ui.slug(row["subject"], row["metric"], row["scope"], row["estimator"])
        cards.append(
            html.Div(
                [
                    html.Div(
                        f"{row['estimator']} · {row['subject']} {row['metric']} ({row['scope']})",
                        className="label",
                    ),
                    html.Div(
                        number_text(row["what_if_value"], row["unit"]),
                        className="value",
                        id=f"what-if-value-{key}",
                        **{"data-value": row["what_if_value"]},
                    ),
                    html.Div(
                        f"default {number_text(row['value'], row['unit'])}"
                        + (f" · ×{number_text(row['ratio'])}" if changed else ""),
                        className="label",
                    ),
                ],
                className="headline-card",
            )
        )
    return cards


def layout(
    snapshot: str | None = None, subject: str | list[str] | None = None, **params: Any
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    subjects = reader.subjects(pinned.snapshot_id)
    known = set(subjects["subject"].to_list())
    chosen = [s for s in ui.as_list(subject) if s in known] or default_subjects(subjects)
    table = estimators.parameters()
    overrides = estimators.parse_overrides(params, table)
    main = [table[n] for n in estimators.WHAT_IF_PARAMETERS if n in table]
    others = [p for name, p in sorted(table.items()) if name not in estimators.WHAT_IF_PARAMETERS]
    return html.Div(
        [
            html.H1("What-if"),
            html.P(
                "Pin any parameter and every estimator is recomputed on this snapshot's "
                "evidence, live; nothing is written. An empty box means the estimator's own "
                "choice: a claim when one applies, else its cited default.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.Div(
                html.Div(
                    [
                        html.Label("Subjects", htmlFor="what-if-subject"),
                        dcc.Dropdown(
                            id="what-if-subject",
                            options=[
                                {"label": s, "value": s}
                                for s in subjects.filter(pl.col("estimates") > 0)["subject"]
                            ],
                            value=chosen,
                            multi=True,
                        ),
                    ],
                    className="control control-wide",
                ),
                className="controls",
            ),
            html.Div(
                [control(p, overrides.get(p.name)) for p in main], className="panel whatif-grid"
            ),
            html.Details(
                [
                    html.Summary("Other parameters"),
                    html.Div(
                        [control(p, overrides.get(p.name)) for p in others],
                        className="whatif-grid",
                    ),
                ],
                className="panel",
                open=any(p.name in overrides for p in others),
            ),
            html.Button("Reset to defaults", id="what-if-reset", className="button", n_clicks=0),
            dcc.Loading(
                [
                    html.Div(id="what-if-notes"),
                    html.Div(id="what-if-headline", className="headline"),
                    html.Div(id="what-if-charts", className="chart-grid"),
                ]
            ),
            html.H2("Defaults against the what-if"),
            ui.grid(
                "what-if-compare",
                COMPARE_COLUMNS,
                filename="what-if.csv",
                empty="The chosen estimator makes no estimate for this subject from the pinned "
                "snapshot's evidence (it lacks an input: see the overview's reasons).",
                height=360,
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output({"type": "what-if-parameter", "name": ALL}, "value"),
    Input("what-if-reset", "n_clicks"),
    State({"type": "what-if-parameter", "name": ALL}, "value"),
    prevent_initial_call=True,
)
def reset(_: int, values: list[Any]) -> list[None]:
    return [None] * len(values)


@callback(
    Output("what-if-headline", "children"),
    Output("what-if-charts", "children"),
    Output(ui.grid_id("what-if-compare"), "rowData"),
    Output("what-if-notes", "children"),
    Output("what-if-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("what-if-snapshot", "value"),
    Input("what-if-subject", "value"),
    Input({"type": "what-if-parameter", "name": ALL}, "value"),
)
def recompute(snapshot_id: int, subjects: list[str] | None, values: list[Any]) -> tuple[Any, ...]:
    names = [item["id"]["name"] for item in ctx.inputs_list[2]]
    overrides = {n: float(v) for n, v in zip(names, values, strict=True) if v not in (None, "")}
    return scenario(snapshot_id, list(subjects or []), overrides)


def scenario(snapshot_id: int, picked: list[str], overrides: dict[str, float]) -> tuple[Any, ...]:
    """Everything the page shows for these subjects and overrides (the callback's logic)."""
    reader = ui.reader()
    state = ui.url_state(PAGE, snapshot_id, {"subject": picked, **overrides})
    status_line = ui.snapshot_status(snapshot_id, reader.latest_id())
    try:
        live = estimators.run_live(reader, snapshot_id, overrides)
    except ValueError as error:
        return [], [], [], ui.notice(str(error), "error"), status_line, state
    # The baseline is what `costboard estimate` stored for this snapshot, not a second run.
    baseline = reader.estimates(snapshot_id, picked)
    mine = pl.col("subject").is_in(picked)
    comparison = views.compare(baseline, live.estimates.filter(mine))
    failing = [s for s in live.statuses if s.status not in ("ok", "disabled")]
    notes = [
        ui.notice(
            f"Overrides: {', '.join(f'{k} = {v:g}' for k, v in overrides.items()) or 'none'}; "
            f"evidence of snapshot {live.evidence_snapshot}; beside the stored estimates; "
            "nothing written.",
        ),
        *(
            [
                ui.notice(
                    f"No stored estimates at snapshot {snapshot_id}: `costboard estimate "
                    f"--as-of {snapshot_id}` stores them. Only the what-if values are shown.",
                    "error",
                )
            ]
            if baseline.is_empty()
            else []
        ),
        *[ui.notice(f"{s.estimator or s.plugin}: {s.status}: {s.error}", "error") for s in failing],
    ]
    palette = views.colours(live.estimates["estimator"].unique().to_list())
    shown = live.estimates.filter(mine)
    claims = reader.comparable_claims(snapshot_id, picked)
    charts = [
        html.Div(
            ui.graph(
                {"type": "what-if-chart", "index": i},
                views.estimate_figure(panel, shown, claims, palette, height=340),
                ui.slug("costboard-what-if", snapshot_id, panel.subject, panel.metric, panel.scope),
            ),
            className="chart-panel",
        )
        for i, panel in enumerate(views.panels(shown, picked, claims))
    ]
    return headline_cards(comparison), charts, ui.rows(comparison), notes, status_line, state
