"""What a hook may return and whose offer of named things stands (plugins/contributions.py):
``as_list`` takes one item or a container of items of the kind and names what else it got;
``as_vocabulary`` takes a Vocabulary only; ``sound_and_unique`` takes a plugin's offer whole
or refuses it whole, keeps reserved names to built-ins, and refuses every plugin offering a
name another offers too, each error naming the others.

The same rules seen through the plugin manager (a bad hook, a built-in's name, two plugins
with one name): tests/plugins/test_faults.py and tests/plugins/test_importer_plugins.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from costboard.plugins.contributions import as_list, as_vocabulary, sound_and_unique
from costboard.plugins.loading import PluginRecord
from costboard.warehouse.vocabulary import BUILT_IN


@dataclass(frozen=True)
class Thing:
    name: str


def test_as_list_takes_one_item_or_a_container_of_items() -> None:
    one = Thing("a")
    assert as_list(one, Thing) == [one]
    assert as_list((one, Thing("b")), Thing) == [one, Thing("b")]
    assert as_list([], Thing) == []
    assert as_list({one}, Thing, containers=(set,)) == [one]


@pytest.mark.parametrize(
    ("returned", "containers", "message"),
    [
        ("ab", None, "expected a list of Thing, got str"),
        (b"ab", None, "expected a list of Thing, got bytes"),
        (None, None, "expected a list of Thing, got NoneType"),
        ({Thing("a")}, None, "expected a list of Thing, got set"),  # an unordered offer
        ([Thing("a"), 3, "x", 4], None, "expected a list of Thing, found int, str"),
        ([Thing("a")], (tuple,), "expected a list of Thing, got list"),
    ],
)
def test_as_list_refuses_anything_else_and_names_what_it_got(
    returned: object, containers: tuple[type, ...] | None, message: str
) -> None:
    with pytest.raises(TypeError) as refused:
        if containers is None:
            as_list(returned, Thing)
        else:
            as_list(returned, Thing, containers)
    assert str(refused.value) == message


def test_as_vocabulary_takes_a_vocabulary_only() -> None:
    assert as_vocabulary(BUILT_IN) is BUILT_IN
    with pytest.raises(TypeError, match=r"^expected a Vocabulary, got dict$"):
        as_vocabulary({"metrics": []})


def problems(thing: Thing) -> list[str]:
    return [f"'{thing.name}' has a space"] if " " in thing.name else []


def test_an_offer_stands_whole_or_is_refused_whole_and_reserved_names_are_the_built_ins() -> None:
    built_in = PluginRecord("rental", module="costboard.plugins.default_cloud_rental")
    sound = PluginRecord("sound", module="sound_plugin")
    one_bad = PluginRecord("one_bad", module="one_bad_plugin")
    squatter = PluginRecord("squatter", module="squatter_plugin")
    offered = [
        (built_in, [Thing("cloud_rental")]),
        (sound, [Thing("x"), Thing("y")]),
        (one_bad, [Thing("fine"), Thing("not fine")]),
        (squatter, [Thing("cloud_rental")]),
    ]
    accepted = sound_and_unique(offered, "estimator", problems, frozenset({"cloud_rental"}))
    assert [(r.name, [t.name for t in items]) for r, items in accepted] == [
        ("rental", ["cloud_rental"]),
        ("sound", ["x", "y"]),
    ]
    assert (one_bad.status, one_bad.error) == ("error", "'not fine' has a space")
    assert squatter.error == (
        "estimator name 'cloud_rental' is reserved for costboard's built-in estimator: rename it"
    )
    assert built_in.status == sound.status == "ok"


def test_every_plugin_offering_a_name_another_offers_is_refused_naming_the_others() -> None:
    first, second, third, alone = (PluginRecord(n) for n in ("first", "second", "third", "alone"))
    offered = [
        (first, [Thing("dup"), Thing("mine")]),
        (second, [Thing("dup")]),
        (third, [Thing("dup")]),
        (alone, [Thing("mine-too")]),
    ]
    accepted = sound_and_unique(offered, "importer", problems, frozenset())
    assert [r.name for r, _ in accepted] == ["alone"]
    assert first.error == (
        "importer name 'dup' is also provided by plugin 'second', 'third': both are refused "
        "until one is renamed or disabled"
    )
    assert "provided by plugin 'first', 'third'" in str(second.error)
    assert "provided by plugin 'first', 'second'" in str(third.error)


def test_an_unsound_offer_does_not_clash_with_a_sound_one_of_the_same_name() -> None:
    broken, working = PluginRecord("broken"), PluginRecord("working")
    offered = [(broken, [Thing("dup"), Thing("a b")]), (working, [Thing("dup")])]
    accepted = sound_and_unique(offered, "importer", problems, frozenset())
    assert [r.name for r, _ in accepted] == ["working"] and working.error is None
