"""What a reader checks before it parses (warehouse/read_guards.py): the bytes of a regular
file; JSON nested no deeper than the formats need, found by bracket counting that skips
brackets inside strings and stops at the first one too deep; a record field holding an
object or a nested list, named at its key.

A directory, FIFO, device or missing file given to `costboard ingest`, and deep JSON files,
refused at their place, are in tests/warehouse/test_malformed_files.py."""

from __future__ import annotations

import json
from pathlib import Path

from costboard.warehouse.errors import IngestError
from costboard.warehouse.read_guards import (
    JSON_DEPTH,
    nested_fields,
    regular_file_bytes,
    too_deep,
)


def test_a_regular_files_bytes_are_read_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(b"\xef\xbb\xbfclaim_id\r\nv3\r\n")
    assert regular_file_bytes(path) == b"\xef\xbb\xbfclaim_id\r\nv3\r\n"


def deepest_error(text: str, limit: int = JSON_DEPTH) -> str | None:
    try:
        too_deep("c.json", text, limit)
    except IngestError as refused:
        (error,) = refused.errors
        return f"{error.line}:{error.column}"
    return None


def test_json_as_deep_as_the_formats_need_passes_and_one_level_more_is_refused_where_it_is() -> (
    None
):
    assert JSON_DEPTH == 3  # the list of records, a record, a list value (cites)
    assert deepest_error('[{"cites": ["a", "b"]}]') is None
    assert deepest_error('[{"cites": ["a"]},\n {"cites": [["b"]]}]') == "2:13"


def test_brackets_inside_strings_do_not_count_even_with_escaped_quotes() -> None:
    quoted = json.dumps([{"quote": 'said "[[[[{{{{" and \\"]]]]'}])
    assert deepest_error(quoted) is None
    assert deepest_error('[{"quote": "\\"[[[["}, [[["x"]]]]') == "1:25"


def test_a_field_holding_an_object_or_a_nested_list_is_named_at_its_key() -> None:
    text = '[\n {"claim_id": "a", "cites": ["b", "c"],\n  "value": {"amount": 5}, "low": [[1]]}\n]'
    record = json.loads(text)[0]
    errors = nested_fields("c.json", text, record, text.index("{"))
    assert [(e.line, e.column, e.field) for e in errors] == [(3, 3, "value"), (3, 27, "low")]
    assert all("records are flat objects" in e.message for e in errors)
    assert nested_fields("c.json", text, {"claim_id": "a", "cites": ["b"]}, 0) == []
