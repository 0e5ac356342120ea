"""Evidence time: read only what had been made public by a date (design.md, "Two kinds of time").

Knowledge time is a snapshot (what the warehouse held: :mod:`costboard.warehouse.history`);
evidence time is when a claim was stated or the date of a price. The two are independent and
combine: ``--as-of 35 --evidence-until 2025-09-16`` reads snapshot 35's claims stated on or
before 16 September 2025.

The views do the filtering, so every door (``costboard sql``, ``estimate --explain``, the
API, any DuckDB client) gets the same rule: ``claims``, ``prices``, ``market_caps``,
``estimates``, ``reconciliation`` and ``claim_checks`` keep only the rows dated on or before
the DuckDB variable ``evidence_until`` when it is set on the connection, and every row when
it is not. A variable belongs to one connection (a cursor is a connection of its own), so
setting it never changes what another reader sees.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import duckdb

#: The DuckDB variable the views filter on (``getvariable('evidence_until')``).
VARIABLE: Final = "evidence_until"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class EvidenceDateError(ValueError):
    """An evidence date that is not a real YYYY-MM-DD date."""


def parse(text: str) -> dt.date:
    """The date ``text`` names, strictly YYYY-MM-DD (Python alone also takes ``20250916``)."""
    cleaned = text.strip()
    try:
        if not _ISO_DATE.fullmatch(cleaned):
            raise ValueError
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        raise EvidenceDateError(
            f"'{text}' is not an evidence date: give a day as YYYY-MM-DD, e.g. 2025-09-16"
        ) from None


def pin(connection: duckdb.DuckDBPyConnection, until: dt.date | None) -> None:
    """Make ``connection``'s views show only evidence dated on or before ``until``
    (None: all of it)."""
    if until is None:
        connection.execute(f"RESET VARIABLE {VARIABLE}")
    else:
        connection.execute(f"SET VARIABLE {VARIABLE} = ?::DATE", [until.isoformat()])
