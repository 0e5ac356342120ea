"""How a claim reached us: bound, source_kind, cites, status, outlet and partial dates are
accepted, stored and shown by the claims view, and each bad value is refused at its file,
line and column with nothing written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse import ingest, lake, schema, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError
from costboard.warehouse.writer import TableChanges
from tests.conftest import write

TODAY = dt.date(2026, 1, 1)
SUBJECTS = """subject,name,kind,developer,members,released_on,note,related
deepseek-v3,DeepSeek-V3,model,DeepSeek,,2024-12-26,,
deepseek-r1,DeepSeek-R1,model,DeepSeek,,,,
deepseek,DeepSeek,company,,,,,deepseek-v3
"""
HEADER = (
    "claim_id,subject,metric,scope,value,low,high,unit,claimant,stated_on,source_url,"
    "source_title,outlet,bound,source_kind,cites,status,status_note\n"
)
V3 = (
    "v3-cost,deepseek-v3,training_cost,final_run,5.576,,,usd_million,DeepSeek-AI,2024-12-27,"
    "https://arxiv.org/abs/2412.19437,V3 report,arXiv,exact,primary,,,\n"
)


def claims_file(tmp_path: Path, *rows: str, name: str = "claims.csv") -> Path:
    return write(tmp_path / name, HEADER + "".join(rows))


def ingest_files(config: WarehouseConfig, tmp_path: Path, *paths: Path) -> None:
    subjects = write(tmp_path / "subjects.csv", SUBJECTS)
    ingest.ingest(config, [subjects, *paths], message="claims", today=TODAY)


def snapshots(config: WarehouseConfig) -> int:
    with lake.connect(config) as connection:
        return int(connection.execute("SELECT count(*) FROM snapshots").fetchone()[0])  # type: ignore[index]


def refused(config: WarehouseConfig, tmp_path: Path, *rows: str) -> list[str]:
    before = snapshots(config)
    with pytest.raises(IngestError) as caught:
        ingest_files(config, tmp_path, claims_file(tmp_path, V3, *rows))
    assert snapshots(config) == before, "a refused ingest writes nothing"
    return [str(e) for e in caught.value.errors]


def view(config: WarehouseConfig, claim_id: str) -> dict[str, object]:
    with lake.connect(config) as connection:
        cursor = connection.execute("SELECT * FROM claims WHERE claim_id = ?", [claim_id])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))  # type: ignore[arg-type]


def test_a_claim_without_the_new_fields_reads_as_exact_current_and_dated_to_the_day(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    plain = write(
        tmp_path / "plain.csv",
        "subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
        "deepseek-v3,training_cost,final_run,5.576,usd_million,DeepSeek-AI,2024-12-27,"
        "https://arxiv.org/abs/2412.19437\n",
    )
    ingest_files(config, tmp_path, plain)
    with lake.connect(config) as connection:
        row = connection.execute(
            "SELECT bound, status, stated_on_precision, source_kind, cites FROM claims"
        ).fetchone()
    assert row == ("exact", "current", "day", None, None)


def test_every_new_field_is_stored_and_shown_by_the_claims_view(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest_files(
        config,
        tmp_path,
        claims_file(
            tmp_path,
            V3,
            "r1-floor,deepseek-r1,training_cost,training_total,294,,,usd_thousand,Reuters,2025-09,"
            "https://example.org/r1,R1 cost,Reuters,lower,secondary,,,\n",
            "r1-six,deepseek-r1,training_cost,final_run,6,,,usd_million,Benzinga,2025,,"
            "Print edition p. 4,Benzinga,approximate,secondary,v3-cost;r1-floor,misattributed,"
            "V3's final run (v3-cost) given to R1\n",
        ),
    )
    floor = view(config, "r1-floor")
    assert floor["bound"] == "lower" and floor["source_kind"] == "secondary"
    assert floor["outlet"] == "Reuters" and floor["value"] == 294_000
    # a month counts from its last day, and keeps its precision
    assert floor["stated_on"] == dt.date(2025, 9, 30) and floor["stated_on_precision"] == "month"
    six = view(config, "r1-six")
    assert six["cites"] == ["v3-cost", "r1-floor"]
    assert six["status"] == "misattributed" and "v3-cost" in str(six["status_note"])
    assert six["stated_on"] == dt.date(2025, 12, 31) and six["stated_on_precision"] == "year"
    # a source without a URL keeps its title on the claim; one with a URL in sources
    assert six["source_url"] is None and six["source_title"] == "Print edition p. 4"
    assert view(config, "v3-cost")["source_title"] == "V3 report"


def test_a_claim_that_cites_another_is_secondary_when_its_kind_is_not_given(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest_files(
        config,
        tmp_path,
        claims_file(
            tmp_path,
            V3,
            "cnbc,deepseek-v3,training_cost,final_run,5.576,,,usd_million,CNBC,2025-01-31,"
            "https://example.org/cnbc,CNBC report,CNBC,,,v3-cost,,\n",
        ),
    )
    assert view(config, "cnbc")["source_kind"] == "secondary"


def test_cites_may_be_a_json_list(config: WarehouseConfig, tmp_path: Path) -> None:
    record = {
        "claim_id": "cnbc",
        "subject": "deepseek-v3",
        "metric": "training_cost",
        "scope": "final_run",
        "value": 5.576,
        "unit": "usd_million",
        "claimant": "CNBC",
        "stated_on": "2025-01-31",
        "source_url": "https://example.org/cnbc",
        "cites": ["v3-cost"],
    }
    json_file = write(tmp_path / "cnbc.json", json.dumps([record]))
    ingest_files(config, tmp_path, claims_file(tmp_path, V3), json_file)
    assert view(config, "cnbc")["cites"] == ["v3-cost"]


ROW_ERRORS = [
    # (row after V3 on line 3, column number, message start)
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,lowr,,,,\n",
        14,
        "unknown bound 'lowr' (did you mean 'lower'?)",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,,1,2,usd,A,2025-01-01,https://e.org,,,upper,,,,\n",
        14,
        "a upper bound is one figure",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,news,,,\n",
        15,
        "unknown source kind 'news'",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,primary,v3-cost,,\n",
        16,
        "only a secondary claim cites the claim it restates; this one is primary",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,,x,,\n",
        16,
        "claim 'x' cites itself",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,,,wrong,\n",
        17,
        "unknown status 'wrong'",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,,,misattributed,\n",
        18,
        "a misattributed claim needs a status_note saying why and which claim it really is",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,https://e.org,,,,,,retracted,\n",
        18,
        "a retracted claim needs a status_note saying why",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,,A title,,,,,,\n",
        11,
        "a claim needs a source_url, or an outlet and a source_title",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-01-01,ftp://e.org,,CNBC,,,,,\n",
        11,
        "'ftp://e.org' is not an http(s) URL",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2025-13,https://e.org,,,,,,,\n",
        10,
        "'2025-13' is not a real date in the form YYYY-MM-DD, YYYY-MM or YYYY",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2026-02,https://e.org,,,,,,,\n",
        10,
        "2026-02 is in the future",
    ),
    (
        "x,deepseek-r1,training_cost,final_run,1,,,usd,A,2026,https://e.org,,,,,,,\n",
        10,
        "2026 ends after today (2026-01-01): a claim counts as public from its period's last day",
    ),
]


@pytest.mark.parametrize(("row", "column", "message"), ROW_ERRORS, ids=[m for *_, m in ROW_ERRORS])
def test_each_bad_field_is_refused_at_its_line_and_column(
    config: WarehouseConfig, tmp_path: Path, row: str, column: int, message: str
) -> None:
    (found,) = refused(config, tmp_path, row)
    assert found.startswith(f"{tmp_path / 'claims.csv'}:3:{column}: "), found
    assert message in found, found


def test_cites_to_a_claim_that_exists_nowhere_is_refused_with_a_suggestion(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    (found,) = refused(
        config,
        tmp_path,
        "cnbc,deepseek-v3,training_cost,final_run,5.6,,,usd_million,CNBC,2025-01-31,"
        "https://e.org,,,,secondary,v3-cots,,\n",
    )
    assert found.startswith(f"{tmp_path / 'claims.csv'}:3:16: column 'cites': ")
    assert "cites unknown claim 'v3-cots'" in found and "did you mean 'v3-cost'?" in found


def test_cites_may_name_a_claim_of_an_earlier_ingest(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest_files(config, tmp_path, claims_file(tmp_path, V3))
    later = write(
        tmp_path / "later.csv",
        HEADER + "cnbc,deepseek-v3,training_cost,final_run,5.6,,,usd_million,CNBC,2025-01-31,"
        "https://e.org,,,,secondary,v3-cost,,\n",
    )
    ingest.ingest(config, [later], message="a restatement", today=TODAY)
    assert view(config, "cnbc")["cites"] == ["v3-cost"]


def test_a_claim_id_held_by_another_claimant_is_refused_naming_both(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest_files(config, tmp_path, claims_file(tmp_path, V3))
    before = snapshots(config)
    other = write(
        tmp_path / "other.csv",
        HEADER + "v3-cost,deepseek-v3,training_cost,final_run,6,,,usd_million,Benzinga,2025-01-28,"
        "https://e.org,,,,,,,\n",
    )
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, [other], message="clash", today=TODAY)
    (found,) = [str(e) for e in caught.value.errors]
    assert found.startswith(f"{other}:2:1: column 'claim_id': ")
    assert "already belongs to a claim by 'DeepSeek-AI'; this one is by 'Benzinga'" in found
    assert snapshots(config) == before
    # the same claimant revising its claim is a new version, as before
    revised = write(tmp_path / "revised.csv", HEADER + V3.replace("5.576", "5.58"))
    ingest.ingest(config, [revised], message="revised", today=TODAY)
    assert view(config, "v3-cost")["value"] == pytest.approx(5.58e6)


def test_an_unknown_related_subject_is_refused(config: WarehouseConfig, tmp_path: Path) -> None:
    subjects = write(
        tmp_path / "subjects.csv",
        "subject,kind,related\ndeepseek,company,nvidia-broadcom\n",
    )
    with pytest.raises(IngestError) as caught:
        ingest.ingest(config, [subjects], message="related", today=TODAY)
    (found,) = [str(e) for e in caught.value.errors]
    assert found.startswith(f"{subjects}:2:3: column 'related': unknown related subject")


def test_an_older_warehouse_gains_the_fields_and_an_optional_source_url(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    ingest_files(config, tmp_path, claims_file(tmp_path, V3))
    new_columns = (
        "bound",
        "source_kind",
        "cites",
        "status",
        "status_note",
        "outlet",
        "stated_on_precision",
        "source_title",
    )
    with lake.connect(config, read_only=False) as connection:
        # DuckLake sets NOT NULL only on a table without changes in the same transaction
        connection.execute("BEGIN TRANSACTION")
        connection.execute("ALTER TABLE claim_records ALTER COLUMN source_url SET NOT NULL")
        connection.execute("CALL lake.set_commit_message('tests', 'source_url required')")
        connection.execute("COMMIT")
        connection.execute("BEGIN TRANSACTION")
        connection.execute("DROP VIEW reconciliation")
        connection.execute("DROP VIEW claims")
        for column in new_columns:
            connection.execute(f"ALTER TABLE claim_records DROP COLUMN {column}")
        connection.execute("ALTER TABLE subjects DROP COLUMN related")
        connection.execute("CALL lake.set_commit_message('tests', 'as an older costboard')")
        connection.execute("COMMIT")
    added: list[str] = []
    writer.write(
        config,
        lambda connection: (
            added.extend(schema.upgrade(connection)),
            {"schema": TableChanges(changed=1)},
        )[1],
        message="upgrade",
        kind="maintenance",
    )
    assert {f"claim_records.{c}" for c in new_columns} <= set(added)
    assert "claim_records.source_url (now optional)" in added
    assert view(config, "v3-cost")["bound"] == "exact"
    print_only = claims_file(
        tmp_path,
        "print,deepseek-v3,training_cost,final_run,6,,,usd_million,Paper,2025-02,,"
        "Print p. 4,The Paper,,,,,\n",
        name="print.csv",
    )
    ingest.ingest(config, [print_only], message="a print source", today=TODAY)
    assert view(config, "print")["source_title"] == "Print p. 4"


def test_diff_shows_a_claims_cites_as_text_in_every_format(
    config: WarehouseConfig, tmp_path: Path
) -> None:
    restated = "cnbc,deepseek-v3,training_cost,final_run,5.6,,,usd_million,CNBC,2025-01-31,https://example.org/cnbc,,,exact,secondary,{},,\n"
    r1 = "r1-floor,deepseek-r1,training_cost,final_run,0.294,,,usd_million,DeepSeek-AI,2025-09-17,https://example.org/nature,,,lower,primary,,,\n"
    home = ["--home", str(config.home)]
    ingest_files(config, tmp_path, claims_file(tmp_path, V3, r1, restated.format("v3-cost")))
    assert CliRunner().invoke(main, [*home, "tag", "before"]).exit_code == 0
    ingest_files(
        config, tmp_path, claims_file(tmp_path, V3, r1, restated.format("v3-cost;r1-floor"))
    )
    shown = CliRunner().invoke(main, [*home, "diff", "before", "latest", "--table", "claims"])
    assert shown.exit_code == 0, shown.output
    assert "cites: v3-cost -> v3-cost;r1-floor" in shown.output
    as_csv = CliRunner().invoke(main, [*home, "diff", "before", "latest", "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    assert "v3-cost;r1-floor" in as_csv.output
