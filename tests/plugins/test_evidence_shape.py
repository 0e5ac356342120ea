"""The evidence frame's shape: a subject has rows only where its evidence, or evidence it
depends on, changes; every estimate at those rows is the one the dense frame gave."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from costboard.dashboard import views
from costboard.plugins.evidence import METHOD_SUBJECT, Evidence, build_evidence
from costboard.plugins.evidence_dates import dependencies
from costboard.plugins.pipeline import load_evidence, run_estimators
from costboard.testing import claim as c
from costboard.testing import make_evidence, many_models_evidence, sample_evidence
from costboard.warehouse.config import WarehouseConfig

D = dt.date
KEY = ["estimator", "subject", "as_of", "metric", "scope"]
WINDOWS = ((D(2025, 1, 27), D(2025, 1, 27)), (D(2025, 1, 24), D(2025, 1, 31)))


def dense_twin(evidence: Evidence) -> Evidence:
    return build_evidence(
        evidence.claims, evidence.subjects, evidence.prices, today=evidence.today, dense=True
    )


def rows_of(evidence: Evidence, subject: str) -> list[dt.date]:
    return evidence.rows.filter(pl.col("subject") == subject)["as_of"].to_list()


def assert_same_estimates_where_sparse_has_rows(
    sparse: Evidence, overrides: dict[str, float] | None = None
) -> pl.DataFrame:
    """Run every estimator on both shapes; the dense run restricted to the sparse rows (and to
    the market windows, which are not evidence dates) must equal the sparse run exactly."""
    dense = dense_twin(sparse)
    assert dense.frame.height > sparse.frame.height
    old, old_statuses = run_estimators(dense, overrides, windows=WINDOWS)
    new, new_statuses = run_estimators(sparse, overrides, windows=WINDOWS)
    assert [(s.estimator, s.status) for s in new_statuses] == [
        (s.estimator, s.status) for s in old_statuses
    ]
    assert all(s.status == "ok" for s in new_statuses if s.estimator), new_statuses
    shared = pl.concat([sparse.rows.select("subject", "as_of"), new.select("subject", "as_of")])
    old_shared = old.join(shared.unique(), on=["subject", "as_of"], how="semi")
    assert new.height > 0
    assert old_shared.sort(KEY).equals(new.sort(KEY))
    # Whatever the dense frame estimated at a date the sparse one dropped repeats the
    # sparse estimate of that subject's previous date: the step holds.
    return old


def test_every_estimate_on_the_seed_data_is_unchanged_where_the_subject_has_rows(
    demo_config: WarehouseConfig,
) -> None:
    evidence = load_evidence(demo_config)
    assert evidence is not None
    old = assert_same_estimates_where_sparse_has_rows(evidence)
    assert_same_estimates_where_sparse_has_rows(evidence, {"rental_price": 2.5})
    # The dropped dates were repeats: each dense estimate at a dropped date equals the
    # estimate of the same series at its latest kept date before it.
    new, _ = run_estimators(evidence, windows=WINDOWS)
    series = ["estimator", "subject", "metric", "scope"]
    dropped = old.join(new, on=KEY, how="anti").sort("as_of")
    held = dropped.join_asof(
        new.sort("as_of").select(*series, "as_of", pl.col("value").alias("held")),
        on="as_of",
        by=series,
        strategy="backward",
        check_sortedness=False,
    )
    assert dropped.height > 0
    assert held["held"].null_count() == 0
    assert (held["value"] == held["held"]).all()


@pytest.mark.parametrize("build", [sample_evidence, lambda: many_models_evidence(40)])
def test_every_estimate_on_the_sample_shapes_is_unchanged(build) -> None:
    assert_same_estimates_where_sparse_has_rows(build())


def chip_and_fleet_evidence() -> Evidence:
    # A model on the H800 from March; a company counting H800s and H100s; prices for both
    # chips on their own dates; a method parameter; a group of two tickers.
    return make_evidence(
        [
            c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1)),
            c("m", "gpu_count", "final_run", 2048, D(2024, 3, 1), qualifier="h800"),
            c("h800", "rental_price", "market", 2.0, D(2024, 2, 1), qualifier="a"),
            c("h800", "rental_price", "market", 2.5, D(2024, 4, 1), qualifier="a"),
            c("h800", "purchase_price", "market", 30_000, D(2024, 2, 1), qualifier="dgx_per_gpu"),
            c("h100", "purchase_price", "market", 40_000, D(2024, 5, 1), qualifier="dgx_per_gpu"),
            c("lab", "gpu_count", "fleet_capex", 10_000, D(2024, 2, 15), qualifier="h800"),
            c("lab", "gpu_count", "fleet_capex", 5_000, D(2024, 2, 15), qualifier="h100"),
            c(METHOD_SUBJECT, "pue", "method", 1.2, D(2024, 1, 20)),
            c("NVDA", "shares_outstanding", "market", 24e9, D(2024, 2, 10)),
            c("AVGO", "shares_outstanding", "market", 4.7e9, D(2024, 6, 10)),
            c("pair", "market_cap_change", "one_day", -1e9, D(2024, 6, 20)),
        ],
        subjects=[
            {"subject": "lab", "kind": "company"},
            {"subject": "NVDA", "kind": "ticker"},
            {"subject": "AVGO", "kind": "ticker"},
            {"subject": "pair", "kind": "group", "members": ["NVDA", "AVGO"]},
        ],
        today=D(2024, 12, 31),
    )


def test_a_model_has_rows_at_its_own_dates_its_chips_dates_once_named_the_method_and_today():
    evidence = chip_and_fleet_evidence()
    # Not at the H800's 1 Feb prices: the model named its chip only on 1 Mar.
    assert rows_of(evidence, "m") == [
        D(2024, 1, 1),
        D(2024, 1, 20),
        D(2024, 3, 1),
        D(2024, 4, 1),
        D(2024, 12, 31),
    ]


def test_a_chip_has_rows_at_every_date_of_what_depends_on_it_even_a_second_chips_dates():
    evidence = chip_and_fleet_evidence()
    h800 = rows_of(evidence, "h800")
    # The lab's rows include the H100's 1 May price; its H800 line is joined there.
    assert D(2024, 5, 1) in rows_of(evidence, "lab")
    assert D(2024, 5, 1) in h800
    # The model's own dates after it named the chip, not before.
    assert D(2024, 3, 1) in h800 and D(2024, 1, 1) not in h800
    assert D(2024, 12, 31) in h800
    # Other subjects' unrelated dates are not the chip's: the tickers' and the group's.
    assert not {D(2024, 2, 10), D(2024, 6, 10), D(2024, 6, 20)} & set(h800)


def test_a_group_and_its_members_share_their_dates_and_the_method_subject_has_every_date():
    evidence = chip_and_fleet_evidence()
    # From the group's first claim on: its own date, and today.
    assert rows_of(evidence, "pair") == [D(2024, 6, 20), D(2024, 12, 31)]
    # A member has the group's date (and, through the group, the other member's).
    assert {D(2024, 6, 10), D(2024, 6, 20)} <= set(rows_of(evidence, "NVDA"))
    # The method subject has every evidence date from its first claim on.
    assert rows_of(evidence, METHOD_SUBJECT) == [d for d in evidence.dates if d >= D(2024, 1, 20)]
    assert evidence.dates == sorted({*evidence.claims["stated_on"].to_list(), evidence.today})


def test_every_join_an_estimator_makes_on_subject_and_date_finds_its_row(
    demo_config: WarehouseConfig,
) -> None:
    """A row's chip, fleet chips, group members and the method subject all have a row at the
    row's date whenever they have a claim by then (inputs.rental_price, Parameters.attach's
    chip and method claims, fleet_ownership's lines, market_cap_move's members)."""
    for evidence in (load_evidence(demo_config), chip_and_fleet_evidence(), many_models_evidence()):
        assert evidence is not None
        rows = evidence.rows.select("subject", "as_of")
        first = evidence.claims.group_by("subject").agg(pl.col("stated_on").min().alias("first"))
        edges = dependencies(evidence.claims, evidence.subjects, METHOD_SUBJECT)
        wanted = (
            rows.join(edges, left_on="subject", right_on="dependent")
            .filter(pl.col("as_of") >= pl.col("since"))
            .join(first, left_on="resource", right_on="subject")
            .filter(pl.col("as_of") >= pl.col("first"))
            .select(pl.col("resource").alias("subject"), "as_of")
        )
        chips = (
            evidence.rows.drop_nulls("chip")
            .join(first, left_on="chip", right_on="subject")
            .filter(pl.col("as_of") >= pl.col("first"))
            .select(pl.col("chip").alias("subject"), "as_of")
        )
        assert wanted.height > 0
        missing = pl.concat([wanted, chips]).join(rows, on=["subject", "as_of"], how="anti")
        assert missing.is_empty(), missing


def test_removing_later_claims_leaves_every_earlier_row_as_it_was(
    demo_config: WarehouseConfig,
) -> None:
    # The estimator conformance check cuts the claims at a date and compares estimates there.
    evidence = load_evidence(demo_config)
    assert evidence is not None
    for date in evidence.dates[::7]:
        cut = build_evidence(
            evidence.claims.filter(pl.col("stated_on") <= date),
            evidence.subjects,
            evidence.prices,
            today=evidence.today,
        )
        before = evidence.frame.filter(pl.col("as_of") <= date)
        assert before.equals(cut.frame.filter(pl.col("as_of") <= date)), date


def test_the_overview_chart_holds_each_estimate_until_its_next_date() -> None:
    evidence = chip_and_fleet_evidence()
    estimates, _ = run_estimators(evidence, only=["cloud_rental"])
    panel = views.Panel("m", "training_cost", "final_run", "usd")
    figure = views.estimate_figure(panel, estimates, evidence.claims.head(0), {})
    (line,) = [t for t in figure.data if (t.meta or {}).get("kind") == "estimate"]
    assert line.line.shape == "hv"  # horizontal first: the value holds until the next date
    # each evidence date up to the axis's end (the rerun at today's row repeats the 1 April
    # value and lies past it), then the last value carried to that end
    end = figure.layout.xaxis.range[1]
    assert D(2024, 4, 1) < end < D(2024, 12, 31)
    assert list(line.x) == [*(d for d in rows_of(evidence, "m") if d < end), end]
