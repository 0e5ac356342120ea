"""The results cache: bounded on disk, least recently used out first, shared by processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from flask_caching.backends import NullCache

from costboard.cli import main
from costboard.dashboard import results_cache, snapshots
from costboard.dashboard.app import create_app
from costboard.dashboard.results_cache import ResultsCache
from costboard.warehouse.config import WarehouseConfig

LIMIT = 4_000_000


def folder_size(folder: Path) -> int:
    """Every byte under the folder: the index, its log and shared memory, the value files."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def result(n: int) -> pl.DataFrame:
    """A real page result of about 145 kB pickled (18,000 64-bit integers)."""
    return pl.DataFrame({"claim": range(n, n + 18_000)})


def test_the_cache_stays_under_its_limit_and_drops_the_least_recently_used(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "cache"
    cache = ResultsCache(folder, LIMIT)
    largest = 0
    for n in range(120):  # about 17 MB written in all: four times the limit
        assert cache.set(f"result-{n}", result(n))
        assert cache.set(f"small-{n}", {"snapshot": n})
        # The first result is read after every write: it is always the most recently used.
        assert cache.get("result-0").equals(result(0))
        largest = max(largest, folder_size(folder))
    assert largest <= LIMIT
    kept = [n for n in range(120) if cache.get(f"result-{n}") is not None]
    # The newest results stayed, the oldest went, and the one read all along stayed too.
    assert kept[0] == 0 and kept[-1] == 119
    assert 10 <= len(kept) < 30
    assert kept[1:] == list(range(120 - len(kept) + 1, 120))
    assert cache.get("result-1") is None


def test_an_entry_over_a_tenth_of_the_limit_is_not_kept_and_evicts_nothing(
    tmp_path: Path,
) -> None:
    cache = ResultsCache(tmp_path / "cache", LIMIT)
    for n in range(5):
        cache.set(f"result-{n}", result(n))
    huge = pl.DataFrame({"claim": range(60_000)})  # 480 kB: over 400 kB
    assert not cache.set("huge", huge)
    assert cache.get("huge") is None
    assert all(cache.get(f"result-{n}").equals(result(n)) for n in range(5))
    assert cache.max_entry_bytes == LIMIT // results_cache.ENTRY_SHARE


def test_workers_share_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    here = ResultsCache(folder, LIMIT)
    here.set("from-here", {"worker": "here"})
    other = (
        "import sys, json; from pathlib import Path; "
        "from costboard.dashboard.results_cache import ResultsCache; "
        "cache = ResultsCache(Path(sys.argv[1]), int(sys.argv[2])); "
        "cache.set('from-there', {'worker': 'there'}); "
        "print(json.dumps(cache.get('from-here')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", other, str(folder), str(LIMIT)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == {"worker": "here"}
    assert here.get("from-there") == {"worker": "there"}


def test_the_folder_may_be_deleted_while_serving(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cache = ResultsCache(folder, LIMIT)
    cache.set("before", result(1))
    shutil.rmtree(folder)
    assert cache.get("before") is None
    assert cache.set("after", result(2))
    assert (folder / "cache.db").exists() and cache.get("after").equals(result(2))


def test_the_limit_comes_from_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = WarehouseConfig.resolve(tmp_path / "home")
    cache = snapshots.file_cache(config)
    assert isinstance(cache, ResultsCache) and cache.max_bytes == 256 << 20
    assert cache.folder == tmp_path / "home" / "cache" / "dashboard"
    monkeypatch.setenv("COSTBOARD_CACHE_MAX_MB", "64")
    assert snapshots.file_cache(config).max_bytes == 64 << 20  # type: ignore[attr-defined]
    monkeypatch.setenv("COSTBOARD_CACHE_MAX_MB", "0")
    assert isinstance(snapshots.file_cache(config), NullCache)
    monkeypatch.setenv("COSTBOARD_CACHE_MAX_MB", "-1")
    with pytest.raises(ValueError, match=r"^COSTBOARD_CACHE_MAX_MB='-1': it must be at least 0$"):
        snapshots.file_cache(config)


def test_sql_results_are_cached_and_an_outsized_one_is_not(
    demo_config: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTBOARD_CACHE_MAX_MB", "8")  # entries up to 0.8 MiB
    app = create_app(demo_config, warm=False)
    cache = app.server.extensions["costboard"].reader.cache
    assert isinstance(cache, ResultsCache)
    client = app.server.test_client()
    small = {"q": "SELECT claim_id FROM claims ORDER BY claim_id LIMIT 5"}
    wide = {"q": "SELECT repeat('x', 40000) AS s FROM range(100)"}  # 4 MB, under the SQL cap
    before = len(cache._cache)
    assert client.get("/api/sql", query_string=small).status_code == 200
    stored = len(cache._cache)
    assert stored > before
    assert client.get("/api/sql", query_string=small).status_code == 200
    assert len(cache._cache) == stored  # the second answer came from the cache
    assert client.get("/api/sql", query_string=wide).get_json()["truncated"] is False
    assert len(cache._cache) == stored
    assert folder_size(cache.folder) <= 8 << 20


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("COSTBOARD_CACHE_MAX_MB", "lots", "is not a whole number"),
        ("COSTBOARD_SQL_MAX_BYTES", "0", "it must be at least 1"),
        ("COSTBOARD_WARM_MEMORY_MB", "1.5", "is not a whole number"),
        ("COSTBOARD_DUCKDB_MEMORY_MB", "16", "it must be at least 64"),
    ],
)
def test_serve_refuses_a_bad_budget_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "serve"])
    assert result.exit_code == 1
    quoted = f"{variable}={value!r}"
    assert result.output == f"error: {quoted}{' ' if says.startswith('is') else ': '}{says}\n"
