"""The conformance check any estimator can run on itself: definition, output schema,
determinism, as-of evidence, lineage and overrides.

Public through ``costboard.testing`` (docs/plugins.md, "The plugin authors' kit").
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from costboard.plugins.estimator import Estimator, active_vocabulary, using_vocabulary
from costboard.plugins.evidence import Evidence, build_evidence
from costboard.plugins.manager import LoadedEstimator, PluginRecord
from costboard.plugins.parameters import Parameters
from costboard.plugins.run import DEFAULT_TIMEOUT, EstimatorStatus, run_one
from costboard.samples import sample_evidence
from costboard.warehouse.vocabulary import Vocabulary

#: How many evidence dates the as-of check re-runs the estimator at.
MAX_AS_OF_DATES = 10


def _run(
    estimator: Estimator, evidence: Evidence, overrides: Mapping[str, float] | None = None
) -> tuple[pl.DataFrame, EstimatorStatus]:
    loaded = LoadedEstimator(estimator, PluginRecord(name=f"check:{estimator.name}"))
    params = Parameters(table=estimator.parameter_table, overrides=dict(overrides or {}))
    return run_one(loaded, evidence, params, DEFAULT_TIMEOUT)


def check_estimator(
    estimator: Estimator, evidence: Evidence | None = None, vocabulary: Vocabulary | None = None
) -> list[str]:
    """Every way ``estimator`` breaks costboard's contract on ``evidence`` (empty: none).

    Checks its definition (name, version, outputs, cited parameters), that a run succeeds
    and passes validation, that it produces estimates, that two runs agree, that an
    estimate at a date uses nothing stated later (re-running on only the claims stated by
    then gives the same answer, and every input claim was stated by then), and that every
    parameter can be overridden. ``vocabulary``: the one its outputs belong to (default:
    the built-in one; pass your plugin's merged onto it when it adds metrics).
    """
    with using_vocabulary(vocabulary or active_vocabulary()):
        return _check_estimator(estimator, evidence)


def _check_estimator(estimator: Estimator, evidence: Evidence | None) -> list[str]:
    problems = (
        estimator.problems()
        if isinstance(estimator, Estimator)
        else [f"{estimator!r} is not an Estimator"]
    )
    if problems:
        return problems
    evidence = evidence or sample_evidence()
    first, status = _run(estimator, evidence)
    if status.status != "ok":
        return [f"run failed ({status.status}): {status.error}"]
    if first.is_empty():
        return ["produced no estimates on the evidence (pass evidence with the claims it needs)"]
    again, _ = _run(estimator, evidence)
    key = ["subject", "as_of", "metric", "scope", "params_hash"]
    if not first.sort(key).equals(again.sort(key)):
        problems.append("two runs on the same evidence gave different estimates")
    claims = evidence.claims.select("claim_id", "stated_on")
    late = (
        first.select("subject", "as_of", "inputs")
        .explode("inputs")
        .join(claims, left_on="inputs", right_on="claim_id")
        .filter(pl.col("stated_on") > pl.col("as_of"))
    )
    if late.height:
        row = late.row(0, named=True)
        problems.append(
            f"estimate of {row['subject']} at {row['as_of']} uses {row['inputs']}, "
            f"stated later ({row['stated_on']})"
        )
    problems.extend(_as_of_problems(estimator, evidence, first))
    for parameter in estimator.parameters:
        _, status = _run(estimator, evidence, {parameter.name: parameter.value})
        if status.status != "ok":
            problems.append(f"overriding '{parameter.name}' fails: {status.error}")
    return problems


def _as_of_problems(estimator: Estimator, evidence: Evidence, full: pl.DataFrame) -> list[str]:
    """Estimates at a date must not change when the claims stated after it are removed."""
    columns = ["subject", "as_of", "metric", "scope", "value", "low", "high", "inputs"]
    dates = sorted(full["as_of"].unique().to_list())[:-1][:MAX_AS_OF_DATES]
    for date in dates:
        if evidence.claims.filter(pl.col("stated_on") > date).is_empty():
            continue
        earlier = build_evidence(
            evidence.claims.filter(pl.col("stated_on") <= date),
            evidence.subjects,
            evidence.prices.filter(pl.col("date") <= date),
            today=evidence.today,
        )
        cut, status = _run(estimator, earlier)
        if status.status != "ok":
            return [f"run on the evidence up to {date} failed: {status.error}"]
        before = full.filter(pl.col("as_of") == date).select(columns).sort(columns[:4])
        after = cut.filter(pl.col("as_of") == date).select(columns).sort(columns[:4])
        if not before.equals(after):
            return [f"estimates at {date} change when the claims stated after it are removed"]
    return []


def assert_conforms(estimator: Estimator, evidence: Evidence | None = None) -> None:
    """Fail (AssertionError listing every problem) unless ``estimator`` conforms."""
    problems = check_estimator(estimator, evidence)
    assert not problems, "estimator does not conform:\n- " + "\n- ".join(problems)
