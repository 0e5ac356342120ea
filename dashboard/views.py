"""What the pages draw: one name for the figures and the tables, read as ``views.<name>``.

The functions live where their job is: the figures in figures.py, the tables in
page_tables.py. The pages (and the tests that prove what they draw) import this module, so a
page's ``views.estimate_figure`` and ``views.window_table`` read the same as before the split.
"""

from __future__ import annotations

from costboard.dashboard.figures import (
    ASSUMED_SYMBOL,
    MEASURES,
    PALETTE,
    Panel,
    colours,
    estimate_figure,
    log_ticks,
    market_figure,
    panels,
)
from costboard.dashboard.page_tables import compare, diff_rows, headline, window_table

__all__ = [
    "ASSUMED_SYMBOL",
    "MEASURES",
    "PALETTE",
    "Panel",
    "colours",
    "compare",
    "diff_rows",
    "estimate_figure",
    "headline",
    "log_ticks",
    "market_figure",
    "panels",
    "window_table",
]
