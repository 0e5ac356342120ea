"""warehouse/builtin_vocabulary.py: the built-in rows, and that vocabulary.py builds its tables
from them whole (the conversions themselves: test_vocabulary_conversions.py)."""

from __future__ import annotations

from costboard.warehouse import builtin_vocabulary as rows
from costboard.warehouse import vocabulary


def test_every_row_becomes_one_unit_or_metric_with_its_fields_in_order() -> None:
    names = [row[0] for row in rows.UNIT_ROWS]
    assert len(names) == len(set(names))
    assert [tuple(vars(vocabulary.UNITS[n]).values())[:4] for n in names] == list(rows.UNIT_ROWS)
    assert [
        (m.name, m.base_unit, m.is_cost, m.description) for m in vocabulary.METRICS.values()
    ] == list(rows.METRIC_ROWS)
    # Beyond the rows, only each currency's units (four scales each), all in the currency.
    extra = [u for n, u in vocabulary.UNITS.items() if n not in names]
    assert len(extra) == 4 * len(rows.CURRENCIES)
    assert {u.currency for u in extra} == set(rows.CURRENCIES)


def test_the_built_in_vocabulary_is_sound_and_names_the_exchange_rate_metric() -> None:
    assert vocabulary.BUILT_IN.problems() == []
    assert rows.EXCHANGE_RATE in vocabulary.METRICS
    assert dict(vocabulary.BUILT_IN.scopes) == rows.SCOPES
    assert vocabulary.BUILT_IN.subject_kinds == rows.SUBJECT_KINDS
