"""The cost ladder's figure, a pure function of the warehouse's ladder frame (no Dash here).

Scope columns on x, ordered by the median size of what they hold, each in its own colour;
size on a log y axis. In a column, the claims on the left (a lower bound on the size points
up, an upper bound down, the figure's text beside it: "> $500M", "~ $800B loss"; a disputed
claim open; a misattributed or retracted one crossed out) and each estimator's latest
low–high range on the right, with its central value.

The chosen subject's own figures come first (leftmost in each half of a column). The
estimator ranges of the other models on the ladder (the developer's other models: Epoch AI's
rows give DeepSeek fifteen) are folded away unless asked for (:func:`fold`): they are context,
and drawn by default they tangle the final-run column into unlabeled bars. Their claims stay.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from costboard.dashboard import hover
from costboard.dashboard.figures import PALETTE, log_ticks
from costboard.warehouse.validate_claims import NOT_EVIDENCE_STATUSES

#: Marker symbols by the bound on the figure's size: a floor points up, a ceiling down.
SYMBOLS = {"lower": "triangle-up", "upper": "triangle-down"}
CROSS_COLOUR = "#c62828"
#: Where a column's claims and estimates sit, as offsets from the column's centre.
CLAIMS_SPAN, ESTIMATES_SPAN = (-0.44, -0.2), (0.14, 0.44)
#: Where a column's labels start: a lane of their own between its claims and its estimates.
LABEL_X = -0.17
#: Labels: at most one per band of the log axis, and none closer than the gap (powers of ten).
LABEL_BAND, LABEL_GAP = 0.3, 0.25


#: The relations (warehouse ``ladder.related_subjects``) whose estimator ranges are folded away
#: unless asked for: the other models on the ladder.
FOLDED_RELATIONS = ("model",)


def folded_subjects(related: pl.DataFrame, subject: str) -> set[str]:
    """The subjects whose estimates :func:`fold` leaves out on ``subject``'s ladder."""
    others = related.filter(
        pl.col("relation").is_in(FOLDED_RELATIONS) & (pl.col("subject") != subject)
    )
    return set(others["subject"].to_list())


def fold(rungs: pl.DataFrame, folded: set[str]) -> tuple[pl.DataFrame, int]:
    """The rungs without the estimates of the ``folded`` subjects, and how many were left
    out (the page's toggle says how many it would show)."""
    hidden = (pl.col("kind") == "estimate") & pl.col("subject").is_in(sorted(folded))
    return rungs.filter(~hidden), rungs.filter(hidden).height


def scope_order(rungs: pl.DataFrame) -> list[str]:
    """The scopes, smallest first by the median size of what they hold: the ladder climbs."""
    return (
        rungs.group_by("scope")
        .agg(pl.col("magnitude").median().alias("middle"))
        .sort("middle", "scope")["scope"]
        .to_list()
    )


def _positions(rungs: pl.DataFrame, scopes: list[str], subject: str | None = None) -> pl.DataFrame:
    """Each rung's x: its scope's column, spread across the claims' or the estimates' half of
    it, ``subject``'s own first, then smallest to largest, so markers of equal size stay
    apart."""
    start = pl.when(pl.col("kind") == "claim").then(CLAIMS_SPAN[0]).otherwise(ESTIMATES_SPAN[0])
    width = pl.when(pl.col("kind") == "claim").then(CLAIMS_SPAN[1] - CLAIMS_SPAN[0])
    width = width.otherwise(ESTIMATES_SPAN[1] - ESTIMATES_SPAN[0])
    rank = pl.int_range(pl.len()).over("scope", "kind")
    other = (pl.col("subject") != pl.lit(subject, pl.String)).fill_null(True).alias("other")
    return (
        rungs.with_columns(other)
        .sort("other", "magnitude", "subject", "claim_id", "estimator", nulls_last=True)
        .drop("other")
        .with_columns(column=pl.col("scope").replace_strict(scopes, list(range(len(scopes)))))
        .with_columns(
            x=pl.col("column") + start + width * (rank + 0.5) / pl.len().over("scope", "kind")
        )
    )


def _html(column: str) -> pl.Expr:
    """A text column made safe for plotly's HTML-ish hover (sources' own markup stays text)."""
    return hover.escaped_column(column)


def _line(prefix: str, text: pl.Expr) -> pl.Expr:
    """``<br>prefix text`` when there is text, else nothing."""
    return pl.when(text.is_not_null() & (text != "")).then(pl.lit(f"<br>{prefix}") + text)


