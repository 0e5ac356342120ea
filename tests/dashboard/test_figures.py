"""dashboard/figures.py on its own: the palette's assignment and the log axis's ticks, which the
overview, the what-if page and the ladder share (the figures themselves: test_views.py)."""

from __future__ import annotations

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
