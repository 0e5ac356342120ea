"""The checks of an ingest's claims that only the warehouse can answer
(warehouse/claim_refs.py), called on a batch as ingest reads it: every id a claim cites
exists in the warehouse or in this batch, and a stored claim_id keeps its claimant. Each error
is located in the file of the batch it came from; a batch without claims has none.

The same refusals through `ingest` (nothing written, suggestions, a claimant's revision):
tests/warehouse/test_claim_fields.py."""

from __future__ import annotations

from pathlib import Path

from costboard.warehouse import claim_refs, ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write
from tests.warehouse.test_claim_fields import HEADER, SUBJECTS, TODAY, V3

CNBC = (
    "cnbc,deepseek-v3,training_cost,final_run,5.6,,,usd_million,CNBC,2025-01-31,"
    "https://e.org,,,,secondary,{cites},,\n"
)


def errors_of(config: WarehouseConfig, *paths: Path) -> list[str]:
    batch = ingest.read_files(paths, today=TODAY)
    with lake.connect(config) as connection:
        return [str(e) for e in claim_refs.errors(connection, batch)]


def test_a_batch_without_claims_has_no_reference_errors(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    assert errors_of(config, write(tmp_path / "subjects.csv", SUBJECTS)) == []


def test_a_claim_may_cite_one_in_another_file_of_the_same_batch(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    first = write(tmp_path / "v3.csv", HEADER + V3)
    restating = write(tmp_path / "cnbc.csv", HEADER + CNBC.format(cites="v3-cost"))
    assert errors_of(config, write(tmp_path / "subjects.csv", SUBJECTS), restating, first) == []


def test_both_kinds_of_error_are_returned_together_each_in_its_own_file(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(
        config,
        [write(tmp_path / "subjects.csv", SUBJECTS), write(tmp_path / "v3.csv", HEADER + V3)],
        message="V3's own claim",
        today=TODAY,
    )
    restating = write(tmp_path / "cnbc.csv", HEADER + CNBC.format(cites="v3-costs"))
    clashing = write(tmp_path / "other.csv", HEADER + V3.replace("DeepSeek-AI", "Benzinga"))
    found = errors_of(config, clashing, restating)  # the cited error in the second file
    assert len(found) == 2
    assert found[0].startswith(f"{restating}:2:16: column 'cites': cites unknown claim 'v3-costs'")
    assert found[1].startswith(f"{clashing}:2:1: column 'claim_id': claim_id 'v3-cost' already")
