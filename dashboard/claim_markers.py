"""The overview chart's claim markers: a claim's shape says how it bounds the figure, its
colour whether it is evidence (a pure function of a claims frame; no Dash here).

- an exact figure is a diamond, as before; an approximate one too, with "~" in its hover;
- a lower bound ("more than $500M") is a triangle pointing up, an upper bound ("up to
  $944M") one pointing down: the true figure lies that way;
- a misattributed or retracted claim is an ✕ in grey: drawn where the source put it, but
  never evidence (the provenance rule leaves it out).

The hover names the claimant and outlet, the date at its precision, the figure with its
bound, the quote, the status and its note, and the claim's checks (claim_checks). The ladder
page draws the same shapes (ladder_figure.py).

Claims of the same figure at one date (within rounding: the same text by warehouse/numbers.py
at its computed precision, with the same bound and shape) are ONE marker: seven reports of
~$5.6M on one day would otherwise be seven diamonds drawn over each other. The merged marker
prints its count beside it ("×2") and its hover names every claimant with its own figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import plotly.graph_objects as go
import polars as pl

from costboard.dashboard import hover as hover_text
from costboard.dashboard.claim_display import with_display_columns
from costboard.warehouse.numbers import number_expr, number_text
from costboard.warehouse.point_value import claim_point
from costboard.warehouse.validate_claims import NOT_EVIDENCE_STATUSES

CLAIM_COLOUR: Final = "#111111"
#: The colour of a claim that is not evidence (misattributed, retracted).
CROSSED_OUT_COLOUR: Final = "#9aa5b1"
#: Marker symbols by bound; anything else (exact, approximate) is a diamond.
SYMBOLS: Final = {"lower": "triangle-up", "upper": "triangle-down"}
DEFAULT_SYMBOL: Final = "diamond"
CROSSED_OUT_SYMBOL: Final = "x"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _text(row: Mapping[str, Any], key: str) -> str:
    """A row's text made safe for plotly's HTML-ish hover ("" when missing)."""
    value = row.get(key)
    return hover_text.escaped(value) if value not in (None, "") else ""


def hover(row: Mapping[str, Any]) -> str:
    """One claim's hover: who and where, when, the figure with its bound, the quote, status
    and checks, the source."""
    outlet = f" · {_text(row, 'outlet')}" if row.get("outlet") else ""
    written = row.get("value_as_written")
    as_written = (
        f" ({number_text(written, stated=True)} {_text(row, 'unit_as_written')})"
        if written is not None and row.get("unit_as_written")
        else ""
    )
    lines = [
        f"<b>{_text(row, 'claimant')}</b>{outlet} · {_text(row, 'stated')}",
        f"{_text(row, 'figure')}{as_written}",
    ]
    if row.get("quote"):
        lines.append("“" + hover_text.escaped(_clip(row["quote"], 140)) + "”")
    status = row.get("status") or "current"
    if status != "current":
        note = f": {_text(row, 'status_note')}" if row.get("status_note") else ""
        lines.append(f"<b>{hover_text.escaped(status)}</b>{note}")
    if row.get("checks"):
        lines.append("checks: " + hover_text.escaped(_clip(row["checks"], 240)))
    source = row.get("source_title") or row.get("source_url") or ""
    if source:
        lines.append("<i>" + hover_text.escaped(_clip(source, 90)) + "</i>")
    lines.append(_text(row, "claim_id"))
    return "<br>".join(lines)


def marker_style(claims: pl.DataFrame) -> pl.DataFrame:
    """Each claim's ``symbol`` and ``colour`` (by its bound and status), ``crossed_out``."""
    crossed = pl.col("status").fill_null("current").is_in(NOT_EVIDENCE_STATUSES)
    symbol = pl.col("bound").fill_null("exact").replace_strict(SYMBOLS, default=DEFAULT_SYMBOL)
    frame = claims
    for name, default in (("bound", "exact"), ("status", "current")):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(default, pl.String).alias(name))
    return frame.with_columns(
        crossed_out=crossed,
        symbol=pl.when(crossed).then(pl.lit(CROSSED_OUT_SYMBOL)).otherwise(symbol),
        colour=pl.when(crossed).then(pl.lit(CROSSED_OUT_COLOUR)).otherwise(pl.lit(CLAIM_COLOUR)),
    )


