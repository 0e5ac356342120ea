"""Every warehouse command, as a user following the README would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse import lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import CliCall, write

pytestmark = pytest.mark.catalogs

SUBJECTS = "subject,name,kind\ndeepseek-v3,DeepSeek-V3,model\nNVDA,Nvidia,ticker\n"
CLAIMS = (
    "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url,source_title\n"
    "v3-cost,deepseek-v3,training_cost,final_run,5.576,usd_million,DeepSeek-AI,2024-12-27,https://arxiv.org/abs/2412.19437,V3 report\n"
)


def test_init_creates_an_empty_warehouse_and_refuses_a_second_time(
    cli: CliCall, home: Path
) -> None:
    first = cli("init")
    assert first.exit_code == 0 and "created the warehouse" in first.output
    again = cli("init")
    assert again.exit_code == 1 and "already exists" in again.output
    assert cli("init", "--if-missing").exit_code == 0


def test_commands_on_a_missing_warehouse_say_how_to_create_one(cli: CliCall) -> None:
    result = cli("log")
    assert result.exit_code == 1 and "run `costboard init`" in result.output


def test_ingest_reports_counts_and_a_repeat_makes_no_snapshot(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    files = [
        str(write(tmp_path / "subjects.csv", SUBJECTS)),
        str(write(tmp_path / "claims.csv", CLAIMS)),
    ]
    first = cli("ingest", *files, "-m", "DeepSeek V3 report", "--author", "ana")
    assert first.exit_code == 0, first.output
    assert "snapshot 2: claims: +1 ~0 -0" in first.output
    again = cli("ingest", *files, "-m", "again")
    assert again.exit_code == 0 and "nothing new" in again.output


def test_ingest_records_the_author_and_message_given(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    files = [
        str(write(tmp_path / "subjects.csv", SUBJECTS)),
        str(write(tmp_path / "claims.csv", CLAIMS)),
    ]
    assert cli("ingest", *files, "-m", "DeepSeek V3 report", "--author", "ana").exit_code == 0
    newest = json.loads(cli("log", "-n", "1", "--format", "json").output)[0]
    assert (newest["author"], newest["message"]) == ("ana", "DeepSeek V3 report")
    assert "ana" in cli("show", "latest").output


def test_ingest_requires_a_message(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    result = cli("ingest", str(write(tmp_path / "s.csv", SUBJECTS)))
    assert result.exit_code == 2 and "Missing option '-m'" in result.output


def test_ingest_dry_run_counts_and_writes_nothing(cli: CliCall, tmp_path: Path, home: Path) -> None:
    cli("init")
    result = cli("ingest", str(write(tmp_path / "s.csv", SUBJECTS)), "-m", "try", "--dry-run")
    assert result.exit_code == 0 and "dry run, nothing written: subjects: +2" in result.output
    log = cli("log", "--format", "json")
    messages = [row["message"] for row in json.loads(log.output)]
    assert messages[:1] == ["create the costboard warehouse"]


def test_ingest_errors_exit_1_and_list_file_line_column(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    bad = write(tmp_path / "claims.csv", CLAIMS.replace("5.576", "abc"))
    result = cli("ingest", str(write(tmp_path / "s.csv", SUBJECTS)), str(bad), "-m", "bad")
    assert result.exit_code == 1
    assert f"{bad}:2:5: column 'value': 'abc' is not a number" in result.output
    assert "nothing was written" in result.output


def test_yahoo_and_stooq_exports_are_read_with_the_ticker_from_the_name_or_flag(
    cli: CliCall, tmp_path: Path
) -> None:
    cli("init")
    cli(
        "ingest",
        str(write(tmp_path / "s.csv", SUBJECTS + "AVGO,Broadcom,ticker\n")),
        "-m",
        "subjects",
    )
    yahoo = write(
        tmp_path / "NVDA.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-27,124.8,128.4,116.7,118.42,118.41,818830900\n",
    )
    stooq = write(
        tmp_path / "avgo.us.txt",
        "Date,Open,High,Low,Close,Volume\n2025-01-27,220.0,225.0,199.0,202.13,90569400\n",
    )
    other = write(
        tmp_path / "export.csv",
        "Date,Open,High,Low,Close,Volume\n2025-01-28,120.0,129.0,116.0,128.99,1\n",
    )
    assert cli("ingest", str(yahoo), str(stooq), "-m", "exports").exit_code == 0
    assert (
        cli("ingest", str(other), "--ticker", "NVDA", "--kind", "stooq", "-m", "flag").exit_code
        == 0
    )
    out = cli(
        "sql",
        "SELECT ticker, date, close, adj_close, adjusted FROM prices ORDER BY ticker, date",
        "--format",
        "csv",
    ).output
    assert out.splitlines()[1:] == [
        "AVGO,2025-01-27,202.13,,true",
        "NVDA,2025-01-27,118.42,118.41,false",
        "NVDA,2025-01-28,128.99,,true",
    ]


def test_claims_as_json_and_json_lines_match_csv(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    cli("ingest", str(write(tmp_path / "s.csv", SUBJECTS)), "-m", "subjects")
    record = {
        "claim_id": "j1",
        "subject": "deepseek-v3",
        "metric": "gpu_hours",
        "scope": "final_run",
        "value": 2788,
        "unit": "gpu_hours_thousand",
        "claimant": "DeepSeek-AI",
        "stated_on": "2024-12-27",
        "source_url": "https://arxiv.org/abs/2412.19437",
    }
    as_json = write(tmp_path / "c.json", json.dumps([record]))
    as_jsonl = write(tmp_path / "c.jsonl", json.dumps({**record, "claim_id": "j2"}) + "\n")
    assert cli("ingest", str(as_json), str(as_jsonl), "-m", "json").exit_code == 0
    out = cli(
        "sql",
        "SELECT claim_id, value, unit, value_as_written, unit_as_written FROM claims ORDER BY 1",
        "--format",
        "csv",
    )
    assert out.output.splitlines()[1:] == [
        "j1,2788000.0,gpu_hours,2788.0,gpu_hours_thousand",
        "j2,2788000.0,gpu_hours,2788.0,gpu_hours_thousand",
    ]


def test_log_show_tag_tags_and_diff(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    cli(
        "ingest",
        str(write(tmp_path / "s.csv", SUBJECTS)),
        str(write(tmp_path / "c.csv", CLAIMS)),
        "-m",
        "v1",
    )
    assert "tag v1 -> snapshot 2" in cli("tag", "v1", "-m", "first data").output
    cli("ingest", str(write(tmp_path / "c2.csv", CLAIMS.replace("5.576", "5.6"))), "-m", "revise")
    log = cli("log", "-n", "3", "--format", "csv").output.splitlines()
    # Newest first: the revision, the tag's own snapshot, then the tagged data.
    assert log[1].startswith("4,") and "revise" in log[1]
    assert log[2].startswith("3,") and "tag v1 -> snapshot 2" not in log[2] and ",tag," in log[2]
    assert log[3].startswith("2,") and log[3].endswith(",v1")
    show = cli("show", "latest").output
    assert "message: revise" in show and "claims" in show
    assert "v1" in cli("tags").output
    diff = cli("diff", "v1", "latest", "--table", "claims").output
    assert "claims: 1 changed" in diff and "value: 5576000.0 -> 5600000.0" in diff
    as_json = json.loads(
        cli("diff", "v1", "latest", "--table", "claims", "--format", "json").output
    )
    assert as_json[0]["change"] == "changed" and as_json[0]["claim_id"] == "v3-cost"
    assert cli("diff", "v1", "nope").exit_code == 1


def test_sql_reads_as_of_a_ref_and_refuses_writes(cli: CliCall, tmp_path: Path) -> None:
    cli("init")
    cli(
        "ingest",
        str(write(tmp_path / "s.csv", SUBJECTS)),
        str(write(tmp_path / "c.csv", CLAIMS)),
        "-m",
        "v1",
    )
    cli("tag", "before")
    cli("ingest", str(write(tmp_path / "c2.csv", CLAIMS.replace("5.576", "5.6"))), "-m", "revise")
    now = cli("sql", "SELECT value FROM claims", "--format", "json").output
    then = cli("sql", "SELECT value FROM claims", "--as-of", "before", "--format", "json").output
    assert json.loads(now) == [{"value": 5600000.0}] and json.loads(then) == [{"value": 5576000.0}]
    refused = cli("sql", "DELETE FROM claim_records")
    assert refused.exit_code == 1 and "read-only" in refused.output.lower()


def test_sql_without_a_query_opens_a_prompt(cli: CliCall) -> None:
    cli("init")
    result = cli("sql", input="SELECT 40 +\n2 AS answer;\nSELECT nope;\n.quit\n")
    assert result.exit_code == 0
    assert "42" in result.output and "error:" in result.output


@pytest.mark.sqlite_only("attaches the SQLite catalog file by its path")
def test_views_are_usable_from_a_plain_duckdb_client(tmp_path: Path) -> None:
    """The README's ATTACH works in any DuckDB client that loads the same extensions."""
    home = tmp_path / "h"
    CliRunner().invoke(main, ["--home", str(home), "init"])
    from costboard.warehouse import extensions

    connection = extensions.connect_offline()
    extensions.load(connection, "ducklake", "sqlite_scanner")
    connection.execute(f"ATTACH 'ducklake:sqlite:{home}/catalog.sqlite' AS team (READ_ONLY)")
    names = {
        r[0]
        for r in connection.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = 'team'"
        ).fetchall()
    }
    assert {"claims", "prices", "market_caps", "snapshots", "estimates", "reconciliation"} <= names
    assert connection.execute("SELECT count(*) FROM team.snapshots").fetchone()[0] >= 2
    assert lake.LAKE == "lake"  # the name costboard's own connections use
    connection.close()


