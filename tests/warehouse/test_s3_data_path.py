"""The lake's data path on S3-compatible object storage, against a real S3-protocol server.

moto's standalone server runs on loopback (tests/s3_server.py) with authentication on, so a
wrong key is refused as a real store refuses it. The demo warehouse is not rebuilt here: the
session's demo is copied into the bucket (the lake is relocatable: the catalog keeps file paths
relative to the data path), while writing is proven by `init` and `ingest` on the bucket.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse import extensions, object_store
from tests import s3_server
from tests.conftest import write
from tests.s3_server import LAKE_BUCKET, S3Server

SUBJECTS = "subject,kind\nm1,model\n"
CLAIMS = (
    "claim_id,subject,metric,scope,value,unit,claimant,stated_on,source_url\n"
    "c1,m1,training_cost,final_run,{},usd,x,2024-12-27,https://example.org\n"
)
#: More rows than DuckLake keeps inline in the catalog (10 by default), so they go to Parquet.
MORE_CLAIMS = "".join(
    f"n{i},m1,training_cost,final_run,{i},usd,x,2024-12-27,https://example.org\n" for i in range(20)
)


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server.in_environment(tmp_path_factory.mktemp("s3")) as server:
        yield server


def cli(home: Path, *args: str, data_path: str | None = None, expect: int = 0) -> str:
    options = ["--home", str(home)] + (["--data-path", data_path] if data_path else [])
    result = CliRunner().invoke(main, [*options, *args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


def secrets_of(server: S3Server) -> list[str]:
    return [server.secret_access_key, server.access_key_id]


# ------------------------------------------------------------------------------- writing


def test_init_and_ingest_write_the_lakes_parquet_files_into_the_bucket(
    s3_env: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("COSTBOARD_DATA_PATH", f"s3://{LAKE_BUCKET}/written/")
    cli(home, "init")
    subjects = write(tmp_path / "s.csv", SUBJECTS)
    claims = write(tmp_path / "a.csv", CLAIMS.format(1) + MORE_CLAIMS)
    cli(home, "ingest", str(subjects), str(claims), "-m", "one")
    assert "c1" in cli(home, "sql", "SELECT claim_id FROM claims", "--format", "csv")
    parquet = [key for key in s3_env.objects(prefix="written/") if key.endswith(".parquet")]
    assert parquet, "no Parquet file reached the bucket"
    assert not (home / "data").exists()


# ------------------------------------------------------------------------------- reading


def test_log_sql_as_of_diff_and_estimate_read_and_write_a_lake_in_the_bucket(
    s3_env: S3Server, demo_home_template: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    data_path = s3_server.demo_in_bucket(demo_home_template, s3_env, home, "demo-cli")
    log = cli(home, "log", "--format", "csv", data_path=data_path)
    assert "create the costboard warehouse" in log
    count = "SELECT count(*) AS n FROM claims"
    early = cli(home, "sql", count, "--as-of", "3", "--format", "csv", data_path=data_path)
    latest = cli(home, "sql", count, "--format", "csv", data_path=data_path)
    assert int(early.splitlines()[1]) < int(latest.splitlines()[1])
    changed = cli(home, "diff", "3", "4", "--table", "claims", data_path=data_path)
    assert "claims: 3 added" in changed
    before = set(s3_env.objects(prefix="demo-cli/"))
    assert "estimate_records" in cli(home, "estimate", data_path=data_path)
    assert set(s3_env.objects(prefix="demo-cli/")) > before, "estimate wrote nothing to the bucket"
    assert "deepseek-v3" in cli(home, "estimate", "--explain", "deepseek-v3", data_path=data_path)


def test_the_credentials_reach_neither_the_catalog_the_objects_nor_any_output(
    s3_env: S3Server, demo_home_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    data_path = s3_server.demo_in_bucket(demo_home_template, s3_env, home, "demo-secrets")
    monkeypatch.setenv("COSTBOARD_DATA_PATH", data_path)
    uploaded = set(s3_env.objects(prefix="demo-secrets/"))
    subjects = write(tmp_path / "s.csv", SUBJECTS)
    claims = write(tmp_path / "a.csv", CLAIMS.format(1) + MORE_CLAIMS)
    outputs = [
        cli(home, "ingest", str(subjects), str(claims), "-m", "claims written through httpfs"),
        cli(home, "log"),
        cli(home, "log", "--format", "json"),
        cli(home, "sql", "SELECT * FROM claims LIMIT 5"),
        # The fence refuses the settings reader (its error is output too); the settings of the
        # connection itself are read past the fence further down this module.
        cli(home, "sql", "SELECT name, value FROM duckdb_settings()", "--format", "csv", expect=1),
        cli(home, "diff", "3", "4"),
    ]
    objects = s3_env.objects(prefix="demo-secrets/")
    assert [key for key in set(objects) - uploaded if key.endswith(".parquet")]
    stored = [path.read_bytes() for path in home.rglob("*") if path.is_file()]
    stored += list(objects.values())
    for secret in secrets_of(s3_env):
        assert not [text for text in outputs if secret in text]
        assert not [blob for blob in stored if secret.encode() in blob]


# ------------------------------------------------------------------------------ errors


def run_costboard(
    home: Path, data_path: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own: what a user sees, traceback or not."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "costboard.cli",
            "--home",
            str(home),
            "--data-path",
            data_path,
            "log",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
    )


def test_a_wrong_secret_key_is_one_clear_error_that_names_the_data_path_and_not_the_key(
    s3_env: S3Server, tmp_path: Path
) -> None:
    data_path = f"s3://{LAKE_BUCKET}/wrong-key/"
    cli(tmp_path / "home", "init", data_path=data_path)
    wrong = "Wr0ngSecretKeyThatMustNotBePrinted"
    result = run_costboard(tmp_path / "home", data_path, AWS_SECRET_ACCESS_KEY=wrong)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"cannot use the data path {data_path}" in result.stderr
    assert "refused the credentials (SignatureDoesNotMatch)" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert s3_env.secret_access_key not in result.stdout + result.stderr


def test_init_with_a_wrong_key_creates_nothing(
    s3_env: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    data_path = f"s3://{LAKE_BUCKET}/never/"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    assert "cannot use the data path" in cli(home, "init", data_path=data_path, expect=1)
    assert not (home / "catalog.sqlite").exists()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
            "could not connect to the storage endpoint http://127.0.0.1:1",
        ),
        (
            {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN000000000"},
            "refused the credentials (InvalidAccessKeyId)",
        ),
        ({"AWS_ACCESS_KEY_ID": ""}, "no S3 credentials: set AWS_ACCESS_KEY_ID"),
        (
            {"COSTBOARD_S3_URL_STYLE": "sideways"},
            "COSTBOARD_S3_URL_STYLE must be 'path' or 'vhost'",
        ),
        ({"AWS_ENDPOINT_URL": "ftp://127.0.0.1"}, "is not a URL like https://host:port"),
    ],
)
def test_a_wrong_endpoint_or_credential_says_which(
    s3_env: S3Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    says: str,
) -> None:
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    output = cli(tmp_path / "home", "init", data_path=f"s3://{LAKE_BUCKET}/errors/", expect=1)
    assert says in output
    assert s3_env.secret_access_key not in output


def test_a_missing_bucket_is_named_as_such(s3_env: S3Server, tmp_path: Path) -> None:
    output = cli(tmp_path / "home", "init", data_path="s3://no-such-bucket/lake/", expect=1)
    assert "cannot use the data path s3://no-such-bucket/lake/" in output


# ------------------------------------------------------------------------- environment


def test_the_secret_comes_from_the_aws_variables_scoped_to_the_data_path() -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_SESSION_TOKEN": "token",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": "http://minio.internal:9000",
    }
    assert object_store.secret_options(environ, "s3://bucket/lake") == {
        "KEY_ID": "AKIAEXAMPLE",
        "SECRET": "s3cr3t",
        "SESSION_TOKEN": "token",
        "SCOPE": "s3://bucket/lake/",
        "REGION": "eu-central-1",
        "ENDPOINT": "minio.internal:9000",
        "USE_SSL": "false",
        "URL_STYLE": "path",
    }
    aws = object_store.secret_options(
        {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}, "s3://b/"
    )
    assert aws == {"KEY_ID": "k", "SECRET": "s", "SCOPE": "s3://b/"}
    assert object_store.secret_options({"AWS_SECRET_ACCESS_KEY": "s"}, "s3://b/") is None


def test_httpfs_settings_no_longer_hold_the_environments_key_after_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "KeyHttpfsCopiesOnLoad")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "TokenHttpfsCopiesOnLoad")
    with duckdb.connect(config={"autoload_known_extensions": False}) as connection:
        object_store.load(connection)
        settings = connection.execute("SELECT name, value FROM duckdb_settings()").fetchall()
    assert not [s for s in settings if s[1] and "HttpfsCopiesOnLoad" in str(s[1])]


# ------------------------------------------------------------------------ PostgreSQL


def test_a_postgres_catalog_with_its_data_in_the_bucket(
    s3_env: S3Server, postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_CATALOG", f"postgres:{postgres_dsn}")
    monkeypatch.setenv("COSTBOARD_DATA_PATH", f"s3://{LAKE_BUCKET}/team-pg/")
    home = tmp_path / "home"
    cli(home, "init")
    claims = write(tmp_path / "a.csv", CLAIMS.format(1) + MORE_CLAIMS)
    cli(home, "ingest", str(write(tmp_path / "s.csv", SUBJECTS)), str(claims), "-m", "one")
    value = "SELECT value FROM claims WHERE claim_id = 'c1'"
    assert cli(home, "sql", value, "--format", "csv").split() == ["value", "1.0"]
    assert s3_env.secret_access_key not in cli(home, "log", "--format", "json")
    assert any(key.endswith(".parquet") for key in s3_env.objects(prefix="team-pg/"))


def test_without_an_access_key_a_persistent_duckdb_secret_of_the_user_is_used(
    s3_env: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_home = tmp_path / "user"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))
    host = s3_env.endpoint_url.removeprefix("http://")
    with duckdb.connect() as connection:
        object_store.load(connection)
        connection.execute(
            f"CREATE PERSISTENT SECRET mine (TYPE s3, KEY_ID '{s3_env.access_key_id}', "
            f"SECRET '{s3_env.secret_access_key}', ENDPOINT '{host}', URL_STYLE 'path', "
            "USE_SSL false)"
        )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name)
    home = tmp_path / "home"
    cli(home, "init", data_path=f"s3://{LAKE_BUCKET}/users-secret/")
    assert "create the costboard warehouse" in cli(
        home, "log", "--format", "csv", data_path=f"s3://{LAKE_BUCKET}/users-secret/"
    )


def test_httpfs_comes_from_its_wheel_built_for_this_duckdb() -> None:
    path = extensions.extension_file("httpfs")
    assert f"v{duckdb.__version__}" in str(path) and "site-packages" in str(path)
