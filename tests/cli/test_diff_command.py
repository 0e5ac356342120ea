"""costboard.cli.diff_command: a diff for people ("old -> new" for each changed column, every
value of a row added or removed) and list columns as ``;``-joined text. On diffs made by
hand; ``costboard diff`` on a real lake is tests/cli/test_warehouse_commands.py."""

from __future__ import annotations

import polars as pl

from costboard.cli.diff_command import _compact_diff, _lists_as_text
from costboard.warehouse.history import DiffTable

CLAIMS = DiffTable("claims", "claim_records", ("claim_id",), ("value", "unit"))
DIFF = pl.DataFrame(
    {
        "claim_id": ["changed-one", "new-one", "gone-one"],
        "change": ["changed", "added", "removed"],
        "changed_columns": [["value"], None, None],
        "old_value": [3.42, None, 7.0],
        "new_value": [3.45, 1.0, None],
        "old_unit": ["usd", None, None],
        "new_unit": ["usd", "usd", None],
    },
    schema_overrides={"changed_columns": pl.List(pl.String)},
)


def test_a_changed_row_shows_only_its_changed_columns_old_to_new() -> None:
    shown = _compact_diff(DIFF, CLAIMS)
    assert shown.columns == ["change", "claim_id", "values"]
    assert shown.row(0) == ("changed", "changed-one", "value: 3.42 -> 3.45")


def test_an_added_row_shows_its_new_values_and_a_removed_one_its_old() -> None:
    shown = _compact_diff(DIFF, CLAIMS)
    assert shown.row(1) == ("added", "new-one", "value=1.0; unit=usd")
    assert shown.row(2) == ("removed", "gone-one", "value=7.0; unit=∅")  # missing: shown


def test_list_columns_become_text_except_those_kept() -> None:
    frame = pl.DataFrame(
        {"cites": [["a", "b"], []], "changed_columns": [["value"], ["unit", "note"]], "n": [1, 2]},
        schema_overrides={"cites": pl.List(pl.String), "changed_columns": pl.List(pl.String)},
    )
    shown = _lists_as_text(frame, "changed_columns")
    assert shown["cites"].to_list() == ["a;b", ""]
    assert shown["changed_columns"].to_list() == [["value"], ["unit", "note"]]
    assert shown["n"].to_list() == [1, 2]