def hover_texts(rungs: pl.DataFrame) -> pl.Series:
    """Each rung's hover: who, where, the figure, what it is about, quote, status and checks."""
    clipped_quote = _html("quote").str.slice(0, 160)
    claim = pl.concat_str(
        pl.lit("<b>"),
        _html("claimant"),
        pl.lit("</b>"),
        _line("· ", _html("outlet")).fill_null(""),
        pl.lit(" · "),
        pl.col("date_text"),
        pl.lit("<br><b>"),
        _html("figure"),
        pl.lit("</b> "),
        pl.format("{} · {} · {}", "subject", "metric", "scope"),
        _line("qualifier ", _html("qualifier")).fill_null(""),
        _line("", pl.lit("“") + clipped_quote + pl.lit("”")).fill_null(""),
        pl.lit("<br>status: "),
        _html("status"),
        _line("", _html("status_note")).fill_null(""),
        _line("checks: ", _html("checks")).fill_null(""),
        _line("", _html("source_title")).fill_null(""),
        pl.lit("<br>"),
        _html("claim_id"),
    )
    estimate = pl.concat_str(
        pl.lit("<b>"),
        _html("estimator"),
        pl.lit("</b> v"),
        pl.col("estimator_version"),
        pl.lit(" · as of "),
        pl.col("date_text"),
        pl.lit("<br><b>"),
        _html("figure"),
        pl.lit("</b><br>"),
        pl.format("{} · {} · {}", "subject", "metric", "scope"),
    )
    filled = [pl.col(c).fill_null("") for c in ("claimant", "estimator", "estimator_version")]
    return rungs.with_columns(pl.col("checks").list.join("; "), *filled).select(
        pl.when(pl.col("kind") == "claim").then(claim).otherwise(estimate)
    )[:, 0]


def figure(rungs: pl.DataFrame, subject: str, *, height: int = 640) -> go.Figure:
    """The ladder: scope columns on x, size on a log y axis (see the module's doc)."""
    drawn = rungs.filter(pl.col("magnitude") > 0)
    scopes = scope_order(drawn)
    placed = _positions(drawn, scopes, subject)
    placed = placed.with_columns(hover=hover_texts(placed))
    labelled = labelled_claims(placed, subject)
    colours = {scope: PALETTE[i % len(PALETTE)] for i, scope in enumerate(scopes)}
    result = go.Figure()
    for scope in scopes:
        mine = placed.filter(pl.col("scope") == scope)
        claims = mine.filter(pl.col("kind") == "claim")
        estimates = mine.filter(pl.col("kind") == "estimate")
        result.add_trace(_legend_entry(scope, colours[scope]))
        result.add_trace(_estimate_trace(estimates, scope, colours[scope]))
        result.add_trace(_claim_trace(claims, scope, colours[scope]))
        result.add_trace(
            _label_trace(claims.filter(pl.col("claim_id").is_in(list(labelled))), scope)
        )
    if not placed.filter(pl.col("kind") == "estimate").is_empty():
        # One legend entry says what the bars are; the bars themselves take their scope's colour.
        result.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="estimator's low–high range and central value",
                marker={
                    "symbol": "line-ew-open",
                    "size": 14,
                    "color": "#616e7c",
                    "line": {"color": "#616e7c", "width": 3},
                },
                error_y={"type": "data", "array": [1], "color": "#616e7c", "thickness": 5},
                meta={"kind": "legend"},
            )
        )
    # Claims that are never evidence are drawn crossed out.
    crossed = placed.filter(pl.col("status").is_in(NOT_EVIDENCE_STATUSES))
    if not crossed.is_empty():
        result.add_trace(
            go.Scatter(
                x=crossed["x"].to_list(),
                y=crossed["magnitude"].to_list(),
                mode="markers",
                name="misattributed or retracted",
                marker={
                    "symbol": "x-thin-open",
                    "size": 22,
                    "color": CROSS_COLOUR,
                    "line": {"color": CROSS_COLOUR, "width": 3},
                },
                hovertext=crossed["hover"].to_list(),
                hoverinfo="text",
                customdata=crossed["claim_id"].to_list(),
                meta={"kind": "crossed_out"},
            )
        )
    values = [
        v
        for column in ("magnitude", "magnitude_low", "magnitude_high")
        for v in drawn[column].drop_nulls().to_list()
        if v > 0
    ]
    ticks, labels = log_ticks(values, "usd") if values else ([], [])
    result.update_layout(
        title={
            "text": f"Cost ladder: {hover.escaped(subject)} and related subjects",
            "font": {"size": 16},
        },
        height=height,
        margin={"l": 70, "r": 20, "t": 50, "b": 60},
        hovermode="closest",
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.12},
        xaxis={
            "tickvals": list(range(len(scopes))),
            "ticktext": [s.replace("_", " ") for s in scopes],
            "range": [-0.6, len(scopes) - 0.4],
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={
            "type": "log",
            "title": "US dollars (a market move: its size, a loss)",
            "gridcolor": "#eef2f6",
            **({"tickvals": ticks, "ticktext": labels} if ticks else {}),
        },
        # Columns drawn apart: a light band behind every other scope.
        shapes=[
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": i - 0.5,
                "x1": i + 0.5,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#f5f7fa",
                "line": {"width": 0},
                "layer": "below",
            }
            for i in range(0, len(scopes), 2)
        ],
    )
    return result


