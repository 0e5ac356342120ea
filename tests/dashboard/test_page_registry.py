"""One page registry: components.PAGES is the nav's order, and each page registers with Dash
from its entry there, so Dash's ``order`` and the navigation bar name the same pages in the
same order."""

from __future__ import annotations

from pathlib import Path

import dash
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
