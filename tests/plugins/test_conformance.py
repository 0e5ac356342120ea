"""costboard.conformance: the check a plugin author runs on an estimator names each way it
breaks the contract. (That every built-in passes is tests/plugins/test_estimator_behaviour.py;
here each breach is planted in a copy of cloud_rental and must be named.)"""

from __future__ import annotations

import dataclasses
import itertools

import polars as pl
import pytest

from costboard.conformance import assert_conforms, check_estimator
from costboard.plugins import default_cloud_rental
from costboard.plugins.estimator import Estimator
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameters

BASE = default_cloud_rental.ESTIMATOR


def altered(estimate) -> Estimator:  # type: ignore[no-untyped-def]
    return dataclasses.replace(BASE, estimate=estimate)


def test_a_conforming_estimator_has_no_problems() -> None:
    assert check_estimator(BASE) == []
    assert_conforms(BASE)


def test_something_that_is_not_an_estimator_is_named() -> None:
    assert check_estimator("cloud_rental") == ["'cloud_rental' is not an Estimator"]  # type: ignore[arg-type]


def test_an_estimator_that_fails_is_reported_with_its_error() -> None:
    def broken(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        raise RuntimeError("planted failure")

    (problem,) = check_estimator(altered(broken))
    assert problem.startswith("run failed (") and "planted failure" in problem


def test_an_estimator_with_no_estimates_is_told_to_pass_the_claims_it_needs() -> None:
    def silent(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        return BASE.estimate(evidence, params).head(0)

    assert check_estimator(altered(silent)) == [
        "produced no estimates on the evidence (pass evidence with the claims it needs)"
    ]


def test_two_runs_that_disagree_are_found() -> None:
    runs = itertools.count(1)

    def drifting(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        factor = next(runs)
        return BASE.estimate(evidence, params).with_columns(pl.col("value", "low", "high") * factor)

    assert "two runs on the same evidence gave different estimates" in check_estimator(
        altered(drifting)
    )


def test_an_input_stated_after_the_estimates_date_is_named() -> None:
    def peeking(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        newest = evidence.claims.sort("stated_on")["claim_id"][-1]
        return BASE.estimate(evidence, params).with_columns(
            pl.col("inputs").list.concat(pl.lit([newest]))
        )

    problems = check_estimator(altered(peeking))
    assert any(
        p.startswith("estimate of deepseek-v3 at 2024-12-27 uses ") and "stated later" in p
        for p in problems
    ), problems


def test_an_estimate_that_moves_when_later_claims_are_removed_is_named() -> None:
    # Reads every claim, later ones too, without listing them as inputs.
    def hindsight(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        count = evidence.claims.height
        return BASE.estimate(evidence, params).with_columns(pl.col("value", "low", "high") * count)

    problems = check_estimator(altered(hindsight))
    assert "estimates at 2024-12-27 change when the claims stated after it are removed" in problems


def test_a_parameter_that_cannot_be_overridden_is_named() -> None:
    def stubborn(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        if params.overrides:
            raise ValueError("no overrides here")
        return BASE.estimate(evidence, params)

    problems = check_estimator(altered(stubborn))
    # One problem per parameter, each naming it and the error it raised.
    assert [p.split(" fails: ValueError: no overrides here")[0] for p in problems] == [
        f"overriding '{parameter.name}'" for parameter in BASE.parameters
    ], problems


def test_assert_conforms_lists_every_problem() -> None:
    def silent(evidence: Evidence, params: Parameters) -> pl.DataFrame:
        return BASE.estimate(evidence, params).head(0)

    with pytest.raises(AssertionError, match="does not conform:\n- produced no estimates"):
        assert_conforms(altered(silent))
