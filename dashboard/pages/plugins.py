"""Plugins: every estimator, where it comes from, how it fared, and its parameters.

The status is a live run on the pinned snapshot's evidence (nothing written): an estimator
that raises, hangs or returns something wrong shows its error here while the others work.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import estimators

PAGE = "plugins"
dash.register_page(__name__, **ui.registration("plugins"))

STATUS_COLUMNS = [
    ui.column("estimator", width=210),
    ui.column("version", width=90),
    ui.column("plugin", width=200),
    ui.column("distribution", width=140),
    ui.column(
        "status",
        width=100,
        cellStyle={
            "styleConditions": [
                {"condition": "params.value === 'ok'", "style": {"color": "#2e7d32"}},
                {"condition": "params.value !== 'ok'", "style": {"color": "#c62828"}},
            ]
        },
    ),
    ui.column("error", "last error", width=320, wrapText=True, autoHeight=True),
    ui.column("rows", kind="number", width=90),
    ui.column("seconds", kind="number", width=100),
    ui.column("outputs", width=320),
]
PARAMETER_COLUMNS = [
    ui.column("parameter", width=190),
    ui.column("value", "default", kind="number"),
    ui.column("low", kind="number"),
    ui.column("high", kind="number"),
    ui.column("unit", width=140),
    ui.column("source", "source of the default", width=520, wrapText=True, autoHeight=True),
    ui.column("replaced_by", "replaced by", width=300, wrapText=True, autoHeight=True),
    ui.column("description", width=320, wrapText=True, autoHeight=True),
]


def layout(snapshot: str | None = None, estimator: str | None = None, **_: Any) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    names = [e.estimator.name for e in estimators.manager().estimators()]
    wanted = ui.first(estimator)
    chosen = wanted if wanted in names else (names[0] if names else None)
    return html.Div(
        [
            html.H1("Plugins"),
            html.P(
                [
                    "Each estimator is a plugin (the built-in ones too). Install a package that "
                    "declares a ",
                    html.Code("costboard"),
                    " entry point and its estimates appear beside these; see docs/plugins.md.",
                ],
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.H2("Estimators"),
            dcc.Loading(html.Div(id="plugins-summary")),
            ui.grid(
                "plugins-status",
                STATUS_COLUMNS,
                filename="plugins.csv",
                empty="No estimator is installed (docs/plugins.md tells how to add one).",
                height=330,
            ),
            html.H2("Parameters"),
            html.Div(
                html.Div(
                    [
                        html.Label("Estimator", htmlFor="plugins-estimator"),
                        dcc.Dropdown(
                            id="plugins-estimator",
                            options=ui.options(names),
                            value=chosen,
                            clearable=False,
                        ),
                    ],
                    className="control control-wide",
                ),
                className="controls",
            ),
            html.P(id="plugins-estimator-description", className="lede"),
            ui.grid(
                "plugins-parameters",
                PARAMETER_COLUMNS,
                filename="parameters.csv",
                empty="The chosen estimator declares no parameters.",
                height=420,
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output(ui.grid_id("plugins-status"), "rowData"),
    Output("plugins-summary", "children"),
    Output("plugins-snapshot-status", "children"),
    Input("plugins-snapshot", "value"),
)
def status(snapshot_id: int) -> tuple[Any, ...]:
    reader = ui.reader()
    run = estimators.run_live(reader, snapshot_id, {})
    rows = estimators.plugin_rows(run.statuses)
    failing = [r for r in rows if r["status"] not in ("ok", "disabled")]
    summary = (
        ui.notice(
            f"{len(failing)} of {len(rows)} failing on the evidence of snapshot "
            f"{run.evidence_snapshot}: "
            + ", ".join(r["estimator"] or r["plugin"] for r in failing),
            "error",
        )
        if failing
        else ui.notice(
            f"All {sum(1 for r in rows if r['estimator'])} estimators ran on the evidence of snapshot "
            f"{run.evidence_snapshot} ({run.estimates.height:,} estimates, nothing written).",
            "ok",
        )
    )
    return rows, summary, ui.snapshot_status(snapshot_id, reader.latest_id())


@callback(
    Output(ui.grid_id("plugins-parameters"), "rowData"),
    Output("plugins-estimator-description", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("plugins-estimator", "value"),
    Input("plugins-snapshot", "value"),
)
def parameters(name: str | None, snapshot_id: int) -> tuple[Any, ...]:
    found = next((e for e in estimators.manager().estimators() if e.estimator.name == name), None)
    description = (
        f"{found.estimator.name} v{found.estimator.version}: {found.estimator.description}"
        if found
        else ""
    )
    return (
        estimators.parameter_rows(name) if name else [],
        description,
        ui.url_state(PAGE, snapshot_id, {"estimator": name}),
    )
