"""History: the snapshot log, the diff between two snapshots (data and estimates), the tags.

Knowledge time: every ingest is a snapshot. Pick two and see, by natural key, which claims,
prices, subjects, sources and tags were added, removed or changed, and how each estimate
series moved between them.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from costboard.dashboard import components as ui
from costboard.dashboard import views
from costboard.warehouse.history import DIFF_TABLES

PAGE = "history"
dash.register_page(__name__, **ui.registration("history"))

LOG_COLUMNS = [
    ui.column("snapshot_id", "snapshot", kind="number", width=110),
    ui.column("snapshot_time", "written", width=180),
    ui.column("author", width=150),
    ui.column("message", width=420),
    ui.column("kind", width=100),
    ui.column("rows_added", "added", kind="number", width=100),
    ui.column("rows_changed", "changed", kind="number", width=100),
    ui.column("rows_removed", "removed", kind="number", width=100),
    ui.column("tags", width=140),
]
DIFF_COLUMNS = [
    ui.column("change", width=110),
    ui.column("key", width=280),
    ui.column("details", width=900, wrapText=True, autoHeight=True),
]
MOVE_COLUMNS = [
    ui.column("change", width=100),
    ui.column("subject", width=140),
    ui.column("estimator", width=200),
    ui.column("metric", width=140),
    ui.column("scope", width=120),
    ui.column("unit", width=90),
    ui.column("old_value", "old", kind="number"),
    ui.column("new_value", "new", kind="number"),
    ui.column("ratio", "new / old", kind="number"),
    # The claims the newest estimate stopped → started using (estimate_moves.moves).
    ui.column(
        "inputs_change", "inputs (dropped → added)", width=360, wrapText=True, autoHeight=True
    ),
    ui.column("old_as_of", "old as of", width=120),
    ui.column("new_as_of", "new as of", width=120),
    ui.column("old_version", "old version", width=110),
    ui.column("new_version", "new version", width=110),
]
TAG_COLUMNS = [
    ui.column("tag", width=160),
    ui.column("snapshot_id", "snapshot", kind="number", width=110),
    ui.column("created_at", "created", width=180),
    ui.column("author", width=150),
    ui.column("message", width=400),
]


def snapshot_picker(component_id: str, options: list[dict[str, Any]], value: int | None) -> Any:
    return dcc.Dropdown(id=component_id, options=options, value=value, clearable=False)


def default_pair(snapshot_id: int, ids: list[int]) -> tuple[int, int]:
    """Diff the pinned snapshot against the one before it (or itself when it is the first)."""
    earlier = [i for i in ids if i < snapshot_id]
    return (max(earlier) if earlier else snapshot_id), snapshot_id


def layout(
    snapshot: str | None = None,
    old: str | None = None,
    new: str | None = None,
    **_: Any,
) -> Any:
    reader = ui.reader()
    pinned = ui.pin(reader, snapshot)
    options = ui.snapshot_options(reader, pinned.latest, pinned.snapshot_id)
    ids = sorted(o["value"] for o in options)
    first_old, first_new = default_pair(pinned.snapshot_id, ids)

    def pick(text: str | None, fallback: int) -> int:
        value = ui.first(text)
        return int(value) if value and value.isdigit() and int(value) in ids else fallback

    return html.Div(
        [
            html.H1("History"),
            html.P(
                "Every ingest is a snapshot with an author and a message. Any page can be "
                "pinned to one; a shared link names its snapshot, so it shows the same numbers "
                "later.",
                className="lede",
            ),
            ui.snapshot_bar(PAGE, reader, pinned),
            html.H2("Snapshot log"),
            ui.grid(
                "history-log",
                LOG_COLUMNS,
                filename="snapshots.csv",
                empty="No snapshot at or before the pinned one.",
                height=320,
            ),
            html.H2("Compare two snapshots"),
            html.Div(
                className="controls",
                children=[
                    html.Div(
                        [
                            html.Label("From (old)", htmlFor="history-old"),
                            snapshot_picker("history-old", options, pick(old, first_old)),
                        ],
                        className="control control-wide",
                    ),
                    html.Div(
                        [
                            html.Label("To (new)", htmlFor="history-new"),
                            snapshot_picker("history-new", options, pick(new, first_new)),
                        ],
                        className="control control-wide",
                    ),
                ],
            ),
            dcc.Loading(html.Div(id="history-diff")),
            html.H3("How each estimate moved"),
            html.P(
                "Each estimate series (subject, estimator, metric, scope) at its newest "
                "evidence date, in the old snapshot and in the new one. “inputs changed”: the "
                "value stayed but the claims it used did not.",
                className="lede",
            ),
            ui.grid(
                "history-moves",
                MOVE_COLUMNS,
                filename="estimate-moves.csv",
                empty="No estimate moved between the two snapshots compared.",
                height=320,
            ),
            html.H2("Tags"),
            ui.grid(
                "history-tags",
                TAG_COLUMNS,
                filename="tags.csv",
                empty="No tag yet: `costboard tag NAME` names the newest snapshot.",
                height=220,
            ),
            ui.url_store(PAGE),
        ]
    )


def diff_sections(old: int, new: int) -> list[Any]:
    """One titled grid per table with differences, or a note that there are none."""
    found = ui.reader().diff(old, new)
    sections: list[Any] = []
    for name, frame in found.items():
        if frame.is_empty():
            continue
        table = DIFF_TABLES[name]
        counts = ", ".join(
            f"{n} {change}"
            for change, n in frame["change"].value_counts().sort("change").iter_rows()
        )
        sections += [
            html.H3(f"{name}: {counts}"),
            ui.grid(
                f"history-diff-{name}",
                DIFF_COLUMNS,
                views.diff_rows(frame, table.key, table.columns),
                filename=f"diff-{old}-{new}-{name}.csv",
                empty=f"No {name} changed between the two snapshots.",
                height=260,
            ),
        ]
    if not sections:
        text = "the same snapshot" if old == new else "no differences in the data"
        sections.append(ui.notice(f"Snapshot {old} → {new}: {text}."))
    return [html.P(f"Snapshot {old} → {new}", className="muted"), *sections]


@callback(
    Output(ui.grid_id("history-log"), "rowData"),
    Output(ui.grid_id("history-tags"), "rowData"),
    Output("history-snapshot-status", "children"),
    Input("history-snapshot", "value"),
)
def log(snapshot_id: int) -> tuple[Any, ...]:
    reader = ui.reader()
    return (
        ui.rows(reader.snapshot_log(snapshot_id)),
        ui.rows(reader.tags(snapshot_id)),
        ui.snapshot_status(snapshot_id, reader.latest_id()),
    )


@callback(
    Output("history-diff", "children"),
    Output(ui.grid_id("history-moves"), "rowData"),
    Output({"type": "url-state", "page": PAGE}, "data"),
    Input("history-snapshot", "value"),
    Input("history-old", "value"),
    Input("history-new", "value"),
)
def compare(snapshot_id: int, old: int, new: int) -> tuple[Any, ...]:
    moves = ui.reader().estimate_moves(old, new)
    return (
        diff_sections(old, new),
        ui.rows(moves),
        ui.url_state(PAGE, snapshot_id, {"old": old, "new": new}),
    )
