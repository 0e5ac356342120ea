"""The inputs several built-in estimators share (plugins/inputs.py), frame by frame: a training
run's GPU-hours from each of its three sources with their ranges and claims, a subject's dates
and data-centre class, and when a purchase price gets the server overhead."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from costboard.plugins import default_amortized_hardware_energy as amortized
from costboard.plugins import default_cloud_rental, inputs
from costboard.plugins.parameters import Parameters, table
from costboard.testing import claim, make_evidence

D = dt.date
DAY = D(2025, 1, 1)
NEXT = D(2025, 1, 2)


def run(*claims: dict[str, Any], subjects: Any = None, today: dt.date = DAY) -> dict[str, dict]:
    """inputs.training_run at the last evidence date, by subject."""
    frame = inputs.training_run(make_evidence(list(claims), subjects=subjects, today=today))
    return {row["subject"]: row for row in frame.filter(pl.col("as_of") == today).to_dicts()}


def hours(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["gpu_hours"],
        row["gpu_hours_low"],
        row["gpu_hours_high"],
        row["gpu_hours_claim_ids"],
        row["gpu_hours_source"],
    )


def test_a_claimed_gpu_hours_figure_is_used_as_claimed() -> None:
    row = run(
        claim("m", "gpu_hours", "final_run", 2.788e6, DAY, claim_id="h", low=2.7e6, high=2.9e6),
        claim("m", "gpu_count", "final_run", 2048, DAY, qualifier="h800", claim_id="n"),
        claim("m", "training_duration", "final_run", 1000, DAY, claim_id="t"),
    )["m"]
    assert hours(row) == (2.788e6, 2.7e6, 2.9e6, ["h"], "claimed gpu_hours")
    assert row["chip"] == "h800"
    assert row["wall_clock_hours"] == 2.788e6 / 2048


def test_without_a_claim_the_gpu_hours_are_gpu_count_times_training_time() -> None:
    row = run(
        claim("m", "gpu_count", "final_run", 2048, DAY, claim_id="n", low=2000, high=2100),
        claim("m", "training_duration", "final_run", 1000, DAY, claim_id="t", low=900, high=1100),
    )["m"]
    assert hours(row) == (
        2_048_000,
        1_800_000,
        2_310_000,
        ["n", "t"],
        "gpu_count x training_duration",
    )
    assert (row["gpu_count"], row["gpu_count_low"], row["gpu_count_high"]) == (2048, 2000, 2100)
    assert row["gpu_count_claim_id"] == "n"
    assert (row["training_duration"], row["training_duration_claim_id"]) == (1000, "t")
    assert (row["training_duration_low"], row["training_duration_high"]) == (900, 1100)
    assert row["wall_clock_hours"] == 1000


def test_counts_and_times_of_other_scopes_are_not_the_runs() -> None:
    rows = run(
        claim("m", "gpu_count", "final_run", 2048, DAY, claim_id="n"),
        claim("m", "training_duration", "final_run", 1000, DAY, claim_id="t"),
        claim("m", "gpu_count", "cluster_capex", 10_000, NEXT),
        claim("m", "training_duration", "training_total", 5000, NEXT),
        today=NEXT,
    )
    assert hours(rows["m"])[:4] == (2_048_000, 2_048_000, 2_048_000, ["n", "t"])


def test_the_stages_are_summed_from_their_own_hours_or_count_times_time() -> None:
    row = run(
        claim("s", "gpu_count", "final_run", 100, DAY, claim_id="run-n", low=90, high=110),
        # stage a: its own GPU-hours
        claim(
            "s", "gpu_hours", "stage", 5000, DAY, qualifier="a", claim_id="a-h", low=4000, high=6000
        ),
        # stage b: its own count x its time
        claim("s", "gpu_count", "stage", 20, DAY, qualifier="b", claim_id="b-n", low=10, high=30),
        claim(
            "s",
            "training_duration",
            "stage",
            10,
            DAY,
            qualifier="b",
            claim_id="b-t",
            low=5,
            high=20,
        ),
        # stage c: the run's count x its time
        claim(
            "s", "training_duration", "stage", 2, DAY, qualifier="c", claim_id="c-t", low=1, high=3
        ),
    )["s"]
    assert hours(row) == (
        5000 + 20 * 10 + 100 * 2,
        4000 + 10 * 5 + 90 * 1,
        6000 + 30 * 20 + 110 * 3,
        ["a-h", "b-n", "b-t", "c-t", "run-n"],
        "sum of stages",
    )


def test_stages_are_not_summed_when_one_of_them_has_no_hours() -> None:
    rows = run(
        claim("s", "gpu_hours", "stage", 5000, DAY, qualifier="a"),
        claim("s", "training_duration", "stage", 10, DAY, qualifier="b"),  # no count anywhere
    )
    assert "s" not in rows  # a partial sum would undercount


def test_a_subjects_publication_year_developer_class_and_chip_release() -> None:
    subjects = [
        {"subject": "g", "kind": "model", "developer": "Google", "released_on": D(2023, 12, 6)},
        {"subject": "u", "kind": "model", "developer": "Unknown Lab"},
        {"subject": "h100", "kind": "chip", "released_on": D(2022, 9, 21)},
    ]
    claims = [
        claim("g", "gpu_hours", "final_run", 1e6, D(2024, 2, 1), claim_id="g-h"),
        claim("u", "gpu_hours", "final_run", 1e6, D(2024, 3, 1), claim_id="u-h"),
        claim("u", "gpu_count", "final_run", 100, D(2024, 5, 1), qualifier="h100"),
    ]
    evidence = make_evidence(claims, subjects=subjects, today=D(2024, 6, 1))
    rows = inputs.training_run(evidence).filter(pl.col("as_of") == D(2024, 6, 1))
    facts = inputs.subject_facts(rows, evidence)
    assert facts.columns == [
        *rows.columns,
        "developer",
        "chip_name",
        "chip_released_on",
        "chip_class",
        "chip_family",
        "family_chip",
        "publication",
        "year",
        "pue_class",
    ]
    by_subject = {row["subject"]: row for row in facts.to_dicts()}
    g, u = by_subject["g"], by_subject["u"]
    assert (g["publication"], g["year"], g["developer"], g["pue_class"]) == (
        D(2023, 12, 6),
        2023,
        "Google",
        "hyperscaler",
    )
    # no release date: the subject's first claim stands in for its publication
    assert (u["publication"], u["year"], u["developer"], u["pue_class"]) == (
        D(2024, 3, 1),
        2024,
        "Unknown Lab",
        None,
    )
    assert (g["chip_released_on"], u["chip_released_on"]) == (None, D(2022, 9, 21))


def test_subject_facts_keep_rows_of_subjects_it_knows_nothing_about() -> None:
    evidence = make_evidence([claim("x", "gpu_hours", "final_run", 1.0, DAY)], today=DAY)
    rows = pl.DataFrame(
        {"subject": ["x", "nobody"], "chip": [None, None]}, schema_overrides={"chip": pl.String}
    )
    facts = inputs.subject_facts(rows, evidence)
    assert facts["subject"].to_list() == ["x", "nobody"]
    assert facts.filter(pl.col("subject") == "nobody")["publication"].to_list() == [None]


PRICED = pl.DataFrame(
    {
        "purchase_price": [20_000.0, 30_000.0],
        "purchase_price_qualifier": ["chip", "dgx_per_gpu"],
        "server_overhead": [1.5, 1.5],
        "server_overhead_claim_id": ["so", "so"],
        "server_overhead_origin": ["claim: so", "claim: so"],
    }
)
NOT_APPLIED = "not applied: the price includes the server"


def test_only_a_chip_only_price_gets_the_server_overhead_and_its_claim() -> None:
    priced = inputs.with_server_price(PRICED, Parameters(table(*amortized.PARAMETERS)))
    assert priced.select(
        "server_price", "server_overhead_claim_id", "server_overhead_origin"
    ).rows() == [(30_000.0, "so", "claim: so"), (30_000.0, None, NOT_APPLIED)]


def test_an_overridden_purchase_price_is_taken_as_server_level() -> None:
    params = Parameters(table(*amortized.PARAMETERS), {"purchase_price": 20_000.0})
    priced = inputs.with_server_price(PRICED, params)
    assert priced.select(
        "server_price", "server_overhead_claim_id", "server_overhead_origin"
    ).rows() == [(20_000.0, None, NOT_APPLIED), (30_000.0, None, NOT_APPLIED)]


@pytest.mark.parametrize("override", [{}, {"rental_price": 3.0}])
def test_the_rental_price_columns_are_named_for_the_estimators(override: dict[str, float]) -> None:
    evidence = make_evidence(
        [claim("m", "gpu_hours", "final_run", 1e6, DAY, claim_id="h")], today=DAY
    )
    rows = inputs.training_run(evidence)
    params = Parameters(table(*default_cloud_rental.ESTIMATOR.parameters), override)
    priced = inputs.rental_price(rows, evidence, params)
    added = [c for c in priced.columns if c not in rows.columns]
    assert added == [
        "rental_price",
        "rental_price_low",
        "rental_price_high",
        "rental_price_claim_ids",
        "rental_price_origin",
    ]
    assert priced["rental_price_claim_ids"].to_list() == [[]]
