"""costboard.cli.plugin_commands: ``--window START:END`` read into a Window, with one-line
refusals. (``costboard estimate`` and ``costboard plugins`` run end to end in the plugin tests.)"""

from __future__ import annotations

import datetime as dt

import click
import pytest

from costboard.cli.plugin_commands import _window


def test_a_window_is_two_dates_either_side_of_a_colon() -> None:
    window = _window("2025-01-24:2025-01-27")
    assert tuple(window) == (dt.date(2025, 1, 24), dt.date(2025, 1, 27))
    assert tuple(_window(" 2025-01-27 : 2025-01-27 ")) == (dt.date(2025, 1, 27),) * 2


@pytest.mark.parametrize("text", ["2025-01-24", "2025-01-24..2025-01-27", "jan:feb", ":2025-01-27"])
def test_what_is_not_start_colon_end_is_refused_as_such(text: str) -> None:
    with pytest.raises(click.BadParameter) as refused:
        _window(text)
    assert refused.value.message == f"'{text}' is not START:END (two YYYY-MM-DD dates)"


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(click.BadParameter) as refused:
        _window("2025-01-27:2025-01-24")
    assert refused.value.message == "'2025-01-27:2025-01-24': the window starts after it ends"
