"""`costboard gaps` (costboard/cli/gaps_command.py) and the claim_gaps view
(warehouse/sql/28_claim_gaps_view.sql) on a crafted warehouse with a known ranking: every
estimate is 100 with the range 50-200, stored directly, so each gap is a round log10."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.cli.gaps_command import table_rows
from costboard.warehouse import claim_gaps, ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig
from tests.warehouse.test_reconciliation_view import estimate, store

DAY = dt.date(2025, 1, 10)
HEADER = "claim_id,subject,metric,scope,value,low,high,unit,claimant,stated_on,source_url,bound\n"
#: claim_id: (subject, value, low, high, bound, expected gap in log10)
CLAIMS = {
    "far-above": ("a", "2000", "", "", "", 1.0),  # 2000 / 200
    "below": ("b", "10", "", "", "", math.log10(5)),  # 50 / 10
    "range-apart": ("d", "", "300", "400", "", math.log10(1.5)),  # 300 / 200
    "floor-below": ("c", "20", "", "", "lower", 0.0),  # more than 20: agrees
    "range-overlap": ("e", "", "10", "60", "", 0.0),
}
RANKED = ["far-above", "below", "range-apart", "floor-below", "range-overlap"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("gaps") / "home"
    config = WarehouseConfig.resolve(home)
    schema.create(config, author="tests")
    subjects = "subject,kind\n" + "".join(f"{s},model\n" for s, *_ in CLAIMS.values())
    (home / "subjects.csv").write_text(subjects.replace("e,model", "e,company"))
    rows = [
        f"{c},{s},training_cost,final_run,{v},{lo},{hi},usd,someone,{DAY},https://a.org/{c},{b}"
        for c, (s, v, lo, hi, b, _) in CLAIMS.items()
    ]
    (home / "claims.csv").write_text(HEADER + "\n".join(rows) + "\n")
    ingest.ingest(config, [home / "subjects.csv", home / "claims.csv"], message="c", today=DAY)
    store(config, *(estimate(subject=s) for s, *_ in CLAIMS.values()))
    return home


def gaps(home: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), "gaps", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_ranks_claims_by_their_gap_to_the_nearest_range_end(home: Path) -> None:
    rows = json.loads(gaps(home, "--format", "json"))
    assert [r["claim_id"] for r in rows] == RANKED
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert list(rows[0]) == list(claim_gaps.COLUMNS)  # every column, in the read's order
    for row in rows:
        assert row["claim_gap"] == pytest.approx(CLAIMS[row["claim_id"]][5])
    directions = {r["claim_id"]: r["direction"] for r in rows}
    assert directions == {
        "far-above": "above",
        "below": "below",
        "range-apart": "above",
        "floor-below": "inside",
        "range-overlap": "inside",
    }


def test_csv_gives_the_same_ranking_with_the_claim_and_the_range(home: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(gaps(home, "--format", "csv", "--top", "3"))))
    assert [r["claim_id"] for r in rows] == RANKED[:3]
    assert (rows[0]["estimator"], rows[0]["low"], rows[0]["high"]) == ("model_a", "50.0", "200.0")
    assert rows[0]["source_url"] == "https://a.org/far-above"


def test_the_table_names_the_largest_gap_first_and_kind_filters(home: Path) -> None:
    table = gaps(home)
    assert table.index("far-above") < table.index("below") < table.index("range-apart")
    companies = json.loads(gaps(home, "--kind", "company", "--format", "json"))
    assert [r["claim_id"] for r in companies] == ["range-overlap"]
    assert json.loads(gaps(home, "--metric", "hardware_spend", "--format", "json")) == []


def test_an_unknown_frame_is_a_one_line_error(home: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(home), "gaps", "--frame", "someday"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'someday' is not one of" in result.output


def header_cells(table: str) -> list[str]:
    """The column names of a rich table's header line (the first line between │ bars)."""
    line = next(line for line in table.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def table_row(table: str, claim_id: str) -> list[str]:
    line = next(line for line in table.splitlines() if f" {claim_id} " in line)
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_the_table_has_one_column_each_and_no_stray_value_column(home: Path) -> None:
    columns = header_cells(gaps(home))
    assert columns == [
        "rank",
        "subject",
        "gap (log10)",
        "direction",
        "claim",
        "claimant",
        "stated_on",
        "estimator",
        "range",
        "claim_id",
        "source_url",
    ]


def test_the_table_writes_the_gap_and_a_range_only_claim_as_its_range(home: Path) -> None:
    table = gaps(home)
    cells = dict(zip(header_cells(table), table_row(table, "range-apart"), strict=True))
    assert cells["claim"] == "$300 – $400"  # as stated, not its middle ($346.41)
    assert cells["gap (log10)"] == "0.176"  # log10(300 / 200)
    assert cells["range"] == "$50 – $200"
    above = dict(zip(header_cells(table), table_row(table, "far-above"), strict=True))
    assert (above["claim"], above["gap (log10)"]) == ("$2,000", "1")
    floor = dict(zip(header_cells(table), table_row(table, "floor-below"), strict=True))
    assert (floor["claim"], floor["gap (log10)"]) == ("> $20", "0")


def test_the_table_gives_the_printer_no_float_to_rewrite(home: Path) -> None:
    # echo_frame rewrites float columns by the number rule; a float left here is how the
    # gap once came out a second time, as a stray "value" column.
    with lake.connect(WarehouseConfig.resolve(home), read_only=True) as connection:
        rows = claim_gaps.ranked(connection, "latest")
    shown = table_rows(rows)
    assert [c for c, t in shown.schema.items() if t.is_float()] == []
    assert shown["gap (log10)"].to_list() == ["1", "0.699", "0.176", "0", "0"]
