"""How the built-in estimators behave beyond the reference cases: evidence time, lineage,
parameter resolution, ranges, fleets, market moves, and scale."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from costboard import Parameter, Parameters
from costboard.plugins import (
    default_amortized_hardware_energy,
    default_cloud_rental,
    default_compute_6nd,
    default_fleet_ownership,
    default_hardware_acquisition,
    default_market_cap_move,
)
from costboard.plugins.manager import PluginManager
from costboard.plugins.pipeline import run_estimators
from costboard.testing import (
    assert_conforms,
    make_evidence,
    many_models_evidence,
    run_plugin,
    sample_evidence,
)
from costboard.testing import claim as c

D = dt.date
BUILT_IN_MODULES = [
    default_cloud_rental,
    default_amortized_hardware_energy,
    default_hardware_acquisition,
    default_fleet_ownership,
    default_compute_6nd,
    default_market_cap_move,
]
#: Every built-in parameter by name: each built-in declares its own in its ``parameters``.
DEFAULTS = {p.name: p for m in BUILT_IN_MODULES for p in m.ESTIMATOR.parameters}


def params_of(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["parameters"])


@pytest.mark.parametrize("module", BUILT_IN_MODULES, ids=lambda m: m.NAME)
def test_every_built_in_estimator_passes_the_conformance_check(module) -> None:
    assert_conforms(module.ESTIMATOR)


@pytest.mark.parametrize("module", BUILT_IN_MODULES, ids=lambda m: m.NAME)
def test_every_default_parameter_cites_its_source(module) -> None:
    for parameter in module.ESTIMATOR.parameters:
        assert parameter.problems() == []
        assert len(parameter.citation) > 20


# --- evidence time --------------------------------------------------------------------------------


def test_an_estimate_at_a_date_uses_nothing_stated_later() -> None:
    evidence = make_evidence(
        [
            c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1), claim_id="hours"),
            c("m", "rental_price", "final_run", 2.0, D(2024, 1, 1), claim_id="price-2"),
            c("m", "rental_price", "final_run", 3.0, D(2024, 6, 1), claim_id="price-3"),
        ],
        today=D(2024, 12, 1),
    )
    estimates, _ = run_plugin(default_cloud_rental, evidence)
    by_date = dict(estimates.select("as_of", "value").iter_rows())
    assert by_date == {D(2024, 1, 1): 2e6, D(2024, 6, 1): 3e6, D(2024, 12, 1): 3e6}
    first = estimates.filter(pl.col("as_of") == D(2024, 1, 1)).row(0, named=True)
    assert "price-3" not in first["inputs"]


def test_every_input_of_every_built_in_estimate_was_stated_by_its_date() -> None:
    evidence = sample_evidence()
    estimates, statuses = run_estimators(evidence, manager=PluginManager())
    assert all(s.status == "ok" for s in statuses)
    used = (
        estimates.select("estimator", "as_of", "inputs")
        .explode("inputs")
        .drop_nulls("inputs")
        .join(
            evidence.claims.select("claim_id", "stated_on"),
            left_on="inputs",
            right_on="claim_id",
            how="left",
        )
    )
    assert used["stated_on"].null_count() == 0, "an input is not a claim of the evidence"
    assert (used["stated_on"] <= used["as_of"]).all()


def test_a_rental_price_listed_after_a_run_only_moves_later_estimates() -> None:
    claims = [
        c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1)),
        c("m", "gpu_count", "final_run", 100, D(2024, 1, 1), qualifier="h800"),
        c("h800", "rental_price", "market", 3.0, D(2024, 3, 1), qualifier="vendor"),
    ]
    estimates, _ = run_plugin(default_cloud_rental, make_evidence(claims, today=D(2024, 4, 1)))
    values = dict(estimates.select("as_of", "value").iter_rows())
    assert values[D(2024, 1, 1)] == 2e6  # the default, $2
    assert values[D(2024, 3, 1)] == 3e6  # the chip's listing, once public


# --- parameter resolution -------------------------------------------------------------------------


def test_parameters_resolve_override_then_own_then_chip_then_method_then_default() -> None:
    parameter = Parameter(
        "probe",
        1.0,
        0.5,
        2.0,
        "ratio",
        "a test default",
        metric="utilization",
        own_scopes=("final_run",),
        chip_scopes=("spec",),
        method=True,
    )
    rows = pl.DataFrame(
        {
            "subject": ["own", "chipped", "method", "plain"],
            "as_of": [D(2024, 1, 1)] * 4,
            "chip": ["x", "x", "y", "z"],
        }
    )
    claims = [
        c("own", "utilization", "final_run", 0.1, D(2024, 1, 1), claim_id="own-claim"),
        c("x", "utilization", "spec", 0.2, D(2024, 1, 1), claim_id="chip-claim"),
        c("ml-hardware", "utilization", "method", 0.3, D(2023, 1, 1), claim_id="method-claim"),
    ]
    evidence = make_evidence(claims, subjects={"x": "chip"}, today=D(2024, 1, 1))
    params = Parameters(table={"probe": parameter})
    resolved = params.attach(rows, evidence, "probe")
    assert resolved["probe"].to_list() == [0.1, 0.2, 0.3, 0.3]
    assert resolved["probe_origin"].to_list() == [
        "claim: own-claim",
        "claim: chip-claim",
        "claim: method-claim",
        "claim: method-claim",
    ]
    no_method = Parameters(
        table={"probe": Parameter("probe", 1.0, 0.5, 2.0, "ratio", "a test default")}
    )
    assert (
        no_method.attach(rows, evidence, "probe")["probe_origin"].to_list()
        == ["default: a test default"] * 4
    )
    overridden = Parameters(table={"probe": parameter}, overrides={"probe": 0.9})
    pinned = overridden.attach(rows, evidence, "probe")
    assert pinned.select("probe", "probe_low", "probe_high").unique().rows() == [(0.9, 0.9, 0.9)]
    assert set(pinned["probe_origin"]) == {"override"}


def test_a_method_claim_for_the_rows_chip_beats_the_general_one() -> None:
    evidence = make_evidence(
        [
            c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1)),
            c("m", "gpu_count", "final_run", 100, D(2024, 1, 1), qualifier="a100"),
            c("ml-hardware", "server_power_multiplier", "method", 1.8, D(2024, 1, 1)),
            c(
                "ml-hardware",
                "server_power_multiplier",
                "method",
                2.031,
                D(2024, 1, 1),
                qualifier="a100",
                claim_id="a100-multiplier",
            ),
            c(
                "ml-hardware",
                "server_power_multiplier",
                "method",
                1.821,
                D(2024, 1, 1),
                qualifier="h100",
            ),
        ]
    )
    estimates, _ = run_plugin(default_amortized_hardware_energy, evidence)
    parameter = params_of(estimates.row(0, named=True))["server_power_multiplier"]
    assert (parameter["value"], parameter["origin"]) == (2.031, "claim: a100-multiplier")


def test_utilization_measured_against_an_fp8_peak_is_never_used() -> None:
    evidence = make_evidence(
        [
            c("m", "training_flop", "final_run", 3.2856e24, D(2024, 1, 1)),
            c("m", "utilization", "final_run", 0.1947, D(2024, 1, 1), qualifier="fp8_causal"),
            c(
                "m",
                "utilization",
                "final_run",
                0.3894,
                D(2024, 1, 1),
                qualifier="bf16_causal",
                claim_id="bf16",
            ),
            c("m", "utilization", "final_run", 0.4373, D(2024, 1, 1), qualifier="bf16_noncausal"),
        ]
    )
    estimates, _ = run_plugin(default_compute_6nd, evidence)
    utilization = params_of(estimates.row(0, named=True))["utilization"]
    assert (utilization["value"], utilization["origin"]) == (0.3894, "claim: bf16")


def test_a_chip_only_purchase_price_gets_the_server_overhead() -> None:
    claims = [
        c("m", "gpu_count", "final_run", 1000, D(2024, 1, 1), qualifier="h800"),
        c("h800", "purchase_price", "market", 30_000, D(2024, 1, 1), qualifier="chip_listing"),
    ]
    estimates, _ = run_plugin(default_hardware_acquisition, make_evidence(claims))
    row = estimates.row(0, named=True)
    assert row["value"] == pytest.approx(1000 * 30_000 * 1.64 / 0.81)
    server = [
        *claims[:1],
        c("h800", "purchase_price", "market", 44_750, D(2024, 1, 1), qualifier="dgx_per_gpu"),
        claims[1],
    ]
    estimates, _ = run_plugin(default_hardware_acquisition, make_evidence(server))
    row = estimates.row(0, named=True)
    assert row["value"] == pytest.approx(1000 * 44_750 / 0.81)  # server-level prices come first
    assert params_of(row)["server_overhead"]["origin"].startswith("not applied")


def test_the_dashboards_what_if_overrides_reach_every_estimator_that_has_them() -> None:
    evidence = sample_evidence()
    what_if = {
        "rental_price": 2.5,
        "purchase_price": 30_000,
        "utilization": 0.4,
        "depreciation_rate": 0.14,
        "server_overhead": 1.64,
        "power": 0.7,
        "electricity_price": 0.08,
        "pue": 1.25,
    }
    estimates, statuses = run_estimators(evidence, what_if, manager=PluginManager())
    assert all(s.status == "ok" for s in statuses)
    rental = estimates.filter(pl.col("estimator") == "cloud_rental").row(-1, named=True)
    assert rental["value"] == 2.788e6 * 2.5
    for row in estimates.filter(pl.col("estimator") != "market_cap_move").iter_rows(named=True):
        for name, entry in params_of(row).items():
            if (
                name in what_if
                and entry["origin"] != "derived"
                and "not applied" not in entry["origin"]
            ):
                assert entry["origin"] == "override" and entry["value"] == what_if[name]


def test_an_unknown_override_is_refused_with_a_suggestion() -> None:
    with pytest.raises(
        ValueError, match=r"unknown parameter 'rental_prise' \(did you mean 'rental_price'"
    ):
        run_estimators(sample_evidence(), {"rental_prise": 2.0}, manager=PluginManager())
    with pytest.raises(ValueError, match="finite"):
        run_estimators(sample_evidence(), {"rental_price": float("nan")}, manager=PluginManager())


def test_the_what_if_page_offers_every_built_in_parameter_and_its_main_controls_exist() -> None:
    from costboard.dashboard import estimators as live

    names = {p.name for m in BUILT_IN_MODULES for p in m.ESTIMATOR.parameters}
    assert names <= set(live.parameters())
    assert set(live.WHAT_IF_PARAMETERS) <= names


# --- ranges -----------------------------------------------------------------------------------------


def test_every_built_in_estimate_has_low_at_most_value_at_most_high() -> None:
    estimates, _ = run_estimators(
        sample_evidence(), manager=PluginManager(), windows=[(D(2025, 1, 27), D(2025, 1, 27))]
    )
    assert estimates.height > 0
    assert estimates.filter(
        (pl.col("low") > pl.col("value")) | (pl.col("value") > pl.col("high"))
    ).is_empty()


def test_the_rental_range_is_the_spread_of_known_prices() -> None:
    claims = [
        c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1)),
        c("m", "gpu_count", "final_run", 100, D(2024, 1, 1), qualifier="h100"),
        c("h100", "rental_price", "market", 2.0, D(2024, 1, 1), qualifier="a"),
        c("h100", "rental_price", "market", 3.0, D(2024, 1, 1), qualifier="b"),
        c("h100", "rental_price", "market", 12.0, D(2024, 1, 1), qualifier="c"),
    ]
    estimates, _ = run_plugin(default_cloud_rental, make_evidence(claims))
    row = estimates.row(0, named=True)
    assert (row["low"], row["value"], row["high"]) == (2e6, 3e6, 12e6)  # min, median, max


def test_one_known_price_is_widened_to_the_default_range() -> None:
    claims = [
        c("m", "gpu_hours", "final_run", 1e6, D(2024, 1, 1)),
        c("m", "rental_price", "final_run", 2.0, D(2024, 1, 1)),
    ]
    estimates, _ = run_plugin(default_cloud_rental, make_evidence(claims))
    row = estimates.row(0, named=True)
    assert (row["low"], row["value"], row["high"]) == (1.99e6, 2e6, 4.86e6)


# --- fleets -----------------------------------------------------------------------------------------


def test_a_chip_family_count_is_net_of_the_members_counted_on_their_own() -> None:
    claims = [
        c("lab", "gpu_count", "fleet_capex", 50_000, D(2025, 1, 31), qualifier="hopper"),
        c("lab", "gpu_count", "fleet_capex", 10_000, D(2025, 1, 31), qualifier="h800"),
        c("lab", "gpu_count", "fleet_capex", 10_000, D(2025, 1, 31), qualifier="h100"),
        c("lab", "gpu_count", "fleet_capex", 60_000, D(2025, 1, 31)),  # whole fleet: not added
        c("h800", "purchase_price", "market", 40_000, D(2025, 1, 1), qualifier="dgx_per_gpu"),
    ]
    evidence = make_evidence(claims, subjects={"lab": "company"})
    estimates, _ = run_plugin(default_fleet_ownership, evidence)
    by_metric = {r["metric"]: r for r in estimates.iter_rows(named=True)}
    capex = by_metric["server_capex"]
    assert params_of(capex)["gpus"]["value"] == 50_000
    assert capex["value"] == 10_000 * 40_000 + 40_000 * 33_750
    per_year = by_metric["operating_cost_rate"]
    total = by_metric["operating_cost"]
    assert per_year["value"] == pytest.approx(capex["value"] * 0.15)
    assert total["value"] == pytest.approx(per_year["value"] * 4)
    assert "RATE per year" in per_year["note"] and "TOTAL over 4.0 years" in total["note"]
    assert per_year["unit"] == "usd_per_year" and total["unit"] == "usd"


def test_a_whole_fleet_count_is_used_when_nothing_is_counted_chip_by_chip() -> None:
    evidence = make_evidence(
        [c("lab", "gpu_count", "fleet_capex", 1_000, D(2025, 1, 31))], subjects={"lab": "company"}
    )
    estimates, _ = run_plugin(default_fleet_ownership, evidence)
    assert estimates.filter(pl.col("metric") == "server_capex")["value"].to_list() == [
        1_000 * 33_750
    ]


# --- market moves -------------------------------------------------------------------------------------

NVDA = [
    {"ticker": "NVDA", "date": D(2025, 1, 23), "close": 147.2065},
    {"ticker": "NVDA", "date": D(2025, 1, 24), "close": 142.6069},
    {"ticker": "NVDA", "date": D(2025, 1, 27), "close": 118.4091},
    {"ticker": "NVDA", "date": D(2025, 1, 28), "close": 128.9781},
    {"ticker": "AVGO", "date": D(2025, 1, 24), "close": 242.9726},
    {"ticker": "AVGO", "date": D(2025, 1, 27), "close": 200.7031},
]
MARKET = [
    c("NVDA", "shares_outstanding", "market", 24.804e9, D(2025, 1, 26), claim_id="nvda-shares"),
    c("AVGO", "shares_outstanding", "market", 4.67e9, D(2024, 9, 13), claim_id="avgo-shares"),
    c("NVDA", "market_cap_change", "one_day", -589e9, D(2025, 1, 27)),
    c("pair", "market_cap_change", "one_day", -789e9, D(2025, 1, 27)),
]
MARKET_SUBJECTS = [
    {"subject": "NVDA", "kind": "ticker"},
    {"subject": "AVGO", "kind": "ticker"},
    {"subject": "pair", "kind": "group", "members": ["NVDA", "AVGO"]},
]


def market(**options: Any) -> pl.DataFrame:
    evidence = make_evidence(MARKET, subjects=MARKET_SUBJECTS, prices=NVDA, today=D(2025, 2, 1))
    estimates, statuses = run_plugin(default_market_cap_move, evidence, **options)
    assert statuses[0].status == "ok"
    return estimates


def test_the_one_day_move_is_close_to_close_times_shares() -> None:
    row = (
        market()
        .filter((pl.col("subject") == "NVDA") & (pl.col("metric") == "market_cap_change"))
        .row(0, named=True)
    )
    assert row["as_of"] == D(2025, 1, 27)
    assert row["value"] == pytest.approx((118.4091 - 142.6069) * 24.804e9)
    assert row["low"] <= -589e9 <= row["high"]  # Bloomberg's figure is inside the range
    assert row["inputs"] == ["nvda-shares"]


def test_a_claim_published_the_next_day_is_checked_against_the_day_its_qualifier_names() -> None:
    """CNBC's ">$595B" ran on 28 January about Monday the 27th: the qualifier says so."""
    late = c(
        "NVDA",
        "market_cap_change",
        "one_day",
        None,
        D(2025, 1, 28),
        high=-595e9,
        qualifier="2025-01-27",
    )
    evidence = make_evidence(
        [*MARKET, late], subjects=MARKET_SUBJECTS, prices=NVDA, today=D(2025, 2, 1)
    )
    estimates, _ = run_plugin(default_market_cap_move, evidence)
    moves = estimates.filter(
        (pl.col("subject") == "NVDA") & (pl.col("metric") == "market_cap_change")
    )
    by_date = dict(moves.select("as_of", "value").iter_rows())
    assert by_date[D(2025, 1, 28)] == pytest.approx((118.4091 - 142.6069) * 24.804e9)
    assert by_date[D(2025, 1, 28)] == pytest.approx(by_date[D(2025, 1, 27)])


