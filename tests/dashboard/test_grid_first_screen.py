"""The claims grids show claimant, figure, status and checks in their first screen at 1,280 px
(issue 19, item 5): the claims page's grid (dashboard/pages/claims.py) and the overview's claim
table (dashboard/claim_table.py), by their column definitions' order, widths and pinning."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import claim_table
from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig

#: What a 1,280 px window leaves a grid: the page's side padding and the scroll bar taken off
#: (dashboard/assets/style.css: .content pads 1.5rem a side, 48 px; 80 px leaves room).
FIRST_SCREEN_PX = 1280 - 80
#: AG Grid's width for a column that names none.
AG_GRID_DEFAULT_WIDTH = 200
MUST_SEE = {"claimant", "figure", "status", "checks"}


def first_screen(columns: list[dict[str, Any]]) -> list[str]:
    """The fields whose whole column fits in the first screen, pinned columns first (AG Grid
    draws them on the left)."""
    ordered = sorted(columns, key=lambda c: c.get("pinned") != "left")
    shown, left = [], 0
    for column in ordered:
        left += column.get("width", AG_GRID_DEFAULT_WIDTH)
        if left > FIRST_SCREEN_PX:
            break
        shown.append(column["field"])
    return shown


@pytest.fixture(scope="module")
def claims_page(empty_home_template: Path) -> Iterator[ModuleType]:
    app = create_app(
        WarehouseConfig.resolve(empty_home_template), cache=SimpleCache(threshold=0), warm=False
    )
    with app.server.test_request_context("/claims"):
        yield importlib.import_module("costboard.dashboard.pages.claims")


def test_the_claims_page_grid_opens_on_who_said_what_whether_it_stands_and_its_checks(
    claims_page: ModuleType,
) -> None:
    columns = claims_page.columns([{"colId": "stated_on", "sort": "desc"}])
    shown = first_screen(columns)
    assert set(shown) >= MUST_SEE, shown
    assert shown[:3] == ["claimant", "figure", "subject"]  # claimant and figure pinned
    assert {c["field"] for c in columns if c.get("pinned") == "left"} == {"claimant", "figure"}
    # every filterable column is still there, the sort kept
    assert {c["field"] for c in columns} == {*claims_page.KINDS, "figure"}
    assert next(c for c in columns if c["field"] == "stated_on")["sort"] == "desc"


def test_the_overview_claim_table_opens_on_the_claimant_figure_status_and_checks() -> None:
    shown = first_screen(claim_table.COLUMNS)
    assert MUST_SEE | {"evidence"} <= set(shown), shown
    assert shown[0] == "claimant"
