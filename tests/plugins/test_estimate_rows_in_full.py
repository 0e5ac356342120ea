"""Every field of a built-in estimate, worked out by hand: the value and its range, the claims it
used, the recorded intermediate figures and the note a reader sees.

The reference cases check each estimator's central value against published figures; a wrong
range, a lost claim id or a note that misstates the arithmetic would pass them silently.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import polars as pl
import pytest

from costboard.plugins import (
    default_amortized_hardware_energy,
    default_cloud_rental,
    default_compute_6nd,
    default_fleet_ownership,
    default_hardware_acquisition,
)
from costboard.testing import claim, make_evidence, run_plugin

D = dt.date
DAY = D(2025, 1, 1)
NEXT = D(2025, 1, 2)
EPOCH_RANGES = "Epoch AI uncertainty.ipynb (90% intervals, 2024)"


def estimate_rows(plugin: Any, claims: list[dict[str, Any]], **options: Any) -> pl.DataFrame:
    evidence = make_evidence(claims, today=options.pop("today", NEXT))
    estimates, statuses = run_plugin(plugin, evidence, **options)
    assert [s.status for s in statuses] == ["ok"], statuses
    return estimates


def latest(estimates: pl.DataFrame, subject: str) -> dict[str, Any]:
    rows = estimates.filter(pl.col("subject") == subject).sort("as_of")
    assert rows.height, f"no estimate for {subject}"
    return rows.row(-1, named=True)


def recorded(row: dict[str, Any]) -> dict[str, Any]:
    """The figures an estimate recorded beside its parameters: {name: value}."""
    return {
        name: entry["value"]
        for name, entry in json.loads(row["parameters"]).items()
        if entry.get("origin") == "derived"
    }


# --- hardware_acquisition ---------------------------------------------------------------------


def test_buying_a_counted_cluster_is_gpus_times_price_over_one_minus_interconnect() -> None:
    claims = [claim("m", "gpu_count", "final_run", 2048, DAY, qualifier="h800", claim_id="n")]
    row = latest(estimate_rows(default_hardware_acquisition, claims), "m")
    total = 2048 * 33_750 / (1 - 0.19)
    assert (row["metric"], row["scope"], row["unit"]) == ("server_capex", "cluster_capex", "usd")
    assert (row["value"], row["low"], row["high"]) == pytest.approx(
        (total, total * 0.46, total * 2.1), rel=1e-12
    )
    assert row["inputs"] == ["n"]
    assert recorded(row) == {"gpus": 2048.0, "server_price": 33_750.0}
    assert row["note"] == (
        "2048.0 GPUs x $33750.0 / (1 - 0.19): buying the training cluster; "
        f"range 0.46x-2.1x ({EPOCH_RANGES})"
    )


def test_without_a_count_the_gpus_are_gpu_hours_over_training_time() -> None:
    claims = [
        claim("k", "gpu_hours", "final_run", 2.788e6, DAY, claim_id="k-hours"),
        claim("k", "training_duration", "final_run", 1000, DAY, claim_id="k-time"),
        claim("half", "gpu_hours", "final_run", 1000, DAY, claim_id="h-hours"),
        claim("half", "training_duration", "final_run", 0.5, DAY, claim_id="h-time"),
        claim("zero", "gpu_hours", "final_run", 1000, DAY),
        claim("zero", "training_duration", "final_run", 0, DAY),
    ]
    estimates = estimate_rows(default_hardware_acquisition, claims)
    k = latest(estimates, "k")
    assert recorded(k)["gpus"] == 2788.0
    assert k["value"] == pytest.approx(2788 * 33_750 / 0.81)
    assert k["inputs"] == ["k-hours", "k-time"]
    assert recorded(latest(estimates, "half"))["gpus"] == 2000.0
    assert "zero" not in estimates["subject"].to_list()  # no training time, no GPU count


# --- compute_6nd ------------------------------------------------------------------------------

FLOP = 6 * 37e9 * 14.8e12
SECONDS = 3600


def v3_like() -> list[dict[str, Any]]:
    return [
        claim("m", "active_params", "spec", 37e9, DAY, claim_id="n"),
        claim("m", "training_tokens", "final_run", 14.8e12, DAY, claim_id="d"),
        claim("m", "gpu_hours", "final_run", 2.788e6, DAY, claim_id="h"),
    ]


def test_compute_6nd_prices_the_gpu_hours_six_n_d_flop_take() -> None:
    row = latest(estimate_rows(default_compute_6nd, v3_like()), "m")
    hours = FLOP / (989e12 * 0.375) / SECONDS
    hours_low = FLOP / (989e12 * 0.65) / SECONDS  # the most utilization: the fewest hours
    hours_high = FLOP / (989e12 * 0.1) / SECONDS
    assert (row["value"], row["low"], row["high"]) == pytest.approx(
        (hours * 2.0, hours_low * 1.99, hours_high * 4.86), rel=1e-12
    )
    assert row["inputs"] == ["d", "n"]
    figures = recorded(row)
    assert figures.pop("flop_source") == "6 x active_params x training_tokens"
    assert figures == pytest.approx(
        {
            "training_flop": FLOP,
            "gpu_hours": hours,
            "claimed_gpu_hours": 2.788e6,
            "implied_utilization": FLOP / (2.788e6 * SECONDS) / 989e12,
            "achieved_flops_per_gpu": FLOP / (2.788e6 * SECONDS),
        },
        rel=1e-12,
    )
    assert row["note"] == (
        "3.2856e+24 FLOP (6 x active_params x training_tokens) / (989000000000000.0 FLOP/s x "
        "0.375 utilization) = 2460847.0 GPU-hours x $2.0/GPU-hour"
    )


def test_without_parameters_and_tokens_compute_6nd_uses_the_claimed_flop() -> None:
    claims = [claim("f", "training_flop", "final_run", 3.8e25, DAY, claim_id="f-flop")]
    row = latest(estimate_rows(default_compute_6nd, claims), "f")
    assert row["value"] == pytest.approx(3.8e25 / (989e12 * 0.375) / SECONDS * 2.0)
    assert row["inputs"] == ["f-flop"]
    assert recorded(row)["flop_source"] == "claimed training_flop"
    assert "claimed_gpu_hours" in recorded(row) and recorded(row)["claimed_gpu_hours"] is None
    assert row["note"].startswith("3.8e+25 FLOP (claimed training_flop) / (")


def test_compute_6nd_reads_parameters_from_final_run_claims_too() -> None:
    claims = [
        claim("m", "active_params", "final_run", 37e9, DAY, claim_id="n"),
        claim("m", "training_tokens", "final_run", 14.8e12, DAY, claim_id="d"),
    ]
    row = latest(estimate_rows(default_compute_6nd, claims), "m")
    assert recorded(row)["training_flop"] == pytest.approx(FLOP)


def test_compute_6nd_ignores_figures_of_other_scopes_stated_later() -> None:
    later = [
        claim("m", "active_params", "training_total", 1e9, NEXT),
        claim("m", "training_tokens", "stage", 1e12, NEXT, qualifier="pretraining"),
        claim("m", "gpu_hours", "stage", 5e3, NEXT, qualifier="sft"),
        claim("f", "training_flop", "final_run", 3.8e25, DAY, claim_id="f-flop"),
        claim("f", "training_flop", "training_total", 9e25, NEXT),
    ]
    estimates = estimate_rows(default_compute_6nd, [*v3_like(), *later])
    m = latest(estimates, "m")
    assert m["as_of"] == NEXT
    assert recorded(m)["training_flop"] == pytest.approx(FLOP)
    assert recorded(m)["claimed_gpu_hours"] == 2.788e6
    f = latest(estimates, "f")
    assert (f["as_of"], recorded(f)["training_flop"]) == (NEXT, 3.8e25)


def test_the_implied_utilization_is_none_without_claimed_gpu_hours() -> None:
    claims = v3_like()[:2]
    row = latest(estimate_rows(default_compute_6nd, claims), "m")
    assert recorded(row)["implied_utilization"] is None
    assert math.isclose(row["value"], FLOP / (989e12 * 0.375) / SECONDS * 2.0)


# --- cloud_rental and the rental price it uses -------------------------------------------------

RENTAL_DEFAULT = "default: $2 per H800 GPU-hour, DeepSeek-V3 report Table 1"
HOURS = 2.788e6


def v3_run(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        claim("m", "gpu_hours", "final_run", HOURS, DAY, claim_id="h"),
        claim("m", "gpu_count", "final_run", 2048, DAY, qualifier="h800", claim_id="n"),
        *extra,
    ]


def rental(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["parameters"])["rental_price"]


def test_renting_the_run_at_the_default_price_with_its_range() -> None:
    row = latest(estimate_rows(default_cloud_rental, v3_run()), "m")
    assert (row["value"], row["low"], row["high"]) == pytest.approx(
        (HOURS * 2.0, HOURS * 1.99, HOURS * 4.86), rel=1e-12
    )
    assert row["inputs"] == ["h"]
    figures = recorded(row)
    assert figures.pop("gpu_hours_source") == "claimed gpu_hours"
    # Epoch prices cloud compute 60 days before training start: publication (here the first
    # claim, DAY) - wall clock (HOURS / 2048) - 60 days - 60 days.
    target = (
        dt.datetime(DAY.year, DAY.month, DAY.day) - dt.timedelta(hours=HOURS / 2048, days=120)
    ).date()
    assert figures.pop("price_target") == str(target)
    assert figures == pytest.approx(
        {
            "gpu_hours": HOURS,
            "wall_clock_hours": HOURS / 2048,
            "wall_clock_days": HOURS / 2048 / 24,
        },
        rel=1e-12,
    )
    assert rental(row)["origin"].startswith(RENTAL_DEFAULT)
    assert (rental(row)["value"], rental(row)["low"], rental(row)["high"]) == (2.0, 1.99, 4.86)
    assert row["note"] == (
        "2788000.0 GPU-hours (claimed gpu_hours) x $2.0/GPU-hour; rented compute for the final run only"
    )


def test_two_market_listings_give_their_median_and_their_own_range() -> None:
    listings = (
        claim("h800", "rental_price", "market", 3.0, DAY, qualifier="a", claim_id="pa"),
        claim("h800", "rental_price", "market", 5.0, DAY, qualifier="b", claim_id="pb"),
        claim("h800", "rental_price", "projection", 9.0, NEXT, claim_id="px"),  # not a listing
    )
    row = latest(estimate_rows(default_cloud_rental, v3_run(*listings)), "m")
    assert (rental(row)["value"], rental(row)["low"], rental(row)["high"]) == (4.0, 3.0, 5.0)
    assert rental(row)["origin"] == "claims: median of 2 market price(s) for h800"
    assert (row["value"], row["low"], row["high"]) == (HOURS * 4, HOURS * 3, HOURS * 5)
    assert row["inputs"] == ["h", "pa", "pb"]
    assert row["note"].endswith("x $4.0/GPU-hour; rented compute for the final run only")


def test_the_runs_own_price_wins_and_one_known_price_is_widened_to_the_default_range() -> None:
    own = claim("m", "rental_price", "final_run", 2.5, DAY, claim_id="p")
    other_scope = claim("m", "rental_price", "projection", 9.0, NEXT)
    row = latest(estimate_rows(default_cloud_rental, v3_run(own, other_scope)), "m")
    assert (rental(row)["value"], rental(row)["low"], rental(row)["high"]) == (2.5, 1.99, 4.86)
    assert rental(row)["origin"] == "claim: p"
    assert row["inputs"] == ["h", "p"]


def test_the_own_price_and_one_listing_are_two_known_prices_and_set_the_range() -> None:
    own = claim("m", "rental_price", "final_run", 2.5, DAY, claim_id="p", low=2.4, high=2.6)
    listing = claim("h800", "rental_price", "market", 3.5, DAY, qualifier="a", claim_id="pa")
    row = latest(estimate_rows(default_cloud_rental, v3_run(own, listing)), "m")
    assert (rental(row)["value"], rental(row)["low"], rental(row)["high"]) == (2.5, 2.4, 3.5)
    assert row["inputs"] == ["h", "p", "pa"]


def test_an_overridden_price_has_no_range_and_no_claims() -> None:
    row = latest(
        estimate_rows(default_cloud_rental, v3_run(), overrides={"rental_price": 3.0}), "m"
    )
    assert (row["value"], row["low"], row["high"]) == (HOURS * 3, HOURS * 3, HOURS * 3)
    assert rental(row) == {"value": 3.0, "low": 3.0, "high": 3.0, "origin": "override"}
    assert row["inputs"] == ["h"]


# --- fleet_ownership --------------------------------------------------------------------------

DGX_DEFAULT = "default: DGX H100 ~$270,000 / 8 GPUs = $33,750 per GPU incl. server"


def fleet(*extra: dict[str, Any]) -> pl.DataFrame:
    claims = [
        claim("lab", "gpu_count", "fleet_capex", 100, DAY, qualifier="h800", claim_id="k1"),
        claim("lab", "gpu_count", "fleet_capex", 50, DAY, qualifier="h100", claim_id="k2"),
        *extra,
    ]
    evidence = make_evidence(claims, subjects={"lab": "company"}, today=NEXT)
    estimates, statuses = run_plugin(default_fleet_ownership, evidence)
    assert [s.status for s in statuses] == ["ok"], statuses
    return estimates.filter(pl.col("as_of") == NEXT)


def by_metric(estimates: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["metric"]: row for row in estimates.to_dicts()}


def test_a_fleets_capex_opex_rate_and_opex_total_with_their_ranges() -> None:
    rows = by_metric(fleet())
    capex = 150 * 33_750
    rate = capex * 0.15
    expected = {
        "server_capex": (capex, capex * 0.46, capex * 2.1),
        "operating_cost_rate": (rate, capex * 0.46 * 0.10, capex * 2.1 * 0.20),
        "operating_cost": (rate * 4, capex * 0.46 * 0.10 * 4, capex * 2.1 * 0.20 * 4),
    }
    assert rows.keys() == expected.keys()
    for metric, (value, low, high) in expected.items():
        row = rows[metric]
        assert (row["value"], row["low"], row["high"]) == pytest.approx((value, low, high))
    assert {m: (r["scope"], r["unit"]) for m, r in rows.items()} == {
        "server_capex": ("fleet_capex", "usd"),
        "operating_cost_rate": ("fleet_opex", "usd_per_year"),
        "operating_cost": ("fleet_opex", "usd"),
    }
    assert rows["server_capex"]["note"] == (
        f"150.0 GPUs priced at server level; range 0.46x-2.1x ({EPOCH_RANGES})"
    )
    assert rows["operating_cost_rate"]["note"] == "a RATE per year: server capex x opex_fraction"
    assert rows["operating_cost"]["note"] == (
        "a TOTAL over 4.0 years of ownership (SemiAnalysis's TCO horizon); per year: $759375.0"
    )
    for row in rows.values():
        assert row["inputs"] == ["k1", "k2"]
        figures = recorded(row)
        assert (figures["gpus"], figures["capex"]) == (150.0, capex)
        assert [
            {k: v for k, v in line.items() if k != "price_origin"} for line in figures["fleet"]
        ] == [
            {"chip": "h100", "gpus": 50.0, "server_price": 33_750.0},
            {"chip": "h800", "gpus": 100.0, "server_price": 33_750.0},
        ]
        assert all(line["price_origin"].startswith(DGX_DEFAULT) for line in figures["fleet"])


def test_a_chip_only_price_and_its_server_overhead_are_inputs_of_the_fleet() -> None:
    price = claim("h800", "purchase_price", "market", 20_000, DAY, qualifier="chip", claim_id="pp")
    overhead = claim("ml-hardware", "server_overhead", "method", 1.5, DAY, claim_id="so")
    rows = by_metric(fleet(price, overhead))
    capex = 100 * 20_000 * 1.5 + 50 * 33_750
    assert rows["server_capex"]["value"] == pytest.approx(capex)
    assert rows["server_capex"]["inputs"] == ["k1", "k2", "pp", "so"]
    lines = recorded(rows["server_capex"])["fleet"]
    assert [(line["chip"], line["server_price"]) for line in lines] == [
        ("h100", 33_750.0),
        ("h800", 30_000.0),
    ]
    assert lines[1]["price_origin"] == "claim: pp"


def test_only_gpu_counts_in_the_fleet_scope_are_counted_and_a_family_never_goes_negative() -> None:
    rows = by_metric(
        fleet(
            claim("lab", "server_capex", "fleet_capex", 9e9, DAY),
            claim("lab", "gpu_count", "cluster_capex", 7_000, DAY, qualifier="h800"),
            claim("lab", "gpu_count", "fleet_capex", 120, DAY, qualifier="hopper", claim_id="k3"),
        )
    )
    figures = recorded(rows["server_capex"])
    # hopper's 120 include the 150 h800 and h100 counted on their own: nothing is left for it
    assert [(line["chip"], line["gpus"]) for line in figures["fleet"]] == [
        ("h100", 50.0),
        ("h800", 100.0),
        ("hopper", 0.0),
    ]
    assert figures["gpus"] == 150.0


# --- amortized_hardware_energy ----------------------------------------------------------------

CHIP_HOURS = 2.7881e6  # every cost in the note then has a first decimal to round away
RELEASED = D(2024, 12, 26)
CHIP_RELEASED = D(2022, 9, 21)  # + 90 days = 2022-12-20, before the default price's 2023-05-31
AMORTIZED_SUBJECTS = [
    {"subject": "m", "kind": "model", "developer": "DeepSeek", "released_on": RELEASED},
    {"subject": "h100", "kind": "chip", "released_on": CHIP_RELEASED},
    {"subject": "new-chip", "kind": "chip", "released_on": D(2024, 3, 1)},
    {"subject": "undated-chip", "kind": "chip"},
]


def amortized(*claims: dict[str, Any], **options: Any) -> dict[str, Any]:
    evidence = make_evidence(list(claims), subjects=AMORTIZED_SUBJECTS, today=NEXT)
    estimates, statuses = run_plugin(default_amortized_hardware_energy, evidence, **options)
    assert [s.status for s in statuses] == ["ok"], statuses
    return latest(estimates, "m")


def run_on(chip: str, *extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        claim("m", "gpu_hours", "final_run", CHIP_HOURS, DAY, claim_id="h"),
        claim("m", "gpu_count", "final_run", 2048, DAY, qualifier=chip, claim_id="n"),
        *extra,
    ]


def start(hours: float) -> dt.date:
    """Epoch AI: training starts its duration plus 60 days before publication."""
    return (dt.datetime(2024, 12, 26) - dt.timedelta(hours=hours, days=60)).date()


def test_the_owners_cost_is_depreciated_hardware_plus_interconnect_plus_energy() -> None:
    duration = claim("m", "training_duration", "final_run", 1000, DAY, claim_id="t")
    row = amortized(*run_on("h100", duration))
    parameters = json.loads(row["parameters"])
    used = {name: parameters[name]["value"] for name in ("power", "server_power_multiplier")}
    used |= {name: parameters[name]["value"] for name in ("average_power_fraction", "pue")}
    price_per_kwh = parameters["electricity_price"]["value"]
    acquired, started = D(2023, 5, 31), start(1000)
    years = (started - acquired).days / 365.25
    value = 33_750 * 10 ** (-0.14 * years)
    per_chip_hour = value * 0.14 * math.log(10) / 8766
    hardware = per_chip_hour * CHIP_HOURS
    interconnect = hardware * 0.19 / 0.81
    gpu_kwh = used["power"] * CHIP_HOURS
    kwh = gpu_kwh * used["server_power_multiplier"] * used["average_power_fraction"] * used["pue"]
    energy = kwh * price_per_kwh
    total = hardware + interconnect + energy
    assert (row["value"], row["low"], row["high"]) == pytest.approx(
        (total, total * 0.34, total * 3.7), rel=1e-9
    )
    assert row["inputs"] == ["h", "t"]
    figures = recorded(row)
    assert (figures.pop("acquired_on"), figures.pop("training_start")) == (
        str(acquired),
        str(started),
    )
    assert figures == pytest.approx(
        {
            "chip_hours": CHIP_HOURS,
            "server_price": 33_750.0,
            "years_depreciated": years,
            "hardware_value": value,
            "cost_per_chip_hour": per_chip_hour,
            "hardware_cost": hardware,
            "interconnect_cost": interconnect,
            "gpu_energy_kwh": gpu_kwh,
            "energy_kwh": kwh,
            "energy_cost": energy,
        },
        rel=1e-9,
    )
    assert row["note"] == (
        f"owner's cost: hardware ${round(hardware)}.0 + interconnect ${round(interconnect)}.0 "
        f"+ energy ${round(energy)}.0; range 0.34x-3.7x ({EPOCH_RANGES})"
    )


def test_without_a_training_time_the_wall_clock_from_the_gpu_count_dates_the_start() -> None:
    row = amortized(*run_on("h100"))
    assert recorded(row)["training_start"] == str(start(CHIP_HOURS / 2048))
    assert row["inputs"] == ["h", "n"]  # the count dated the start: it is an input
    alone = amortized(claim("m", "gpu_hours", "final_run", CHIP_HOURS, DAY, claim_id="h"))
    # no training time at all: Epoch's median training time, 793.5 hours, dates the start
    assert recorded(alone)["training_start"] == str(start(793.5))
    assert alone["inputs"] == ["h"]


def test_hardware_is_acquired_at_the_later_of_its_price_date_and_release_plus_90_days() -> None:
    assert recorded(amortized(*run_on("h100")))["acquired_on"] == "2023-05-31"
    assert recorded(amortized(*run_on("new-chip")))["acquired_on"] == "2024-05-30"
    listed = claim("h100", "purchase_price", "market", 30_000, D(2024, 1, 10), claim_id="pp")
    row = amortized(*run_on("h100", listed))
    assert recorded(row)["acquired_on"] == "2024-01-10"
    assert "pp" in row["inputs"]


def test_an_overridden_price_has_no_date_of_its_own() -> None:
    row = amortized(*run_on("h100"), overrides={"purchase_price": 20_000.0})
    assert recorded(row)["acquired_on"] == "2022-12-20"  # the chip's release + 90 days
    undated = amortized(*run_on("undated-chip"), overrides={"purchase_price": 20_000.0})
    figures = recorded(undated)
    assert (figures["acquired_on"], figures["years_depreciated"]) == (None, 0.0)
    assert figures["hardware_value"] == 20_000.0


# --- what each estimate records, and how its note rounds -------------------------------------


def parameter_names(row: dict[str, Any]) -> set[str]:
    return {
        name
        for name, entry in json.loads(row["parameters"]).items()
        if entry["origin"] != "derived"
    }


def test_notes_round_each_figure_as_they_say() -> None:
    rented = latest(
        estimate_rows(
            default_cloud_rental,
            [claim("m", "gpu_hours", "final_run", 2_788_000.4, DAY)],
            overrides={"rental_price": 1.234567},
        ),
        "m",
    )
    assert rented["note"].startswith("2788000.0 GPU-hours (claimed gpu_hours) x $1.2346/GPU-hour;")
    computed = latest(
        estimate_rows(
            default_compute_6nd,
            v3_like(),
            overrides={"rental_price": 1.234567, "utilization": 0.123456},
        ),
        "m",
    )
    assert "x 0.1235 utilization) = " in computed["note"]
    assert computed["note"].endswith(" GPU-hours x $1.2346/GPU-hour")
    bought = latest(
        estimate_rows(
            default_hardware_acquisition,
            [
                claim("k", "gpu_hours", "final_run", 1000, DAY),
                claim("k", "training_duration", "final_run", 0.3, DAY),
            ],
            overrides={"purchase_price": 12_345.6789},
        ),
        "k",
    )
    assert bought["note"].startswith("3333.0 GPUs x $12345.68 / (1 - 0.19)")


def test_a_fleets_notes_round_and_each_row_records_its_own_parameters() -> None:
    claims = [
        claim("lab", "gpu_count", "fleet_capex", None, DAY, qualifier="h800", low=100, high=150)
    ]
    evidence = make_evidence(claims, subjects={"lab": "company"}, today=NEXT)
    estimates, _ = run_plugin(
        default_fleet_ownership, evidence, overrides={"purchase_price": 12_345.6789}
    )
    rows = by_metric(estimates.filter(pl.col("as_of") == NEXT))
    gpus = math.sqrt(100 * 150)  # a count claimed as a range: its geometric middle
    rate = gpus * 12_345.6789 * 0.15
    assert rows["server_capex"]["note"].startswith(f"{round(gpus)}.0 GPUs priced at server level")
    assert rows["operating_cost"]["note"].endswith(f"per year: ${round(rate)}.0")
    assert parameter_names(rows["server_capex"]) == set()
    assert parameter_names(rows["operating_cost_rate"]) == {"opex_fraction"}
    assert parameter_names(rows["operating_cost"]) == {"opex_fraction", "ownership_years"}


def test_each_market_estimate_records_the_uncertainties_it_used() -> None:
    from tests.plugins.test_market_move_details import moves

    estimates = moves(windows=[(D(2025, 1, 24), D(2025, 1, 27))])
    kinds = {
        (row["metric"], row["scope"]): parameter_names(row)
        for row in estimates.filter(pl.col("subject") == "NVDA").to_dicts()
    }
    assert kinds == {
        ("market_cap_change", "one_day"): {"shares_uncertainty", "close_uncertainty"},
        ("price_change", "one_day"): {"close_uncertainty"},
        ("market_cap_change", "window"): {"shares_uncertainty", "close_uncertainty"},
    }