def test_a_group_move_is_the_sum_of_its_members() -> None:
    estimates = market()
    pair = estimates.filter(pl.col("subject") == "pair").row(0, named=True)
    nvda = (118.4091 - 142.6069) * 24.804e9
    avgo = (200.7031 - 242.9726) * 4.67e9
    assert pair["value"] == pytest.approx(nvda + avgo)
    assert pair["inputs"] == ["avgo-shares", "nvda-shares"]


def test_a_ticker_also_gets_its_price_change() -> None:
    row = market().filter(pl.col("metric") == "price_change").row(0, named=True)
    assert row["value"] == pytest.approx(118.4091 / 142.6069 - 1)
    assert row["low"] < -0.1697 < row["high"]


def test_a_window_runs_from_the_close_before_its_start_to_the_close_of_its_end() -> None:
    estimates = market(windows=[(D(2025, 1, 27), D(2025, 1, 28)), (D(2025, 1, 27), D(2025, 1, 27))])
    windows = estimates.filter(pl.col("scope") == "window")
    nvda = windows.filter(pl.col("subject") == "NVDA").sort("as_of")
    assert nvda["value"].to_list() == pytest.approx(
        [(118.4091 - 142.6069) * 24.804e9, (128.9781 - 142.6069) * 24.804e9]
    )
    one_day = estimates.filter(
        (pl.col("scope") == "one_day")
        & (pl.col("subject") == "NVDA")
        & (pl.col("metric") == "market_cap_change")
    )
    assert nvda["value"][0] == pytest.approx(one_day["value"][0])
    # AVGO's last close before 28 January is the 27th's: the pair's window uses it.
    assert windows.filter(pl.col("subject") == "pair")["as_of"].sort().to_list() == [
        D(2025, 1, 27),
        D(2025, 1, 28),
    ]


