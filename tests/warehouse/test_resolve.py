"""Subject resolution (warehouse/resolve.py): an importer's id made from a name becomes the
existing subject of that name, and the id rule the Epoch importers use is resolution's own."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from costboard.warehouse import epoch_common, resolve
from costboard.warehouse.ingest import Batch
from costboard.warehouse.lake import LAKE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NVIDIA H100 SXM5 80GB", "NVIDIA-H100-SXM5-80GB"),
        ("  GPT-4  ", "GPT-4"),
        ("Gemini\t1.0   Ultra", "Gemini-1.0-Ultra"),
        ("DeepSeek-V3", "DeepSeek-V3"),
    ],
)
def test_an_id_is_the_name_with_each_run_of_whitespace_as_a_dash(name: str, expected: str) -> None:
    assert pl.select(resolve.subject_id(pl.lit(name))).item() == expected


def test_the_epoch_importers_make_ids_by_resolutions_rule() -> None:
    assert epoch_common.subject_id is resolve.subject_id


@pytest.fixture
def stored() -> duckdb.DuckDBPyConnection:
    """A lake with two curated subjects, one named like Epoch names a chip, and one name two
    chips share (ambiguous)."""
    connection = duckdb.connect()
    connection.execute(f"ATTACH ':memory:' AS {LAKE}")
    connection.execute(
        f"CREATE TABLE {LAKE}.subjects AS SELECT * FROM (VALUES "
        "('h800', 'chip', 'NVIDIA H800', NULL), ('deepseek-v3', 'model', 'DeepSeek-V3', NULL),"
        "('twin-a', 'chip', 'Twin', NULL), ('twin-b', 'chip', 'Twin', NULL)"
        ") AS t(subject, kind, name, released_on)"
    )
    return connection


def _batch(subjects: pl.DataFrame, claims: pl.DataFrame) -> Batch:
    batch = Batch()
    batch.subjects.append(subjects.with_columns(pl.lit(0, pl.Int32).alias("_table")))
    batch.claims.append(claims.with_columns(pl.lit(1, pl.Int32).alias("_table")))
    batch.resolution = {0: ("chip", None), 1: ("model", "chip")}
    return batch


def test_targets_map_an_importers_id_to_the_stored_subject_of_that_name(
    stored: duckdb.DuckDBPyConnection,
) -> None:
    empty = pl.DataFrame(schema={"subject": pl.String, "kind": pl.String, "name": pl.String})
    mapping = resolve.targets(stored, _batch(empty, empty))
    # "Twin" names two chips: it resolves to neither.
    assert mapping == {"chip": {"NVIDIA-H800": "h800"}, "model": {"DeepSeek-V3": "deepseek-v3"}}


def test_apply_rewrites_claims_and_qualifiers_and_fills_what_the_stored_subject_lacks(
    stored: duckdb.DuckDBPyConnection,
) -> None:
    subjects = pl.DataFrame(
        {
            "subject": ["NVIDIA-H800", "NVIDIA-B200"],
            "kind": ["chip", "chip"],
            "name": ["NVIDIA H800", "NVIDIA B200"],
            "released_on": ["2023-03-21", "2024-03-18"],
        }
    )
    claims = pl.DataFrame(
        {"subject": ["deepseek-v3"], "qualifier": ["NVIDIA-H800"], "metric": ["gpu_count"]}
    )
    batch = _batch(subjects, claims)
    resolve.apply(stored, batch)
    assert batch.claims[0]["qualifier"].to_list() == ["h800"]
    rows = {r["subject"]: r for r in batch.subjects[0].iter_rows(named=True)}
    # The new chip keeps the importer's id; the known one keeps its curated id and gains the
    # release date it lacked.
    assert set(rows) == {"NVIDIA-B200", "h800"}
    assert rows["h800"]["released_on"] == "2023-03-21"
