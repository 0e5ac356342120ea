"""Every unit converts to its metric's base unit by the right factor, and the written value stays.

The expected factors are written out here, independently of warehouse/vocabulary.py: a wrong
factor there (percent as 1 instead of 0.01, days as 1 instead of 24 hours, watts as 1000
instead of 0.001 kW, TFLOP/s as 1e9 instead of 1e12) turns every figure in that unit into a
silently wrong number.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from costboard.warehouse import readers, validate_claims, vocabulary
from costboard.warehouse.errors import IngestError
from costboard.warehouse.vocabulary import METRICS, UNITS, Metric, Unit, unit_fits_metric

#: unit -> (base unit, factor to the base unit)
EXPECTED_UNITS = {
    "usd": ("usd", 1.0),
    "usd_thousand": ("usd", 1e3),
    "usd_million": ("usd", 1e6),
    "usd_billion": ("usd", 1e9),
    "usd_trillion": ("usd", 1e12),
    "usd_per_year": ("usd_per_year", 1.0),
    "usd_million_per_year": ("usd_per_year", 1e6),
    "usd_per_day": ("usd_per_day", 1.0),
    "usd_per_gpu_hour": ("usd_per_gpu_hour", 1.0),
    "usd_per_gpu": ("usd_per_gpu", 1.0),
    "usd_per_kwh": ("usd_per_kwh", 1.0),
    "gpu_hours": ("gpu_hours", 1.0),
    "gpu_hours_thousand": ("gpu_hours", 1e3),
    "gpu_hours_million": ("gpu_hours", 1e6),
    "chip_hours": ("gpu_hours", 1.0),
    "chip_hours_million": ("gpu_hours", 1e6),
    "count": ("count", 1.0),
    "flop": ("flop", 1.0),
    "flop_per_second": ("flop_per_second", 1.0),
    "tflop_per_second": ("flop_per_second", 1e12),
    "petaflop_per_second": ("flop_per_second", 1e15),
    "tokens": ("tokens", 1.0),
    "tokens_billion": ("tokens", 1e9),
    "tokens_trillion": ("tokens", 1e12),
    "params": ("params", 1.0),
    "params_billion": ("params", 1e9),
    "kw": ("kw", 1.0),
    "w": ("kw", 1e-3),
    "ratio": ("ratio", 1.0),
    "percent": ("ratio", 1e-2),
    "ooms_per_year": ("ooms_per_year", 1.0),
    "hours": ("hours", 1.0),
    "days": ("hours", 24.0),
    "months": ("hours", 730.5),  # Epoch AI's 8766 hours per year / 12
    "date": ("date", 1.0),  # written YYYY-MM-DD, stored as days since 1970-01-01
    "shares": ("shares", 1.0),
    "shares_million": ("shares", 1e6),
    "shares_billion": ("shares", 1e9),
}
#: Money in another currency: unit -> (currency, factor to that currency). Its base is usd,
#: reached by the exchange rate in force at the claim's date (tests/warehouse/test_currencies.py).
EXPECTED_CURRENCY_UNITS = {
    f"{code}{suffix}": (code, factor)
    for code in ("eur", "gbp", "cny", "krw", "jpy")
    for suffix, factor in (("", 1.0), ("_thousand", 1e3), ("_million", 1e6), ("_billion", 1e9))
}
#: Every built-in unit -> (base unit, factor); an exchange rate's claims have a shape of their
#: own (a currency subject, scope market: tests/warehouse/test_currencies.py).
ALL_UNITS = {
    **EXPECTED_UNITS,
    **{unit: ("usd", factor) for unit, (_, factor) in EXPECTED_CURRENCY_UNITS.items()},
    "usd_per_unit": ("usd_per_unit", 1.0),
}

#: metric -> (base unit, may it be negative?) as the README's table documents them
EXPECTED_METRICS = {
    **dict.fromkeys(
        ("training_cost", "server_capex", "operating_cost", "hardware_spend"), ("usd", False)
    ),
    **dict.fromkeys(("market_cap", "market_cap_change"), ("usd", True)),
    "operating_cost_rate": ("usd_per_year", False),
    "inference_cost": ("usd_per_day", False),
    "inference_revenue": ("usd_per_day", True),
    "rental_price": ("usd_per_gpu_hour", False),
    "purchase_price": ("usd_per_gpu", False),
    "electricity_price": ("usd_per_kwh", False),
    "gpu_hours": ("gpu_hours", True),
    "gpu_count": ("count", True),
    "training_duration": ("hours", True),
    "training_flop": ("flop", True),
    "peak_flops": ("flop_per_second", True),
    "active_params": ("params", True),
    "total_params": ("params", True),
    "training_tokens": ("tokens", True),
    **dict.fromkeys(
        (
            "utilization",
            "pue",
            "server_overhead",
            "interconnect_fraction",
            "average_power_fraction",
            "server_power_multiplier",
            "price_change",
        ),
        ("ratio", True),
    ),
    "power": ("kw", True),
    "depreciation_rate": ("ooms_per_year", True),
    "shares_outstanding": ("shares", True),
    "training_start": ("date", True),
    **dict.fromkeys(("funding_raised", "revenue", "valuation"), ("usd", True)),
    "exchange_rate": ("usd_per_unit", True),
}

#: Units written as numbers (a date unit's value is an ISO date, tested on its own below).
NUMBER_UNITS = sorted(u for u, (base, _) in EXPECTED_UNITS.items() if base != "date")

HEADER = "subject,metric,scope,value,low,high,unit,claimant,stated_on,source_url"


def normalise(*rows: str) -> list[dict[str, object]]:
    """Claims rows (after HEADER) through validation, as dicts."""
    text = HEADER + "\n" + "".join(row + "\n" for row in rows)
    table = readers.read_csv(Path("claims.csv"), text)
    return validate_claims.claims(table, today=dt.date(2026, 1, 1)).to_dicts()


def claim(metric: str, value: str, unit: str, low: str = "", high: str = "") -> str:
    return f"x,{metric},spec,{value},{low},{high},{unit},someone,2025-01-01,https://example.org/a"


def test_the_vocabulary_has_exactly_the_documented_units_and_factors() -> None:
    actual = {name: (unit.base, unit.factor) for name, unit in UNITS.items()}
    assert actual == ALL_UNITS
    currencies = {name: unit.currency for name, unit in UNITS.items() if unit.currency}
    assert currencies == {unit: code for unit, (code, _) in EXPECTED_CURRENCY_UNITS.items()}
    assert all(isinstance(u, Unit) and u.name == name for name, u in UNITS.items())
    assert all(u.description for u in UNITS.values())


def test_the_vocabulary_has_exactly_the_documented_metrics() -> None:
    actual = {name: (m.base_unit, not m.is_cost) for name, m in METRICS.items()}
    assert actual == EXPECTED_METRICS
    assert all(isinstance(m, Metric) and m.name == name for name, m in METRICS.items())
    assert all(m.description for m in METRICS.values())
    assert all(METRICS[m].base_unit in UNITS for m in METRICS)


def test_the_table_builders_key_each_row_by_its_name() -> None:
    # UNITS and METRICS are built once, at import; building two small tables here checks the
    # builders themselves (mutation testing switches a mutant on only after the import).
    assert vocabulary._units(("a", "b", 2.0, "an a"), ("c", "b", 0.5, "a c")) == {
        "a": Unit("a", "b", 2.0, "an a"),
        "c": Unit("c", "b", 0.5, "a c"),
    }
    assert vocabulary._metrics(("m", "b", True, "an m"), ("n", "a", False, "an n")) == {
        "m": Metric("m", "b", True, "an m"),
        "n": Metric("n", "a", False, "an n"),
    }


@pytest.mark.parametrize(
    ("metric", "written", "unit", "stored", "base"),
    [
        ("utilization", "37.5", "percent", 0.375, "ratio"),
        ("training_duration", "2", "days", 48.0, "hours"),
        ("power", "700", "w", 0.7, "kw"),
        ("peak_flops", "989", "tflop_per_second", 9.89e14, "flop_per_second"),
        ("training_cost", "5.576", "usd_million", 5_576_000.0, "usd"),
        ("gpu_hours", "2.788", "gpu_hours_million", 2_788_000.0, "gpu_hours"),
        ("training_tokens", "14.8", "tokens_trillion", 1.48e13, "tokens"),
        ("active_params", "37", "params_billion", 3.7e10, "params"),
        ("market_cap_change", "-0.593", "usd_trillion", -5.93e11, "usd"),
        ("shares_outstanding", "24.4", "shares_billion", 2.44e10, "shares"),
        ("operating_cost_rate", "236", "usd_million_per_year", 2.36e8, "usd_per_year"),
        ("gpu_hours", "1.5", "chip_hours_million", 1_500_000.0, "gpu_hours"),
        ("gpu_hours", "7", "chip_hours", 7.0, "gpu_hours"),
        ("peak_flops", "1.979", "petaflop_per_second", 1.979e15, "flop_per_second"),
        ("training_duration", "3", "months", 2191.5, "hours"),
    ],
)
def test_a_value_is_stored_in_the_base_unit_and_kept_as_written(
    metric: str, written: str, unit: str, stored: float, base: str
) -> None:
    (row,) = normalise(claim(metric, written, unit))
    assert row["value"] == pytest.approx(stored, rel=1e-12)
    assert row["unit"] == base
    assert row["value_as_written"] == float(written)
    assert row["unit_as_written"] == unit


@pytest.mark.parametrize("unit", NUMBER_UNITS)
def test_every_unit_converts_its_value_and_range_by_its_factor(unit: str) -> None:
    base, factor = EXPECTED_UNITS[unit]
    metric = next(m for m, (b, _) in EXPECTED_METRICS.items() if b == base)
    (row,) = normalise(claim(metric, "3", unit, low="2", high="5"))
    assert (row["low"], row["value"], row["high"]) == pytest.approx(
        (2 * factor, 3 * factor, 5 * factor), rel=1e-12
    )
    assert (row["low_as_written"], row["value_as_written"], row["high_as_written"]) == (2, 3, 5)
    assert row["unit"] == base


def test_a_range_only_claim_converts_low_and_high_and_leaves_value_empty() -> None:
    (row,) = normalise(claim("utilization", "", "percent", low="30", high="45"))
    assert row["value"] is None and row["value_as_written"] is None
    assert (row["low"], row["high"]) == pytest.approx((0.30, 0.45))


def test_unit_fits_metric_only_when_the_bases_match() -> None:
    assert unit_fits_metric("percent", "utilization")
    assert unit_fits_metric("days", "training_duration")
    assert unit_fits_metric("w", "power")
    assert unit_fits_metric("tflop_per_second", "peak_flops")
    assert unit_fits_metric("date", "training_start")
    assert not unit_fits_metric("date", "training_duration")
    assert not unit_fits_metric("days", "training_start")
    assert not unit_fits_metric("days", "utilization")
    assert not unit_fits_metric("percent", "training_cost")
    assert not unit_fits_metric("furlongs", "training_duration")
    assert not unit_fits_metric("days", "training_time")
    fitting = {(u, m) for u in UNITS for m in METRICS if unit_fits_metric(u, m)}
    assert fitting == {
        (unit, metric)
        for unit, (unit_base, _) in ALL_UNITS.items()
        for metric, (metric_base, _) in EXPECTED_METRICS.items()
        if unit_base == metric_base
    }


def test_a_unit_that_does_not_fit_its_metric_is_refused_naming_the_base_unit() -> None:
    text = HEADER + "\n" + claim("training_duration", "2", "percent") + "\n"
    table = readers.read_csv(Path("claims.csv"), text)
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(table, today=dt.date(2026, 1, 1))
    (error,) = caught.value.errors
    assert (error.line, error.column, error.field) == (2, 7, "unit")
    assert error.message == (
        "unit 'percent' does not fit metric 'training_duration' (its base unit is hours)"
    )


def test_peak_flops_says_the_qualifier_names_each_precision_epoch_publishes() -> None:
    # Epoch's chip rows give one peak per precision; the metric must say the qualifier holds it.
    description = METRICS["peak_flops"].description
    for precision in ("bf16", "tf32", "fp16", "fp32", "fp64", "fp8", "fp4", "int8"):
        assert precision in description
    assert "qualifier" in description


def test_a_date_claim_is_stored_as_days_since_1970_and_its_range_too() -> None:
    (row,) = normalise(
        claim("training_start", "2023-05-10", "date", low="1970-01-02", high="2024-01-01")
    )
    days = (dt.date(2023, 5, 10) - dt.date(1970, 1, 1)).days
    assert (row["low"], row["value"], row["high"]) == (1.0, float(days), 19723.0)
    assert isinstance(row["value"], float)
    # the written date is the same number: days map back to the date exactly
    assert row["value_as_written"] == float(days)
    assert dt.date(1970, 1, 1) + dt.timedelta(days=row["value_as_written"]) == dt.date(2023, 5, 10)
    assert (row["unit"], row["unit_as_written"]) == ("date", "date")


def test_a_date_before_1970_is_a_negative_day_count() -> None:
    (row,) = normalise(claim("training_start", "1969-12-31", "date"))
    assert row["value"] == -1.0


@pytest.mark.parametrize(
    ("written", "column"),
    [("45000", 4), ("2023-02-30", 4), ("10/05/2023", 4), ("2023-05", 4)],
)
def test_a_date_claim_whose_value_is_not_an_iso_date_is_refused_at_its_cell(
    written: str, column: int
) -> None:
    text = HEADER + "\n" + claim("training_start", written, "date") + "\n"
    table = readers.read_csv(Path("claims.csv"), text)
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(table, today=dt.date(2026, 1, 1))
    (error,) = caught.value.errors
    assert (error.file, error.line, error.column, error.field) == (
        "claims.csv",
        2,
        column,
        "value",
    )
    assert error.message == f"'{written}' is not a real date in the form YYYY-MM-DD"


def test_a_date_in_a_number_unit_is_still_not_a_number() -> None:
    text = HEADER + "\n" + claim("training_duration", "2023-05-10", "hours") + "\n"
    table = readers.read_csv(Path("claims.csv"), text)
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(table, today=dt.date(2026, 1, 1))
    (error,) = caught.value.errors
    assert error.message == "'2023-05-10' is not a number"


def test_a_date_low_that_is_after_its_value_is_refused() -> None:
    text = HEADER + "\n" + claim("training_start", "2023-05-10", "date", low="2023-06-01")
    table = readers.read_csv(Path("claims.csv"), text + "\n")
    with pytest.raises(IngestError) as caught:
        validate_claims.claims(table, today=dt.date(2026, 1, 1))
    (error,) = caught.value.errors
    assert error.field == "low"


def test_the_readme_metric_table_lists_exactly_the_built_in_vocabulary() -> None:
    # The README's table is the documentation of the built-in vocabulary: every metric with
    # its base unit and every unit under its base (plugins' come from `costboard vocabulary`).
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Metrics and units", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented_metrics: dict[str, str] = {}
    documented_units: dict[str, str] = {}
    for row in rows:
        metrics, base, units = (cell.strip() for cell in row.strip("|").split(" | ")[:3])
        base_unit = re.findall(r"`([a-z0-9_]+)`", base)[0]
        for metric in re.findall(r"`([a-z0-9_]+)`", metrics.split("(")[0]):
            documented_metrics[metric] = base_unit
        for unit in re.findall(r"`([a-z0-9_]+)`", units.split(":")[0]):
            documented_units[unit] = base_unit
    assert documented_metrics == {n: m.base_unit for n, m in METRICS.items()}
    assert documented_units == {n: u.base for n, u in UNITS.items()}
    scopes = re.search(r"Scopes: (.*?)\(each", section, re.DOTALL).group(1)
    assert re.findall(r"`([a-z_]+)`", scopes) == list(vocabulary.SCOPES)
