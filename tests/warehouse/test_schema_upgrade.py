"""`schema.upgrade` on a warehouse made before issue 18: one whose views and constant-dollar
macros spell the point value, the evidence-time filter and the never-evidence statuses out
themselves (their DDL as it was then is in schema_before_18/) and which has none of the rule
macros. The upgrade adds the seven macros, re-creates the views on them, and every view and
table macro answers exactly as before, at every evidence date tried.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.warehouse import lake, schema, validate_claims, writer
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.writer import TableChanges

BEFORE = Path(__file__).parent / "schema_before_18"
#: The macros issue 18 added, scalar and table (DROP MACRO needs to know which).
NEW_MACROS = {
    "claim_point": "MACRO",
    "known_by_evidence_date": "MACRO",
    "never_evidence": "MACRO",
    "usd_target": "MACRO TABLE",
    "usd_priced_in": "MACRO",
    "usd_conversion": "MACRO",
    "in_usd": "MACRO",
}
VIEWS = ("claims", "prices", "market_caps", "estimates", "reconciliation", "claim_checks")
#: The claim qualifiers that name a method (issue 19: such a claim meets only the estimators
#: of its method, so its reconciliation rows and checks changed on purpose).
METHOD_QUALIFIERS = "('epoch_amortized', 'epoch_cloud', 'epoch_acquisition')"
#: What the views said before issue 19, read the same way before and after the upgrade: the
#: estimates less the methods column it added, the reconciliation's at_claim_date rows that
#: compare a claim naming no method (the frames and reason rows are new), the checks of claims
#: naming no method.
BEFORE_19 = {
    "estimates": "SELECT * {exclude} FROM estimates",
    "reconciliation": "SELECT claim_id, subject, metric, scope, qualifier, claimant, stated_on, "
    "estimator, estimator_version, claim_value, claim_low, claim_high, value, low, high, unit, "
    "ratio, inside_range, snapshot_id, inputs, assumed, bound, status FROM reconciliation "
    "WHERE {where} coalesce(qualifier, '') NOT IN " + METHOD_QUALIFIERS,
    "claim_checks": "SELECT * FROM claim_checks WHERE claim_id NOT IN (SELECT claim_id FROM "
    "claims WHERE qualifier IN " + METHOD_QUALIFIERS + ")",
}
EVIDENCE_DATES = (None, "2020-01-01", "2024-12-27", "2025-01-15", "2025-09-17")


@pytest.fixture(scope="module")
def estimated_home(demo_home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with `costboard estimate`'s estimates (reconciliation and the
    checks against estimates have rows to show)."""
    home = tmp_path_factory.mktemp("upgrade") / "home"
    shutil.copytree(demo_home_template, home)
    result = CliRunner().invoke(main, ["--home", str(home), "estimate", "-m", "estimates"])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def older(estimated_home: Path, tmp_path: Path) -> WarehouseConfig:
    """A copy taken back to the schema before issue 18."""
    home = tmp_path / "home"
    shutil.copytree(estimated_home, home)
    config = WarehouseConfig.resolve(home)
    with lake.connect(config, read_only=False) as connection:
        connection.execute("BEGIN TRANSACTION")
        for file in sorted(BEFORE.glob("*.sql")):
            sql = file.read_text(encoding="utf-8")
            connection.execute(re.sub(r"\bCREATE\s+(VIEW|MACRO)\b", r"CREATE OR REPLACE \1", sql))
        for name, kind in NEW_MACROS.items():
            connection.execute(f"DROP {kind} {name}")
        connection.execute("CALL lake.set_commit_message('tests', 'as costboard before issue 18')")
        connection.execute("COMMIT")
    return config


def answers(connection: duckdb.DuckDBPyConnection, *, upgraded: bool) -> dict[str, object]:
    """Every row of every view and constant-dollar macro at each evidence date, exactly
    (floats by repr), with the column names and types (as before issue 19: BEFORE_19)."""
    exclude = "EXCLUDE (methods)" if upgraded else ""
    where = "frame = 'at_claim_date' AND estimator IS NOT NULL AND" if upgraded else ""
    found: dict[str, object] = {}
    for until in EVIDENCE_DATES:
        if until is None:
            connection.execute("RESET VARIABLE evidence_until")
        else:
            connection.execute(f"SET VARIABLE evidence_until = DATE '{until}'")
        queries = {
            v: BEFORE_19.get(v, "SELECT * FROM {v}").format(v=v, exclude=exclude, where=where)
            for v in VIEWS
        } | {
            f"{m}({month})": f"SELECT * {exclude if m.startswith('estimates') else ''} "
            f"FROM {m}(DATE '{month}')"
            for m in ("estimates_in_usd_of", "claims_in_usd_of")
            for month in ("2025-01-01", "2001-01-01")
        }
        for name, sql in queries.items():
            result = connection.execute(sql)
            rows = sorted(map(repr, result.fetchall()))
            found[f"{name} @ {until}"] = ([(d[0], str(d[1])) for d in result.description], rows)
    connection.execute("RESET VARIABLE evidence_until")
    return found


