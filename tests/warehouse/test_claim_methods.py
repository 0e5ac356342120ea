"""The claim methods' one list (sql/14_claim_method_macro.sql) as Python reads it, and the
estimator declarations checked against it."""

from __future__ import annotations

import duckdb

from costboard.plugins import (
    default_amortized_hardware_energy,
    default_cloud_rental,
    default_compute_6nd,
    default_hardware_acquisition,
)
from costboard.warehouse import claim_methods
from costboard.warehouse.tables import sql_folder


def test_a_qualifier_names_its_method_and_others_name_none() -> None:
    assert claim_methods.method_of("epoch_amortized") == "amortized_hardware_energy"
    assert claim_methods.method_of("epoch_cloud") == "cloud_rental"
    assert claim_methods.method_of("epoch_acquisition") == "hardware_acquisition"
    # epoch_db is Epoch's database column, no one method; a chip or a year names none.
    assert claim_methods.method_of("epoch_db") is None
    assert claim_methods.method_of("h800") is None
    assert claim_methods.method_of(None) is None


def test_python_reads_the_same_list_as_the_sql_macros_match_with() -> None:
    connection = duckdb.connect()
    connection.execute((sql_folder() / claim_methods.DDL_FILE).read_text(encoding="utf-8"))
    named = dict(connection.execute("SELECT qualifier, method FROM claim_methods()").fetchall())
    assert claim_methods.qualifier_methods() == named
    assert connection.execute("SELECT claim_method('epoch_cloud')").fetchone() == ("cloud_rental",)
    assert connection.execute(
        "SELECT method_matches(NULL, []), method_matches('cloud_rental', ['cloud_rental']),"
        " method_matches('cloud_rental', ['amortized_hardware_energy'])"
    ).fetchone() == (True, True, False)


def test_every_built_in_estimator_declares_only_known_methods() -> None:
    built_ins = (
        default_amortized_hardware_energy,
        default_cloud_rental,
        default_compute_6nd,
        default_hardware_acquisition,
    )
    declared = {m for module in built_ins for m in module.ESTIMATOR.methods}
    assert default_cloud_rental.ESTIMATOR.methods == ("cloud_rental",)
    assert declared and declared <= claim_methods.methods()
