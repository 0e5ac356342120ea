"""The dashboard on a lake whose data path is on S3-compatible object storage.

Against moto's server on loopback (tests/s3_server.py), with a copy of the session's demo
warehouse in the bucket: the snapshot reader, the SQL fence and `costboard serve`'s worker read
the Parquet files there, and the fence lets a query read the data path and no other URL, nor
the key.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard import fence
from costboard.dashboard.app import create_app
from costboard.warehouse import lake, object_store
from costboard.warehouse.config import WarehouseConfig
from tests import s3_server
from tests.s3_server import LAKE_BUCKET, OTHER_BUCKET, S3Server
from tests.waiting import until


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server.in_environment(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def dashboard(
    s3_env: S3Server, demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, WarehouseConfig]:
    """The dashboard's app (its test client) on a demo warehouse in the bucket."""
    home = tmp_path_factory.mktemp("dashboard") / "home"
    data_path = s3_server.demo_in_bucket(demo_home_template, s3_env, home, "demo-dashboard")
    config = WarehouseConfig.resolve(home, data_path=data_path)
    app = create_app(config, cache=SimpleCache(threshold=0), warm=False)
    return app.server.test_client(), config


def test_the_dashboard_reads_the_lake_in_the_bucket_through_its_snapshots_and_fence(
    dashboard: tuple[Any, WarehouseConfig],
) -> None:
    client, config = dashboard
    snapshots = client.get("/api/snapshots").json
    assert snapshots["latest"] > 3
    # Reading values (not only counts the catalog knows) reads the Parquet files in the bucket.
    body = client.get(
        "/api/sql", query_string={"q": "SELECT sum(length(claim_id)) AS n FROM claims"}
    ).json
    assert "error" not in body and body["rows"][0][0] > 0
    with lake.connect(config) as connection:
        expected = connection.execute("SELECT sum(length(claim_id)) FROM claims").fetchone()
    assert body["rows"][0][0] == expected[0]


def test_costboard_serve_workers_read_the_lake_in_the_bucket(
    s3_env: S3Server, demo_home_template: Path, tmp_path: Path
) -> None:
    """The real server: gunicorn's worker gets the store's variables from the environment."""
    home = tmp_path / "home"
    data_path = s3_server.demo_in_bucket(demo_home_template, s3_env, home, "demo-serve")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "costboard.cli", "--home", str(home)]
    server = subprocess.Popen(
        [*command, "--data-path", data_path, "serve", "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    query = urllib.parse.urlencode({"q": "SELECT sum(length(claim_id)) AS n FROM claims"})

    def rows() -> Any:
        assert server.poll() is None, server.communicate()[0]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sql?{query}") as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:  # it answered, but not with the rows
            pytest.fail(error.read().decode())

    try:
        # Until it answers (OSError: not listening yet), or its process ends.
        body = until(
            rows,
            timeout=120,
            ignoring=(OSError,),
            message="costboard serve on the S3 lake never answered",
        )
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate()[0]
    config = WarehouseConfig.resolve(home, data_path=data_path)
    with lake.connect(config) as connection:
        expected = connection.execute("SELECT sum(length(claim_id)) FROM claims").fetchone()
    assert body["rows"] == [[expected[0]]]
    assert s3_env.secret_access_key not in output


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (f"SELECT * FROM read_csv('s3://{OTHER_BUCKET}/private.csv')", "disabled by configuration"),
        (
            f"SELECT * FROM read_csv('s3://{LAKE_BUCKET}/elsewhere/x.csv')",
            "disabled by configuration",
        ),
        (f"SELECT * FROM glob('s3://{LAKE_BUCKET}/*')", "disabled by configuration"),
        # The fence compares paths as text, so a '..' gets past it; the request then goes out
        # signed for the data path, and the store refuses it (moto: the signature no longer
        # matches the path it serves). The other bucket's rows never come back.
        (
            f"SELECT * FROM read_csv('s3://{LAKE_BUCKET}/demo-dashboard/../../{OTHER_BUCKET}/private.csv')",
            "403",
        ),
    ],
)
def test_fenced_sql_reads_no_url_outside_the_data_path(
    dashboard: tuple[Any, WarehouseConfig], query: str, says: str
) -> None:
    client, config = dashboard
    # The allow-list refuses file and URL readers; the locked connection, a layer of its own,
    # confines them to the data path all the same.
    response = client.get("/api/sql", query_string={"q": query})
    assert response.status_code == 403
    assert "is not allowed here" in response.json["error"]
    with lake.connect(config) as connection:
        newest = int(connection.execute("SELECT max(snapshot_id) FROM snapshots").fetchone()[0])
    with (
        fence.fenced_connection(config, newest, fence.Limits()) as connection,
        pytest.raises(Exception, match=says),
    ):
        connection.execute(query).fetchall()
    assert "secret_figure" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM duckdb_secrets()",
        "SELECT * FROM duckdb_secrets(redact := false)",
        "SELECT name, value FROM duckdb_settings()",
        "SELECT current_setting('s3_secret_access_key') AS s",
    ],
)
def test_fenced_sql_cannot_read_the_secret_key(
    dashboard: tuple[Any, WarehouseConfig], s3_env: S3Server, query: str
) -> None:
    client, _ = dashboard
    response = client.get("/api/sql", query_string={"q": query})
    assert s3_env.secret_access_key not in response.get_data(as_text=True)


def test_duckdb_secrets_shows_the_data_paths_secret_redacted_and_scoped(
    dashboard: tuple[Any, WarehouseConfig],
) -> None:
    client, config = dashboard
    query = "SELECT name, persistent, scope, secret_string FROM duckdb_secrets()"
    # The fence refuses the secrets reader; past it, on the dashboard's own locked connection,
    # the data path's secret is in memory only, scoped to the data path, and redacted.
    assert client.get("/api/sql", query_string={"q": query}).status_code == 403
    with closing(fence.fenced_connection(config, 1, fence.Limits())) as connection:
        [(name, persistent, scope, text)] = connection.execute(query).fetchall()
    assert (name, persistent, scope) == (object_store.SECRET_NAME, False, [config.data_path])
    assert "secret=redacted" in text


def test_the_fence_allows_the_data_path_as_a_folder_not_as_a_name_prefix() -> None:
    assert object_store.allowed_prefix("s3://bucket/lake") == "s3://bucket/lake/"
    assert object_store.allowed_prefix("s3://bucket/lake/") == "s3://bucket/lake/"
