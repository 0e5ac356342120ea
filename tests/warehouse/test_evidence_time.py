"""Evidence time's two primitives (warehouse/evidence_time.py): ``parse`` takes a day only
as YYYY-MM-DD, and ``pin`` sets, on one connection only, the variable the views filter on.

What the views then show at a pinned date, through every door, is in
tests/warehouse/test_evidence_until.py."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from costboard.warehouse import evidence_time


def test_parse_reads_a_day_written_as_yyyy_mm_dd_and_ignores_surrounding_spaces() -> None:
    assert evidence_time.parse("2025-09-16") == dt.date(2025, 9, 16)
    assert evidence_time.parse("  2025-09-16\n") == dt.date(2025, 9, 16)


@pytest.mark.parametrize("text", ["2025-09-16T00:00", "2025-W38-2", "", "2025-13-01"])
def test_parse_refuses_what_python_alone_would_take_or_no_day_at_all(text: str) -> None:
    # Python 3.11+ takes "2025-W38-2" and "2025-09-16T00:00" as dates; they are not days.
    with pytest.raises(evidence_time.EvidenceDateError) as refused:
        evidence_time.parse(text)
    assert str(refused.value) == (
        f"'{text}' is not an evidence date: give a day as YYYY-MM-DD, e.g. 2025-09-16"
    )


def pinned(connection: duckdb.DuckDBPyConnection) -> object:
    return connection.execute(f"SELECT getvariable('{evidence_time.VARIABLE}')").fetchone()[0]  # type: ignore[index]


def test_pin_sets_the_variable_as_a_date_and_none_resets_it() -> None:
    connection = duckdb.connect()
    evidence_time.pin(connection, dt.date(2025, 1, 27))
    assert pinned(connection) == dt.date(2025, 1, 27)
    evidence_time.pin(connection, dt.date(2025, 9, 16))
    assert pinned(connection) == dt.date(2025, 9, 16)
    evidence_time.pin(connection, None)
    assert pinned(connection) is None


def test_pin_changes_only_its_own_connection() -> None:
    connection = duckdb.connect()
    other = connection.cursor()  # a cursor is a connection of its own, on the same database
    evidence_time.pin(connection, dt.date(2025, 1, 27))
    assert pinned(other) is None