@pytest.mark.sqlite_only("runs the README's ATTACH of the default SQLite catalog")
def test_the_readme_attach_works_from_the_duckdb_cli(tmp_path: Path) -> None:
    """The README's `duckdb` CLI snippet, run as written against a fresh warehouse."""
    import re
    import subprocess
    import sys

    home = tmp_path / "h"
    CliRunner().invoke(main, ["--home", str(home), "init"])
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = re.search(r"from the `duckdb` CLI.*?```sql\n(.*?)```", readme, re.S).group(1)
    snippet = snippet.replace("/home/me/.costboard", str(home)).replace(
        ".venv/lib/python3.11/site-packages", str(Path(duckdb_site()))
    )
    duckdb_cli = Path(sys.executable).parent / "duckdb"
    result = subprocess.run(
        [str(duckdb_cli), "-csv", "-c", snippet], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "create the costboard warehouse" in result.stdout


def duckdb_site() -> str:
    import duckdb_extension_ducklake

    return str(Path(duckdb_extension_ducklake.__path__[0]).parent)


def test_sql_refuses_ducklake_functions_that_delete_files_even_on_a_read_only_attach(
    cli: CliCall, tmp_path: Path
) -> None:
    cli("init")
    cli(
        "ingest",
        str(write(tmp_path / "s.csv", SUBJECTS)),
        str(write(tmp_path / "c.csv", CLAIMS)),
        "-m",
        "v1",
    )
    cli("ingest", str(write(tmp_path / "c2.csv", CLAIMS.replace("5.576", "5.6"))), "-m", "v2")
    files = sorted((tmp_path / "home" / "data").rglob("*"))
    refused = cli("sql", "SELECT * FROM ducklake_cleanup_old_files('lake', cleanup_all => true)")
    assert (
        refused.exit_code == 1 and "ducklake_cleanup_old_files() is not allowed" in refused.output
    )
    assert sorted((tmp_path / "home" / "data").rglob("*")) == files
    assert (
        cli(
            "sql", "SELECT count(*) AS n FROM ducklake_snapshots('lake')", "--format", "csv"
        ).exit_code
        == 0
    )


@pytest.mark.parametrize("count", ["0", "-1"])
def test_log_refuses_a_count_below_one_as_a_usage_error(count: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "log", "-n", count])
    assert result.exit_code == 2
    assert "Invalid value for '-n' / '--limit'" in result.output


def test_sql_prints_structs_maps_lists_and_unions_in_every_format(
    config: WarehouseConfig, cli: CliCall
) -> None:
    query = (
        "SELECT 1::UNION(a INT, b VARCHAR) AS u, {'a': 1} AS s, MAP([1], ['x']) AS m, "
        "[1, 2] AS l, ['a', 'b'] AS t"
    )
    shown = {fmt: cli("sql", query, "--format", fmt) for fmt in ("table", "csv", "json")}
    assert all(result.exit_code == 0 for result in shown.values()), shown
    assert shown["csv"].output.splitlines() == [
        "u,s,m,l,t",
        '1,"{""a"": 1}","{""1"": ""x""}",1;2,a;b',
    ]
    assert json.loads(shown["json"].output)[0]["t"] == ["a", "b"]
