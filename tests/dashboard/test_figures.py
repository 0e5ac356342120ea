"""dashboard/figures.py on its own: the palette's assignment and the log axis's ticks, which the
overview, the what-if page and the ladder share, and where the overview's x-axis ends (the
figures themselves: test_views.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from costboard.dashboard import figures


def test_colours_go_by_name_order_so_an_estimator_keeps_its_colour_on_every_chart() -> None:
    assert figures.colours(["b", "a", "b"]) == {"a": figures.PALETTE[0], "b": figures.PALETTE[1]}
    many = [f"e{i:02d}" for i in range(len(figures.PALETTE) + 1)]
    assigned = figures.colours(list(reversed(many)))
    assert assigned["e00"] == figures.PALETTE[0] and assigned[many[-1]] == figures.PALETTE[0]


def test_log_ticks_are_one_two_five_per_decade_labelled_for_people() -> None:
    assert figures.log_ticks([1.5e6, 9e6], "usd") == (
        [1e6, 2e6, 5e6, 1e7],
        ["$1M", "$2M", "$5M", "$10M"],
    )
    assert figures.log_ticks([0.02, 0.3], "ratio") == (
        [0.02, 0.05, 0.1, 0.2],
        ["0.02", "0.05", "0.1", "0.2"],
    )


def test_the_x_axis_ends_shortly_after_the_last_evidence_not_at_the_last_rerun() -> None:
    def estimate(day: dt.date, value: float) -> dict:
        return {
            "subject": "acme",
            "metric": "training_cost",
            "scope": "final_run",
            "unit": "usd",
            "estimator": "e",
            "estimator_version": "1",
            "as_of": day,
            "value": value,
            "low": value / 2,
            "high": value * 2,
        }

    changed = dt.date(2025, 5, 29)
    estimates = pl.DataFrame(
        [
            estimate(dt.date(2024, 12, 27), 4.9e6),
            estimate(changed, 9.5e6),
            # reruns at later evidence dates (of other subjects) and at the snapshot's day
            estimate(dt.date(2025, 12, 1), 9.5e6),
            estimate(dt.date(2026, 12, 7), 9.5e6),
        ]
    )
    claims = pl.DataFrame(
        {"subject": ["acme"], "metric": ["training_cost"], "scope": ["final_run"]},
    ).with_columns(stated_on=pl.lit(dt.date(2025, 1, 31)))
    assert figures.last_evidence(estimates, claims) == changed
    panel = figures.Panel("acme", "training_cost", "final_run", "usd")
    drawn = figures.estimate_figure(panel, estimates, claims.clear(), {})
    start, end = drawn.layout.xaxis.range
    assert changed < end <= changed + dt.timedelta(days=30)
    assert start < dt.date(2024, 12, 27)
    # the step is carried to the axis's end, and nothing is drawn past it
    line = next(t for t in drawn.data if t.meta["kind"] == "estimate")
    assert line.x[-1] == end and max(line.x) == end
    # the carried point repeats the last estimate; only the estimates' own points get a marker
    assert line.y[-1] == line.y[-2] and list(line.marker.size) == [5, 5, 0]
    # a later claim is evidence of the chart: the axis reaches past it
    late = claims.with_columns(stated_on=pl.lit(dt.date(2025, 9, 17)))
    assert figures.last_evidence(estimates, late) == dt.date(2025, 9, 17)
