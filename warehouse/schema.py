"""Create the warehouse: the DuckLake catalog, its tables and its documented views.

The DDL lives in ``sql/``, one file per table or view, applied in file-name order; the
tables' natural keys and the columns read from their DDL are in :mod:`tables`.
"""

from __future__ import annotations

from pathlib import Path

from costboard.warehouse import lake, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.tables import TABLES, sql_folder


class WarehouseExists(RuntimeError):
    pass


def ddl_statements() -> list[tuple[str, str]]:
    """(file name, SQL) for every DDL file, in the order they are applied."""
    files = sorted(
        (f for f in sql_folder().iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


def is_initialised(config: WarehouseConfig) -> bool:
    if not config.exists():
        return False
    try:
        connection = lake.connect(config, read_only=True)
    except lake.WarehouseMissing:
        return False
    try:
        found = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'claim_records'",
            [lake.LAKE],
        ).fetchone()
        return bool(found and found[0])
    finally:
        connection.close()


def create(config: WarehouseConfig, *, author: str | None = None) -> int:
    """Create an empty warehouse; returns the snapshot id of its creation."""
    if is_initialised(config):
        raise WarehouseExists(f"a costboard warehouse already exists at {config.catalog}")
    config.home.mkdir(parents=True, exist_ok=True)
    if config.data_path and "://" not in config.data_path:
        Path(config.data_path).mkdir(parents=True, exist_ok=True)

    def body(connection):  # type: ignore[no-untyped-def]
        # Every later write must carry a commit message: the catalog itself enforces it.
        connection.execute(f"CALL {lake.LAKE}.set_option('require_commit_message', true)")
        for _, sql in ddl_statements():
            connection.execute(sql)
        return {"schema": writer.TableChanges(added=len(TABLES))}

    result = writer.write(
        config, body, message="create the costboard warehouse", author=author, kind="init"
    )
    assert result.snapshot_id is not None
    return result.snapshot_id
