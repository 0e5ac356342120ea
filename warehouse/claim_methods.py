"""The claim methods costboard knows, read from their one home: ``sql/14_claim_method_macro.sql``.

A claim whose qualifier names a method (``epoch_amortized``) is compared only with the
estimates of estimators that declare that method (``Estimator.methods``); the SQL views match
them with the macros in that file, and Python reads the same table from it here, so the list
is written once.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import duckdb

from costboard.warehouse.tables import sql_folder

#: The DDL file that holds the list (and the macros that match claims with estimates).
DDL_FILE: Final = "14_claim_method_macro.sql"


@cache
def qualifier_methods() -> dict[str, str]:
    """{claim qualifier: the method it names}, as the SQL's ``claim_methods()`` lists them."""
    connection = duckdb.connect()
    try:
        connection.execute((sql_folder() / DDL_FILE).read_text(encoding="utf-8"))
        rows = connection.execute("SELECT qualifier, method FROM claim_methods()").fetchall()
    finally:
        connection.close()
    return dict(rows)


def methods() -> frozenset[str]:
    """Every method an estimator may declare."""
    return frozenset(qualifier_methods().values())


def method_of(qualifier: str | None) -> str | None:
    """The method a claim's qualifier names (None: it names none)."""
    return qualifier_methods().get(qualifier) if qualifier else None
