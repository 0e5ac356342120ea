"""costboard.dashboard.api's own rules: a frame's rows as JSON (non-finite numbers and dates
as text), and the SQL answer cached per snapshot, evidence date and caps, so one never stands
in for another. (The endpoints' answers and errors are tests/dashboard/test_app.py and
test_api_errors.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import api, fence
from costboard.dashboard.data import Reader
from costboard.warehouse.config import WarehouseConfig

EVIDENCE_UNTIL = "SELECT getvariable('evidence_until') AS until"
WIDE = "SELECT repeat('x', 50) AS s FROM range(20)"


@pytest.fixture
def reader(config: WarehouseConfig) -> Iterator[Reader]:
    yield Reader(config, SimpleCache(threshold=0), warm_in_background=False)
    fence.close_spares()  # the spare connection made after a query, closed with the test


def test_records_write_non_finite_numbers_and_dates_as_text() -> None:
    frame = pl.DataFrame(
        {
            "x": [float("nan"), 1.5, float("-inf")],
            "d": [dt.date(2025, 1, 27)] * 3,
            "l": [["a"], [], None],
        }
    )
    assert api._records(frame) == [
        {"x": "nan", "d": "2025-01-27", "l": ["a"]},
        {"x": 1.5, "d": "2025-01-27", "l": []},
        {"x": "-inf", "d": "2025-01-27", "l": None},
    ]


def test_each_evidence_date_gets_its_own_answer(reader: Reader) -> None:
    newest = reader.latest_id()
    day, other = dt.date(2025, 1, 27), dt.date(2024, 12, 27)
    assert api.run_sql(reader, EVIDENCE_UNTIL, newest, day).rows == [["2025-01-27"]]
    # Asked again with another date, or none: not the cached answer of the first.
    assert api.run_sql(reader, EVIDENCE_UNTIL, newest, other).rows == [["2024-12-27"]]
    assert api.run_sql(reader, EVIDENCE_UNTIL, newest, None).rows == [[None]]
    assert api.run_sql(reader, EVIDENCE_UNTIL, newest, day).rows == [["2025-01-27"]]


def test_a_result_cut_under_one_byte_cap_is_not_the_answer_under_another(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = reader.latest_id()
    monkeypatch.setenv("COSTBOARD_SQL_MAX_BYTES", "200")
    cut = api.run_sql(reader, WIDE, newest)
    assert (cut.truncated, cut.truncated_by) == (True, "bytes") and len(cut.rows) < 20
    monkeypatch.setenv("COSTBOARD_SQL_MAX_BYTES", "100000")
    whole = api.run_sql(reader, WIDE, newest)
    assert (whole.truncated, len(whole.rows)) == (False, 20)
