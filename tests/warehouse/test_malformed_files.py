"""A corpus of malformed files (issue 17): each refused through ingest with file, line and
column (or one line for a whole-file problem), and nothing written.

With tests/warehouse/test_validation.py (39 files), tests/warehouse/test_claim_fields.py (13) and
tests/warehouse/test_epoch_import.py (4), the suites ingest 96 malformed files; this one adds 40: dates
out of range, byte-order marks, deep JSON, non-regular files and invisible characters.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from costboard.warehouse import ingest
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from tests.conftest import write
from tests.warehouse.test_epoch_import import chip_files, model_files, price_files, row_line
from tests.warehouse.test_validation import (
    GOOD_PRICE,
    GOOD_ROW,
    HEADER,
    PRICE_HEADER,
    SUBJECTS,
    snapshot_count,
)

pytestmark = pytest.mark.catalogs
TODAY = dt.date(2026, 1, 1)
SUBJECT_HEADER = "subject,name,kind,developer,members,released_on,note\n"
SUBJECT_ROW = "deepseek-r1,DeepSeek-R1,model,DeepSeek,,2025-01-20,\n"


def _json(**changes: object) -> str:
    record = {
        "subject": "deepseek-v3",
        "metric": "training_cost",
        "scope": "final_run",
        "value": 5.576,
        "unit": "usd_million",
        "claimant": "DeepSeek-AI",
        "stated_on": "2024-12-27",
        "source_url": "https://arxiv.org/abs/2412.19437",
    }
    record.update(changes)
    import json

    return "[\n" + json.dumps(record) + "\n]\n"


def _jsonl(**changes: object) -> str:
    return _json(**changes).strip("[]\n") + "\n"


def claim(old: str, new: str) -> str:
    return HEADER + GOOD_ROW.replace(old, new)


#: (case id, file name, text, line:column, words)
CASES = [
    # Dates outside 1900-01-01 .. today, in every date field.
    ("stated_on-year-0", "c.csv", claim("2024-12-27", "0000-01-01"), "2:11", "before 1900-01-01"),
    ("stated_on-1899", "c.csv", claim("2024-12-27", "1899-12-31"), "2:11", "before 1900-01-01"),
    ("stated_on-year-only", "c.csv", claim("2024-12-27", "1899"), "2:11", "before 1900-01-01"),
    ("stated_on-month-only", "c.csv", claim("2024-12-27", "1899-12"), "2:11", "before 1900"),
    ("stated_on-9999", "c.csv", claim("2024-12-27", "9999-12-31"), "2:11", "in the future"),
    ("json-stated_on", "c.json", _json(stated_on="0000-01-01"), "2:", "before 1900-01-01"),
    ("jsonl-stated_on", "c.jsonl", _jsonl(stated_on="0001-01-01"), "1:", "before 1900-01-01"),
    (
        "date-value",
        "c.csv",
        claim(
            "training_cost,final_run,,5.576,,,usd_million",
            "training_start,final_run,,0001-01-01,,,date",
        ),
        "2:6",
        "before 1900-01-01",
    ),
    (
        "released_on-year-0",
        "s.csv",
        SUBJECT_HEADER + SUBJECT_ROW.replace("2025-01-20", "0000-01-01"),
        "2:6",
        "before 1900-01-01",
    ),
    (
        "released_on-future",
        "s.csv",
        SUBJECT_HEADER + SUBJECT_ROW.replace("2025-01-20", "2099-01-01"),
        "2:6",
        "in the future",
    ),
    (
        "price-year-0",
        "p.csv",
        PRICE_HEADER + GOOD_PRICE.replace("2025-01-24", "0000-01-01"),
        "2:1",
        "before 1900",
    ),
    (
        "price-1850",
        "p.csv",
        PRICE_HEADER + GOOD_PRICE.replace("2025-01-24", "1850-06-01"),
        "2:1",
        "before 1900",
    ),
    ("fred-year-0", "PPI.csv", "observation_date,PPI\n0000-01-01,1.5\n", "2:1", "before 1900"),
    # Whole-file problems: one line each.
    ("bom-only-csv", "c.csv", b"\xef\xbb\xbf", "1:1", "only a byte-order mark"),
    ("bom-and-blank", "c.csv", b"\xef\xbb\xbf \n\n", "1:1", "only a byte-order mark"),
    ("bom-only-json", "c.json", b"\xef\xbb\xbf", "1:1", "only a byte-order mark"),
    ("deep-arrays", "c.json", "[" * 100_000, "1:4", "nested deeper than 3"),
    ("deep-objects", "c.jsonl", '{"a":' * 100_000, "1:11", "nested deeper than 2"),
    ("object-value", "c.json", _json(value={"amount": 5}), "2:", "holds a JSON object"),
    ("nested-cites", "c.json", _json(cites=[["a"]]), "2:", "nested deeper than 3"),
    ("jsonl-list-in-list", "c.jsonl", _jsonl(cites=[[1]]), "1:", "nested deeper than 2"),
    # Invisible and control characters in ids and names.
    (
        "claim-id-zero-width",
        "c.csv",
        claim("v3-cost", "v3\u200b-cost"),
        "2:1",
        "U+200B ZERO WIDTH SPACE",
    ),
    (
        "claim-id-rlo",
        "c.csv",
        claim("v3-cost", "v3\u202e-cost"),
        "2:1",
        "U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    ("claim-id-space", "c.csv", claim("v3-cost", "v3 cost"), "2:1", "contains whitespace"),
    ("claimant-rlo", "c.csv", claim("DeepSeek-AI", "Deep\u202eSeek"), "2:10", "U+202E"),
    (
        "claimant-escape",
        "c.csv",
        claim("DeepSeek-AI", "\x1b[31mDeepSeek"),
        "2:10",
        "a control character",
    ),
    ("claimant-isolate", "c.csv", claim("DeepSeek-AI", "Deep\u2066Seek"), "2:10", "U+2066"),
    ("claimant-word-joiner", "c.csv", claim("DeepSeek-AI", "Deep\u2060Seek"), "2:10", "U+2060"),
    ("json-claimant", "c.json", _json(claimant="Deep\u200dSeek"), "2:", "U+200D"),
    (
        "cites-bom",
        "c.csv",
        HEADER.replace("note\n", "cites\n") + GOOD_ROW.replace(",,\n", ",,x\ufeffy\n"),
        "2:15",
        "U+FEFF",
    ),
    (
        "subject-id-bom",
        "s.csv",
        SUBJECT_HEADER + SUBJECT_ROW.replace("deepseek-r1", "deep\ufeffseek-r1"),
        "2:1",
        "U+FEFF",
    ),
    (
        "subject-name-zwj",
        "s.csv",
        SUBJECT_HEADER + SUBJECT_ROW.replace("DeepSeek-R1", "Deep\u200dSeek-R1"),
        "2:2",
        "U+200D",
    ),
    (
        "ticker-zero-width",
        "p.csv",
        PRICE_HEADER + GOOD_PRICE.replace("NVDA", "NV\u200bDA"),
        "2:2",
        "U+200B",
    ),
]


@pytest.fixture
def subjects_file(tmp_path: Path) -> Path:
    return write(tmp_path / "subjects.csv", SUBJECTS)


def refused(config: WarehouseConfig, paths: list[Path]) -> list[str]:
    before = snapshot_count(config)
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, paths, message="should fail", today=TODAY)
    assert snapshot_count(config) == before, "a failed ingest must write nothing"
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("name", "text", "where", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_malformed_file_is_refused_where_it_is_and_writes_nothing(
    config: WarehouseConfig,
    tmp_path: Path,
    subjects_file: Path,
    name: str,
    text: str | bytes,
    where: str,
    words: str,
) -> None:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        write(path, text)
    errors = refused(config, [subjects_file, path])
    assert any(e.startswith(f"{path}:{where}") and words in e for e in errors), errors


NOT_FILES: dict[str, Callable[[Path], Path]] = {
    "directory": lambda tmp: tmp,
    "fifo": lambda tmp: (os.mkfifo(tmp / "claims.csv"), tmp / "claims.csv")[1],
    "device": lambda tmp: Path("/dev/zero"),
    "missing": lambda tmp: tmp / "absent.csv",
}


@pytest.mark.parametrize("kind", NOT_FILES)
def test_a_path_that_is_not_a_regular_file_is_named_for_what_it_is(
    config: WarehouseConfig, tmp_path: Path, kind: str
) -> None:
    path = NOT_FILES[kind](tmp_path)
    expected = {
        "directory": "is a directory, not a regular file",
        "fifo": "is a named pipe (FIFO), not a regular file",
        "device": "is a device, not a regular file",
        "missing": "no such file",
    }[kind]
    # A FIFO nobody writes to would block a reader that opened it: this returns at once.
    assert refused(config, [path]) == [f"{path}:1:1: {expected}"]


EPOCH_CASES = [
    (chip_files, "Hardware name", "Google TPU v4|Release date", "0000-01-01", "Release date"),
    (price_files, "Hardware model", "NVIDIA H100 SXM5 80GB|Price date", "1800-01-01", "Price date"),
    (model_files, "Model", "GPT-4|Publication date", "0001-01-01", "Publication date"),
]


@pytest.mark.parametrize(
    ("files", "key", "cell", "bad", "column"), EPOCH_CASES, ids=[c[3] for c in EPOCH_CASES]
)
def test_an_epoch_date_before_1900_is_refused_at_its_cell(
    config: WarehouseConfig, tmp_path: Path, files, key: str, cell: str, bad: str, column: str
) -> None:  # type: ignore[no-untyped-def]
    paths = files(tmp_path, **{cell: bad})
    if files is price_files:
        paths = chip_files(tmp_path) + paths
    before = snapshot_count(config)
    with pytest.raises(IngestError) as raised:
        ingest.ingest(config, paths, message="broken", today=TODAY)
    assert snapshot_count(config) == before
    target = paths[-1]
    line = row_line(target, key, cell.split("|")[0])
    errors = [e for e in raised.value.errors if e.file == str(target) and e.line == line]
    assert any("before 1900-01-01" in e.message and bad in e.message for e in errors), [
        str(e) for e in raised.value.errors
    ]
