"""The pages' figures, as pure functions of the frames data.py returns.

No Dash and no warehouse here: each function takes polars frames and returns a plotly figure,
so the callbacks' logic is tested without a browser. The overview and the what-if page draw
:func:`estimate_figure`, the market page :func:`market_figure`; the ladder's figure
(ladder_figure.py) shares the palette and the log ticks. The tables the pages show are in
page_tables.py.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from costboard.dashboard.claim_markers import CLAIM_COLOUR, claim_trace
from costboard.dashboard.hover import escaped
from costboard.warehouse.numbers import number_texts

#: One colour per estimator (assigned in name order across the snapshot, so an estimator
#: keeps its colour on every chart); colour-blind-safe (Okabe-Ito, then Tableau).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#7F7F7F",
    "#B279A2",
    "#4E79A7",
)


def colours(names: Sequence[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


@dataclass(frozen=True)
class Panel:
    """One chart of the overview: a subject's metric and scope, in one unit."""

    subject: str
    metric: str
    scope: str
    unit: str

    @property
    def title(self) -> str:
        return f"{self.subject} · {self.metric} · {self.scope}"


def panels(
    estimates: pl.DataFrame, subjects: Sequence[str], claims: pl.DataFrame | None = None
) -> list[Panel]:
    """One panel per (subject, metric, scope, unit) with estimates.

    In the subjects' order; within a subject, the panels that claims speak to come first
    (they carry the story), then by metric and scope.
    """
    if estimates.is_empty():
        return []
    order = {s: i for i, s in enumerate(subjects)}
    claimed = set()
    if claims is not None and not claims.is_empty():
        claimed = {tuple(r) for r in claims.select("subject", "metric", "scope").iter_rows()}
    keys = estimates.select("subject", "metric", "scope", "unit").unique().to_dicts()
    keys.sort(
        key=lambda k: (
            order.get(k["subject"], len(order)),
            (k["subject"], k["metric"], k["scope"]) not in claimed,
            k["metric"],
            k["scope"],
        )
    )
    return [Panel(**k) for k in keys]


def log_ticks(values: Sequence[float], unit: str) -> tuple[list[float], list[str]]:
    """Tick positions at 1, 2 and 5 times each power of ten across ``values``, labelled for people.

    Plotly's own log ticks label every digit in a one-decade range; these read "$2M, $5M, $10M"
    (warehouse/numbers.py's rule: Plotly's own formats cannot follow it).
    """
    low, high = min(values), max(values)
    ticks = []
    for power in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            tick = step * 10.0**power
            if low / 1.5 <= tick <= high * 1.5:
                ticks.append(tick)
    return ticks, number_texts(ticks, _tick_unit(unit), stated=True)


def _tick_unit(unit: str | None) -> str | None:
    """Ticks carry the dollar sign; any other unit is named by the axis title."""
    return "usd" if unit == "usd" else None


def _tick_layout(ticks: tuple[list[float], list[str]]) -> dict[str, list[Any]]:
    """An axis's ``tickvals`` and ``ticktext``, or nothing (Plotly's own) when there are none:
    an empty ``tickvals`` would leave the axis bare."""
    values, labels = ticks
    return {"tickvals": values, "ticktext": labels} if values else {}


#: About how many ticks a linear axis gets.
LINEAR_TICKS = 6


def linear_ticks(values: Sequence[float], unit: str | None) -> tuple[list[float], list[str]]:
    """Ticks at a round step (1, 2 or 5 times a power of ten) across ``values`` on a linear
    axis, labelled by warehouse/numbers.py's rule ("-$600B", "$0", "$150")."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return [], []
    low, high = min(finite), max(finite)
    if high == low:
        return [low], number_texts([low], _tick_unit(unit), stated=True)
    raw = (high - low) / LINEAR_TICKS
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step)
    ticks = [round(i * step, 12) for i in range(first, math.ceil(high / step) + 1)]
    return ticks, number_texts(ticks, _tick_unit(unit), stated=True)


#: The marker of an estimate that rests on an assumption (see ``estimates.assumed``).
ASSUMED_SYMBOL = "circle-open"


def _assumed_lists(series: pl.DataFrame) -> list[list[str]]:
    """Each row's ``assumed`` list (empty for stores from before the column existed)."""
    if "assumed" not in series.columns:
        return [[] for _ in range(series.height)]
    return [list(a or []) for a in series["assumed"].to_list()]


