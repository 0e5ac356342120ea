"""Every kind of bad input gets an error naming file, line and column, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from tests.conftest import write

pytestmark = pytest.mark.catalogs

SUBJECTS = """subject,name,kind,developer,members,released_on,note
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-26,
NVDA,Nvidia,ticker,,,,
"""
HEADER = "claim_id,subject,metric,scope,qualifier,value,low,high,unit,claimant,stated_on,source_url,source_title,quote,note\n"
GOOD_ROW = "v3-cost,deepseek-v3,training_cost,final_run,,5.576,,,usd_million,DeepSeek-AI,2024-12-27,https://arxiv.org/abs/2412.19437,V3 report,,\n"
PRICE_HEADER = "date,ticker,open,high,low,close,volume,adjusted,source_url\n"
GOOD_PRICE = "2025-01-24,NVDA,148.3,148.9,141.8,142.6,234657600,true,https://example.org/nvda.csv\n"


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return connection.execute("SELECT count(*) FROM snapshots").fetchone()[0]


@pytest.fixture
def subjects_file(tmp_path: Path) -> Path:
    return write(tmp_path / "subjects.csv", SUBJECTS)


def errors_for(
    config: WarehouseConfig, tmp_path: Path, name: str, text: str | bytes, subjects_file: Path
) -> list[str]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        write(path, text)
    before = snapshot_count(config)
    with pytest.raises(IngestError) as caught:
        ingest.ingest(
            config, [subjects_file, path], message="should fail", today=dt.date(2026, 1, 1)
        )
    assert snapshot_count(config) == before, "a failed ingest must write nothing"
    return [str(e) for e in caught.value.errors]


CLAIM_CASES = [
    # (id, row or whole text, expected line:column, expected words)
    ("missing_column", "subject,metric\nx,y\n", "1:1", "missing required column 'scope'"),
    (
        "unknown_column",
        HEADER.replace("note", "nte") + GOOD_ROW,
        "1:15",
        "unknown column 'nte' (did you mean 'note'?)",
    ),
    ("not_a_number", HEADER + GOOD_ROW.replace("5.576", "five"), "2:6", "'five' is not a number"),
    ("nan", HEADER + GOOD_ROW.replace("5.576", "nan"), "2:6", "not a finite number"),
    ("infinity", HEADER + GOOD_ROW.replace("5.576", "inf"), "2:6", "not a finite number"),
    ("no_value", HEADER + GOOD_ROW.replace("5.576", ""), "2:6", "needs a value, a low or a high"),
    (
        "low_above_value",
        HEADER + GOOD_ROW.replace("5.576,,", "5.576,6,"),
        "2:7",
        "low 6 is above value 5.576",
    ),
    (
        "value_above_high",
        HEADER + GOOD_ROW.replace("5.576,,", "5.576,,5"),
        "2:8",
        "value 5.576 is above high 5",
    ),
    (
        "bad_date",
        HEADER + GOOD_ROW.replace("2024-12-27", "2024-02-30"),
        "2:11",
        "'2024-02-30' is not a real date",
    ),
    (
        "future_date",
        HEADER + GOOD_ROW.replace("2024-12-27", "2030-01-01"),
        "2:11",
        "2030-01-01 is in the future",
    ),
    (
        "unknown_unit",
        HEADER + GOOD_ROW.replace("usd_million", "usd_milion"),
        "2:9",
        "unknown unit 'usd_milion' (did you mean 'usd_million'",
    ),
    (
        "unit_misfit",
        HEADER + GOOD_ROW.replace("usd_million", "gpu_hours"),
        "2:9",
        "unit 'gpu_hours' does not fit metric 'training_cost'",
    ),
    (
        "unknown_metric",
        HEADER + GOOD_ROW.replace("training_cost", "trainig_cost"),
        "2:3",
        "unknown metric 'trainig_cost' (did you mean 'training_cost'",
    ),
    (
        "unknown_scope",
        HEADER + GOOD_ROW.replace("final_run", "finalrun"),
        "2:4",
        "unknown scope 'finalrun'",
    ),
    (
        "negative_cost",
        HEADER + GOOD_ROW.replace("5.576", "-5.576"),
        "2:6",
        "a training_cost cannot be negative",
    ),
    (
        "javascript_url",
        HEADER + GOOD_ROW.replace("https://arxiv.org/abs/2412.19437", "javascript:alert(1)"),
        "2:12",
        "is not an http(s) URL",
    ),
    ("required_empty", HEADER + GOOD_ROW.replace("DeepSeek-AI", ""), "2:10", "a value is required"),
    (
        "conflicting_duplicate",
        HEADER + GOOD_ROW + GOOD_ROW.replace("5.576", "6"),
        "3:1",
        "conflicting duplicate: claim_id=v3-cost also on line 2",
    ),
    (
        "unknown_subject",
        HEADER + GOOD_ROW.replace("deepseek-v3", "deepseek-v4"),
        "2:2",
        "unknown subject 'deepseek-v4'",
    ),
    (
        "ragged_row",
        HEADER + GOOD_ROW.rstrip("\n") + ",extra\n",
        "2:16",
        "expected 15 fields, found 16",
    ),
    ("empty_file", "", "1:1", "the file is empty"),
    ("duplicate_header", "subject,subject\n", "1:2", "column 'subject' appears twice"),
]


def test_unknown_subject_suggests_close_matches(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    errors = errors_for(
        config,
        tmp_path,
        "claims.csv",
        HEADER + GOOD_ROW.replace("deepseek-v3", "deepseek-v"),
        subjects_file,
    )
    assert any("did you mean 'deepseek-v3'?" in e for e in errors), errors


def test_binary_file_is_refused_with_the_position_of_the_nul_byte(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    errors = errors_for(
        config, tmp_path, "claims.csv", b"subject,metric\nab\x00cd\n", subjects_file
    )
    assert errors == [
        f"{tmp_path / 'claims.csv'}:2:3: the file looks binary (NUL byte); expected UTF-8 text"
    ]


def test_non_utf8_text_is_refused_with_its_position(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    text = (HEADER + GOOD_ROW.replace("V3 report", "V3 r\xe9port")).encode("latin-1")
    errors = errors_for(config, tmp_path, "claims.csv", text, subjects_file)
    assert len(errors) == 1 and ":2:" in errors[0] and "not UTF-8 text (byte 0xe9)" in errors[0]


def test_all_errors_of_a_file_are_reported_together(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    text = (
        HEADER
        + GOOD_ROW.replace("5.576", "x")
        + GOOD_ROW.replace("v3-cost", "b").replace("2024-12-27", "2024-13-01")
    )
    errors = errors_for(config, tmp_path, "claims.csv", text, subjects_file)
    assert any(":2:6:" in e for e in errors) and any(":3:11:" in e for e in errors), errors


def test_errors_are_capped_per_file_and_the_rest_counted(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    rows = "".join(GOOD_ROW.replace("v3-cost", f"c{i}").replace("5.576", "x") for i in range(80))
    path = write(tmp_path / "claims.csv", HEADER + rows)
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, [subjects_file, path], message="m")
    assert len(caught.value.errors) == 50
    assert caught.value.omitted == 30
    assert "and 30 more errors" in caught.value.render()


PRICE_CASES = [
    (
        "low_above_open",
        PRICE_HEADER + GOOD_PRICE.replace("148.3", "140.0"),
        "2:3",
        "open 140.0 is below low 141.8",
    ),
    (
        "close_above_high",
        PRICE_HEADER + GOOD_PRICE.replace("142.6", "150.0"),
        "2:6",
        "close 150.0 is above high 148.9",
    ),
    (
        "negative_volume",
        PRICE_HEADER + GOOD_PRICE.replace("234657600", "-1"),
        "2:7",
        "volume -1 is negative",
    ),
    (
        "bad_adjusted",
        PRICE_HEADER + GOOD_PRICE.replace("true", "maybe"),
        "2:8",
        "'maybe' is not true or false",
    ),
    (
        "bad_price_date",
        PRICE_HEADER + GOOD_PRICE.replace("2025-01-24", "24/01/2025"),
        "2:1",
        "not a real date",
    ),
    ("price_nan", PRICE_HEADER + GOOD_PRICE.replace("142.6", "NaN"), "2:6", "not a finite number"),
    (
        "conflicting_price",
        PRICE_HEADER + GOOD_PRICE + GOOD_PRICE.replace("234657600", "1"),
        "3:2",
        "conflicting duplicate: ticker=NVDA, date=2025-01-24",
    ),
    (
        "ftp_source",
        PRICE_HEADER + GOOD_PRICE.replace("https://example.org/nvda.csv", "ftp://example.org/x"),
        "2:9",
        "is not an http(s) URL",
    ),
]


SUBJECT_CASES = [
    (
        "unknown_kind",
        "subject,kind\nx,modle\n",
        "2:2",
        "unknown subject kind 'modle' (did you mean 'model'?)",
    ),
    (
        "group_without_members",
        "subject,kind,members\ng,group,\n",
        "2:3",
        "a group subject needs members",
    ),
    (
        "members_on_a_model",
        "subject,kind,members\nm,model,NVDA\n",
        "2:3",
        "only group subjects have members",
    ),
    ("unknown_member", "subject,kind,members\ng,group,NVDA;AVGX\n", "2:3", "unknown member 'AVGX'"),
]


#: (file name, case id, text, line:column, words the message must contain), every kind together.
BAD_INPUTS = [
    *(("claims.csv", *case) for case in CLAIM_CASES),
    *(("prices.csv", *case) for case in PRICE_CASES),
    *(("more-subjects.csv", *case) for case in SUBJECT_CASES),
]


@pytest.mark.parametrize(
    ("name", "text", "where", "words"),
    [(name, *rest) for name, _, *rest in BAD_INPUTS],
    ids=[f"{name.split('.')[0]}-{case}" for name, case, *_ in BAD_INPUTS],
)
def test_each_bad_input_is_reported_at_its_line_and_column_and_writes_nothing(
    config: WarehouseConfig,
    tmp_path: Path,
    subjects_file: Path,
    name: str,
    text: str,
    where: str,
    words: str,
) -> None:
    errors = errors_for(config, tmp_path, name, text, subjects_file)
    assert any(f"{name}:{where}:" in e and words in e for e in errors), errors


def test_json_errors_name_the_line_and_column_of_the_field(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    text = (
        '[\n  {"subject": "deepseek-v3", "metric": "training_cost", "scope": "final_run",\n'
        '   "value": "lots", "unit": "usd", "claimant": "x", "stated_on": "2024-12-27",\n'
        '   "source_url": "https://arxiv.org/abs/2412.19437"}\n]\n'
    )
    errors = errors_for(config, tmp_path, "claims.json", text, subjects_file)
    assert errors == [f"{tmp_path / 'claims.json'}:3:4: column 'value': 'lots' is not a number"]


def test_malformed_json_lines_name_their_line(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    good = '{"subject": "deepseek-v3", "metric": "training_cost", "scope": "final_run", "value": 1, "unit": "usd", "claimant": "x", "stated_on": "2024-12-27", "source_url": "https://a.org"}'
    errors = errors_for(config, tmp_path, "claims.jsonl", good + "\n{broken\n", subjects_file)
    assert len(errors) == 1 and ":2:2: malformed JSON" in errors[0]


def test_a_bad_file_among_good_ones_writes_nothing(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    good = write(tmp_path / "good.csv", HEADER + GOOD_ROW)
    bad = write(tmp_path / "bad.csv", PRICE_HEADER + GOOD_PRICE.replace("142.6", "-3"))
    before = snapshot_count(config)
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, [subjects_file, good, bad], message="m")
    assert {Path(e.file).name for e in caught.value.errors} == {"bad.csv"}
    assert snapshot_count(config) == before
    with lake.connect(config) as connection:
        assert connection.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM subjects").fetchone()[0] == 0


def test_conflicting_duplicates_across_files_of_one_ingest_are_refused(
    config: WarehouseConfig, tmp_path: Path, subjects_file: Path
) -> None:
    one = write(tmp_path / "one.csv", HEADER + GOOD_ROW)
    two = write(tmp_path / "two.csv", HEADER + GOOD_ROW.replace("5.576", "7"))
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, [subjects_file, one, two], message="m")
    assert "two.csv:2:1: column 'claim_id': conflicting duplicate: claim_id=v3-cost also in" in str(
        caught.value
    )