def merged(claims: pl.DataFrame) -> list[list[dict[str, Any]]]:
    """The claims grouped into markers, in first-seen order: one group per date, shape and
    figure written at computed precision (``numbers.number_expr``: one rule for "within
    rounding"). Each group's rows carry ``symbol``, ``colour``, ``crossed_out`` and ``point``."""
    rows = (
        marker_style(with_display_columns(claims))
        .with_columns(claim_point().alias("point"))
        .with_columns(
            number_expr(pl.col("point"), pl.col("unit"), pl.col("bound")).alias("merge_key")
        )
        .to_dicts()
    )
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["stated_on"], row["symbol"], row["crossed_out"], row["merge_key"])
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def merged_hover(group: list[dict[str, Any]]) -> str:
    """A marker's hover: one claim's full hover, or for several the count, then each claimant
    with its figure, status and claim id."""
    if len(group) == 1:
        return hover(group[0])
    first = group[0]
    lines = [f"<b>{len(group)} claims</b> · {_text(first, 'stated')} · {_text(first, 'figure')}"]
    for row in group:
        outlet = f" · {_text(row, 'outlet')}" if row.get("outlet") else ""
        status = row.get("status") or "current"
        flag = f" ({hover_text.escaped(status)})" if status != "current" else ""
        lines.append(
            f"<b>{_text(row, 'claimant')}</b>{outlet}: {_text(row, 'figure')}{flag}"
            f" · {_text(row, 'claim_id')}"
        )
    return "<br>".join(lines)


def claim_trace(claims: pl.DataFrame, subject: str) -> go.Scatter:
    """The claims of one chart as one scatter trace (``meta.kind == "claims"``), a marker per
    :func:`merged` group with its count ("×2") beside it when it holds several, the first
    claim's low–high range as an error bar. The point is the warehouse's
    (``point_value.claim_point``). ``customdata`` is each marker's first claim id; ``meta``
    holds every marker's ids (``claim_ids``) and counts (``counts``)."""
    groups = merged(claims)
    rows = [g[0] for g in groups]
    points = [r["point"] for r in rows]
    counts = [len(g) for g in groups]
    return go.Scatter(
        x=[r["stated_on"] for r in rows],
        y=points,
        mode="markers+text",
        text=[f"×{n}" if n > 1 else "" for n in counts],
        textposition="middle right",
        textfont={"size": 12, "color": CLAIM_COLOUR},
        name="claims",
        marker={
            "symbol": [r["symbol"] for r in rows],
            "size": [13 + 3 * min(n - 1, 3) for n in counts],
            # Open shapes: the estimate lines stay visible through them.
            "color": ["white" if not r["crossed_out"] else r["colour"] for r in rows],
            "line": {"color": [r["colour"] for r in rows], "width": 2},
        },
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [
                (r["high"] - p) if r.get("high") is not None and p is not None else 0
                for r, p in zip(rows, points, strict=True)
            ],
            "arrayminus": [
                (p - r["low"]) if r.get("low") is not None and p is not None else 0
                for r, p in zip(rows, points, strict=True)
            ],
            "color": CLAIM_COLOUR,
            "thickness": 1,
        },
        hovertext=[merged_hover(g) for g in groups],
        hoverinfo="text",
        customdata=[r["claim_id"] for r in rows],
        meta={
            "kind": "claims",
            "subject": subject,
            "counts": counts,
            "claim_ids": [[r["claim_id"] for r in g] for g in groups],
        },
    )
