"""The reconciliation view (warehouse/sql/25_reconciliation_view.sql) on claims below, inside and
above an estimate's range: ratio = claim / estimate, never the other way round, and
inside_range true only inside [low, high].

An estimate of 100 with the range 50-200 is stored directly (estimates.store), so every ratio
here is a round number and no estimator's arithmetic is involved.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from costboard.warehouse import estimates, ingest, lake, schema
from costboard.warehouse.config import WarehouseConfig

DAY = dt.date(2025, 1, 10)
LATER = dt.date(2025, 1, 20)
SUBJECTS = "subject,kind\nm,model\nother,model\n"
HEADER = "claim_id,subject,metric,scope,value,low,high,unit,claimant,stated_on,source_url,bound\n"
#: claim_id -> (value, low, high) in US dollars
CLAIMS = {
    "a-below": ("20", "", ""),
    "b-low-edge": ("50", "", ""),
    "c-inside": ("150", "", ""),
    "d-high-edge": ("200", "", ""),
    "e-above": ("400", "", ""),
    "f-range-only": ("", "40", "90"),  # geometric middle: 60
    "g-low-only": ("", "30", ""),
    "h-high-only": ("", "", "250"),
}


#: claim_id -> (value, bound, inside model_a's 50-200): a bound agrees with a range that reaches
#: past it (a floor: high >= value; a ceiling: low <= value)
BOUNDS = {
    "n-floor-reached": ("150", "lower", True),
    "o-floor-above": ("250", "lower", False),
    "p-ceiling-reached": ("60", "upper", True),
    "q-ceiling-below": ("40", "upper", False),
    "r-approximately-inside": ("150", "approximate", True),
}


def claim_rows() -> str:
    rows = [
        f"{claim_id},m,training_cost,final_run,{value},{low},{high},usd,someone,{DAY},https://a.org/{claim_id},"
        for claim_id, (value, low, high) in CLAIMS.items()
    ]
    rows += [
        f"{claim_id},m,training_cost,final_run,{value},,,usd,someone,{DAY},https://a.org/{claim_id},{bound}"
        for claim_id, (value, bound, _) in BOUNDS.items()
    ]
    rows += [
        f"j-other-scope,m,training_cost,training_total,150,,,usd,someone,{DAY},https://a.org/j,",
        f"k-other-metric,m,hardware_spend,final_run,150,,,usd,someone,{DAY},https://a.org/k,",
        f"l-other-day,m,training_cost,final_run,150,,,usd,someone,{LATER},https://a.org/l,",
        f"m-other-subject,other,training_cost,final_run,150,,,usd,someone,{DAY},https://a.org/m,",
    ]
    return HEADER + "\n".join(rows) + "\n"


def estimate(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "estimator": "model_a",
        "estimator_version": "1",
        "params_hash": "p",
        "subject": "m",
        "as_of": DAY,
        "metric": "training_cost",
        "scope": "final_run",
        "value": 100.0,
        "low": 50.0,
        "high": 200.0,
        "unit": "usd",
        "inputs": ["a-below"],
        "parameters": "{}",
        "note": "",
    }
    return row | changes


def store(config: WarehouseConfig, *rows: dict[str, object]) -> None:
    with lake.connect(config) as connection:
        evidence = estimates.input_snapshot_id(connection)
    assert evidence is not None
    frame = pl.DataFrame(list(rows), schema_overrides={"inputs": pl.List(pl.String)})
    assert estimates.store(config, frame, evidence, message="estimates", author="tests").wrote


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> WarehouseConfig:
    home = tmp_path_factory.mktemp("reconciliation") / "home"
    config = WarehouseConfig.resolve(home)
    schema.create(config, author="tests")
    (home / "subjects.csv").write_text(SUBJECTS)
    (home / "claims.csv").write_text(claim_rows())
    ingest.ingest(config, [home / "subjects.csv", home / "claims.csv"], message="c", today=LATER)
    store(
        config,
        estimate(),
        estimate(estimator="model_b", value=0.0, low=0.0, high=300.0),
        estimate(as_of=LATER, value=1000.0, low=900.0, high=1100.0),
    )
    return config


@pytest.fixture
def reconciled(warehouse: WarehouseConfig) -> pl.DataFrame:
    """Read in each test: the store is written once, the reading is what is tested. The
    at_claim_date frame (the latest frame is tested in test_reconciliation_frames.py)."""
    with lake.connect(warehouse) as connection:
        return estimates.reconciliation(connection, "m", frame="at_claim_date")


def row(frame: pl.DataFrame, claim_id: str, estimator: str = "model_a") -> dict[str, object]:
    (found,) = frame.filter(
        (pl.col("claim_id") == claim_id) & (pl.col("estimator") == estimator)
    ).to_dicts()
    return found


@pytest.mark.parametrize(
    ("claim_id", "claim_value", "ratio", "inside"),
    [
        ("a-below", 20.0, 0.2, False),
        ("b-low-edge", 50.0, 0.5, True),
        ("c-inside", 150.0, 1.5, True),
        ("d-high-edge", 200.0, 2.0, True),
        ("e-above", 400.0, 4.0, False),
        ("f-range-only", 60.0, 0.6, True),
        ("g-low-only", 30.0, 0.3, False),
        ("h-high-only", 250.0, 2.5, False),
    ],
)
def test_each_claim_is_set_against_the_estimate_as_claim_over_estimate(
    reconciled: pl.DataFrame, claim_id: str, claim_value: float, ratio: float, inside: bool
) -> None:
    found = row(reconciled, claim_id)
    assert found["claim_value"] == pytest.approx(claim_value)
    assert found["ratio"] == pytest.approx(ratio)
    assert found["inside_range"] is inside
    assert (found["value"], found["low"], found["high"]) == (100.0, 50.0, 200.0)


def test_below_inside_and_above_give_three_different_answers(reconciled: pl.DataFrame) -> None:
    below, inside, above = (row(reconciled, c) for c in ("a-below", "c-inside", "e-above"))
    assert below["ratio"] < 1 < inside["ratio"] < above["ratio"]
    assert [below["inside_range"], inside["inside_range"], above["inside_range"]] == [
        False,
        True,
        False,
    ]


def test_an_estimate_of_zero_gives_no_ratio_but_still_a_range_answer(
    reconciled: pl.DataFrame,
) -> None:
    found = row(reconciled, "c-inside", "model_b")
    assert found["ratio"] is None and found["inside_range"] is True
    assert row(reconciled, "e-above", "model_b")["inside_range"] is False


def test_each_estimators_latest_estimate_of_the_same_subject_metric_and_scope_is_compared(
    reconciled: pl.DataFrame,
) -> None:
    compared = reconciled.filter(pl.col("estimator").is_not_null())
    assert set(compared["claim_id"]) == set(CLAIMS) | set(BOUNDS) | {"l-other-day"}
    assert set(reconciled["frame"]) == {"at_claim_date"}
    # The claims of another scope or metric are not compared: one row each says why.
    uncompared = reconciled.filter(pl.col("estimator").is_null())
    assert dict(zip(uncompared["claim_id"], uncompared["reason"], strict=True)) == {
        "j-other-scope": "no estimator models training_cost training_total",
        "k-other-metric": "no estimator models hardware_spend final_run",
    }
    later = row(reconciled, "l-other-day")
    assert (later["stated_on"], later["value"], later["ratio"]) == (LATER, 1000.0, 0.15)
    assert later["inside_range"] is False
    # model_b has no estimate at LATER: its estimate of DAY still holds then
    held = row(reconciled, "l-other-day", "model_b")
    assert (held["value"], held["high"], held["inside_range"]) == (0.0, 300.0, True)
    assert compared.height == 2 * (len(CLAIMS) + len(BOUNDS)) + 2


@pytest.mark.parametrize("claim_id", list(BOUNDS))
def test_a_bound_agrees_with_a_range_that_reaches_past_it(
    reconciled: pl.DataFrame, claim_id: str
) -> None:
    assert row(reconciled, claim_id)["inside_range"] is BOUNDS[claim_id][2]


def test_the_reconciliation_reads_in_claim_date_then_claim_then_estimator_order(
    reconciled: pl.DataFrame,
) -> None:
    assert reconciled.columns == [
        "frame",
        "claim_id",
        "claimant",
        "stated_on",
        "metric",
        "scope",
        "method",
        "estimator",
        "claim_value",
        "value",
        "low",
        "high",
        "unit",
        "ratio",
        "inside_range",
        "assumed",
        "reason",
    ]
    reconciled = reconciled.filter(pl.col("metric") == "training_cost")
    reconciled = reconciled.filter(pl.col("scope") == "final_run")
    expected = sorted(
        ((r["stated_on"], r["claim_id"], r["estimator"]) for r in reconciled.to_dicts()),
    )
    assert (
        list(zip(*(reconciled[c] for c in ("stated_on", "claim_id", "estimator")), strict=True))
        == expected
    )
    assert reconciled["claim_id"][0] == "a-below" and reconciled["estimator"][:2].to_list() == [
        "model_a",
        "model_b",
    ]
    assert set(reconciled["unit"]) == {"usd"} and set(reconciled["claimant"]) == {"someone"}
