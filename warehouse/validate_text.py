"""Which characters an id or a name may hold: an allow-list of Unicode categories.

Two ids that look the same must be the same id, and a name must print as what it is. So:

- an **id** (``claim_id``, ``subject``, a ``cites``, ``members`` or ``related`` item, a
  ``ticker``) holds letters, marks, digits, punctuation and symbols (Unicode categories L, M,
  N, P, S) and nothing else: no whitespace, no control characters (Cc), no format characters
  (Cf: zero-width spaces and joiners U+200B-U+200F, U+2060, U+FEFF; the bidirectional
  embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069), no private-use (Co),
  surrogate (Cs) or unassigned (Cn) code points;
- a **name** (``claimant``, a subject's ``name`` and ``developer``, a claim's ``outlet`` and
  ``qualifier``) may hold spaces (Zs) and ordinary whitespace (tab, line feed, carriage
  return) besides.

Free text (``quote``, ``note``, ``status_note``, ``source_title``) is not checked: it names
nothing, Epoch AI's own titles and notes carry zero-width spaces, and every place that prints
it strips or escapes what a terminal or a browser would act on (costboard/cli/output.py,
dashboard/hover.py).

An allow-list rather than a list of bad characters: Unicode keeps adding format characters,
and one nobody listed would pass a deny-list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

import polars as pl

#: (failing, field, message) of one rule; validate.py wraps each in its Check (importing
#: Check here would make the two modules import each other).
Rule = tuple[pl.Expr, str, pl.Expr]

#: Any character outside the classes an id may hold (Rust regex Unicode classes, for polars).
NOT_ID: Final = r"[^\p{L}\p{M}\p{N}\p{P}\p{S}]"
#: Any character outside the classes a name (or a ';'-separated list of ids) may hold.
NOT_NAME: Final = r"[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n\r]"

#: Field -> how its errors name it.
ID_FIELDS: Final = {"claim_id": "claim id", "subject": "subject id", "ticker": "ticker"}
#: ';'-separated lists of ids: the separator's spaces are allowed (each id must exist anyway).
ID_LIST_FIELDS: Final = {"cites": "cites", "members": "members", "related": "related"}
NAME_FIELDS: Final = {
    "claimant": "claimant",
    "name": "name",
    "developer": "developer",
    "outlet": "outlet",
    "qualifier": "qualifier",
}
_NAME_RULE: Final = "names are letters, digits, punctuation, symbols and spaces only"
_ID_RULE: Final = "ids are letters, digits, punctuation and symbols only"

_CATEGORY_NAMES: Final = {
    "Cc": "a control character",
    "Cf": "a format (invisible) character",
    "Co": "a private-use character",
    "Cs": "a surrogate",
    "Cn": "an unassigned code point",
    "Zs": "a space",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def allowed(char: str, *, spaces: bool) -> bool:
    """Whether an id (``spaces`` false) or a name (true) may hold ``char``."""
    category = unicodedata.category(char)
    return category[0] in "LMNPS" or (spaces and (category == "Zs" or char in "\t\n\r"))


def problem(label: str, value: str, *, spaces: bool) -> str:
    """The error of ``value``, naming its first character that is not allowed."""
    char = next((c for c in value if not allowed(c, spaces=spaces)), None)
    if char is None:
        return f"{label} {value!r} holds a character it may not hold"
    if char.isspace() and not spaces:
        return f"{label} {value!r} contains whitespace"
    what = _CATEGORY_NAMES.get(unicodedata.category(char), "a character")
    name = unicodedata.name(char, "")
    return (
        f"{label} {value!r} contains U+{ord(char):04X}"
        + (f" {name}" if name else "")
        + f", {what}; "
        + (_NAME_RULE if spaces else _ID_RULE)
    )


def rules(columns: Sequence[str]) -> list[Rule]:
    """The character rules of the id, id-list and name fields among ``columns``."""
    found = []
    for column in columns:
        for fields, pattern, spaces in (
            (ID_FIELDS, NOT_ID, False),
            (ID_LIST_FIELDS, NOT_NAME, True),
            (NAME_FIELDS, NOT_NAME, True),
        ):
            if column in fields:
                label = fields[column]
                # Built for failing rows only (validate.run_checks); repr() shows the invisible.
                message = pl.col(column).map_elements(
                    lambda value, label=label, spaces=spaces: problem(label, value, spaces=spaces),
                    return_dtype=pl.String,
                )
                found.append((pl.col(column).str.contains(pattern), column, message))
    return found
