"""Data text is printed, never obeyed: a terminal gets no escape sequences from a table, rich
no markup, and Plotly's hover no HTML from a claimant (issue 17)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.cli import output
from costboard.dashboard import claim_markers, hover
from costboard.dashboard.app import create_app
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write
from tests.warehouse.test_validation import GOOD_ROW, HEADER, SUBJECTS

HOSTILE = (
    "[bold]x[/bold] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 a\u202eb\u200bc"
)


def test_a_table_cell_reaches_the_terminal_without_escapes_or_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    output.echo_frame(pl.DataFrame({"note": [HOSTILE], "[red]column": ["x"]}))
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\u202e" not in printed and "\u200b" not in printed
    assert "[bold]x[/bold]" in printed and "[red]column" in printed  # shown, not obeyed
    assert "redlink" in printed  # the text of the sequences stays, the sequences go


def test_the_hover_helper_escapes_html_and_a_claim_marker_uses_it() -> None:
    link = '<a href="https://evil.example">DeepSeek</a>'
    assert hover.escaped(link) == '&lt;a href="https://evil.example"&gt;DeepSeek&lt;/a&gt;'
    frame = pl.DataFrame({"x": [link]}).select(hover.escaped_column("x"))
    assert frame.item() == hover.escaped(link)
    assert "<a " not in claim_markers._text({"claimant": link}, "claimant")


@pytest.mark.catalogs
def test_the_market_hover_escapes_a_claimant(config: WarehouseConfig, tmp_path: Path) -> None:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    claims = write(
        tmp_path / "claims.csv",
        HEADER + GOOD_ROW.replace("DeepSeek-AI", '<a href="https://evil.example">DeepSeek</a>'),
    )
    ingest.ingest(config, [subjects, claims], message="m", today=dt.date(2026, 1, 1))
    app = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    with lake.connect(config, read_only=True) as connection:
        newest = connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0]
    with app.server.test_request_context("/"):
        reader = app.server.extensions["costboard"].reader
        events = reader.claim_events(newest, dt.date(2024, 12, 1), dt.date(2025, 1, 31))
    (what,) = events["what"].to_list()
    assert "<a " not in what and "&lt;a href=" in what, what
