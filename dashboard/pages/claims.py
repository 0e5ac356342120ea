"""Claims: every sourced figure, filtered and sorted in the warehouse, with each claim's versions.

The grid asks DuckDB for one block of rows at a time (AG Grid's infinite row model): the
filter and sort become SQL (grid_sql), so the claims table is never loaded whole. Click a
claim to see its versions across snapshots, from DuckLake's change feed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import csv_safe, grid_sql
from costboard.dashboard.claim_display import with_display_columns
from costboard.dashboard.claim_reads import MAX_EXPORT_ROWS

PAGE = "claims"
dash.register_page(__name__, **ui.registration("claims"))

#: Every column the grid can filter and sort on (in the warehouse), with its kind, in order.
KINDS = {
    "subject": "text",
    "metric": "text",
    "scope": "text",
    "qualifier": "text",
    "value": "number",
    "low": "number",
    "high": "number",
    "unit": "text",
    "bound": "text",
    "claimant": "text",
    "outlet": "text",
    "stated_on": "date",
    "stated_on_precision": "text",
    "source_kind": "text",
    "cites": "text",
    "status": "text",
    "status_note": "text",
    "checks": "text",
    "source_url": "text",
    "quote": "text",
    "value_as_written": "number",
    "unit_as_written": "text",
    "source_title": "text",
    "note": "text",
    "claim_id": "text",
}
#: Shown, not filtered or sorted: made from the row's own columns (claim_display).
FIGURE_COLUMN = ui.column(
    "figure",
    "claim",
    width=130,
    filter=False,
    sortable=False,
    headerTooltip=("the value with its bound: > more than, < up to, ~ about"),
)
#: The columns an analyst reads first, in the grid's first screen at 1,280 px (issue 19):
#: who said it, about what, the figure, whether it stands, what the checks found, when. The
#: claimant and the figure stay pinned on the left while the rest scroll.
FIRST_SCREEN = ("claimant", "subject", "figure", "status", "checks", "stated_on")
PINNED = ("claimant", "figure")
#: The number columns that hold a figure in the row's ``unit``.
FIGURE_FIELDS = ("value", "low", "high")
DEFAULT_ORDER = '"stated_on" DESC, "claim_id"'
BLOCK = 100
FILTER_PARAMS = {"buttons": ["reset"], "debounceMs": 400}


def columns(sort: list[dict[str, str]]) -> list[dict[str, Any]]:
    sorted_by = {s["colId"]: s["sort"] for s in sort}
    widths = {
        "claim_id": 220,
        "quote": 260,
        "note": 260,
        "source_title": 240,
        "status_note": 260,
        "checks": 300,
        "claimant": 150,
        "subject": 140,
        "status": 110,
        "stated_on": 120,
    }
    defs = [FIGURE_COLUMN]
    for field, kind in KINDS.items():
        if field == "source_url":
            # A claim without a URL shows its outlet and title as text, never as a link.
            definition = ui.link_column("source_url", "source", text_field="source_label")
        elif field == "stated_on":
            # Filtered and sorted as a date; shown as precise as the source ("2025-01").
            definition = ui.column(
                field,
                kind=kind,
                valueFormatter={"function": "params.data ? params.data.stated : params.value"},
            )
        else:
            # A figure in the row's unit, its stated digits kept ($5.576M, as the figure reads).
            in_unit = "unit" if field in FIGURE_FIELDS else None
            definition = ui.column(field, kind=kind, width=widths.get(field), unit_field=in_unit)
        definition["filterParams"] = FILTER_PARAMS
        if field in sorted_by:
            definition["sort"] = sorted_by[field]
        defs.append(definition)
    first = {field: i for i, field in enumerate(FIRST_SCREEN)}
    defs.sort(key=lambda d: first.get(d["field"], len(first)))  # stable: the rest keep KINDS'
    for definition in defs:
        if definition["field"] in PINNED:
            definition["pinned"] = "left"
    return defs


def parse_filter(text: str | None) -> dict[str, Any]:
    """The URL's filter (AG Grid's filter model as JSON); anything unusable is dropped."""
    if not text:
        return {}
    try:
        model = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(model, dict):
        return {}
    usable = {k: v for k, v in model.items() if k in KINDS and isinstance(v, dict)}
    try:
        grid_sql.where(usable, KINDS)
    except grid_sql.FilterError:
        return {}
    return usable


def page_of(snapshot_id: int, request: dict[str, Any]) -> dict[str, Any]:
    """One block of rows for the grid's request, and how many rows match the filter."""
    condition, params = grid_sql.where(request.get("filterModel"), KINDS)
    order = grid_sql.order_by(request.get("sortModel"), KINDS, DEFAULT_ORDER)
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + BLOCK)
    frame, total = ui.reader().claims_page(
        snapshot_id,
        where=condition,
        params=params,
        order_by=order,
        offset=start,
        limit=max(end - start, 1),
    )
    return {"rowData": ui.rows(with_display_columns(frame)), "rowCount": total}


