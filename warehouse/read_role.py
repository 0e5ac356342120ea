"""The PostgreSQL role the dashboard reads a team catalog through: SELECT only.

The SQL fence is the first layer; this is the one a fence mistake cannot get past. A role with
USAGE on the catalog's schema and SELECT on its tables is all a DuckLake ``READ_ONLY`` attach
needs (tested on PostgreSQL 15: the postgres scanner reads ``pg_catalog``, which every role
can). Any statement that reaches the server through that connection (``postgres_execute``
with a ``COMMIT;`` first, a lake opened read-write) is refused by PostgreSQL itself.

DuckLake creates catalog tables after ``init``: a table's inlined rows live in
``ducklake_inlined_data_<table>_<schema version>``, made when a table is created or its
columns change. ``GRANT SELECT ON ALL TABLES`` covers only the tables that exist, so the
grants also set the writer's default privileges; without them the reader's next attach met
an INTERNAL error that invalidated the whole DuckDB instance (DuckDB 1.5.5, measured).
"""

from __future__ import annotations

import re

import duckdb

from costboard.warehouse import lake

#: Table privileges PostgreSQL has other than SELECT (``MAINTAIN`` came in 17 and writes no
#: row). A serving role holding any of them on a catalog table can change the catalog.
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


def _identifier(name: str, what: str) -> str:
    # A plain lower-case identifier only: the statements are printed for a person to run, and
    # a name that needs quoting is a typo more often than a choice.
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a plain PostgreSQL name (lower-case letters, digits, _)"
        )
    return name


def grants(
    role: str, *, writer: str, database: str = "costboard", schema: str = "public"
) -> list[str]:
    """The statements that make ``role`` a login that can read the catalog and nothing else.

    ``writer`` is the role the CLI's writer connects as (it creates DuckLake's later tables);
    run them as it, or as a superuser. The password is set apart, with psql's ``\\password``,
    so it is in no statement and no shell history.
    """
    role = _identifier(role, "the role")
    writer = _identifier(writer, "the writer role")
    database = _identifier(database, "the database")
    schema = _identifier(schema, "the schema")
    return [
        f"CREATE ROLE {role} LOGIN",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {writer} IN SCHEMA {schema} "
        f"GRANT SELECT ON TABLES TO {role}",
    ]


#: Asked of the server through the lake's own catalog connection: what the connected role may
#: do beyond reading, in the schema that holds DuckLake's tables (found as DuckLake finds it).
_WRITES_SQL = """
WITH catalog AS (
    SELECT relnamespace AS schema FROM pg_class WHERE oid = to_regclass('ducklake_metadata')
)
SELECT p.privilege || ' on ' || c.relname
FROM pg_class c JOIN catalog ON c.relnamespace = catalog.schema
CROSS JOIN unnest(ARRAY[{privileges}]) AS p(privilege)
WHERE c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, p.privilege)
UNION ALL
SELECT 'CREATE on schema ' || n.nspname
FROM pg_namespace n JOIN catalog ON n.oid = catalog.schema
WHERE has_schema_privilege(n.oid, 'CREATE')
ORDER BY 1
"""


def writes_allowed(connection: duckdb.DuckDBPyConnection, alias: str = lake.LAKE) -> list[str]:
    """What the role of the lake attached as ``alias`` may do to its PostgreSQL catalog beyond
    SELECT (``INSERT on ducklake_snapshot``, ...): empty for a read-only role. A superuser or
    the tables' owner holds every privilege, so it is listed too."""
    privileges = ", ".join(f"'{name}'" for name in WRITE_PRIVILEGES)
    query = _WRITES_SQL.format(privileges=privileges).replace("'", "''")
    rows = connection.execute(
        f"SELECT * FROM postgres_query('{lake.metadata_database(alias)}', '{query}')"
    ).fetchall()
    return [str(row[0]) for row in rows]