def _assumed_hover(assumed: list[str]) -> str:
    if not assumed:
        return ""
    return "<br><i>assumed:</i> " + "; ".join(escaped(a) for a in assumed)


#: How far past the chart's last evidence date its x-axis runs: a share of the span shown,
#: at least :data:`AXIS_PAD_MIN`, so the last step and marker are not on the edge.
AXIS_PAD_SHARE = 0.04
AXIS_PAD_MIN = dt.timedelta(days=14)


def last_evidence(estimates: pl.DataFrame, claims: pl.DataFrame) -> dt.date | None:
    """The chart's last evidence date: its latest claim, or the latest date an estimator's
    value or range changed. An estimate that repeats the one before (the estimators rerun at
    every evidence date of any subject, and at the snapshot's day) adds nothing to read."""
    changed = (
        estimates.sort("estimator", "as_of")
        .filter(
            pl.any_horizontal(
                pl.col(c).ne_missing(pl.col(c).shift(1).over("estimator"))
                for c in ("value", "low", "high")
            )
        )["as_of"]
        .to_list()
    )
    dates = changed + claims["stated_on"].drop_nulls().to_list()
    return max(dates) if dates else None


def x_range(estimates: pl.DataFrame, claims: pl.DataFrame) -> list[dt.date] | None:
    """The x-axis's range: from the first evidence date to shortly after the last
    (:func:`last_evidence` plus a pad), or None (Plotly's own) when there is no date."""
    last = last_evidence(estimates, claims)
    if last is None:
        return None
    first = min(estimates["as_of"].to_list() + claims["stated_on"].drop_nulls().to_list())
    pad = max(AXIS_PAD_MIN, (last - first) * AXIS_PAD_SHARE)
    return [first - pad, last + pad]