def layout(
    snapshot: str | None = None,
    filter: str | None = None,
    sort: str | None = None,
    claim: str | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    sort_model = grid_sql.parse_sort(ui.first(sort), KINDS) or [
        {"colId": "stated_on", "sort": "desc"}
    ]
    filter_model = parse_filter(ui.first(filter))
    selected = ui.first(claim)
    grid = dag.AgGrid(
        id=ui.grid_id("claims"),
        rowModelType="infinite",
        columnDefs=columns(sort_model),
        filterModel=filter_model,
        getRowId="params.data.claim_id",
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90},
        dashGridOptions={
            **ui.empty_overlay("No claim at the pinned snapshot matches the filters."),
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "enableCellTextSelection": True,
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
        },
        style={"height": "520px", "width": "100%"},
        className="grid",
    )
    return html.Div(
        [
            html.H1("Claims"),
            html.P(
                "Every sourced figure: who said it, about what, what it measures and covers, "
                "when and where. Values are in each metric's base unit; the claim column shows "
                "the value with its bound (> more than, < up to, ~ about), the as-written "
                "columns the source's own number and unit. Status, source kind and cites say "
                "how the claim reached us; checks are the claim_checks findings. Click a row "
                "for its versions.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            dcc.Location(id="claims-location", refresh="callback-nav"),
            dcc.Store(id="claims-pinned", data=pinned.snapshot_id),
            dcc.Store(id="claims-selected", data=selected),
            html.Div(
                [
                    html.Span(id="claims-count", className="muted"),
                    html.Button(
                        "Download CSV",
                        id={"type": "grid-server-csv", "name": "claims"},
                        className="button csv-button",
                        n_clicks=0,
                    ),
                ],
                className="grid-tools",
                style={"justifyContent": "space-between"},
            ),
            grid,
            dcc.Download(id="claims-download"),
            html.H2(id="claims-versions-title"),
            html.Div(id="claims-versions"),
            ui.url_store(PAGE),
        ]
    )


@callback(
    Output(ui.grid_id("claims"), "getRowsResponse"),
    Output("claims-count", "children"),
    Input(ui.grid_id("claims"), "getRowsRequest"),
    State("claims-pinned", "data"),
)
def rows(request: dict[str, Any] | None, snapshot_id: int) -> tuple[Any, str]:
    if not request:
        return dash.no_update, dash.no_update
    try:
        block = page_of(snapshot_id, request)
    except grid_sql.FilterError as error:
        return {"rowData": [], "rowCount": 0}, f"cannot filter: {error}"
    return block, f"{block['rowCount']:,} claims match at snapshot {snapshot_id}"


@callback(
    Output("claims-location", "href"),
    Input("claims-snapshot", "value"),
    State("claims-pinned", "data"),
    State({"type": "url-state", "page": PAGE}, "data"),
    prevent_initial_call=True,
)
def change_snapshot(chosen: int, pinned: int, state: dict[str, Any] | None) -> Any:
    # The grid fetches its own rows; another snapshot is another page of data: reload the view.
    if chosen == pinned:
        return dash.no_update
    search = (state or {}).get("search", "")
    params = {k: v for k, v in _split(search).items() if k != "snapshot"}
    return "/claims" + ui.query_string({"snapshot": chosen, **params})


def _split(search: str) -> dict[str, str]:
    return dict(parse_qsl(search.lstrip("?")))


@callback(
    Output("claims-selected", "data"),
    Input(ui.grid_id("claims"), "selectedRows"),
    prevent_initial_call=True,
)
def select(selected: list[dict[str, Any]] | None) -> Any:
    if not selected:
        return dash.no_update
    return selected[0].get("claim_id")


@callback(
    Output("claims-versions-title", "children"),
    Output("claims-versions", "children"),
    Input("claims-selected", "data"),
    State("claims-pinned", "data"),
)
def versions(claim_id: str | None, snapshot_id: int) -> tuple[Any, Any]:
    if not claim_id:
        return "Versions", ui.notice("Click a claim to see its versions across snapshots.")
    found = ui.reader().claim_versions(snapshot_id, claim_id)
    if found.is_empty():
        return f"Versions of {claim_id}", ui.notice(
            f"No claim '{claim_id}' up to snapshot {snapshot_id}.", "warn"
        )
    version_columns = [
        ui.column("from_snapshot", "from snapshot", kind="number", width=130),
        ui.column("until_snapshot", "replaced in", kind="number", width=120),
        ui.column("snapshot_time", "written", width=180),
        ui.column("message", width=260),
        ui.column("value", kind="number", unit_field="unit"),
        ui.column("low", kind="number", unit_field="unit"),
        ui.column("high", kind="number", unit_field="unit"),
        ui.column("unit", width=90),
        ui.column("value_as_written", "as written", kind="number"),
        ui.column("unit_as_written", "unit as written"),
        ui.column("claimant"),
        ui.column("stated_on", "stated on", kind="date"),
        ui.link_column("source_url", "source", text_field="source_url"),
        ui.column("quote", width=260),
        ui.column("note", width=260),
    ]
    return f"Versions of {claim_id}", ui.grid(
        "claim-versions",
        version_columns,
        ui.rows(found),
        filename=ui.slug("claim", claim_id, "versions") + ".csv",
        empty=f"No version of {claim_id} at the pinned snapshot.",
        height=240,
    )


@callback(
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input(ui.grid_id("claims"), "getRowsRequest"),
    Input("claims-selected", "data"),
    State("claims-pinned", "data"),
)
def url(request: dict[str, Any] | None, claim_id: str | None, snapshot_id: int) -> dict:
    request = request or {}
    filter_model = request.get("filterModel") or {}
    return ui.url_state(
        PAGE,
        snapshot_id,
        {
            "filter": json.dumps(filter_model, separators=(",", ":")) if filter_model else None,
            "sort": grid_sql.sort_text(request.get("sortModel")),
            "claim": claim_id,
        },
    )


@callback(
    Output("claims-download", "data"),
    Input({"type": "grid-server-csv", "name": "claims"}, "n_clicks"),
    State(ui.grid_id("claims"), "getRowsRequest"),
    State("claims-pinned", "data"),
    prevent_initial_call=True,
)
def download(_: int, request: dict[str, Any] | None, snapshot_id: int) -> Any:
    request = request or {}
    condition, params = grid_sql.where(request.get("filterModel"), KINDS)
    order = grid_sql.order_by(request.get("sortModel"), KINDS, DEFAULT_ORDER)
    frame, total = ui.reader().claims_page(
        snapshot_id,
        where=condition,
        params=params,
        order_by=order,
        offset=0,
        limit=MAX_EXPORT_ROWS,
    )
    # A cut export says so in its name rather than passing for the whole table.
    cut = f"-first-{frame.height}-of-{total}" if total > frame.height else ""
    shown = with_display_columns(frame).drop("stated", "source_label")
    return dcc.send_string(csv_safe.write_csv(shown), f"claims-snapshot-{snapshot_id}{cut}.csv")