def test_no_move_is_made_from_a_price_series_that_stopped_before_the_date() -> None:
    estimates = market(windows=[(D(2025, 1, 27), D(2025, 2, 10))])
    assert estimates.filter(pl.col("scope") == "window").is_empty()
    late = make_evidence(
        [*MARKET, c("NVDA", "market_cap", "market", 3e12, D(2025, 2, 20))],
        subjects=MARKET_SUBJECTS,
        prices=NVDA,
        today=D(2025, 3, 1),
    )
    moves, _ = run_plugin(default_market_cap_move, late)
    assert D(2025, 2, 20) not in moves["as_of"].to_list()


def test_a_move_never_uses_a_close_after_its_date() -> None:
    evidence = make_evidence(MARKET, subjects=MARKET_SUBJECTS, prices=NVDA, today=D(2025, 2, 1))
    before = evidence.prices.filter(pl.col("date") <= D(2025, 1, 27))
    cut = make_evidence(MARKET, subjects=MARKET_SUBJECTS, prices=before, today=D(2025, 2, 1))
    full, _ = run_plugin(default_market_cap_move, evidence)
    partial, _ = run_plugin(default_market_cap_move, cut)
    assert full.drop("params_hash", "parameters").equals(partial.drop("params_hash", "parameters"))


# --- scale ----------------------------------------------------------------------------------------------


def test_all_six_built_ins_run_on_forty_models_of_evidence_with_an_override() -> None:
    # How long this takes is measured by `make bench` (benchmarks/bench_estimators.py), not here.
    evidence = many_models_evidence(40)
    estimates, statuses = run_estimators(evidence, {"rental_price": 2.5}, manager=PluginManager())
    assert all(s.status == "ok" for s in statuses)
    assert estimates.height > 1000
    rental = estimates.filter(pl.col("estimator") == "cloud_rental")
    assert rental.height > 0
    assert all(json.loads(p)["rental_price"]["value"] == 2.5 for p in rental["parameters"])
