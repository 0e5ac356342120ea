"""costboard.dashboard.catalog_copies: the dashboard's private copies of a SQLite catalog, and
the newest snapshot id read from one. On a plain SQLite file holding DuckLake's snapshot table,
so each rule shows without a lake around it (tests/dashboard/test_data.py reads a real lake
through the copies, and prunes them)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from costboard.dashboard.catalog_copies import CatalogCopies, read_sqlite_latest
from costboard.warehouse.config import WarehouseConfig


def catalog_with(path: Path, *snapshot_ids: int) -> Path:
    """A SQLite file with DuckLake's snapshot table holding these ids (and a table beside)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE IF NOT EXISTS ducklake_snapshot (snapshot_id INTEGER)")
        db.execute("CREATE TABLE IF NOT EXISTS other (x TEXT)")
        db.executemany("INSERT INTO ducklake_snapshot VALUES (?)", [(i,) for i in snapshot_ids])
        db.execute("INSERT INTO other VALUES (?)", (f"up to {max(snapshot_ids, default=0)}",))
        db.commit()
    return path


def test_the_newest_snapshot_id_is_read_or_none(tmp_path: Path) -> None:
    assert read_sqlite_latest(str(catalog_with(tmp_path / "c.sqlite", 0, 3, 2))) == 3
    assert read_sqlite_latest(str(catalog_with(tmp_path / "empty.sqlite"))) is None
    assert read_sqlite_latest(str(tmp_path / "missing.sqlite")) is None
    not_a_lake = tmp_path / "plain.sqlite"
    with closing(sqlite3.connect(not_a_lake)) as db:
        db.execute("CREATE TABLE t (x INTEGER)")
    assert read_sqlite_latest(str(not_a_lake)) is None
    (tmp_path / "garbage.sqlite").write_bytes(b"not a database at all" * 100)
    assert read_sqlite_latest(str(tmp_path / "garbage.sqlite")) is None


def test_a_copy_is_named_after_its_newest_snapshot_and_reads_like_the_source(
    tmp_path: Path,
) -> None:
    config = WarehouseConfig.resolve(tmp_path / "home")
    source = catalog_with(Path(config.catalog.partition(":")[2]), 1, 2, 5)
    copies = CatalogCopies(config, tmp_path / "copies")
    copied, newest = copies.make()
    assert newest == 5
    copy = Path(copied.catalog.partition(":")[2])
    assert copied.catalog == f"sqlite:{copies.folder / 'catalog-5.sqlite'}"
    # Only the catalog moves: the data path and the rest of the config are the source's.
    assert (copied.home, copied.data_path) == (config.home, config.data_path)
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("SELECT x FROM other").fetchall() == [("up to 5",)]
    # No partial copy is left behind.
    assert sorted(p.name for p in copies.folder.iterdir()) == ["catalog-5.sqlite"]

    # A newer snapshot in the source: a new copy, the older one kept (recently made).
    catalog_with(source, 6)
    copied_again, newer = copies.make()
    assert newer == 6 and copied_again.catalog.endswith("catalog-6.sqlite")
    assert read_sqlite_latest(str(copy)) == 5  # a copy never changes after it is made
    assert sorted(p.name for p in copies.folder.iterdir()) == [
        "catalog-5.sqlite",
        "catalog-6.sqlite",
    ]


def test_touching_a_copy_marks_it_used_and_a_missing_one_is_no_error(tmp_path: Path) -> None:
    config = WarehouseConfig.resolve(tmp_path / "home")
    catalog_with(Path(config.catalog.partition(":")[2]), 1)
    copied, _ = CatalogCopies(config, tmp_path / "copies").make()
    path = Path(copied.catalog.partition(":")[2])

    os.utime(path, (0, 0))
    CatalogCopies.touch(copied)
    assert path.stat().st_mtime > 0
    path.unlink()
    CatalogCopies.touch(copied)  # pruned under this worker: nothing to mark, no error