def estimate_figure(
    panel: Panel,
    estimates: pl.DataFrame,
    claims: pl.DataFrame,
    palette: Mapping[str, str],
    *,
    height: int = 380,
    dash_style: str = "solid",
) -> go.Figure:
    """Each estimator's central value over evidence time (steps) in its low–high band, with claims.

    The y-axis is logarithmic when every value is positive (costs span orders of magnitude),
    linear otherwise (market-cap changes are negative).
    """
    mine = estimates.filter(
        (pl.col("subject") == panel.subject)
        & (pl.col("metric") == panel.metric)
        & (pl.col("scope") == panel.scope)
        & (pl.col("unit") == panel.unit)
    ).sort("estimator", "as_of")
    own_claims = claims.filter(
        (pl.col("subject") == panel.subject)
        & (pl.col("metric") == panel.metric)
        & (pl.col("scope") == panel.scope)
    )
    shown_range = x_range(mine, own_claims)
    # A step holds until the next evidence date: carried to the axis's end, past which the
    # reruns that repeat it are not drawn.
    x_end = shown_range[1] if shown_range else None
    if x_end is not None:
        mine = mine.filter(pl.col("as_of") <= x_end)
    figure = go.Figure()
    values: list[float] = []
    for estimator in mine["estimator"].unique(maintain_order=True).to_list():
        series = mine.filter(pl.col("estimator") == estimator)
        xs = series["as_of"].to_list()
        central, low, high = (series[c].to_list() for c in ("value", "low", "high"))
        version = series["estimator_version"][-1]
        assumed = _assumed_lists(series)
        # The point carried to the axis's end repeats the last estimate: no marker of its own.
        sizes = [9 if a else 5 for a in assumed]
        if x_end is not None and xs[-1] < x_end:
            sizes.append(0)
            xs, central, low, high, assumed = (
                [*xs, x_end],
                [*central, central[-1]],
                [*low, low[-1]],
                [*high, high[-1]],
                [*assumed, assumed[-1]],
            )
        values += [v for v in (*central, *low, *high) if v is not None]
        colour = palette.get(estimator, PALETTE[0])
        name = f"{estimator} ({panel.scope})"
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=high,
                mode="lines",
                line={"width": 0, "shape": "hv"},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=estimator,
                meta={"kind": "band", "estimator": estimator},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=low,
                mode="lines",
                line={"width": 0, "shape": "hv"},
                fill="tonexty",
                fillcolor=_rgba(colour, 0.14),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=estimator,
                meta={"kind": "band", "estimator": estimator},
            )
        )
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=central,
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2.5, "shape": "hv", "dash": dash_style},
                # A point resting on an assumption (a default chip, price or training time in
                # place of the subject's own evidence) is drawn open and says what it assumed.
                marker={
                    "size": sizes,
                    "symbol": [ASSUMED_SYMBOL if a else "circle" for a in assumed],
                },
                legendgroup=estimator,
                customdata=[
                    [c, lo, hi, _assumed_hover(a)]
                    for c, lo, hi, a in zip(
                        number_texts(central, panel.unit),
                        number_texts(low, panel.unit),
                        number_texts(high, panel.unit),
                        assumed,
                        strict=True,
                    )
                ],
                hovertemplate=(
                    f"<b>{estimator}</b> v{version}<br>%{{x|%Y-%m-%d}}: %{{customdata[0]}}"
                    "<br>range %{customdata[1]} – %{customdata[2]}%{customdata[3]}<extra></extra>"
                ),
                meta={"kind": "estimate", "estimator": estimator, "subject": panel.subject},
            )
        )
    if not own_claims.is_empty():
        # Shapes by bound and status, hover with outlet, status and checks: claim_markers.
        trace = claim_trace(own_claims, panel.subject)
        values += [p for p in trace.y if p is not None]
        figure.add_trace(trace)
    logarithmic = bool(values) and all(v > 0 for v in values)
    ticks, labels = (log_ticks if logarithmic else linear_ticks)(values, panel.unit)
    figure.update_layout(
        title={"text": panel.title, "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.18},
        hovermode="closest",
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={
            "title": "evidence date",
            "gridcolor": "#eef2f6",
            **({"range": shown_range} if shown_range else {}),
        },
        yaxis={
            "type": "log" if logarithmic else "linear",
            "title": panel.unit,
            "gridcolor": "#eef2f6",
            **_tick_layout((ticks, labels)),
        },
    )
    return figure


# -------------------------------------------------------------------------- market

MEASURES = {
    "indexed": "indexed to 100 at the first day shown",
    "close": "close",
    "market_cap": "market cap (close × shares outstanding)",
}


def market_figure(
    series: pl.DataFrame, events: pl.DataFrame, measure: str, *, height: int = 460
) -> go.Figure:
    """One line per ticker (close, market cap, or indexed to 100), claim dates as event markers."""
    figure = go.Figure()
    column = "market_cap" if measure == "market_cap" else "close"
    shown = series.drop_nulls(column)
    if measure == "indexed":
        shown = shown.with_columns(
            (pl.col("close") / pl.col("close").first().over("ticker") * 100).alias("indexed")
        )
        column = "indexed"
    # A close is a price as published (its digits kept), a market cap or an index computed.
    unit, stated = ("usd", column == "close") if column != "indexed" else (None, False)
    for ticker in shown["ticker"].unique(maintain_order=True).to_list():
        one = shown.filter(pl.col("ticker") == ticker)
        figure.add_trace(
            go.Scatter(
                x=one["date"].to_list(),
                y=one[column].to_list(),
                mode="lines",
                name=ticker,
                meta={"kind": "ticker", "ticker": ticker},
                customdata=number_texts(one[column].to_list(), unit, stated=stated),
                hovertemplate=f"<b>{escaped(ticker)}</b> %{{x|%Y-%m-%d}}: %{{customdata}}"
                "<extra></extra>",
            )
        )
    if not events.is_empty():
        rows = events.to_dicts()
        for row in rows:
            figure.add_shape(
                type="line",
                x0=row["stated_on"],
                x1=row["stated_on"],
                y0=0,
                y1=1,
                yref="paper",
                line={"color": "#9aa5b1", "width": 1, "dash": "dot"},
            )
        figure.add_trace(
            go.Scatter(
                x=[r["stated_on"] for r in rows],
                y=[1.0] * len(rows),
                yaxis="y2",
                mode="markers",
                name="claim dates",
                marker={"symbol": "triangle-down", "size": 11, "color": CLAIM_COLOUR},
                hovertext=[
                    f"<b>{r['stated_on']}</b>: {r['claims']} claim(s)<br>{r['what']}" for r in rows
                ],
                hoverinfo="text",
                meta={"kind": "events"},
            )
        )
    figure.update_layout(
        height=height,
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={"gridcolor": "#eef2f6"},
        yaxis={
            "title": MEASURES.get(measure, measure),
            "gridcolor": "#eef2f6",
            **_tick_layout(linear_ticks(shown[column].to_list(), unit)),
        },
        yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False, "fixedrange": True},
    )
    return figure
