"""The Dash app: pages from ``costboard.dashboard.pages``, every asset served by the app itself.

``create_app(config)`` builds it; ``costboard serve`` runs it. Nothing is fetched from a CDN:
Dash serves its own JavaScript (``serve_locally``, plotly.js and AG Grid included), the style
sheet and the small grid helpers come from ``assets/``, and fonts are the system's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dash
import flask
from dash import ALL, MATCH, ClientsideFunction, Input, Output, dcc, html
from flask_caching.backends.base import BaseCache

from costboard.dashboard import api, auth, components, data, fence, health, pages, snapshots
from costboard.warehouse import schema
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.lake import WarehouseMissing

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = Path(pages.__file__).resolve().parent


@dataclass(frozen=True)
class Services:
    """What callbacks and API routes reach through ``flask.current_app.extensions['costboard']``."""

    config: WarehouseConfig
    reader: data.Reader


def require_warehouse(config: WarehouseConfig) -> None:
    if not schema.is_initialised(config):
        raise WarehouseMissing(
            f"no costboard warehouse at {config.catalog}: create one with "
            "`costboard init --demo` (or `costboard init` and `costboard ingest`), "
            "or point --home / COSTBOARD_HOME at an existing one"
        )


def create_app(
    config: WarehouseConfig,
    *,
    cache: BaseCache | None = None,
    warm: bool = True,
    secure_cookie: bool = True,
) -> dash.Dash:
    """The dashboard for the warehouse ``config`` names (refuses when there is none), behind
    sign-in when it has users (dashboard/auth.py)."""
    require_warehouse(config)
    reader = data.Reader(
        config,
        cache if cache is not None else snapshots.file_cache(config),
        warm_in_background=warm,
    )
    app = dash.Dash(
        "costboard.dashboard",
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        serve_locally=True,
        external_stylesheets=[],
        external_scripts=[],
        title="costboard",
        update_title=None,
        # Pages build their layouts from the URL and the warehouse; there is no static
        # layout to validate callbacks against before the first request.
        suppress_callback_exceptions=True,
        enable_mcp=False,
    )
    app.server.extensions["costboard"] = Services(config, reader)
    app.layout = shell
    api.register(app.server)
    health.register(app.server)
    auth.install(app.server, config, secure_cookie=secure_cookie)
    _register_shared_callbacks(app)
    return app


def shutdown(server: flask.Flask) -> None:
    """Close the app's DuckDB instances before the process exits.

    A gunicorn worker that exits with them open crashes in DuckDB's teardown (SIGSEGV at
    exit, seen with gthread workers); closing them first makes the exit clean.
    """
    server.extensions["costboard"].reader.close()
    fence.close_spares()


def shell() -> html.Div:
    return html.Div(
        className="app",
        children=[
            html.Header(
                className="topbar",
                children=[
                    html.A("costboard", href="/", className="brand"),
                    html.Nav(components.nav(None, None), id="nav", className="nav"),
                    *_signout(),
                ],
            ),
            html.Main(dash.page_container, className="content"),
            dcc.Store(id="url-written"),
        ],
    )


def _signout() -> list[html.Form]:
    """A sign-out button naming the user, when sign-in is on (a POST: see dashboard/auth.py)."""
    user = auth.signed_in_user()
    if user is None:
        return []
    return [
        html.Form(
            className="signout",
            action=auth.SIGNOUT,
            method="post",
            children=[html.Span(user), html.Button("Sign out", type="submit", id="signout")],
        )
    ]


def _register_shared_callbacks(app: dash.Dash) -> None:
    # The page's state goes into the address bar in the browser (replaceState: no reload,
    # no history entry per change).
    app.clientside_callback(
        ClientsideFunction(namespace="costboard", function_name="writeUrl"),
        Output("url-written", "data"),
        Input({"type": "url-state", "page": ALL}, "data"),
    )

    # Every grid's CSV button asks AG Grid to export what it holds, in the browser.
    app.clientside_callback(
        ClientsideFunction(namespace="costboard", function_name="exportCsv"),
        Output({"type": "grid", "name": MATCH}, "exportDataAsCsv"),
        Input({"type": "grid-csv", "name": MATCH}, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("nav", "children"),
        Input({"type": "url-state", "page": ALL}, "data"),
    )
    def update_nav(states: list[dict | None]) -> list:
        state = next((s for s in states if s), None)
        if state is None:
            return dash.no_update
        return components.nav(state["path"], state["snapshot"])
