"""costboard.cli.check_command: how ``costboard check`` writes its report, and file names a
terminal would obey shown quoted. On reports made by hand, so each line shows by itself
(the check of a real lake, and removing orphans, are tests/warehouse/test_check.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from costboard.cli.check_command import _print_report, _shown
from costboard.warehouse.check import ListedFile, NamedFile, Report

ROOT = "/lake/data/"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_a_printable_name_is_shown_as_is_and_one_with_controls_quoted() -> None:
    assert _shown("main/claims/a b.parquet") == "main/claims/a b.parquet"
    assert _shown("evil\x1b[2J.parquet") == "'evil\\x1b[2J.parquet'"
    assert _shown("two\nlines") == "'two\\nlines'"


def test_the_report_counts_named_files_and_lists_each_problem_below_the_data_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = NamedFile("data", ROOT + "main/claims/1.parquet", 1000)
    gone = NamedFile("delete", ROOT + "main/claims/2-delete.parquet", None)
    report = Report(
        ROOT,
        named=[data, gone, NamedFile("data", ROOT + "main/prices/3.parquet", 2_000_000)],
        missing=[gone],
        wrong_size=[(data, 999)],
        orphans=[ListedFile(ROOT + "main/claims/\x07orphan.parquet", 12_345, WHEN)],
    )
    _print_report(report)
    assert capsys.readouterr().out.splitlines() == [
        f"checked 2 data files and 1 delete files that the catalog names, in {ROOT}",
        "missing  main/claims/2-delete.parquet  (delete file)",
        "size     main/claims/1.parquet  (data file: 1,000 bytes recorded, 999 found)",
        "orphan   'main/claims/\\x07orphan.parquet'  (12,345 bytes, modified 2026-01-02 03:04:05 UTC)",
    ]


def test_a_missing_file_with_a_recorded_size_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    named = NamedFile("data", ROOT + "x.parquet", 4096)
    _print_report(Report(ROOT, named=[named], missing=[named]))
    assert "missing  x.parquet  (data file, 4,096 bytes recorded)" in capsys.readouterr().out
