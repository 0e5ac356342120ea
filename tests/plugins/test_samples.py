"""costboard.samples: made-up evidence for plugin authors, with the defaults its docstring
promises (claim ids, base units, dates, subject kinds, the last evidence date)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from costboard.samples import (
    DEFAULT_STATED_ON,
    KNOWN_SUBJECTS,
    claim,
    make_evidence,
    many_models_evidence,
)

MARCH = dt.date(2024, 3, 1)


def test_claim_keeps_only_what_it_is_given() -> None:
    assert claim("m", "gpu_hours", "final_run", 5.0) == {
        "subject": "m",
        "metric": "gpu_hours",
        "scope": "final_run",
        "value": 5.0,
    }
    assert claim("m", "gpu_count", "final_run", 8, MARCH, qualifier="h100")["qualifier"] == "h100"


def test_a_claim_gets_an_id_a_base_unit_and_the_default_date() -> None:
    evidence = make_evidence([claim("m", "gpu_hours", "final_run", 1e6)])
    row = evidence.claims.row(0, named=True)
    assert row["claim_id"] == f"m:gpu_hours:final_run:-:{DEFAULT_STATED_ON}"
    assert (row["unit"], row["stated_on"], row["claimant"]) == (
        "gpu_hours",
        DEFAULT_STATED_ON,
        "test",
    )
    assert evidence.today == DEFAULT_STATED_ON


def test_undated_claims_beside_dated_ones_take_the_default_date() -> None:
    evidence = make_evidence(
        [
            claim("m", "gpu_hours", "final_run", 1e6, MARCH),
            claim("m", "training_cost", "final_run", None, low=1e6, high=3e6),
        ]
    )
    dates = dict(evidence.claims.select("metric", "stated_on").iter_rows())
    assert dates == {"gpu_hours": MARCH, "training_cost": DEFAULT_STATED_ON}
    # The last evidence date is the latest claim's, whichever way it got its date.
    assert evidence.today == max(MARCH, DEFAULT_STATED_ON)


def test_subjects_not_given_are_chips_when_known_else_models() -> None:
    evidence = make_evidence(
        [
            claim("new-model", "gpu_count", "final_run", 8, MARCH, qualifier="h100"),
            claim("lab", "gpu_count", "fleet_capex", 100, MARCH, qualifier="not-a-chip"),
        ],
        subjects={"lab": "company"},
    )
    kinds = dict(evidence.subjects.select("subject", "kind").iter_rows())
    # A qualifier that names a known chip brings that chip in; an unknown qualifier does not.
    assert kinds == {"lab": "company", "h100": KNOWN_SUBJECTS["h100"], "new-model": "model"}


def test_today_given_overrides_the_latest_claim() -> None:
    later = dt.date(2026, 1, 1)
    evidence = make_evidence([claim("m", "gpu_hours", "final_run", 1.0, MARCH)], today=later)
    assert evidence.today == later


def test_many_models_evidence_holds_eight_claims_a_model_and_four_labs() -> None:
    evidence = many_models_evidence(3)
    assert evidence.claims.height == 3 * 8
    subjects = evidence.subjects.sort("subject")
    assert subjects.filter(pl.col("kind") == "company")["subject"].to_list() == [
        f"lab-{k}" for k in range(4)
    ]
    assert subjects.filter(pl.col("kind") == "model")["subject"].to_list() == [
        "model-0",
        "model-1",
        "model-2",
    ]
    # One week between two models' claims.
    first = evidence.claims.filter(pl.col("subject") == "model-0")["stated_on"][0]
    second = evidence.claims.filter(pl.col("subject") == "model-1")["stated_on"][0]
    assert second - first == dt.timedelta(days=7)
