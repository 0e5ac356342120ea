"""Overview: each estimator's answer over evidence time for a subject, with the claims on it.

One chart per (subject, metric, scope): a step line per estimator in its low–high band (log
y-axis), the claims as markers. Below, the reconciliation: each claim against the estimates
of its scope at the claim's date. With the demo data the DeepSeek story reads at a glance:
the $5.576M claim sits on the cloud-rental line, the $1.6B and $944M on the fleet lines.

Dollars are nominal (each figure as estimated or claimed), or constant dollars of a chosen
month (``usd_of=YYYY-MM`` in the URL): estimates and claims both converted by the
warehouse's macros (Epoch AI's rule, docs/epoch.md), so the page never converts itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html

from costboard.dashboard import claim_table, views
from costboard.dashboard import components as ui
from costboard.dashboard.data import NoClaimStanding, Reader, default_subjects
from costboard.warehouse import constant_dollars
from costboard.warehouse.constant_dollars import NoConstantDollars

PAGE = "overview"
dash.register_page(__name__, **ui.registration("overview"))

RECONCILIATION_COLUMNS = [
    ui.column("frame", width=130),
    ui.column("subject", width=130),
    ui.column("metric", width=130),
    ui.column("scope", width=110),
    ui.column("claimant", width=170),
    ui.column("stated_on", "stated on", kind="date", width=120),
    ui.column("method", width=150),
    ui.column("estimator", width=190),
    ui.column("reason", "not compared because", width=320),
    ui.column("claim_value", "claim", kind="number", unit_field="unit"),
    ui.column("value", "estimate", kind="number", unit_field="unit", stated=False),
    ui.column("low", kind="number", unit_field="unit", stated=False),
    ui.column("high", kind="number", unit_field="unit", stated=False),
    ui.column("unit", width=90),
    ui.column("ratio", "claim / estimate", kind="number", stated=False),
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
    ui.column("assumed", "estimate assumed", width=260),
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


def wanted_month(dollars: str | None, usd_of: str | None) -> dt.date | None:
    """The month of constant dollars the controls ask for; None for nominal dollars."""
    if dollars != "constant" or not usd_of:
        return None
    return constant_dollars.parse_month(usd_of)


def dollars_label(month: dt.date | None) -> str:
    return f"constant {constant_dollars.month_text(month)} $" if month else "nominal $"


def month_options(reader: Reader, snapshot_id: int) -> list[dict[str, str]]:
    return [
        {"label": constant_dollars.month_text(m), "value": constant_dollars.month_text(m)}
        for m in reader.price_index_months(snapshot_id)
    ]


def _converted(
    reader: Reader, snapshot_id: int, subjects: list[str], month: dt.date | None
) -> tuple[pl.DataFrame, pl.DataFrame, dt.date | None, list[Any]]:
    """Estimates and claims in the dollars asked for, the month they are in (None: nominal)
    and notices saying what that changed."""
    if month is not None:
        try:
            estimates = reader.estimates(snapshot_id, subjects, usd_of=month)
            claims = reader.comparable_claims(snapshot_id, subjects, usd_of=month)
        except NoConstantDollars as error:
            nominal = ui.notice(f"Showing nominal dollars: {error}", "warn")
            return (
                reader.estimates(snapshot_id, subjects),
                reader.comparable_claims(snapshot_id, subjects),
                None,
                [nominal],
            )
    else:
        return (
            reader.estimates(snapshot_id, subjects),
            reader.comparable_claims(snapshot_id, subjects),
            None,
            [],
        )
    # A figure dated outside the index has no constant-dollar value (NULL): say so, and
    # leave it off the chart rather than draw it at its nominal value.
    dropped = estimates["value"].null_count() + claims["value"].null_count()
    notices = []
    if dropped:
        notices.append(
            ui.notice(
                f"{dropped} estimate or claim value(s) are dated outside the price index, so "
                "they have no constant-dollar value and are not drawn.",
                "info",
            )
        )
    return (
        estimates.filter(pl.col("value").is_not_null()),
        claims.filter(pl.col("value").is_not_null()),
        month,
        notices,
    )


def charts(
    reader: Reader, snapshot_id: int, subjects: list[str], month: dt.date | None = None
) -> list[Any]:
    """One chart per (subject, metric, scope) with estimates, or a note saying there are none.

    ``month``: constant dollars of that month (its first day); None for nominal dollars.
    """
    estimates, claims, month, notices = _converted(reader, snapshot_id, subjects, month)
    # The units the warehouse converted (it decides which units are dollars, not this page).
    converted = (
        set(estimates.filter(pl.col("usd_of").is_not_null())["unit"].to_list())
        if "usd_of" in estimates.columns
        else set()
    )
    if estimates.is_empty():
        return [
            *notices,
            ui.notice(
                "No estimates for "
                + ", ".join(subjects)
                + f" at snapshot {snapshot_id}. Run `costboard estimate` to compute them.",
                "warn",
            ),
        ]
    palette = views.colours(reader.estimators(snapshot_id))
    out = []
    for index, panel in enumerate(views.panels(estimates, subjects, claims)):
        figure = views.estimate_figure(panel, estimates, claims, palette)
        # The axis says which dollars: constant dollars of the chosen month, or nominal.
        if panel.unit in converted:
            figure.update_layout(yaxis_title_text=f"{panel.unit} ({dollars_label(month)})")
        elif panel.unit.startswith("usd"):
            figure.update_layout(yaxis_title_text=f"{panel.unit} ({dollars_label(None)})")
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
    return [*notices, *out]


def layout(
    snapshot: str | None = None,
    subject: str | list[str] | None = None,
    usd_of: str | list[str] | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    subjects = reader.subjects(pinned.snapshot_id)
    chosen = chosen_subjects(subjects, ui.as_list(subject))
    months = month_options(reader, pinned.snapshot_id)
    asked = ui.first(usd_of)
    # A month the index does not cover stays asked for: the charts then say why not.
    month_value = asked or (months[0]["value"] if months else None)
    return html.Div(
        [
            html.H1("Estimates over evidence time"),
            html.P(
                "Each estimator's central value at every evidence date (using only what was "
                "public by then), in its low–high band; the claims as markers (a diamond, a "
                "triangle pointing up for a floor and down for a ceiling, a grey ✕ for a "
                "misattributed or retracted claim). Compare like with like: each chart is one "
                "metric and scope.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.Div(
                className="controls",
                children=[
                    html.Div(
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
                    html.Div(
                        className="control",
                        children=[
                            html.Label("Dollars", htmlFor="overview-dollars"),
                            dash.dcc.RadioItems(
                                id="overview-dollars",
                                options=[
                                    {"label": "nominal", "value": "nominal"},
                                    {"label": "constant dollars of", "value": "constant"},
                                ],
                                value="constant" if asked else "nominal",
                                inline=True,
                            ),
                            dash.dcc.Dropdown(
                                id="overview-usd-of",
                                options=months,
                                value=month_value,
                                clearable=False,
                                placeholder="month (price index)",
                            ),
                        ],
                    ),
                ],
            ),
            dash.dcc.Loading(html.Div(id="overview-charts", className="chart-grid")),
            html.H2("Claims against estimates"),
            html.P(
                "Each claim against every estimate of the same subject, metric and scope "
                "(and method, when the claim names one), in two frames: at_claim_date, the "
                "estimate in force when the claim was made, and latest, the newest estimate. "
                "A claim with nothing to compare with in a frame has a row saying why. "
                "ratio = claim / estimate. Figures here are nominal: in "
                "constant dollars a claim and its estimate convert by the same factor, so "
                "the ratio and the range check do not change.",
                className="lede",
            ),
            ui.grid(
                "overview-reconciliation",
                RECONCILIATION_COLUMNS,
                filename="reconciliation.csv",
                empty="The chosen subjects have no claim of a metric an estimator models "
                "(such a claim always has a row here, compared or saying why not).",
            ),
            html.H2("Every claim and its standing"),
            html.P(
                "Every claim about the chosen subjects, including those no estimator models "
                "and those left out of the evidence: evidence says yes, or no and why (a "
                "misattributed or retracted claim, a restatement of the claim it cites, a "
                "claim outranked by a better source); checks are the claim_checks findings. "
                "Figures as the source bounded them (> more than, < up to, ~ about), dates as "
                "precise as the source.",
                className="lede",
            ),
            ui.grid(
                claim_table.GRID,
                claim_table.COLUMNS,
                filename="claims-standing.csv",
                empty="No claim about the chosen subjects at the pinned snapshot.",
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output("overview-charts", "children"),
    Output(ui.grid_id("overview-reconciliation"), "rowData"),
    Output(ui.grid_id(claim_table.GRID), "rowData"),
    Output("overview-subject", "options"),
    Output("overview-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("overview-snapshot", "value"),
    Input("overview-subject", "value"),
    Input("overview-dollars", "value"),
    Input("overview-usd-of", "value"),
)
def update(
    snapshot_id: int,
    chosen: list[str] | None,
    dollars: str | None = "nominal",
    usd_of: str | None = None,
) -> tuple[Any, ...]:
    reader = ui.reader()
    subjects = reader.subjects(snapshot_id)
    picked = chosen_subjects(subjects, list(chosen or []))
    reconciliation = reader.reconciliation(snapshot_id, picked)
    why = None
    try:
        month = wanted_month(dollars, usd_of)
        if dollars == "constant" and month is None:
            why = "choose a month (this snapshot has no price index to offer)"
    except NoConstantDollars as error:  # a hand-edited URL: the dropdown offers YYYY-MM
        month, why = None, str(error)
    shown = charts(reader, snapshot_id, picked, month)
    if why:
        shown = [ui.notice(f"Showing nominal dollars: {why}", "warn"), *shown]
    try:
        claim_rows = claim_table.rows(reader.claim_standing(snapshot_id, picked))
    except NoClaimStanding as error:
        claim_rows = []
        shown = [*shown, ui.notice(f"No claim standing to list: {error}", "info")]
    return (
        shown,
        ui.rows(reconciliation),
        claim_rows,
        subject_options(subjects),
        ui.snapshot_status(snapshot_id, reader.latest_id()),
        ui.url_state(
            PAGE,
            snapshot_id,
            {"subject": picked, "usd_of": constant_dollars.month_text(month) if month else None},
        ),
    )


@callback(Output("overview-usd-of", "options"), Input("overview-snapshot", "value"))
def update_months(snapshot_id: int) -> list[dict[str, str]]:
    """The months the chosen snapshot's price index covers."""
    return month_options(ui.reader(), snapshot_id)
