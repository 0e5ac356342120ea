"""What a hook may return, and which plugins' offers of named things are accepted.

The plugin manager calls each hook and hands the return value to a coercer here (a value of
the wrong type is that plugin's error); estimators and importers are both named things, so
one rule (:func:`sound_and_unique`) decides whose offer stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from costboard.warehouse.vocabulary import Vocabulary

if TYPE_CHECKING:
    from costboard.plugins.loading import PluginRecord


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T")
N = TypeVar("N", bound=Named)


def as_list(returned: object, kind: type[T], containers: tuple[type, ...] = (Sequence,)) -> list[T]:
    """``returned`` as a list of ``kind``: one ``kind`` alone, or a container of them only.

    Importers come as a sequence only, because the order they are tried in matters.
    """
    if isinstance(returned, kind):
        return [returned]
    if isinstance(returned, str | bytes) or not isinstance(returned, containers):
        raise TypeError(f"expected a list of {kind.__name__}, got {type(returned).__name__}")
    wrong = [type(item).__name__ for item in returned if not isinstance(item, kind)]  # type: ignore[attr-defined]
    if wrong:
        found = ", ".join(sorted(set(wrong)))
        raise TypeError(f"expected a list of {kind.__name__}, found {found}")
    return list(returned)  # type: ignore[call-overload]


def as_vocabulary(returned: object) -> Vocabulary:
    if not isinstance(returned, Vocabulary):
        raise TypeError(f"expected a Vocabulary, got {type(returned).__name__}")
    return returned


def sound_and_unique(
    offered: list[tuple[PluginRecord, list[N]]],
    kind: str,
    problems: Callable[[N], list[str]],
    reserved: frozenset[str],
) -> list[tuple[PluginRecord, list[N]]]:
    """The offers that stand: every item sound, no reserved name (except a built-in plugin's
    own) and no name another plugin offers too. A plugin's offer is taken whole or refused
    whole, recorded as its error; two plugins offering one name are both refused, each error
    naming the other, so which plugin computes a name never depends on load order."""
    sound: list[tuple[PluginRecord, list[N]]] = []
    for record, items in offered:
        found = [problem for item in items for problem in problems(item)]
        if not record.built_in:
            found += [
                f"{kind} name '{item.name}' is reserved for costboard's built-in {kind}: rename it"
                for item in items
                if item.name in reserved
            ]
        if found:
            record.fail("; ".join(found))
        else:
            sound.append((record, items))
    providers: dict[str, list[str]] = {}
    for record, items in sound:
        for item in items:
            providers.setdefault(item.name, []).append(record.name)
    accepted: list[tuple[PluginRecord, list[N]]] = []
    for record, items in sound:
        clashes = [
            f"{kind} name '{item.name}' is also provided by plugin "
            + ", ".join(f"'{other}'" for other in providers[item.name] if other != record.name)
            + ": both are refused until one is renamed or disabled"
            for item in items
            if len(providers[item.name]) > 1
        ]
        if clashes:
            record.fail("; ".join(clashes))
        else:
            accepted.append((record, items))
    return accepted
