"""A claim's point value, in polars: the one rule for where a claim sits on a scale.

A claim gives a value, a low-high range, or both; its point is its value, else the geometric
middle of its range when both ends are positive, else whichever end it gave. The SQL form is
the ``claim_point`` macro (``sql/10_claim_point_macro.sql``), which the ``reconciliation``
and ``claim_checks`` views use; this is the same rule for polars frames (the estimators'
evidence, the cost ladder, the dashboard's claim markers), and a test holds the two equal on
the same rows. Why geometric: a range of costs spans orders of magnitude ($500M-$1.6B), and
the figures are compared on a log scale, where the geometric middle is the middle.
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: The SQL macro with the same rule (warehouse/sql/10_claim_point_macro.sql).
MACRO: Final = "claim_point"


def claim_point(value: str = "value", low: str = "low", high: str = "high") -> pl.Expr:
    """A claim's point value from its ``value``, ``low`` and ``high`` columns (see above)."""
    both_positive = (pl.col(low) > 0) & (pl.col(high) > 0)
    return pl.coalesce(
        pl.col(value),
        pl.when(both_positive).then((pl.col(low) * pl.col(high)).sqrt()),
        pl.col(low),
        pl.col(high),
    )
