"""Open the DuckLake warehouse: read-only readers and the one writer.

Readers attach read-only (optionally pinned to a snapshot) and never take the write lock, so
they never wait for, or fail because of, an ingest. The writer is opened only inside
:func:`costboard.warehouse.writer.write_transaction`, which holds the cross-process lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from costboard.warehouse import extensions, object_store
from costboard.warehouse.config import WarehouseConfig

#: The name the lake is attached under in every costboard connection.
LAKE = "lake"

_CATALOG_EXTENSIONS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}


class WarehouseMissing(RuntimeError):
    pass


class CatalogUnreachable(RuntimeError):
    """The catalog's server refused or could not be reached (libpq's reason, no password)."""


#: DuckLake attaches a lake's catalog database as ``__ducklake_metadata_<alias>``: its tables
#: are the catalog's own rows, under no snapshot.
METADATA_DATABASE_PREFIX = "__ducklake_metadata_"


def metadata_database(alias: str) -> str:
    """The name DuckLake gives the catalog database of the lake attached as ``alias``."""
    return METADATA_DATABASE_PREFIX + alias


#: The table ``costboard migrate`` keeps in a target's metadata database until it has verified
#: the copy (warehouse/migrate.py); a catalog that has it is refused.
MIGRATION_MARKER = "costboard_migration"


class MigrationInProgress(RuntimeError):
    pass


def _refuse_unfinished_migration(connection: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Refuse a catalog that an unfinished (interrupted or failed) migration wrote."""
    try:
        connection.execute(f"SELECT 1 FROM {metadata_database(alias)}.{MIGRATION_MARKER}")
    except duckdb.CatalogException:
        return
    raise MigrationInProgress(
        "this catalog is the target of an unfinished `costboard migrate` (interrupted, or its "
        "verification failed), so it may be incomplete: re-run `costboard migrate --to ...` "
        "from the source warehouse"
    )


def attach_sql(
    config: WarehouseConfig,
    *,
    alias: str = LAKE,
    read_only: bool,
    snapshot_id: int | None = None,
) -> str:
    """The ``ATTACH`` statement for the lake; the README shows the same statement to users."""
    # OVERRIDE_DATA_PATH: the data path is where this configuration says, even when the
    # catalog was created elsewhere (a copied or moved home); DuckLake stores file paths
    # relative to it, so the warehouse stays readable after a move.
    options = [f"DATA_PATH {extensions.sql_string(config.data_path)}", "OVERRIDE_DATA_PATH true"]
    if config.catalog_type == "sqlite":
        # WAL on the SQLite catalog: a reader's p95 during a commit drops from ~1-2 s to
        # ~8 ms (measured, see design.md and benchmarks/).
        options.append("META_JOURNAL_MODE 'WAL'")
    if read_only:
        options.append("READ_ONLY")
    if snapshot_id is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot_id)}")
    return f"ATTACH {extensions.sql_string('ducklake:' + config.catalog)} AS {alias} ({', '.join(options)})"


def attach(
    connection: duckdb.DuckDBPyConnection,
    config: WarehouseConfig,
    *,
    alias: str = LAKE,
    read_only: bool,
    snapshot_id: int | None = None,
    check_store: bool = False,
) -> None:
    """Attach the lake to ``connection`` (see :func:`attach_sql`), its password given apart.

    With ``check_store``, an object-storage data path is listed once first, so a wrong key or
    endpoint fails here, before the ATTACH creates anything (:func:`connect` asks for it).
    """
    if object_store.is_object_store(config.data_path):
        object_store.prepare(connection, config.data_path)
        if check_store:
            object_store.check_reachable(connection, config.data_path)
    with reaching_catalog(connection, config):
        connection.execute(
            attach_sql(config, alias=alias, read_only=read_only, snapshot_id=snapshot_id)
        )


@contextlib.contextmanager
def reaching_catalog(
    connection: duckdb.DuckDBPyConnection, config: WarehouseConfig
) -> Iterator[None]:
    """Around an ATTACH of the catalog (as a lake, or its database itself): its password
    given apart, and a server that refuses made one clear :class:`CatalogUnreachable`.

    A catalog password goes to DuckDB as a temporary postgres secret, which the postgres
    extension uses for a connection string without one: the attached path (readable through
    ``duckdb_databases()``) and DuckDB's connection errors then never hold it, and
    ``duckdb_secrets()`` shows it redacted. Temporary: it lives in this connection's memory only.
    """
    if config.catalog_password:
        connection.execute(
            "CREATE OR REPLACE TEMPORARY SECRET (TYPE postgres, PASSWORD "
            f"{extensions.sql_string(config.catalog_password)})"
        )
    try:
        yield
    except duckdb.IOException as error:
        if "Unable to connect to Postgres" not in str(error):
            raise
        # libpq's own reason is the message's last part ('... failed: FATAL: password
        # authentication failed for user "alice"'); the rest repeats the catalog string.
        reason = str(error).rsplit('": ', 1)[-1].strip()
        raise CatalogUnreachable(
            f"cannot open the catalog {config.catalog}: {reason}. Check the server, the "
            "catalog (--catalog / COSTBOARD_CATALOG) and the password (PGPASSWORD, "
            "~/.pgpass or the URL)"
        ) from None


def load_extensions(connection: duckdb.DuckDBPyConnection, config: WarehouseConfig) -> None:
    names = ["ducklake"]
    if config.catalog_type in _CATALOG_EXTENSIONS:
        names.append(_CATALOG_EXTENSIONS[config.catalog_type])
    extensions.load(connection, *names)
    if object_store.is_object_store(config.data_path):
        object_store.load(connection)


def connect(
    config: WarehouseConfig,
    *,
    read_only: bool = True,
    snapshot_id: int | None = None,
    use: bool = True,
) -> duckdb.DuckDBPyConnection:
    """A new connection with the lake attached as ``lake`` (and made current when ``use``)."""
    if read_only and not config.exists():
        raise WarehouseMissing(
            f"no warehouse at {config.catalog}: run `costboard init` (or `costboard init --demo`)"
        )
    connection = extensions.connect_offline()
    try:
        load_extensions(connection, config)
        try:
            attach(
                connection, config, read_only=read_only, snapshot_id=snapshot_id, check_store=True
            )
        except duckdb.InvalidInputException as error:
            # A server catalog (PostgreSQL) cannot be checked for up front like a file can.
            if "does not exist" in str(error):
                raise WarehouseMissing(
                    f"no warehouse at {config.catalog}: run `costboard init`"
                ) from error
            raise
        _refuse_unfinished_migration(connection, LAKE)
        if use:
            connection.execute(f"USE {LAKE}")
    except BaseException:
        connection.close()
        raise
    return connection
