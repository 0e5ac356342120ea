"""The README's backup of a team warehouse: dump the catalog first, then copy the data path;
restored into an empty database and another folder, it holds the same history."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from costboard.cli import main
from tests import postgres_server as pg
from tests.conftest import new_database_name, write

HEADER = "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
ROW = "c{n},m1,training_cost,final_run,{value},usd,x,2024-12-27,https://example.org/{n}\n"


def claims(value: int) -> str:
    # Enough rows to land in Parquet files: DuckLake keeps a few rows inline in the catalog.
    return HEADER + "".join(ROW.format(n=n, value=value * 1000 + n) for n in range(300))


def costboard(catalog: str, data: Path, *args: str) -> str:
    answer = CliRunner().invoke(
        main, ["--catalog", catalog, "--data-path", f"{data}/", *args], catch_exceptions=False
    )
    assert answer.exit_code == 0, answer.output
    return answer.output


def test_a_catalog_dump_and_a_copy_of_the_data_path_restore_the_whole_history(
    postgres_server: pg.Server, postgres_dsn: str, tmp_path: Path
) -> None:
    team, data = f"postgres:{postgres_dsn}", tmp_path / "data"
    costboard(team, data, "init")
    write(tmp_path / "s.csv", "subject,kind\nm1,model\n")
    costboard(
        team,
        data,
        "ingest",
        str(tmp_path / "s.csv"),
        str(write(tmp_path / "a.csv", claims(1))),
        "-m",
        "one",
    )
    costboard(team, data, "tag", "reviewed")
    costboard(team, data, "ingest", str(write(tmp_path / "b.csv", claims(2))), "-m", "two")

    assert list(data.rglob("*.parquet")), "the claims are in the data path, not inline"

    # The backup, in the README's order: the catalog, then the files.
    dump = postgres_server.dump(postgres_dsn.split()[0].removeprefix("dbname="))
    copied = shutil.copytree(data, tmp_path / "backup-of-data")

    restored_name = new_database_name("restored")
    postgres_server.create_database(restored_name)
    subprocess.run(
        [
            *(str(postgres_server.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"),
            *("-h", str(postgres_server.folder), "-p", str(postgres_server.port)),
            *("-U", "postgres", "-d", restored_name),
        ],
        input=dump,
        text=True,
        check=True,
        capture_output=True,
    )
    restored = f"postgres:{postgres_server.dsn(restored_name)}"
    try:
        for question in (
            ["log", "--format", "csv"],
            ["sql", "SELECT sum(value) FROM claims", "--as-of", "reviewed", "--format", "csv"],
            ["diff", "reviewed", "latest", "--table", "claims"],
        ):
            assert costboard(restored, copied, *question) == costboard(team, data, *question)
        assert "value: 1000.0 -> 2000.0" in costboard(
            restored, copied, "diff", "reviewed", "latest"
        )
    finally:
        postgres_server.drop_database(restored_name)
