"""costboard.cli.warehouse_commands: what an ingest says it did (one count per table it
changed) and the input rows it left out (each with file, line and column, the first few and
how many more). On write results made by hand; ingesting end to end is
tests/cli/test_warehouse_commands.py."""

from __future__ import annotations

import pytest

from costboard.cli import warehouse_commands
from costboard.cli.warehouse_commands import SKIPPED_SHOWN, _report_skipped, _summary
from costboard.warehouse.errors import InputError
from costboard.warehouse.writer import TableChanges, WriteResult


def test_the_summary_names_each_table_that_changed_in_name_order() -> None:
    result = WriteResult(
        7,
        {
            "prices": TableChanges(added=10),
            "claims": TableChanges(added=2, changed=1, removed=3),
            "subjects": TableChanges(),
        },
    )
    assert _summary(result) == "claims: +2 ~1 -3, prices: +10 ~0 -0"


def test_nothing_changed_says_so() -> None:
    assert _summary(WriteResult(None, {"claims": TableChanges()})) == "no changes"
    assert _summary(WriteResult(None)) == "no changes"


def skipped(count: int) -> WriteResult:
    errors = [InputError("prices.csv", n + 2, 3, "no close", field="close") for n in range(count)]
    return WriteResult(5, skipped=errors)


def test_no_skipped_rows_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    _report_skipped(WriteResult(5))
    assert capsys.readouterr() == ("", "")


def test_skipped_rows_are_listed_on_stderr_with_where_and_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _report_skipped(skipped(2))
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "skipped 2 input rows costboard cannot use:",
        "  prices.csv:2:3: column 'close': no close",
        "  prices.csv:3:3: column 'close': no close",
    ]


def test_past_the_first_few_the_rest_are_counted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _report_skipped(skipped(SKIPPED_SHOWN + 5))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"skipped {SKIPPED_SHOWN + 5} input rows costboard cannot use:"
    assert len(lines) == 1 + SKIPPED_SHOWN + 1
    assert lines[-1] == "  ... and 5 more"
    monkeypatch.setattr(warehouse_commands, "SKIPPED_SHOWN", 1)
    _report_skipped(skipped(3))
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "  prices.csv:2:3: column 'close': no close",
        "  ... and 2 more",
    ]


def test_exactly_the_few_shown_have_no_more_line_and_one_past_them_has(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _report_skipped(skipped(SKIPPED_SHOWN))
    assert "more" not in capsys.readouterr().err
    _report_skipped(skipped(SKIPPED_SHOWN + 1))
    assert capsys.readouterr().err.splitlines()[-1] == "  ... and 1 more"
