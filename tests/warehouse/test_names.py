"""The name rules of warehouse/names.py, and that every checker uses them (one home each)."""

from __future__ import annotations

import pytest

from costboard.plugins import estimator, scaffold
from costboard.warehouse import importers, names, vocabulary


@pytest.mark.parametrize("name", ["cloud_rental", "usd_million", "a", "h100_2"])
def test_a_plain_name_passes(name: str) -> None:
    assert names.NAME_PATTERN.match(name)
    assert names.IMPORTER_NAME_PATTERN.match(name)


@pytest.mark.parametrize("name", ["", "Cloud", "2cloud", "_cloud", "cloud rental", "cloud.rental"])
def test_neither_pattern_takes_a_name_that_is_not_lower_case_from_a_letter(name: str) -> None:
    assert not names.NAME_PATTERN.match(name)
    assert not names.IMPORTER_NAME_PATTERN.match(name)


def test_only_an_importer_name_may_hold_a_dash() -> None:
    assert names.IMPORTER_NAME_PATTERN.match("epoch-models")
    assert not names.NAME_PATTERN.match("epoch-models")
    # Every built-in importer's name is one the importer pattern takes.
    assert all(names.IMPORTER_NAME_PATTERN.match(i.name) for i in importers.built_in_importers())


def test_every_checker_uses_the_one_pattern() -> None:
    assert vocabulary.NAME_PATTERN is names.NAME_PATTERN
    assert estimator.NAME_PATTERN is names.NAME_PATTERN
    assert scaffold.NAME_PATTERN is names.NAME_PATTERN
    assert not hasattr(importers, "NAME_PATTERN")


def test_an_importer_checks_its_name_with_the_importer_pattern() -> None:
    def offer(name: str) -> importers.Importer:
        return importers.Importer(name, "test", lambda table: False, lambda table, options: None)  # type: ignore[arg-type,return-value]

    assert offer("my-format").problems() == []
    assert offer("My_Format").problems() == [
        "importer name 'My_Format' is not lower-case letters, digits, '-' or '_'"
    ]


def test_the_scaffold_refuses_a_name_the_pattern_refuses() -> None:
    assert scaffold.plugin_names("my-rental")["name"] == "my_rental"
    with pytest.raises(ValueError, match="cannot name a plugin"):
        scaffold.plugin_names("2rental")
