"""Pieces every page shares: the snapshot selector, URL state, grids, graphs and safe links.

URL state: a page's layout receives the query string as keyword arguments (Dash pages) and
builds its controls from them; a callback turns the controls back into a query string and
stores it in the page's ``url-state`` store, and a client-side callback (app.py) writes it
into the address bar with ``history.replaceState``. Replacing rather than pushing keeps the
back button meaning "the previous page", and the address bar always holds a link that shows
this same view later: the snapshot in it is always a concrete id.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import dash_ag_grid as dag
import flask
import polars as pl
from dash import dcc, html

from costboard.dashboard.data import Reader
from costboard.warehouse import odd_values
from costboard.warehouse.history import RefError


@dataclass(frozen=True)
class Page:
    path: str
    name: str
    title: str
    #: The browser tab's title.
    tab: str


#: Every page, in the order of the navigation bar: the one registry. Each page module
#: registers itself with Dash from its entry here (:func:`registration`), so Dash's
#: ``order`` and the nav cannot disagree.
PAGES: tuple[Page, ...] = (
    Page("/", "overview", "Overview", "costboard · overview"),
    Page("/market", "market", "Market", "costboard · market"),
    Page("/ladder", "ladder", "Ladder", "costboard · ladder"),
    Page("/claims", "claims", "Claims", "costboard · claims"),
    Page("/gaps", "gaps", "Gaps", "costboard · gaps"),
    Page("/history", "history", "History", "costboard · history"),
    Page("/sql", "sql", "SQL", "costboard · SQL"),
    Page("/plugins", "plugins", "Plugins", "costboard · plugins"),
    Page("/what-if", "what_if", "What-if", "costboard · what-if"),
)


def page(name: str) -> Page:
    return next(p for p in PAGES if p.name == name)


def registration(name: str) -> dict[str, Any]:
    """``dash.register_page``'s arguments for page ``name``: its path, names and nav order."""
    entry = page(name)
    return {
        "path": entry.path,
        "name": entry.title,
        "title": entry.tab,
        "order": PAGES.index(entry),
    }


def reader() -> Reader:
    """The app's reader (create_app puts it on the Flask app)."""
    return flask.current_app.extensions["costboard"].reader


# ----------------------------------------------------------------------- URL state


def query_string(params: Mapping[str, Any]) -> str:
    """``?a=1&b=x&b=y`` from a mapping; None and empty values are left out, lists repeat."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, str(v)) for v in values if v is not None and v != "")
    return "?" + urlencode(pairs) if pairs else ""


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """A query parameter that may repeat (Dash gives a str for one value, a list for several)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [v for v in value if v]


def first(value: str | Sequence[str] | None) -> str | None:
    values = as_list(value)
    return values[0] if values else None


