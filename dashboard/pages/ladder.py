"""Cost ladder: every dollar figure about a subject and its related subjects on one log axis.

One column per scope (a stage, the final run, training total, cluster capex, fleet capex and
opex, a market move...), the columns ordered by the size of what they hold, each in its own
colour. In a column, the claims on the left (a lower bound points up, an upper bound down, an
approximate figure reads "~", a misattributed or retracted claim is crossed out) and each
estimator's latest range for the same subject and scope on the right. What is on the ladder
and why (related subjects, dollar figures, losses) is the warehouse's ``ladder`` read, which
``costboard ladder`` prints too: this page only draws it.

The chosen subject's figures come first; the other models' estimator ranges are folded away
unless the "other models' estimates" box is ticked (``?others=1``; ladder_figure.fold). The
table below lists every figure, the chosen subject's first.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard.data import default_subjects
from costboard.dashboard.ladder_figure import figure, fold, folded_subjects
from costboard.warehouse import ladder

PAGE = "ladder"
dash.register_page(__name__, **ui.registration("ladder"))

TABLE_COLUMNS = [
    ui.column("figure", width=190),
    ui.column("kind", width=95),
    ui.column("scope", width=120),
    ui.column("subject", width=150),
    ui.column("metric", width=130),
    ui.column("who", "claimant / estimator", width=190),
    ui.column("outlet", width=140),
    ui.column("status", width=120),
    ui.column("status_note", "status note", width=200),
    ui.column("checks", width=240),
    ui.column("date_text", "stated on / as of", width=130),
    ui.column("quote", width=260),
    ui.link_column("source_url", "source", text_field="source_title"),
    ui.column("claim_id", "claim id", width=220),
    ui.column("magnitude", "size", kind="number", unit="usd"),
]


#: The toggle's value when the other models' estimator ranges are shown.
OTHERS = "others"


def table(rungs: pl.DataFrame, subject: str | None = None) -> pl.DataFrame:
    """The ladder's rows for the grid: ``subject``'s own first, then the rest, largest first."""
    other = (pl.col("subject") != pl.lit(subject, pl.String)).fill_null(True)
    return (
        rungs.with_columns(
            who=pl.coalesce("claimant", "estimator"),
            checks=pl.col("checks").list.join("; "),
            other=other,
        )
        .sort(["other", "magnitude"], descending=[False, True], nulls_last=True)
        .drop("other")
    )


def related_line(related: pl.DataFrame) -> list[Any]:
    """ "deepseek (subject), deepseek-v3 (model), ...": who is on the ladder and why."""
    parts = [f"{r['subject']} ({r['relation']})" for r in related.to_dicts()]
    return [html.B("On this ladder: "), ", ".join(parts)]


def layout(
    snapshot: str | None = None,
    subject: str | list[str] | None = None,
    others: str | list[str] | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    subjects = reader.subjects(pinned.snapshot_id)
    known = set(subjects["subject"].to_list())
    asked = ui.first(subject)
    chosen = asked if asked in known else next(iter(default_subjects(subjects)), None)
    options = [
        {"label": f"{r['subject']} — {r['name'] or r['kind']}", "value": r["subject"]}
        for r in subjects.filter((pl.col("claims") > 0) | (pl.col("estimates") > 0)).to_dicts()
    ]
    unknown = (
        ui.notice(
            f"No subject '{asked}' at snapshot {pinned.snapshot_id}; showing {chosen}.", "warn"
        )
        if asked and asked not in known
        else None
    )
    return html.Div(
        [
            html.H1("Cost ladder"),
            html.P(
                "Every dollar figure about a subject and its related subjects (its developer, "
                "that company's models, the subjects listed as related, the chips and tickers "
                "their claims name, a group's members) on one log axis, one column per scope. "
                "Claims on the left of a column: ▲ a lower bound (“more than”), ▼ an upper "
                "bound (“up to”), ~ approximate, ✕ misattributed or retracted, an open marker "
                "disputed. On the right, each estimator's latest low–high range for the same "
                "subject and scope, with its central value. A market move is a loss: it is "
                "placed by its size. Labels print the most-stated figure at each height; "
                "hover a marker for every claim.",
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
                            html.Label("Subject", htmlFor="ladder-subject"),
                            dcc.Dropdown(
                                id="ladder-subject", options=options, value=chosen, clearable=False
                            ),
                        ],
                    ),
                    html.Div(
                        className="control",
                        children=[
                            html.Label("Also show", htmlFor="ladder-others"),
                            dcc.Checklist(
                                id="ladder-others",
                                options=[{"label": "other models' estimates", "value": OTHERS}],
                                value=[OTHERS] if ui.first(others) == "1" else [],
                                inline=True,
                            ),
                        ],
                    ),
                ],
            ),
            html.P(id="ladder-related", className="muted"),
            dcc.Loading(html.Div(id="ladder-chart", className="chart-panel")),
            html.H2("Every figure on the ladder"),
            ui.grid(
                "ladder-rungs",
                TABLE_COLUMNS,
                filename="ladder.csv",
                empty="No dollar figure about this subject or its related subjects at the "
                "pinned snapshot.",
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output("ladder-chart", "children"),
    Output(ui.grid_id("ladder-rungs"), "rowData"),
    Output("ladder-related", "children"),
    Output("ladder-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("ladder-snapshot", "value"),
    Input("ladder-subject", "value"),
    Input("ladder-others", "value"),
)
def update(
    snapshot_id: int, subject: str | None, others: list[str] | None = None
) -> tuple[Any, ...]:
    reader = ui.reader()
    status = ui.snapshot_status(snapshot_id, reader.latest_id())
    shown_others = OTHERS in (others or [])
    params: dict[str, Any] = {"subject": subject}
    if shown_others:
        params["others"] = "1"
    state = ui.url_state(PAGE, snapshot_id, params)
    if not subject:
        return ui.notice("No subjects in this snapshot.", "warn"), [], None, status, state
    try:
        related = reader.read(snapshot_id, ladder.related_subjects, subject)
        rungs = reader.read(snapshot_id, ladder.ladder, subject)
    except ladder.UnknownSubject as error:
        return ui.notice(f"{error} at snapshot {snapshot_id}.", "warn"), [], None, status, state
    drawn, hidden = (rungs, 0) if shown_others else fold(rungs, folded_subjects(related, subject))
    if rungs.filter(pl.col("magnitude") > 0).is_empty():
        chart: Any = ui.notice(
            f"No dollar figures about {subject} or its related subjects at snapshot {snapshot_id}.",
            "info",
        )
    else:
        chart = ui.graph(
            "ladder-graph",
            figure(drawn, subject),
            ui.slug("costboard-ladder", snapshot_id, subject),
        )
    line = related_line(related)
    if hidden:
        line.append(
            f". Folded away: {hidden} estimator ranges of other models "
            "(tick “other models' estimates” to draw them)."
        )
    return chart, ui.rows(table(rungs, subject)), line, status, state
