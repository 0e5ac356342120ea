"""The options several commands share (costboard/cli/options.py): one parse, one message."""

from __future__ import annotations

import datetime as dt

import click
from click.testing import CliRunner

from costboard.cli.options import evidence_until_option


@click.command()
@evidence_until_option
def echo_until(evidence_until: dt.date | None) -> None:
    click.echo(repr(evidence_until))


def test_evidence_until_gives_a_date_or_none() -> None:
    runner = CliRunner()
    assert runner.invoke(echo_until, []).output.strip() == "None"
    given = runner.invoke(echo_until, ["--evidence-until", "2025-01-27"])
    assert given.exit_code == 0 and given.output.strip() == repr(dt.date(2025, 1, 27))


def test_evidence_until_refuses_a_bad_date_as_a_usage_error() -> None:
    result = CliRunner().invoke(echo_until, ["--evidence-until", "27/01/2025"])
    assert result.exit_code == 2
    assert "Invalid value for '--evidence-until'" in result.output


def test_every_command_taking_evidence_time_uses_the_shared_option() -> None:
    from costboard.cli import main, options

    for name in ("sql", "ladder", "estimate"):
        found = [p for p in main.commands[name].params if p.name == "evidence_until"]
        assert found and found[0].callback is options._evidence_date, name
