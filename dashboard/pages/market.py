"""Market: prices and market caps per ticker, an indexed comparison, claim dates as events,
and the market-cap move over any event window next to what was claimed about it.

The event window runs from the last close before its first day to the last close on or
before its last day: 27 Jan 2025 alone is the 24 Jan → 27 Jan move, Nvidia's "$589B" day.

The page opens on the event of the chosen claim (``?claim=<id>``: its qualifier's day, else
its date; without one, the DeepSeek selloff when the prices cover it): the chart shows
:data:`EVENT_MARGIN` either side of it, and marks only the dates of claims made in the event
window (or the day after, as the window's claims are read), not the hundreds of claim dates of
every subject. The constant-dollar price index (``constant_dollars.SERIES``, monthly since
2000) is not a market ticker: it is neither shown by default nor counted in the default range.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import estimators, views
from costboard.dashboard.claim_display import with_display_columns
from costboard.dashboard.data import Window
from costboard.warehouse import constant_dollars
from costboard.warehouse.numbers import number_text

PAGE = "market"
dash.register_page(__name__, **ui.registration("market"))

#: The DeepSeek selloff: the window the page opens on when the data covers it.
STORY_DAY = dt.date(2025, 1, 27)
#: How much of the market the chart shows either side of the event it opens on.
EVENT_MARGIN = dt.timedelta(days=14)
#: Reports of a day's close carry the next day's date (data.Reader.window_claims' rule).
REPORTED_LATE = dt.timedelta(days=1)


class DefaultView(NamedTuple):
    """What the page opens on: the tickers shown, the chart's dates, the event window's day.
    (A NamedTuple: Dash loads a page under a name of its own, which a dataclass cannot
    resolve its annotations in.)"""

    tickers: list[str]
    start: dt.date
    end: dt.date
    event: dt.date


def default_view(tickers: pl.DataFrame, event: dt.date | None = None) -> DefaultView:
    """The tickers with market prices (the price index left out) and the chart's range:
    :data:`EVENT_MARGIN` either side of ``event`` (the chosen claim's day), else of
    :data:`STORY_DAY`, else of the last day, within the days the market tickers cover."""
    market = tickers.filter(pl.col("ticker") != constant_dollars.SERIES)
    if market.is_empty():  # only the index: it is all there is to show
        market = tickers
    first_day, last_day = market["first_date"].min(), market["last_date"].max()
    covered = [d for d in (event, STORY_DAY) if d is not None and first_day <= d <= last_day]
    day = covered[0] if covered else last_day
    return DefaultView(
        market["ticker"].to_list(),
        max(first_day, day - EVENT_MARGIN),
        min(last_day, day + EVENT_MARGIN),
        day,
    )


def claim_day(snapshot_id: int, claim_id: str | None) -> dt.date | None:
    """The day a claim is about: its qualifier when that is a date (CNBC's combined loss, run
    on 31 Jan, is qualified 27 Jan), else the day it was stated; None for no such claim."""
    if not claim_id:
        return None
    found = ui.reader().frame(
        snapshot_id,
        "SELECT coalesce(TRY_CAST(qualifier AS DATE), stated_on) AS day "
        "FROM {db}.claims WHERE claim_id = ?",
        [claim_id],
    )
    return found["day"][0] if found.height else None


WINDOW_COLUMNS = [
    ui.column("subject", width=140),
    ui.column("kind", width=90),
    ui.column("base_date", "from close of", width=130),
    ui.column("end_date", "to close of", width=130),
    ui.column("price_change", "price change", kind="number", unit="ratio", stated=False),
    ui.column(
        "market_cap_change",
        "market-cap change (computed)",
        kind="number",
        width=220,
        unit="usd",
        stated=False,
    ),
    ui.column("claimant", width=200),
    ui.column("stated_on", "stated on", width=120),
    ui.column("metric", width=150),
    # Shown with its bound ("< -$595B": a fall of more than $595B); the CSV keeps the number.
    ui.column(
        "claim_value",
        "claimed",
        kind="number",
        valueFormatter={
            "function": "params.data && params.data.figure ? params.data.figure : "
            + ui.number_formatter("usd", None, stated=True)
        },
    ),
    ui.column("ratio", "claimed / computed", kind="number", width=170, stated=False),
    ui.link_column("source_url", "source", text_field="source_title"),
    ui.column("claim_id", "claim id", width=220),
]


def _date(text: str | None, fallback: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def ordered(first: dt.date, second: dt.date) -> tuple[dt.date, dt.date]:
    return (first, second) if first <= second else (second, first)


def _date_control(
    label: str, component_id: str, value: dt.date, low: dt.date, high: dt.date
) -> html.Div:
    """A labelled date picker limited to the dates the prices cover."""
    picker = dcc.DatePickerSingle(
        id=component_id,
        date=value,
        min_date_allowed=low,
        max_date_allowed=high,
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )
    return html.Div([html.Label(label, htmlFor=component_id), picker], className="control")


def layout(
    snapshot: str | None = None,
    ticker: str | list[str] | None = None,
    measure: str | None = None,
    start: str | None = None,
    end: str | None = None,
    window_start: str | None = None,
    window_end: str | None = None,
    claim: str | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    tickers = reader.tickers(pinned.snapshot_id)
    if tickers.is_empty():
        return html.Div(
            [
                html.H1("Market"),
                ui.snapshot_bar(PAGE, reader, pinned),
                ui.notice("No prices in this snapshot: ingest a prices file first.", "warn"),
                ui.url_store(PAGE),
            ]
        )
    all_tickers = tickers["ticker"].to_list()
    first_day, last_day = tickers["first_date"].min(), tickers["last_date"].max()
    opened = default_view(tickers, claim_day(pinned.snapshot_id, ui.first(claim)))
    chosen = [t for t in ui.as_list(ticker) if t in all_tickers] or opened.tickers
    labels = {r["ticker"]: f"{r['ticker']} — {r['name'] or ''}" for r in tickers.to_dicts()}
    default_window = opened.event
    return html.Div(
        [
            html.H1("Market"),
            html.P(
                "Daily closes and market caps (close × the shares-outstanding claim in force), "
                "with the dates claims were made marked on the chart.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.Div(
                className="controls",
                children=[
                    html.Div(
                        [
                            html.Label("Tickers", htmlFor="market-ticker"),
                            dcc.Dropdown(
                                id="market-ticker",
                                options=ui.options(all_tickers, labels),
                                value=chosen,
                                multi=True,
                            ),
                        ],
                        className="control control-wide",
                    ),
                    html.Div(
                        [
                            html.Label("Show", htmlFor="market-measure"),
                            dcc.RadioItems(
                                id="market-measure",
                                options=[
                                    {"label": "indexed (100)", "value": "indexed"},
                                    {"label": "close", "value": "close"},
                                    {"label": "market cap", "value": "market_cap"},
                                ],
                                value=ui.first(measure)
                                if ui.first(measure) in views.MEASURES
                                else "indexed",
                                inline=True,
                            ),
                        ],
                        className="control",
                    ),
                    _date_control(
                        "From",
                        "market-start",
                        _date(ui.first(start), opened.start),
                        first_day,
                        last_day,
                    ),
                    _date_control(
                        "To",
                        "market-end",
                        _date(ui.first(end), opened.end),
                        first_day,
                        last_day,
                    ),
                ],
            ),
            dcc.Loading(html.Div(id="market-chart", className="chart-panel")),
            html.H2("Event window"),
            html.P(
                "The move from the last close before the window to the last close in it; "
                "market-cap change = price change × shares outstanding at the start. Claims "
                "about the subject's move stated in the window (or the day after) sit beside it.",
                className="lede",
            ),
            html.Div(
                className="controls",
                children=[
                    _date_control(
                        "Window starts",
                        "market-window-start",
                        _date(ui.first(window_start), default_window),
                        first_day,
                        last_day,
                    ),
                    _date_control(
                        "Window ends",
                        "market-window-end",
                        _date(ui.first(window_end), default_window),
                        first_day,
                        last_day,
                    ),
                ],
            ),
            html.Div(id="market-window-summary", className="headline"),
            ui.grid(
                "market-window",
                WINDOW_COLUMNS,
                filename="event-window.csv",
                empty="No market claim was stated in this window: widen the dates above.",
                height=360,
            ),
            ui.url_store(PAGE),
        ]
    )


def window_rows(
    snapshot_id: int, tickers: list[str], window: Window
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The event-window table for these tickers and every group made only of them.

    The moves are ``market_cap_move``'s own window estimates: the page computes none itself.
    """
    reader = ui.reader()
    groups = reader.groups(snapshot_id).filter(
        pl.col("members").list.eval(pl.element().is_in(tickers)).list.all()
    )
    subjects = tickers + groups["subject"].to_list()
    moves, _ = estimators.window_moves(reader, snapshot_id, (window.start, window.end))
    moves = moves.filter(pl.col("subject").is_in(subjects))
    claims = reader.window_claims(snapshot_id, subjects, window)
    table = views.window_table(moves, groups["subject"].to_list(), claims)
    # Each claim's figure as the source bounded it, beside the number the ratio uses.
    figures = with_display_columns(claims).select("claim_id", "figure")
    table = table.join(figures, on="claim_id", how="left", maintain_order="left")
    return table, ui.rows(table)


def summary_cards(table: pl.DataFrame) -> list[html.Div]:
    """One card per subject: the computed market-cap move, and each claim linked to its source."""
    computed = table.unique("subject", keep="first", maintain_order=True)
    cards = []
    for row in computed.filter(pl.col("market_cap_change").is_not_null()).to_dicts():
        said = table.filter(
            (pl.col("subject") == row["subject"]) & (pl.col("metric") == "market_cap_change")
        ).to_dicts()
        claims: list[Any] = []
        for r in said:
            claims += [", " if claims else "claimed: "]
            claims.append(ui.link(r["source_url"], f"{r['claimant']} {r['figure']}"))
        cards.append(
            html.Div(
                [
                    html.Div(
                        f"{row['subject']} {row['base_date']} → {row['end_date']}",
                        className="label",
                    ),
                    html.Div(
                        number_text(row["market_cap_change"], "usd"),
                        className="value",
                        id=f"market-move-{ui.slug(row['subject'])}",
                    ),
                    html.Div(claims or "no claim", className="label"),
                ],
                className="headline-card",
            )
        )
    return cards


@callback(
    Output("market-chart", "children"),
    Output(ui.grid_id("market-window"), "rowData"),
    Output("market-window-summary", "children"),
    Output("market-snapshot-status", "children"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("market-snapshot", "value"),
    Input("market-ticker", "value"),
    Input("market-measure", "value"),
    Input("market-start", "date"),
    Input("market-end", "date"),
    Input("market-window-start", "date"),
    Input("market-window-end", "date"),
)
def update(
    snapshot_id: int,
    tickers: list[str] | None,
    measure: str,
    start: str,
    end: str,
    window_start: str,
    window_end: str,
) -> tuple[Any, ...]:
    reader = ui.reader()
    picked = list(tickers or [])
    first, last = ordered(dt.date.fromisoformat(start[:10]), dt.date.fromisoformat(end[:10]))
    window = Window(
        *ordered(dt.date.fromisoformat(window_start[:10]), dt.date.fromisoformat(window_end[:10]))
    )
    series = reader.market_series(snapshot_id, picked, first, last)
    # Only the event window's claim dates, and only those the chart shows.
    events = reader.claim_events(
        snapshot_id, max(first, window.start), min(last, window.end + REPORTED_LATE)
    )
    figure = views.market_figure(series, events, measure)
    chart = ui.graph(
        "market-graph", figure, ui.slug("costboard-market", snapshot_id, measure, first, last)
    )
    table, rows = window_rows(snapshot_id, picked, window)
    state = ui.url_state(
        PAGE,
        snapshot_id,
        {
            "ticker": picked,
            "measure": measure,
            "start": first.isoformat(),
            "end": last.isoformat(),
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
        },
    )
    status = ui.snapshot_status(snapshot_id, reader.latest_id())
    return chart, rows, summary_cards(table), status, state
