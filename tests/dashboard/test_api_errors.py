"""An API 500 says "internal error" and an id, never the exception's text; the server's log
has the same id beside the traceback. The failure is a real one: the warehouse's Parquet
files are gone from under a running app."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask_caching.backends import SimpleCache

from costboard.dashboard.app import create_app
from costboard.warehouse.config import WarehouseConfig


def test_an_api_500_names_an_id_the_log_has_beside_the_traceback(
    demo_config: WarehouseConfig, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(demo_config, cache=SimpleCache(threshold=0), warm=False).server
    client = app.test_client()
    assert client.get("/api/claims?subject=deepseek-v3").status_code == 200
    data_files = list(Path(demo_config.data_path).rglob("*.parquet"))
    assert data_files
    for path in data_files:
        path.unlink()
    caplog.set_level(logging.ERROR, logger=app.logger.name)
    answer = client.get("/api/claims?subject=deepseek-v3&as_of=latest&evidence_until=2025-12-31")
    assert answer.status_code == 500
    body = answer.get_json()
    assert set(body) == {"error", "error_id"}
    assert re.fullmatch(r"[0-9a-f]{12}", body["error_id"])
    assert body["error"] == f"internal error (id {body['error_id']})"
    # Nothing of the exception reaches the client: no path, no file name, no class.
    assert str(demo_config.data_path) not in answer.text and ".parquet" not in answer.text
    assert "Error" not in answer.text and "Exception" not in answer.text
    logged = [r for r in caplog.records if body["error_id"] in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert ".parquet" in caplog.text  # the traceback, with the cause, is in the log