def macros(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in connection.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = ? "
            "AND function_type IN ('macro', 'table_macro')",
            [lake.LAKE],
        ).fetchall()
    }


def view_sql(connection: duckdb.DuckDBPyConnection, name: str) -> str:
    found = connection.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND view_name = ?",
        [lake.LAKE, name],
    ).fetchone()
    assert found is not None
    return str(found[0])


def test_upgrade_gives_an_older_warehouse_the_rule_macros_and_every_view_answers_the_same(
    older: WarehouseConfig,
) -> None:
    with lake.connect(older) as connection:
        assert not macros(connection) & NEW_MACROS.keys()
        assert "getvariable('evidence_until')" in view_sql(connection, "claims")
        before = answers(connection, upgraded=False)
    assert sum(len(rows) for _, rows in before.values()) > 50_000  # type: ignore[misc]
    added: list[str] = []
    writer.write(
        older,
        lambda connection: (
            added.extend(schema.upgrade(connection)),
            {"schema": TableChanges(changed=1)},
        )[1],
        message="upgrade",
        kind="maintenance",
    )
    assert {a for a in added if not a.endswith(" (changed)")} == {
        f"macro {name}" for name in NEW_MACROS
    }
    # The views issue 18 put on the macros, and the two issue 19 changed, are re-created.
    assert {"view claims (changed)", "view reconciliation (changed)"} <= set(added)
    with lake.connect(older) as connection:
        assert NEW_MACROS.keys() <= macros(connection)
        # The views now use the macros rather than spelling the rules out.
        assert "known_by_evidence_date(" in view_sql(connection, "claims")
        assert "claim_point(" in view_sql(connection, "reconciliation")
        assert "never_evidence(" in view_sql(connection, "claim_checks")
        assert answers(connection, upgraded=True) == before
        assert schema.upgrade(connection) == []  # up to date: nothing more to do


def test_never_evidence_in_sql_is_the_warehouses_list(config: WarehouseConfig) -> None:
    """The statuses the SQL keeps out of the evidence are validate_claims' list, no more."""
    with lake.connect(config) as connection:
        kept_out = connection.execute(
            "SELECT list(status ORDER BY status) FROM unnest(?::VARCHAR[]) AS t(status) "
            "WHERE never_evidence(status)",
            [list(validate_claims.STATUSES)],
        ).fetchone()
    assert kept_out is not None
    assert kept_out[0] == sorted(validate_claims.NOT_EVIDENCE_STATUSES)
    assert set(validate_claims.NOT_EVIDENCE_STATUSES) < set(validate_claims.STATUSES)


def test_upgrade_re_creates_a_view_whose_stored_sql_is_older_than_its_ddl(
    config: WarehouseConfig,
) -> None:
    """A view whose definition changed (reconciliation before its frames) is re-created, and
    nothing else is reported; a second upgrade has nothing to do."""
    with lake.connect(config, read_only=False) as connection:
        connection.execute("BEGIN TRANSACTION")
        connection.execute(
            "CREATE OR REPLACE VIEW reconciliation AS SELECT claim_id, subject FROM claims"
        )
        connection.execute("CALL lake.set_commit_message('tests', 'the view as it was')")
        connection.execute("COMMIT")
    added: list[str] = []
    writer.write(
        config,
        lambda connection: (
            added.extend(schema.upgrade(connection)),
            {"schema": TableChanges(changed=1)},
        )[1],
        message="upgrade",
        kind="maintenance",
    )
    assert added == ["view reconciliation (changed)"]
    with lake.connect(config) as connection:
        assert "frame" in view_sql(connection, "reconciliation")
        assert schema.upgrade(connection) == []


@pytest.mark.catalogs
def test_a_new_warehouse_has_nothing_to_upgrade_on_either_catalog(config: WarehouseConfig) -> None:
    """Every write runs the upgrade: a view or macro wrongly seen as changed would make each
    writer re-create them all, and writers at once conflict (PostgreSQL's catalog hands a
    ``* REPLACE (...)`` list back in another order than the DDL wrote it)."""
    with lake.connect(config) as connection:
        assert schema.upgrade(connection) == []


def test_a_replace_list_in_another_order_is_the_same_definition() -> None:
    scratch = duckdb.connect()
    assert schema._shape(scratch, "SELECT * REPLACE (a + 1 AS a, b AS b) FROM t", True) == (
        schema._shape(scratch, "SELECT * REPLACE (b AS b, a + 1 AS a) FROM t", True)
    )
    assert schema._shape(scratch, "SELECT * REPLACE (a + 1 AS a) FROM t", True) != (
        schema._shape(scratch, "SELECT * REPLACE (a + 2 AS a) FROM t", True)
    )
