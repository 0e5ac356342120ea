"""Epoch AI's published files ingest as they are: recognised by header, mapped per docs/epoch.md,
malformed rows refused where they are, unusable rows reported, history by stable claim ids."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from costboard.warehouse import (
    demo,
    epoch_catalog,
    epoch_hardware,
    epoch_models,
    importers,
    ingest,
    lake,
    readers,
)
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from tests.conftest import CliCall, write

#: Epoch's files as published, as the package ships them (a missing file fails, never skips).
EPOCH = Path(__file__).resolve().parents[2] / "warehouse" / "seed" / "epoch"
MODELS = "All ML Systems - full view.csv"
CHIPS = "Chip dataset-Grid view.csv"
PRICES = "Hardware prices.csv"
FRED = "PCU518210518210.csv"


def rows_of(name: str) -> tuple[list[str], list[list[str]]]:
    text = (EPOCH / name).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [r for r in rows[1:] if r]


def small_file(folder: Path, name: str, keep: list[str], key: str, **changes: str) -> Path:
    """``name`` cut to the rows whose ``key`` column is in ``keep``; ``changes`` set cells
    (``"<row value>|<column>": new``) to plant an edit or a fault."""
    header, rows = rows_of(name)
    at = header.index(key)
    kept = [r for r in rows if r[at] in keep]
    for where, value in changes.items():
        who, column = where.split("|")
        for row in kept:
            if row[at] == who:
                row[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *kept])
    return write(folder / name, out.getvalue())


def row_starts(path: Path) -> list[int]:
    """The line each data row starts on."""
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    next(reader)
    starts, start = [], reader.line_num + 1
    for _ in reader:
        starts.append(start)
        start = reader.line_num + 1
    return starts


def row_line(path: Path, column: str, value: str) -> int:
    """The line the first row whose ``column`` is ``value`` starts on (fields span lines)."""
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    header = next(reader)
    start = reader.line_num + 1
    for row in reader:
        if row and row[header.index(column)] == value:
            return start
        start = reader.line_num + 1
    raise AssertionError(f"{value!r} not in {path}")


def chip_files(folder: Path, **changes: str) -> list[Path]:
    return [
        small_file(
            folder,
            CHIPS,
            ["NVIDIA A100 SXM4 40 GB", "NVIDIA H100 SXM5 80GB", "Google TPU v4"],
            "Hardware name",
            **changes,
        )
    ]


def model_files(folder: Path, **changes: str) -> list[Path]:
    return [small_file(folder, MODELS, ["GPT-4", "Gemini 1.0 Ultra"], "Model", **changes)]


def price_files(folder: Path, **changes: str) -> list[Path]:
    return [small_file(folder, PRICES, ["NVIDIA H100 SXM5 80GB"], "Hardware model", **changes)]


def snapshot_count(config: WarehouseConfig) -> int:
    with lake.connect(config, read_only=True) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "kind"),
    [(MODELS, "epoch-models"), (CHIPS, "epoch-chips"), (PRICES, "epoch-prices"), (FRED, "fred")],
)
def test_each_epoch_file_is_recognised_by_its_header(name: str, kind: str) -> None:
    table, _ = readers.read(EPOCH / name)
    assert importers.detect(table, importers.built_in_importers()).name == kind


def test_models_map_to_claims_with_epoch_provenance_and_seed_subjects(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest.ingest(config, [demo.seed_file("subjects.csv")], message="seed subjects")
    files = chip_files(tmp_path) + model_files(tmp_path)
    result = ingest.ingest(config, files, message="epoch")
    assert result.wrote and not result.skipped
    with lake.connect(config, read_only=True) as connection:
        claims = connection.execute(
            "SELECT metric, scope, qualifier, value, unit_as_written, claimant, stated_on, "
            "source_url FROM claims WHERE subject = 'gpt-4' ORDER BY metric"
        ).fetchall()
        # Epoch's "NVIDIA A100 SXM4 40 GB" is the seed's a100, its "GPT-4" the seed's gpt-4,
        # and the resolved Epoch subjects are not stored a second time.
        assert [(c[0], c[2], c[3]) for c in claims] == [
            ("gpu_count", "a100", 25000.0),
            ("gpu_hours", "a100", 57000000.0),
            ("training_duration", None, 2280.0),
            ("training_flop", "a100", 2.1e25),
            ("utilization", None, 0.34),
        ]
        assert {c[5] for c in claims} == {"Epoch AI"}
        assert {str(c[6]) for c in claims} == {"2025-05-12"}  # Last modified "2025-05-12 ..."
        assert {c[7] for c in claims} == {"https://arxiv.org/abs/2303.08774"}
        assert claims[1][4] == "chip_hours"
        subjects = connection.execute(
            "SELECT subject FROM subjects WHERE name IN ('GPT-4', 'NVIDIA H100 SXM5 80GB')"
        ).fetchall()
        assert sorted(subjects) == [("gpt-4",), ("h100",)]
        price = connection.execute(
            "SELECT value, qualifier FROM claims WHERE subject = 'h100' AND metric = 'purchase_price'"
        ).fetchall()
        assert price == [(44489.88, "release_price")]  # "$44489.88" in the chip dataset


def test_a_resolved_subject_keeps_its_fields_and_gains_those_it_lacks(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    subjects = tmp_path / "subjects.csv"
    subjects.write_text(
        "subject,name,kind,developer,members,released_on,note\n"
        "gpt-4,GPT-4,model,,,,our own note\n"  # no developer, no publication date
        "a100,NVIDIA A100 SXM4 40 GB,chip,Our NVIDIA,,2020-01-01,\n",
        encoding="utf-8",
    )
    ingest.ingest(config, [subjects], message="our subjects")
    ingest.ingest(config, chip_files(tmp_path) + model_files(tmp_path), message="epoch")
    with lake.connect(config, read_only=True) as connection:
        rows = connection.execute(
            "SELECT subject, developer, released_on, note FROM subjects "
            "WHERE subject IN ('gpt-4', 'a100') ORDER BY subject"
        ).fetchall()
    assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [
        ("a100", "Our NVIDIA", "2020-01-01", None),  # had its own: kept
        ("gpt-4", "OpenAI", "2023-03-15", "our own note"),  # lacked them: Epoch's
    ]


@pytest.mark.parametrize(
    ("files", "key", "cell", "bad", "column", "says"),
    [
        (model_files, "Model", "GPT-4|Hardware quantity", "about 25k", "Hardware quantity", ""),
        (
            chip_files,
            "Hardware name",
            "Google TPU v4|Last modified",
            "yesterday",
            "Last modified",
            "",
        ),
        (
            price_files,
            "Hardware model",
            "NVIDIA H100 SXM5 80GB|Price date",
            "2024-13-45",
            "Price date",
            "",
        ),
        # Parsed by the importer, refused by costboard's validation of the mapped claim: the
        # error still points at Epoch's cell.
        (
            chip_files,
            "Hardware name",
            "Google TPU v4|Release price (USD)",
            "$-5",
            "Release price (USD)",
            "cannot be negative",
        ),
    ],
)
def test_a_malformed_row_of_each_kind_is_refused_where_it_is_and_nothing_is_written(
    config: WarehouseConfig,
    tmp_path: Path,
    files,
    key: str,
    cell: str,
    bad: str,
    column: str,
    says: str,
) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good"
    good.mkdir()
    ingest.ingest(config, chip_files(good) + model_files(good), message="before")
    before = snapshot_count(config)
    broken = tmp_path / "broken"
    broken.mkdir()
    paths = files(broken, **{cell: bad})
    with pytest.raises(IngestError) as raised:
        ingest.ingest(config, paths, message="broken")
    error = raised.value.errors[0]
    header, _ = rows_of(paths[0].name)
    assert error.file == str(paths[0])
    assert error.line == row_line(paths[0], key, cell.split("|")[0])
    assert error.column == header.index(column) + 1
    assert (says or bad) in error.message
    assert snapshot_count(config) == before


def test_reingesting_the_same_files_makes_no_snapshot_and_a_change_is_a_new_version(
    config: WarehouseConfig, tmp_path: Path, cli: CliCall
) -> None:
    first = ingest.ingest(config, chip_files(tmp_path) + model_files(tmp_path), message="one")
    assert ingest.ingest(config, chip_files(tmp_path), message="again").snapshot_id is None
    # Epoch revises GPT-4's chip count (and, as it does, the row's Last modified).
    newer = tmp_path / "newer"
    newer.mkdir()
    revised = model_files(
        newer, **{"GPT-4|Hardware quantity": "24000", "GPT-4|Last modified": "2025-07-01 10:00"}
    )
    second = ingest.ingest(config, revised, message="Epoch's next snapshot")
    assert second.changes["claims"].changed == 5 and second.changes["claims"].added == 0
    with lake.connect(config, read_only=True) as connection:
        ids = connection.execute(
            "SELECT count(DISTINCT claim_id) FROM claims WHERE subject = 'GPT-4'"
        ).fetchone()
    assert ids == (5,)
    shown = cli("diff", str(first.snapshot_id), str(second.snapshot_id), "--format", "csv")
    assert shown.exit_code == 0, shown.output
    changed = [line for line in shown.output.splitlines() if "gpu_count" in line]
    assert len(changed) == 1 and "24000" in changed[0] and "GPT-4" in changed[0]


def test_unusable_rows_are_reported_and_skipped_never_half_imported(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    header, rows = rows_of(MODELS)
    name = header.index("Model")
    p_llama = [r for r in rows if r[name] == "P-LLama3"]
    multi = [r for r in rows if r[header.index("Training hardware")] == "NVIDIA A100,NVIDIA V100"]
    out = io.StringIO()
    calm = [r for r in rows if r[name] in ("CALM", "CaLM")]
    csv.writer(out, lineterminator="\n").writerows([header, *p_llama, *multi[:1], *calm])
    path = write(tmp_path / MODELS, out.getvalue())
    result = ingest.ingest(config, [*chip_files(tmp_path), path], message="odd rows")
    # The older of the two P-LLama3 rows (the second) is skipped; the newer (first) is kept.
    first, second = row_starts(path)[:2]
    assert [(s.file, s.line) for s in result.skipped] == [(str(path), second)]
    assert f"appears again on line {first} " in result.skipped[0].message
    with lake.connect(config, read_only=True) as connection:
        qualifiers = connection.execute(
            "SELECT DISTINCT qualifier FROM claims WHERE metric IN ('gpu_count', 'gpu_hours') "
            "AND subject = ?",
            [multi[0][name].replace(" ", "-")],
        ).fetchall()
        assert qualifiers == [(None,)]  # several chips: no chip qualifier
        cased = connection.execute(
            "SELECT subject FROM subjects WHERE lower(name) = 'calm' ORDER BY subject"
        ).fetchall()
    assert cased == [("CALM",), ("CaLM",)]  # names differing in case are two models


@pytest.mark.parametrize(
    ("files", "catalog", "name", "subject"),
    [
        (model_files, epoch_models.CATALOG, "GPT-4", "GPT-4"),
        (chip_files, epoch_hardware.CHIPS, "Google TPU v4", "Google-TPU-v4"),
    ],
)
def test_an_undated_row_of_either_catalog_is_skipped_where_it_is_with_its_claims(
    config: WarehouseConfig,
    tmp_path: Path,
    files: Callable[..., list[Path]],
    catalog: epoch_catalog.Catalog,
    name: str,
    subject: str,
) -> None:
    # The models and chips importers share one row-to-claims routine (epoch_catalog.py).
    (tmp_path / "chips").mkdir()
    chips = chip_files(tmp_path / "chips") if files is model_files else []
    (path,) = files(tmp_path, **{f"{name}|{catalog.modified}": ""})
    result = ingest.ingest(config, [*chips, path], message="one undated row")
    (skipped,) = result.skipped
    header, _ = rows_of(path.name)
    assert (skipped.file, skipped.line, skipped.column) == (
        str(path),
        row_line(path, catalog.name, name),
        header.index(catalog.modified) + 1,
    )
    assert "no Last modified date" in skipped.message and "row skipped" in skipped.message
    with lake.connect(config, read_only=True) as connection:
        (kept,) = connection.execute(
            "SELECT count(*) FROM claims WHERE subject = ?", [subject]
        ).fetchone()
        (others,) = connection.execute(
            "SELECT count(*) FROM claims WHERE subject <> ? AND claimant = 'Epoch AI'", [subject]
        ).fetchone()
    assert kept == 0 and others > 0


def test_a_fine_tune_is_a_stage_with_no_chip(config: WarehouseConfig, tmp_path: Path) -> None:
    files = [*chip_files(tmp_path), small_file(tmp_path, MODELS, ["Phi-4-Reasoning"], "Model")]
    ingest.ingest(config, files, message="a fine-tune")
    with lake.connect(config, read_only=True) as connection:
        found = connection.execute(
            "SELECT DISTINCT scope, qualifier FROM claims "
            "WHERE subject = 'Phi-4-Reasoning' AND metric = 'gpu_count'"
        ).fetchall()
    assert found == [("stage", "fine_tune")]


@pytest.mark.parametrize("date_column", ["observation_date", "DATE"])
def test_a_fred_series_becomes_daily_prices_of_its_ticker(
    config: WarehouseConfig, tmp_path: Path, date_column: str
) -> None:
    text = (EPOCH / FRED).read_text(encoding="utf-8").replace("observation_date", date_column)
    result = ingest.ingest(config, [write(tmp_path / FRED, text)], message="PPI")
    assert result.changes["prices"].added == 295 and not result.skipped  # the blank last line
    with lake.connect(config, read_only=True) as connection:
        first = connection.execute(
            "SELECT ticker, date, close, source_url FROM prices ORDER BY date LIMIT 1"
        ).fetchone()
        kind = connection.execute(
            "SELECT kind FROM subjects WHERE subject = 'PCU518210518210'"
        ).fetchone()
    assert first is not None and first[0] == "PCU518210518210" and first[2] == 100.0
    assert str(first[1]) == "2000-12-01"
    assert first[3] == "https://fred.stlouisfed.org/series/PCU518210518210"
    assert kind == ("ticker",)


@pytest.mark.slow
def test_the_whole_epoch_snapshot_ingests_as_one_snapshot(
    config: WarehouseConfig, tmp_path: Path, cli: CliCall
) -> None:
    folder = tmp_path / "epoch"
    folder.mkdir()
    for name in (MODELS, CHIPS, PRICES):
        shutil.copy(EPOCH / name, folder / name)
    cli("ingest", str(demo.seed_file("subjects.csv")), "-m", "seed subjects")
    before = snapshot_count(config)
    # (how long it takes is make bench's business: bench_epoch_ingest)
    shown = cli("ingest", *(str(folder / n) for n in (MODELS, CHIPS, PRICES)), "-m", "Epoch")
    assert shown.exit_code == 0, shown.output
    assert snapshot_count(config) == before + 1
    # Skipped: 1 repeated model (P-LLama3) and 1 whose compute lies outside its bounds;
    # 70 chips repeating a name (up to spacing) and 94 with figures but no date; 11 price
    # rows repeating another exactly.
    assert "skipped 177 input rows" in shown.output
    # 1,890 models and 5,610 chips, of which 6 models and 4 chips are the seed's subjects;
    # three seed subjects gain the publication or release date they lacked, from Epoch.
    assert "claims: +14349 ~0 -0, sources: +1908 ~0 -0, subjects: +7490 ~3 -0" in shown.output
    with lake.connect(config, read_only=True) as connection:
        dated = connection.execute(
            "SELECT subject, released_on FROM subjects "
            "WHERE subject IN ('deepseek-r1', 'claude-3.5-sonnet', 'h800') ORDER BY subject"
        ).fetchall()
    assert [(s, str(d)) for s, d in dated] == [
        ("claude-3.5-sonnet", "2024-06-20"),
        ("deepseek-r1", "2025-01-20"),
        ("h800", "2023-03-21"),
    ]
    with lake.connect(config, read_only=True) as connection:
        counts = dict(
            connection.execute("SELECT kind, count(*) FROM subjects GROUP BY kind").fetchall()
        )
    assert (counts["model"], counts["chip"]) == (1884 + 7, 5606 + 7)  # + the seed's own
    again = cli("ingest", *(str(folder / n) for n in (MODELS, CHIPS, PRICES)), "-m", "again")
    assert "no snapshot was made" in again.output
