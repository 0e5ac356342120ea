"""AG Grid's filter and sort models as SQL, for grids that fetch their rows page by page.

Only columns named in the grid's column kinds can appear, and every value the user typed is
passed as a parameter: nothing from the browser is ever pasted into SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

#: AG Grid text filter type -> SQL over lower(column) and lower(?).
_TEXT = {
    "contains": "contains(lower({c}), lower(?))",
    "notContains": "NOT contains(lower(coalesce({c}, '')), lower(?))",
    "equals": "lower({c}) = lower(?)",
    "notEqual": "lower(coalesce({c}, '')) <> lower(?)",
    "startsWith": "starts_with(lower({c}), lower(?))",
    "endsWith": "ends_with(lower({c}), lower(?))",
}
#: AG Grid number and date filter type -> comparison.
_COMPARE = {
    "equals": "{c} = ?",
    "notEqual": "{c} IS DISTINCT FROM ?",
    "greaterThan": "{c} > ?",
    "greaterThanOrEqual": "{c} >= ?",
    "lessThan": "{c} < ?",
    "lessThanOrEqual": "{c} <= ?",
}


class FilterError(ValueError):
    pass


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _date(text: object) -> dt.date:
    # AG Grid sends dates as 'YYYY-MM-DD hh:mm:ss'.
    return dt.date.fromisoformat(str(text)[:10])


def _condition(column: str, kind: str, model: Mapping[str, Any]) -> tuple[str, list[object]]:
    if "conditions" in model or "operator" in model:
        parts = [_condition(column, kind, c) for c in model.get("conditions", [])]
        if not parts:
            return "TRUE", []
        joiner = " OR " if str(model.get("operator", "AND")).upper() == "OR" else " AND "
        return (
            "(" + joiner.join(sql for sql, _ in parts) + ")",
            [p for _, params in parts for p in params],
        )
    c = _quoted(column)
    operator = model.get("type")
    if operator == "blank":
        return (f"({c} IS NULL OR CAST({c} AS VARCHAR) = '')", [])
    if operator == "notBlank":
        return (f"({c} IS NOT NULL AND CAST({c} AS VARCHAR) <> '')", [])
    if kind == "text":
        if operator not in _TEXT:
            raise FilterError(f"unknown text filter '{operator}'")
        return _TEXT[operator].format(c=c), [str(model.get("filter", ""))]
    if kind == "number":
        low, high = model.get("filter"), model.get("filterTo")
        convert: Any = float
    elif kind == "date":
        low, high = model.get("dateFrom"), model.get("dateTo")
        convert = _date
    else:
        raise FilterError(f"column '{column}' cannot be filtered")
    try:
        if operator == "inRange":
            return f"{c} BETWEEN ? AND ?", [convert(low), convert(high)]
        if operator not in _COMPARE:
            raise FilterError(f"unknown filter '{operator}'")
        return _COMPARE[operator].format(c=c), [convert(low)]
    except (TypeError, ValueError) as error:
        raise FilterError(f"bad filter value for '{column}': {error}") from None


def where(
    filter_model: Mapping[str, Any] | None, kinds: Mapping[str, str]
) -> tuple[str, list[object]]:
    """A WHERE condition and its parameters for AG Grid's ``filterModel``."""
    clauses, params = [], []
    for column, model in (filter_model or {}).items():
        if column not in kinds:
            raise FilterError(f"unknown column '{column}'")
        sql, values = _condition(column, kinds[column], model)
        clauses.append(sql)
        params.extend(values)
    return (" AND ".join(clauses) or "TRUE"), params


def order_by(
    sort_model: Sequence[Mapping[str, Any]] | None, kinds: Mapping[str, str], default: str
) -> str:
    """An ORDER BY list for AG Grid's ``sortModel`` (``default`` breaks ties, keeping pages stable)."""
    terms = []
    for entry in sort_model or []:
        column = entry.get("colId")
        if column not in kinds:
            raise FilterError(f"unknown column '{column}'")
        direction = "DESC" if entry.get("sort") == "desc" else "ASC"
        terms.append(f"{_quoted(column)} {direction} NULLS LAST")
    return ", ".join([*terms, default])


def sort_text(sort_model: Sequence[Mapping[str, Any]] | None) -> str:
    """``stated_on:desc,subject:asc``: a sort model as it goes in the URL."""
    return ",".join(f"{s['colId']}:{s.get('sort', 'asc')}" for s in sort_model or [])


def parse_sort(text: str | None, kinds: Mapping[str, str]) -> list[dict[str, str]]:
    """The URL's sort back into AG Grid's model (unknown columns are dropped)."""
    model = []
    for part in (text or "").split(","):
        column, _, direction = part.partition(":")
        if column in kinds:
            model.append({"colId": column, "sort": "desc" if direction == "desc" else "asc"})
    return model
