"""costboard.cli.ladder_command: the ladder's table for people (who gave each figure, its id,
its status with the names of its checks). On rungs made by hand; the ladder itself is
tests/warehouse/test_ladder.py and the command's figures tests/cli/test_cli_numbers.py."""

from __future__ import annotations

import polars as pl

from costboard.cli.ladder_command import TABLE_COLUMNS, table_rows

RUNGS = pl.DataFrame(
    {
        "kind": ["claim", "estimate"],
        "figure": ["> $294K", "$5.576M ($4.1M – $7.3M)"],
        "scope": ["training_total", "final_run"],
        "subject": ["deepseek-r1", "deepseek-v3"],
        "metric": ["training_cost", "training_cost"],
        "claimant": ["DeepSeek", None],
        "estimator": [None, "cloud_rental"],
        "estimator_version": [None, "1.0"],
        "claim_id": ["r1-nature", None],
        "status": ["disputed", "active"],
        "checks": [["cited_value_differs: +7.6%", "matches_other_subject: within 2%"], []],
        "date_text": ["2025-09", "2025-06-01"],
        "value": [294e3, 5.576e6],
    },
    schema_overrides={"checks": pl.List(pl.String)},
)


def test_the_table_has_its_columns_only() -> None:
    assert table_rows(RUNGS).columns == list(TABLE_COLUMNS)


def test_a_claim_is_given_by_its_claimant_and_an_estimate_by_its_estimator() -> None:
    claim, estimate = table_rows(RUNGS).to_dicts()
    assert (claim["who"], claim["id"], claim["dated"]) == ("DeepSeek", "r1-nature", "2025-09")
    assert (estimate["who"], estimate["id"]) == ("cloud_rental", "v1.0")


def test_a_status_names_its_checks_without_their_detail() -> None:
    claim, estimate = table_rows(RUNGS).to_dicts()
    assert claim["status"] == "disputed (cited_value_differs, matches_other_subject)"
    assert estimate["status"] == "active"  # no checks: the status alone
