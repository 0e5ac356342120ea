"""SQL: a read-only console on the pinned snapshot, through the fence (fence.py).

The query that ran is part of the URL, so a link reproduces the result. The same fence
answers ``GET /api/sql``.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, ctx, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import fence
from costboard.dashboard.api import run_sql

PAGE = "sql"
dash.register_page(__name__, **ui.registration("sql"))

#: (label, query) pairs offered as buttons.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "DeepSeek-V3's claims",
        "SELECT claimant, stated_on, metric, scope, qualifier, value, unit, source_title\n"
        "FROM claims\nWHERE subject = 'deepseek-v3'\nORDER BY stated_on, metric",
    ),
    (
        "Claims vs estimates",
        "SELECT claim_id, estimator, claim_value, value, low, high, round(ratio, 3) AS ratio,\n"
        "       inside_range\nFROM reconciliation\nORDER BY subject, metric, claim_id",
    ),
    (
        "Newest estimate per series",
        "SELECT subject, metric, scope, estimator, max(as_of) AS as_of,\n"
        "       arg_max(value, as_of) AS value, any_value(unit) AS unit\n"
        "FROM estimates\nGROUP BY ALL\nORDER BY subject, metric, scope, estimator",
    ),
    (
        "In constant 2025-06 dollars",
        "-- Epoch AI's rule: value x index(2025-06) / index(publication month)\n"
        "SELECT subject, estimator, scope, as_of, value, low, high, priced_in\n"
        "FROM estimates_in_usd_of('2025-06-01')\nWHERE subject = 'deepseek-v3'\n"
        "ORDER BY scope, estimator, as_of",
    ),
    (
        "NVDA around 27 Jan 2025",
        "SELECT ticker, date, close, market_cap\nFROM market_caps\n"
        "WHERE ticker = 'NVDA' AND date BETWEEN DATE '2025-01-22' AND DATE '2025-01-31'\n"
        "ORDER BY date",
    ),
    (
        "Snapshots",
        "SELECT snapshot_id, snapshot_time, author, message, rows_added\nFROM snapshots\n"
        "ORDER BY snapshot_id DESC",
    ),
    (
        "A claim's history",
        "SELECT snapshot_id, change_type, claim_id, value, unit\n"
        "FROM ducklake_table_changes('lake', 'main', 'claim_records', 0,\n"
        "     (SELECT max(snapshot_id) FROM snapshots))\n"
        "WHERE claim_id = 'v3-training-cost-final-run'",
    ),
)
DEFAULT_QUERY = EXAMPLES[0][1]


def result_view(
    result: fence.QueryResult,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    """(column definitions, rows, status line) for a result."""
    fields = [f"c{i}" for i in range(len(result.columns))]
    columns = [
        ui.column(field, name, kind="number" if _numeric(kind) else "text")
        for field, name, kind in zip(fields, result.columns, result.types, strict=True)
    ]
    rows = [
        {field: _cell(value) for field, value in zip(fields, row, strict=True)}
        for row in result.rows
    ]
    status = (
        f"{len(result.rows):,} row(s) in {result.elapsed_ms:g} ms at snapshot {result.snapshot_id}"
    )
    if result.truncated_by == "bytes":
        status += (
            f"; cut at the size cap ({result.limits['max_bytes']:,} bytes as JSON): there are "
            "more rows; select fewer or narrower columns, or add a LIMIT"
        )
    elif result.truncated:
        status += f"; cut at the row cap ({result.limits['row_cap']:,}): there are more rows"
    return columns, rows, ui.notice(status, "warn" if result.truncated else "ok")


def _numeric(kind: str) -> bool:
    return kind.upper() in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    } or kind.upper().startswith("DECIMAL")


def _cell(value: Any) -> Any:
    # Grid cells show text for nested values (lists, structs).
    if isinstance(value, list | dict):
        return str(value)
    return value


def layout(snapshot: str | None = None, q: str | None = None, **_: Any) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    query = ui.first(q)
    return html.Div(
        [
            html.H1("SQL"),
            html.P(
                [
                    "Query the warehouse as of the snapshot below: the tables and views are "
                    "claims, prices, market_caps, subjects, sources, estimates, reconciliation, "
                    "snapshots, snapshot_changes and tags (time travel: ",
                    html.Code("FROM claims AT (VERSION => 12)"),
                    ").",
                ],
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.Div(
                [
                    html.Span("Examples:", className="muted"),
                    *[
                        html.Button(
                            label,
                            id={"type": "sql-example", "index": i},
                            className="button",
                            n_clicks=0,
                        )
                        for i, (label, _) in enumerate(EXAMPLES)
                    ],
                ],
                className="examples",
            ),
            dcc.Textarea(
                id="sql-query",
                value=query or DEFAULT_QUERY,
                className="sql-editor",
                spellCheck=False,
            ),
            html.Div(
                [
                    html.Button("Run", id="sql-run", className="button button-primary", n_clicks=0),
                    html.Span("Limits: " + fence.Limits().describe(), className="limits"),
                ],
                className="controls",
                style={"alignItems": "center"},
            ),
            dcc.Store(id="sql-ran", data=query or DEFAULT_QUERY),
            dcc.Loading(html.Div(id="sql-status")),
            ui.grid(
                "sql-result",
                [],
                filename="query.csv",
                empty="No rows: the query returned none, or the message above says why it did not run.",
                height=460,
            ),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output("sql-query", "value"),
    Input({"type": "sql-example", "index": dash.ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def example(clicks: list[int]) -> Any:
    if not ctx.triggered_id or not any(clicks):
        return dash.no_update
    return EXAMPLES[ctx.triggered_id["index"]][1]


@callback(
    Output("sql-ran", "data"),
    Input("sql-run", "n_clicks"),
    State("sql-query", "value"),
    prevent_initial_call=True,
)
def run(_: int, query: str | None) -> Any:
    return query or ""


@callback(
    Output(ui.grid_id("sql-result"), "columnDefs"),
    Output(ui.grid_id("sql-result"), "rowData"),
    Output("sql-status", "children"),
    Output("sql-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("sql-ran", "data"),
    Input("sql-snapshot", "value"),
)
def results(query: str | None, snapshot_id: int) -> tuple[Any, ...]:
    reader = ui.reader()
    state = ui.url_state(PAGE, snapshot_id, {"q": query})
    status_line = ui.snapshot_status(snapshot_id, reader.latest_id())
    if not query:
        return [], [], ui.notice("Write a query and press Run."), status_line, state
    try:
        result = run_sql(reader, query, snapshot_id)
    except fence.QueryError as error:
        kind = "refused" if isinstance(error, fence.Refused) else "failed"
        return [], [], ui.notice(f"Query {kind}: {error}", "error"), status_line, state
    columns, rows, status = result_view(result)
    return columns, rows, status, status_line, state
