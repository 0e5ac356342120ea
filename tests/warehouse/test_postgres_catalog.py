"""The team set-up: the same warehouse on a real PostgreSQL catalog (nothing assumes SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from tests.conftest import write


def test_ingest_history_diff_and_sql_as_of_work_on_a_postgres_catalog(
    postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_CATALOG", f"postgres:{postgres_dsn}")
    monkeypatch.setenv("COSTBOARD_DATA_PATH", str(tmp_path / "shared-data") + "/")

    def cli(*args: str) -> str:
        result = CliRunner().invoke(
            main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert (
        "no warehouse" in CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "log"]).output
    )
    cli("init")
    subjects = write(tmp_path / "s.csv", "subject,kind\nm1,model\n")
    claims = "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\nc1,m1,training_cost,final_run,{},usd,x,2024-12-27,https://example.org\n"
    cli("ingest", str(subjects), str(write(tmp_path / "a.csv", claims.format(1))), "-m", "one")
    cli("tag", "first")
    cli("ingest", str(write(tmp_path / "b.csv", claims.format(2))), "-m", "two")
    assert "value: 1.0 -> 2.0" in cli("diff", "first", "latest", "--table", "claims")
    assert cli(
        "sql", "SELECT value FROM claims", "--as-of", "first", "--format", "csv"
    ).splitlines() == ["value", "1.0"]
    assert (tmp_path / "shared-data").is_dir()
