"""The sources several built-in estimators cite (plugins/citations.py): each string there is
named, in exactly those words, in the estimates of the built-in estimators its comment lists
(at least two: a source one estimator cites belongs in that estimator's module), on the
sample evidence."""

from __future__ import annotations

import polars as pl
import pytest

from costboard.plugins import citations
from costboard.plugins.manager import PluginManager
from costboard.plugins.pipeline import run_estimators
from costboard.testing import sample_evidence

SHARED = {
    name: value
    for name, value in vars(citations).items()
    if name.isupper() and isinstance(value, str)
}
#: Who cites what, as plugins/citations.py says (EPOCH_METHOD: the three Epoch AI methods).
CITED_BY = {
    "EPOCH": {"hardware_acquisition", "amortized_hardware_energy", "compute_6nd"},
    "EPOCH_UNCERTAINTY": {"hardware_acquisition", "amortized_hardware_energy", "fleet_ownership"},
    "EPOCH_METHOD": {"hardware_acquisition", "amortized_hardware_energy", "fleet_ownership"},
}


@pytest.fixture(scope="module")
def estimates() -> pl.DataFrame:
    found, _ = run_estimators(sample_evidence(), manager=PluginManager())
    return found


def citing(estimates: pl.DataFrame, text: str) -> set[str]:
    """The estimators one of whose estimates names ``text`` in its note or parameters."""
    named = pl.col("note").fill_null("").str.contains(text, literal=True) | pl.col(
        "parameters"
    ).str.contains(text, literal=True)
    return set(estimates.filter(named)["estimator"])


def test_each_shared_source_is_named_in_the_same_words_by_the_estimators_that_cite_it(
    estimates: pl.DataFrame,
) -> None:
    assert set(SHARED) == set(CITED_BY)
    assert {name: citing(estimates, text) for name, text in SHARED.items()} == CITED_BY
    assert all(len(users) >= 2 for users in CITED_BY.values())
