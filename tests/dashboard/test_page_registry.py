"""One page registry: components.PAGES is the nav's order, and each page registers with Dash
from its entry there, so Dash's ``order`` and the navigation bar name the same pages in the
same order."""

from __future__ import annotations

from pathlib import Path

import dash
import dash_ag_grid
from flask_caching.backends import SimpleCache

from costboard.dashboard import components
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall


def test_the_nav_order_is_the_registered_order(cli: CliCall, home: Path) -> None:
    assert cli("init").exit_code == 0
    create_app(WarehouseConfig.resolve(home), cache=SimpleCache(threshold=0), warm=False)
    registered = sorted(dash.page_registry.values(), key=lambda p: p["order"])
    assert [p["path"] for p in registered] == [p.path for p in components.PAGES]
    assert [p["order"] for p in registered] == list(range(len(components.PAGES)))
    assert [(p["name"], p["title"]) for p in registered] == [
        (p.title, p.tab) for p in components.PAGES
    ]
    nav = components.nav("/", 7)
    assert [link.href for link in nav] == [p["path"] + "?snapshot=7" for p in registered]


def test_each_page_module_registers_its_own_entry() -> None:
    for entry in components.PAGES:
        assert components.registration(entry.name)["path"] == entry.path
    assert components.registration("ladder")["order"] == 2


def _grids(component: object) -> list[dash_ag_grid.AgGrid]:
    """Every AG Grid in a layout, however deep."""
    found = [component] if isinstance(component, dash_ag_grid.AgGrid) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _grids(child)
    return found


def test_every_grid_on_every_page_says_why_when_it_is_empty(cli: CliCall, home: Path) -> None:
    """AG Grid's own "No Rows To Show" says nothing of why; each grid names its reason."""
    assert cli("init").exit_code == 0
    app = create_app(WarehouseConfig.resolve(home), cache=SimpleCache(threshold=0), warm=False)
    seen = 0
    for page in dash.page_registry.values():
        with app.server.test_request_context(page["path"]):
            layout = page["layout"]()
        for table in _grids(layout):
            options = table.dashGridOptions or {}
            text = options.get("noRowsOverlayComponentParams", {}).get("text", "")
            assert options.get("noRowsOverlayComponent") == "EmptyGrid", (page["path"], table.id)
            assert len(text) > 20, (page["path"], table.id)
            seen += 1
    assert seen >= 10  # the grids of every page (claims, history's three, overview's two, ...)


def test_an_empty_grids_text_is_passed_as_data_never_as_html() -> None:
    """The text reaches the browser as a component parameter (a React text node), not markup."""
    assert components.empty_overlay("No <b>rows</b> & none") == {
        "noRowsOverlayComponent": "EmptyGrid",
        "noRowsOverlayComponentParams": {"text": "No <b>rows</b> & none"},
    }
    assert "overlayNoRowsTemplate" not in components.empty_overlay("x")
