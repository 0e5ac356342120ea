"""The dashboard's memory and disk budgets, each set by an environment variable.

``costboard serve`` hands its environment to every gunicorn worker, so one setting holds for
all of them. A value that is not a whole number (or is below its minimum) is a one-line
``ValueError`` naming the variable (``costboard serve`` checks them all before it starts:
:func:`check_environment`).

| variable | default | what it bounds |
| --- | --- | --- |
| ``COSTBOARD_SQL_MAX_BYTES`` | 8,000,000 | one SQL result (SQL page, ``/api/sql``), as compact JSON |
| ``COSTBOARD_CACHE_MAX_MB`` | 256 | the results cache on disk (0: no cache) |
| ``COSTBOARD_WARM_MEMORY_MB`` | 1024 | a worker's RSS above which background warming stops (0: no warming) |
| ``COSTBOARD_DUCKDB_MEMORY_MB`` | 1024 | DuckDB's ``memory_limit`` for a worker's page reads and warming |
"""

from __future__ import annotations

import os
from typing import Final

SQL_MAX_BYTES_ENV: Final = "COSTBOARD_SQL_MAX_BYTES"
#: Measured on the demo warehouse: the claims table's first 10,000 rows (the row cap) are
#: 3.7 MB as JSON and pass whole; the estimates table (7,466 rows, 12.6 MB) is cut at 3,746.
SQL_MAX_BYTES: Final = 8_000_000

CACHE_MAX_MB_ENV: Final = "COSTBOARD_CACHE_MAX_MB"
CACHE_MAX_MB: Final = 256

WARM_MEMORY_MB_ENV: Final = "COSTBOARD_WARM_MEMORY_MB"
WARM_MEMORY_MB: Final = 1024

DUCKDB_MEMORY_MB_ENV: Final = "COSTBOARD_DUCKDB_MEMORY_MB"
#: The same as one SQL console query's (fence.Limits.memory_limit).
DUCKDB_MEMORY_MB: Final = 1024


def whole_number(variable: str, default: int, *, minimum: int = 0) -> int:
    """The environment variable as a whole number, else ``default``."""
    raw = os.environ.get(variable, "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{variable}={os.environ[variable]!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{variable}={os.environ[variable]!r}: it must be at least {minimum}")
    return value


def sql_max_bytes() -> int:
    return whole_number(SQL_MAX_BYTES_ENV, SQL_MAX_BYTES, minimum=1)


def cache_max_mb() -> int:
    return whole_number(CACHE_MAX_MB_ENV, CACHE_MAX_MB)


def warm_memory_mb() -> int:
    return whole_number(WARM_MEMORY_MB_ENV, WARM_MEMORY_MB)


def duckdb_memory_mb() -> int:
    return whole_number(DUCKDB_MEMORY_MB_ENV, DUCKDB_MEMORY_MB, minimum=64)


def check_environment() -> None:
    """Raise ``ValueError`` for the first budget variable that is set to something invalid."""
    sql_max_bytes()
    cache_max_mb()
    warm_memory_mb()
    duckdb_memory_mb()