def url_state(page_name: str, snapshot_id: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """What a page's ``url-state`` store holds: its path, snapshot and full query string."""
    path = page(page_name).path
    return {
        "path": path,
        "snapshot": snapshot_id,
        "search": query_string({"snapshot": snapshot_id, **params}),
    }


def url_store(page_name: str) -> dcc.Store:
    return dcc.Store(id={"type": "url-state", "page": page_name})


def nav(current_path: str | None, snapshot_id: int | None) -> list[html.A]:
    """The navigation links; each carries the snapshot so moving between pages keeps it."""
    suffix = query_string({"snapshot": snapshot_id})
    return [
        dcc.Link(
            p.title,
            href=p.path + suffix,
            className="nav-link active" if p.path == current_path else "nav-link",
            id=f"nav-{p.name}",
        )
        for p in PAGES
    ]


# ----------------------------------------------------------------- knowledge time


@dataclass(frozen=True)
class Pinned:
    """The snapshot a page shows, the newest one, and what went wrong resolving the URL's ref."""

    snapshot_id: int
    latest: int
    error: str | None = None


def pin(reader_: Reader, ref: str | Sequence[str] | None) -> Pinned:
    """Resolve the URL's ``snapshot`` (an id, a tag, a date, or nothing for the latest)."""
    latest = reader_.latest_id()
    wanted = first(ref)
    try:
        return Pinned(reader_.resolve(wanted), latest)
    except RefError as error:
        return Pinned(latest, latest, f"{error}; showing the newest snapshot ({latest})")


def snapshot_label(row: Mapping[str, Any]) -> str:
    when = row["snapshot_time"]
    stamp = when.strftime("%Y-%m-%d %H:%M") if isinstance(when, dt.datetime) else str(when)
    tags = f" [{row['tags']}]" if row.get("tags") else ""
    message = row.get("message") or ""
    if len(message) > 70:
        message = message[:69] + "…"
    return f"#{row['snapshot_id']}{tags} · {stamp} · {message}"


def snapshot_options(reader_: Reader, latest: int, selected: int) -> list[dict[str, Any]]:
    choices = reader_.snapshot_choices(latest)
    options = [{"label": snapshot_label(r), "value": r["snapshot_id"]} for r in choices.to_dicts()]
    if selected not in {o["value"] for o in options}:
        options.append({"label": f"#{selected}", "value": selected})
    return options


def snapshot_bar(page_name: str, reader_: Reader, pinned: Pinned) -> html.Div:
    """The snapshot selector with its status (latest or behind), and any error from the URL.

    Its ids are ``<page>-snapshot`` and ``<page>-snapshot-status`` (``what-if-snapshot``).
    """
    prefix = page_name.replace("_", "-")
    return html.Div(
        className="snapshot-bar",
        children=[
            html.Label("Snapshot", htmlFor=f"{prefix}-snapshot"),
            dcc.Dropdown(
                id=f"{prefix}-snapshot",
                options=snapshot_options(reader_, pinned.latest, pinned.snapshot_id),
                value=pinned.snapshot_id,
                clearable=False,
                className="snapshot-select",
            ),
            html.Span(
                snapshot_status(pinned.snapshot_id, pinned.latest),
                id=f"{prefix}-snapshot-status",
                className="snapshot-status",
            ),
            notice(pinned.error, "error", id=f"{prefix}-snapshot-error") if pinned.error else None,
        ],
    )


def snapshot_status(snapshot_id: int | None, latest: int) -> str:
    if snapshot_id is None or snapshot_id == latest:
        return "the newest snapshot"
    return f"{latest - snapshot_id} snapshot(s) behind the newest ({latest})"


# ------------------------------------------------------------------------ content


def notice(text: str | None, kind: str = "info", **kwargs: Any) -> html.Div:
    return html.Div(text, className=f"notice notice-{kind}", role="status", **kwargs)


def safe_href(url: object) -> str | None:
    """``url`` when it is an http(s) URL with a host; None for anything else (javascript:, data:...)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def link(url: object, text: str | None = None) -> html.A | html.Span:
    """A link for an http(s) URL; any other URL is shown as plain text, never as a link."""
    href = safe_href(url)
    label = text or (str(url) if url is not None else "")
    if href is None:
        return html.Span(label, className="unlinked", title="not an http(s) link")
    return html.A(label, href=href, target="_blank", rel="noopener noreferrer")


def jsonable_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A frame as grid rows: dates as ISO text, lists joined, and a safe href beside each URL."""
    out = []
    for row in odd_values.pythonable(frame).to_dicts():  # a year-0 date as its text
        cells = {k: jsonable_cell(v) for k, v in row.items()}
        for key in [k for k in row if k.endswith("_url")]:
            cells[key.removesuffix("_url") + "_href"] = safe_href(row[key])
        out.append(cells)
    return out


def column(
    field: str,
    header: str | None = None,
    *,
    kind: str = "text",
    width: int | None = None,
    unit: str | None = None,
    unit_field: str | None = None,
    stated: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """An AG Grid column definition with the right filter for its kind (text, number, date).

    A number column is written by warehouse/numbers.py's rule (its JavaScript twin
    ``costboardNumber``): in ``unit``, or in the unit the row names in ``unit_field``; with the
    digits as stated (``stated``: a claim's figure, a count, an id) or at three significant
    figures (``stated=False``: an estimate, a ratio computed from others).
    """
    definition: dict[str, Any] = {
        "field": field,
        "headerName": header or field.replace("_", " "),
        "filter": {
            "text": "agTextColumnFilter",
            "number": "agNumberColumnFilter",
            "date": "agDateColumnFilter",
        }.get(kind, True),
        "sortable": True,
        "resizable": True,
    }
    if kind == "number":
        # On screen $5.576M rather than 5576000.0000001; a CSV keeps the number itself.
        definition["valueFormatter"] = {"function": number_formatter(unit, unit_field, stated)}
        definition["useValueFormatterForExport"] = False
        definition["type"] = "rightAligned"
    if width:
        definition["width"] = width
    definition.update(extra)
    return definition


def number_formatter(unit: str | None, unit_field: str | None, stated: bool) -> str:
    """The grid's call of ``costboardNumber`` for a number column (see :func:`column`)."""
    if unit_field is not None:
        unit_js = f"(params.data ? params.data[{json.dumps(unit_field)}] : null)"
    else:
        unit_js = json.dumps(unit)
    return f"costboardNumber(params.value, {unit_js}, null, {json.dumps(stated)})"


def link_column(field: str, header: str, text_field: str | None = None) -> dict[str, Any]:
    """A column whose cells link to ``<field>_href`` (http(s) only, checked again in the browser)."""
    return column(
        field,
        header,
        cellRenderer="SafeLink",
        cellRendererParams={
            "hrefField": field.removesuffix("_url") + "_href",
            "textField": text_field,
        },
    )


def grid_id(name: str) -> dict[str, str]:
    """A grid's component id; its CSV button is ``{"type": "grid-csv", "name": name}``."""
    return {"type": "grid", "name": name}


def grid(
    name: str,
    columns: list[dict[str, Any]],
    data: list[dict[str, Any]] | None = None,
    *,
    filename: str,
    empty: str,
    height: int = 420,
    server_csv: bool = False,
    **options: Any,
) -> html.Div:
    """An AG Grid with sorting, filtering and a CSV button; ``empty`` is what it says when it
    has no rows (why, and what would fill it), in place of AG Grid's bare "No Rows To Show".

    The button uses AG Grid's own export (in the browser, offline); with ``server_csv`` the
    page answers it instead (a grid that loads its rows page by page holds only some).
    """
    table = dag.AgGrid(
        id=grid_id(name),
        columnDefs=columns,
        rowData=data if data is not None else [],
        defaultColDef={"filter": True, "sortable": True, "resizable": True, "minWidth": 90},
        dashGridOptions={
            "animateRows": False,
            "enableCellTextSelection": True,
            **empty_overlay(empty),
            **options,
        },
        # Cells and headers a spreadsheet would run as formulas go out as text (csv_safe.py).
        csvExportParams={
            "fileName": filename,
            "processCellCallback": {"function": "costboardCsvCell(params)"},
            "processHeaderCallback": {"function": "costboardCsvHeader(params)"},
        },
        style={"height": f"{height}px", "width": "100%"},
        className="grid",
    )
    button = html.Button(
        "Download CSV",
        id={"type": "grid-server-csv" if server_csv else "grid-csv", "name": name},
        className="button csv-button",
        n_clicks=0,
    )
    return html.Div([html.Div(button, className="grid-tools"), table], className="grid-block")


def empty_overlay(text: str) -> dict[str, Any]:
    """AG Grid's options for what an empty grid shows: ``EmptyGrid`` (dashAgGridComponentFunctions.js)
    renders ``text`` as a React text node, so nothing in it is read as HTML. (AG Grid's own
    ``overlayNoRowsTemplate`` is an HTML string, which dash-ag-grid refuses to evaluate.)"""
    return {"noRowsOverlayComponent": "EmptyGrid", "noRowsOverlayComponentParams": {"text": text}}


def graph_config(filename: str) -> dict[str, Any]:
    """Plotly's modebar with PNG export (plotly.js is served by Dash, so this works offline)."""
    return {
        "displaylogo": False,
        # Nothing leaves the machine: no "send to cloud" / Chart Studio buttons.
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def graph(graph_id: str | dict[str, Any], figure: Any, filename: str, **kwargs: Any) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=figure, config=graph_config(filename), **kwargs)


def slug(*parts: object) -> str:
    """A file-name-safe name from parts (deepseek-v3, training_cost -> deepseek-v3-training_cost)."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)[:120]


def options(values: Iterable[str], labels: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    labels = labels or {}
    return [{"label": labels.get(v, v), "value": v} for v in values]