def labelled_claims(rungs: pl.DataFrame, subject: str | None = None) -> set[str]:
    """The claims whose figure is printed in the column's label lane: in each scope, one per
    :data:`LABEL_BAND` of the log axis, the current claim about ``subject`` itself, given as
    an exact figure, stated most often (then the largest); of two chosen closer than
    :data:`LABEL_GAP`, the first in that order. So labels do not print over each other, and a
    label is the figure as stated ("$5.576M") before a rounded retelling ("~ $6M"); hover
    shows every claim."""
    claims = rungs.filter(pl.col("kind") == "claim").with_columns(
        position=pl.col("magnitude").log10(),
        band=(pl.col("magnitude").log10() / LABEL_BAND).floor(),
        current=pl.col("status") == "current",
        own=pl.col("subject") == pl.lit(subject, pl.String),
        exact=pl.col("bound").fill_null("exact") == "exact",
        times=pl.len().over("scope", "figure"),
    )
    order = ["current", "own", "exact", "times", "magnitude"]
    chosen = (
        claims.with_columns(pl.col("own").fill_null(False))
        .sort(order, descending=True)
        .unique(["scope", "band"], keep="first", maintain_order=True)
        .with_columns(priority=pl.int_range(pl.len()))
        .select("scope", "claim_id", "position", "priority")
    )
    crowded = chosen.join(chosen, on="scope", suffix="_other").filter(
        (pl.col("priority_other") < pl.col("priority"))
        & ((pl.col("position") - pl.col("position_other")).abs() < LABEL_GAP)
    )
    return set(chosen["claim_id"]) - set(crowded["claim_id"])


def _legend_entry(scope: str, colour: str) -> go.Scatter:
    """The scope's legend entry (a plain circle in its colour: its claims' markers vary)."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=scope.replace("_", " "),
        legendgroup=scope,
        marker={"symbol": "circle", "size": 11, "color": colour},
        meta={"kind": "legend", "scope": scope},
    )


def _claim_trace(claims: pl.DataFrame, scope: str, colour: str) -> go.Scatter:
    symbol = pl.col("magnitude_bound").replace_strict(SYMBOLS, default="circle")
    # A disputed claim is drawn open: it stands, but someone contests it.
    symbol = pl.when(pl.col("status") == "disputed").then(symbol + "-open").otherwise(symbol)
    shown = claims.sort("x").with_columns(symbol=symbol)
    return go.Scatter(
        x=shown["x"].to_list(),
        y=shown["magnitude"].to_list(),
        mode="markers",
        name=f"{scope.replace('_', ' ')}: claims",
        legendgroup=scope,
        showlegend=False,
        marker={
            "symbol": shown["symbol"].to_list(),
            "size": 13,
            "color": colour,
            "line": {"color": "#1f2933", "width": 1},
        },
        hovertext=shown["hover"].to_list(),
        hoverinfo="text",
        customdata=shown["claim_id"].to_list(),
        meta={"kind": "claims", "scope": scope},
    )


def _label_trace(claims: pl.DataFrame, scope: str) -> go.Scatter:
    """The labelled claims' figures in the column's label lane: "> $500M", "~ $800B loss"."""
    return go.Scatter(
        x=(claims["column"] + LABEL_X).to_list(),
        y=claims["magnitude"].to_list(),
        mode="text",
        text=claims["figure"].to_list(),
        textposition="middle right",
        textfont={"size": 11, "color": "#1f2933"},
        hoverinfo="skip",
        showlegend=False,
        legendgroup=scope,
        customdata=claims["claim_id"].to_list(),
        meta={"kind": "labels", "scope": scope},
    )


def _estimate_trace(estimates: pl.DataFrame, scope: str, colour: str) -> go.Scatter:
    central = estimates["magnitude"]
    return go.Scatter(
        x=estimates["x"].to_list(),
        y=central.to_list(),
        mode="markers",
        name=f"{scope.replace('_', ' ')}: estimates",
        legendgroup=scope,
        showlegend=False,
        marker={
            "symbol": "line-ew-open",
            "size": 14,
            "color": colour,
            "line": {"color": colour, "width": 3},
        },
        error_y={
            "type": "data",
            "symmetric": False,
            "array": (estimates["magnitude_high"].fill_null(central) - central).to_list(),
            "arrayminus": (central - estimates["magnitude_low"].fill_null(central)).to_list(),
            "color": colour,
            "thickness": 5,
            "width": 0,
        },
        opacity=0.75,
        hovertext=estimates["hover"].to_list(),
        hoverinfo="text",
        customdata=estimates["estimator"].to_list(),
        meta={"kind": "estimates", "scope": scope},
    )
