"""Which characters an id or a name may hold (warehouse/validate_text.py): an allow-list of
Unicode categories, so a character nobody listed (a new format character) is refused too;
a name may hold spaces besides; free text is not checked; the error names the character.

Malformed files refused at their cell by these rules are in
tests/warehouse/test_malformed_files.py."""

from __future__ import annotations

import polars as pl
import pytest

from costboard.warehouse import validate_text

#: (character, an id may hold it, a name may hold it)
CHARACTERS = [
    ("a", True, True),
    ("é", True, True),  # a letter beyond ASCII
    ("\u0301", True, True),  # a combining mark
    ("7", True, True),
    ("-", True, True),
    ("$", True, True),
    (" ", False, True),
    ("\t", False, True),
    ("\n", False, True),
    ("\u00a0", False, True),  # no-break space: Zs
    ("\u200b", False, False),  # zero-width space: Cf
    ("\u202e", False, False),  # right-to-left override: Cf
    ("\u2028", False, False),  # line separator: Zl
    ("\x1b", False, False),  # escape: Cc
    ("\ue000", False, False),  # private use: Co
    ("\U000e0001", False, False),  # language tag: Cf, listed by no deny-list here
]


@pytest.mark.parametrize(("char", "in_id", "in_name"), CHARACTERS)
def test_allowed_takes_letters_marks_digits_punctuation_and_symbols_and_names_take_spaces(
    char: str, in_id: bool, in_name: bool
) -> None:
    assert validate_text.allowed(char, spaces=False) is in_id
    assert validate_text.allowed(char, spaces=True) is in_name


def test_the_polars_patterns_agree_with_allowed_on_every_case() -> None:
    chars = [c for c, _, _ in CHARACTERS]
    frame = pl.DataFrame({"c": chars}).select(
        pl.col("c").str.contains(validate_text.NOT_ID).alias("bad_id"),
        pl.col("c").str.contains(validate_text.NOT_NAME).alias("bad_name"),
    )
    assert frame["bad_id"].to_list() == [not i for _, i, _ in CHARACTERS]
    assert frame["bad_name"].to_list() == [not n for _, _, n in CHARACTERS]


def test_the_problem_names_the_first_character_not_allowed_and_the_rule() -> None:
    assert validate_text.problem("claim id", "v3\u200bcost", spaces=False) == (
        "claim id 'v3\\u200bcost' contains U+200B ZERO WIDTH SPACE, a format (invisible) "
        "character; ids are letters, digits, punctuation and symbols only"
    )
    assert validate_text.problem("subject id", "deepseek v3", spaces=False) == (
        "subject id 'deepseek v3' contains whitespace"
    )
    assert validate_text.problem("claimant", "Deep\x1bSeek", spaces=True) == (
        "claimant 'Deep\\x1bSeek' contains U+001B, a control character; names are letters, "
        "digits, punctuation, symbols and spaces only"
    )


def test_rules_check_ids_lists_and_names_and_leave_free_text_alone() -> None:
    frame = pl.DataFrame(
        {
            "claim_id": ["ok-1", "bad\u2060id"],
            "cites": ["a; b", "a;\u200bb"],
            "claimant": ["Deep Seek", "Deep Seek"],
            "quote": ["\u200bzero-width in a quote", "fine"],
        }
    )
    rules = validate_text.rules(frame.columns)
    assert [field for _, field, _ in rules] == ["claim_id", "cites", "claimant"]
    failing = {
        field: frame.filter(bad).select(message.alias("m"))["m"].to_list()
        for bad, field, message in rules
    }
    assert failing["claim_id"] == [
        "claim id 'bad\\u2060id' contains U+2060 WORD JOINER, a format (invisible) character; "
        "ids are letters, digits, punctuation and symbols only"
    ]
    assert len(failing["cites"]) == 1 and "U+200B" in failing["cites"][0]
    assert failing["claimant"] == []
