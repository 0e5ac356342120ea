"""One estimator's run (plugins/run.py), called directly: ``validate_estimates`` fills what
an estimator may leave out and refuses unknown columns, nulls and duplicate rows;
``params_hash`` is a short stable hash of the parameters; ``run_one`` adds the estimator's
name, version and hash, and turns a hang or an exception into a status with empty rows.

Each fault recorded through the pipeline with the others unchanged (NaN, negative cost,
ranges, units, unknown inputs, ...): tests/plugins/test_faults.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from costboard.plugins.estimator import ESTIMATES_SCHEMA, Estimator
from costboard.plugins.loading import PluginRecord
from costboard.plugins.manager import LoadedEstimator
from costboard.plugins.parameters import Parameters
from costboard.plugins.run import (
    EstimateError,
    params_hash,
    plugin_status,
    run_one,
    validate_estimates,
)
from costboard.testing import sample_evidence

EVIDENCE = sample_evidence()
PLUGIN = PluginRecord("example", distribution="costboard-example", version="0.3", hooks=("h",))


def rows(**changes: Any) -> pl.DataFrame:
    """One estimate with only the required columns, changed as asked."""
    row = {
        "subject": "deepseek-v3",
        "as_of": dt.date(2025, 6, 1),
        "metric": "training_cost",
        "scope": "final_run",
        "value": 1.0e6,
        "low": 0.5e6,
        "high": 2.0e6,
        "unit": "usd",
    }
    return pl.DataFrame([row | changes])


def estimator(estimate: Callable[..., Any]) -> Estimator:
    return Estimator("example_model", "7", estimate, (("training_cost", "final_run"),))


def test_what_an_estimator_leaves_out_is_filled_in() -> None:
    frame = validate_estimates(rows(), estimator(rows), EVIDENCE)
    (row,) = frame.to_dicts()
    assert (row["inputs"], row["parameters"], row["assumed"], row["note"]) == ([], "{}", [], None)


def test_an_input_may_be_any_claim_of_the_snapshot_not_only_the_frames() -> None:
    # The hardware catalog reads a chip's whole price history, not each key's latest claim.
    with_history = dataclasses.replace(
        EVIDENCE, claims=pl.DataFrame({"claim_id": ["h100-price-2023"]})
    )
    assert "h100-price-2023" not in set(EVIDENCE.frame["claim_id"])
    frame = validate_estimates(rows(inputs=["h100-price-2023"]), estimator(rows), with_history)
    assert frame["inputs"].to_list() == [["h100-price-2023"]]


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (rows(confidence=0.9), "unknown column(s): confidence"),
        (rows(subject=None), "null subject ("),
        (rows(as_of=None), "null as_of ("),
        (
            pl.concat([rows(), rows(value=1.5e6)]),
            "more than one estimate for deepseek-v3 training_cost/final_run at 2025-06-01",
        ),
    ],
)
def test_unknown_columns_nulls_and_two_rows_for_one_estimate_are_refused(
    returned: pl.DataFrame, message: str
) -> None:
    with pytest.raises(EstimateError) as refused:
        validate_estimates(returned, estimator(rows), EVIDENCE)
    assert str(refused.value).startswith(message)


def test_two_rows_for_one_estimate_with_different_parameters_are_two_estimates() -> None:
    returned = pl.concat([rows(parameters='{"price": 2}'), rows(parameters='{"price": 3}')])
    assert validate_estimates(returned, estimator(rows), EVIDENCE).height == 2


def test_the_parameters_hash_is_the_first_16_hex_digits_of_their_sha256() -> None:
    parameters = pl.Series(["{}", '{"price": 2}', "{}"])
    expected = [hashlib.sha256(p.encode()).hexdigest()[:16] for p in parameters]
    assert params_hash(parameters).to_list() == expected
    assert expected[0] == expected[2] != expected[1] and len(expected[0]) == 16


def loaded(estimate: Callable[..., Any]) -> LoadedEstimator:
    return LoadedEstimator(estimator(estimate), PLUGIN)


def params() -> Parameters:
    return Parameters(table={})


def test_a_run_adds_the_estimators_name_version_and_hash_and_says_how_it_went() -> None:
    frame, status = run_one(loaded(lambda evidence, params: rows()), EVIDENCE, params(), 5)
    assert frame.schema == pl.Schema(ESTIMATES_SCHEMA)
    assert frame.select("estimator", "estimator_version", "params_hash").row(0) == (
        "example_model",
        "7",
        hashlib.sha256(b"{}").hexdigest()[:16],
    )
    assert (status.estimator, status.version, status.plugin, status.status) == (
        "example_model",
        "7",
        "example",
        "ok",
    )
    assert (status.rows, status.error) == (1, None) and status.seconds is not None
    assert status.as_dict()["hooks"] == ["h"]


def test_a_hang_or_an_exception_is_a_status_with_no_rows() -> None:
    release = threading.Event()

    def hangs(evidence: Any, params: Any) -> pl.DataFrame:
        release.wait()
        return rows()

    def fails(evidence: Any, params: Any) -> pl.DataFrame:
        raise ZeroDivisionError("no GPU-hours")

    try:
        frame, status = run_one(loaded(hangs), EVIDENCE, params(), 0.05)
    finally:
        release.set()
    assert (frame.height, status.status, status.error) == (
        0,
        "timeout",
        "still running after 0.05 s (abandoned)",
    )
    frame, status = run_one(loaded(fails), EVIDENCE, params(), 5)
    assert frame.height == 0 and frame.schema == pl.Schema(ESTIMATES_SCHEMA)
    assert status.status == "error" and str(status.error).startswith(
        "ZeroDivisionError: no GPU-hours (test_run.py:"
    )


def test_a_plugin_without_an_estimator_has_its_own_version_and_standing() -> None:
    broken = PluginRecord("broken", version="1.2", status="error", error="ImportError: x")
    status = plugin_status(broken)
    assert (status.estimator, status.version, status.status, status.error) == (
        None,
        "1.2",
        "error",
        "ImportError: x",
    )
    assert plugin_status(PLUGIN, status="disabled").status == "disabled"
