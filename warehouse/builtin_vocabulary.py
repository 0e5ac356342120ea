"""The vocabulary costboard ships, as plain rows: metrics, units, currencies, scopes, subject kinds.

Data only: the types, their checks and the merge with plugins' contributions are in
vocabulary.py, which builds ``UNITS``, ``METRICS`` and ``BUILT_IN`` from these rows (a row
is the fields of a ``Unit`` or a ``Metric`` in order). Read them from there; this module
imports nothing so that the tables can be read, and reviewed, apart from the code.
"""

from __future__ import annotations

#: (name, base unit, factor to the base unit, description): one ``vocabulary.Unit`` each.
UNIT_ROWS: tuple[tuple[str, str, float, str], ...] = (
    ("usd", "usd", 1.0, "US dollars"),
    ("usd_thousand", "usd", 1e3, "thousands of US dollars"),
    ("usd_million", "usd", 1e6, "millions of US dollars"),
    ("usd_billion", "usd", 1e9, "billions of US dollars"),
    ("usd_trillion", "usd", 1e12, "trillions of US dollars"),
    ("usd_per_year", "usd_per_year", 1.0, "US dollars per year"),
    ("usd_million_per_year", "usd_per_year", 1e6, "millions of US dollars per year"),
    ("usd_per_day", "usd_per_day", 1.0, "US dollars per day"),
    ("usd_per_gpu_hour", "usd_per_gpu_hour", 1.0, "US dollars per GPU-hour"),
    ("usd_per_gpu", "usd_per_gpu", 1.0, "US dollars per GPU"),
    ("usd_per_kwh", "usd_per_kwh", 1.0, "US dollars per kilowatt-hour"),
    ("gpu_hours", "gpu_hours", 1.0, "GPU-hours"),
    ("gpu_hours_thousand", "gpu_hours", 1e3, "thousands of GPU-hours"),
    ("gpu_hours_million", "gpu_hours", 1e6, "millions of GPU-hours"),
    # Epoch AI counts accelerator time in chip-hours (TPUs included): the same quantity.
    ("chip_hours", "gpu_hours", 1.0, "chip-hours (Epoch AI's name for accelerator-hours)"),
    ("chip_hours_million", "gpu_hours", 1e6, "millions of chip-hours"),
    ("count", "count", 1.0, "a count (GPUs, employees, ...)"),
    ("flop", "flop", 1.0, "floating-point operations"),
    ("flop_per_second", "flop_per_second", 1.0, "FLOP per second"),
    ("tflop_per_second", "flop_per_second", 1e12, "tera-FLOP per second"),
    ("petaflop_per_second", "flop_per_second", 1e15, "peta-FLOP per second"),
    ("tokens", "tokens", 1.0, "tokens"),
    ("tokens_billion", "tokens", 1e9, "billions of tokens"),
    ("tokens_trillion", "tokens", 1e12, "trillions of tokens"),
    ("params", "params", 1.0, "parameters"),
    ("params_billion", "params", 1e9, "billions of parameters"),
    ("kw", "kw", 1.0, "kilowatts"),
    ("w", "kw", 1e-3, "watts"),
    ("ratio", "ratio", 1.0, "a plain ratio (0.375 = 37.5%)"),
    ("percent", "ratio", 1e-2, "percent (37.5 = 0.375)"),
    ("ooms_per_year", "ooms_per_year", 1.0, "orders of magnitude per year"),
    ("hours", "hours", 1.0, "hours"),
    ("days", "hours", 24.0, "days"),
    # Epoch AI's month: its 8766 hours per year (365.25 days) over 12.
    ("months", "hours", 730.5, "months of 730.5 hours (8766 hours per year / 12)"),
    # Written as an ISO date (YYYY-MM-DD); stored as days since 1970-01-01 (see vocabulary.DATE_BASE).
    ("date", "date", 1.0, "a calendar date written YYYY-MM-DD, stored as days since 1970-01-01"),
    ("shares", "shares", 1.0, "shares"),
    ("shares_million", "shares", 1e6, "millions of shares"),
    ("shares_billion", "shares", 1e9, "billions of shares"),
    ("usd_per_unit", "usd_per_unit", 1.0, "US dollars for one unit of the subject currency"),
)

#: Currencies other than the US dollar a claim may be written in (ISO 4217 codes, lower case).
#: An exchange_rate claim about one (subject: the code) gives US dollars per unit of it.
CURRENCIES: dict[str, str] = {
    "eur": "euros",
    "gbp": "pounds sterling",
    "cny": "Chinese yuan (renminbi)",
    "krw": "South Korean won",
    "jpy": "Japanese yen",
}

#: (name, base unit, is a cost, description): one ``vocabulary.Metric`` each.
METRIC_ROWS: tuple[tuple[str, str, bool, str], ...] = (
    ("training_cost", "usd", True, "what training (of the given scope) cost"),
    ("gpu_hours", "gpu_hours", False, "GPU-hours used"),
    ("gpu_count", "count", False, "number of GPUs"),
    ("training_duration", "hours", False, "wall-clock training time"),
    ("rental_price", "usd_per_gpu_hour", True, "rental price of one GPU for one hour"),
    ("purchase_price", "usd_per_gpu", True, "purchase price per GPU (chip or server share)"),
    ("server_capex", "usd", True, "capital spent on servers"),
    ("operating_cost", "usd", True, "cost of operating hardware (total over the stated period)"),
    ("operating_cost_rate", "usd_per_year", True, "cost of operating hardware per year"),
    ("hardware_spend", "usd", True, "money spent on hardware"),
    ("inference_cost", "usd_per_day", True, "cost of serving a model per day"),
    ("inference_revenue", "usd_per_day", False, "(theoretical) revenue from serving per day"),
    ("training_flop", "flop", False, "training compute"),
    (
        "peak_flops",
        "flop_per_second",
        False,
        "peak dense throughput of one chip at one precision, named by the qualifier "
        "(bf16, tf32, fp16, fp32, fp64, fp8, fp4, int8)",
    ),
    ("active_params", "params", False, "parameters active per token"),
    ("total_params", "params", False, "total parameters"),
    ("training_tokens", "tokens", False, "tokens seen in training"),
    ("utilization", "ratio", False, "model FLOP utilization (MFU)"),
    ("power", "kw", False, "power draw (TDP unless the scope says otherwise)"),
    ("electricity_price", "usd_per_kwh", True, "price of electricity"),
    ("pue", "ratio", False, "power usage effectiveness of a data centre"),
    ("server_power_multiplier", "ratio", False, "server power per chip over chip TDP"),
    ("average_power_fraction", "ratio", False, "average power over TDP during training"),
    ("server_overhead", "ratio", False, "server cost over chip price"),
    ("interconnect_fraction", "ratio", False, "share of cluster cost spent on interconnect"),
    ("depreciation_rate", "ooms_per_year", False, "hardware value lost per year"),
    ("market_cap", "usd", False, "market capitalisation"),
    ("market_cap_change", "usd", False, "change in market capitalisation"),
    ("price_change", "ratio", False, "relative change in a share or index price"),
    ("shares_outstanding", "shares", False, "shares outstanding"),
    ("training_start", "date", False, "when a training run started"),
    # Company figures, not costs (like market_cap): no estimator models them.
    ("funding_raised", "usd", False, "money a company raised from investors (scope company)"),
    ("revenue", "usd", False, "a company's revenue over the stated period (scope company)"),
    ("valuation", "usd", False, "what a company was valued at (scope company)"),
    (
        "exchange_rate",
        "usd_per_unit",
        False,
        "US dollars for one unit of the subject currency (scope market); converts claims "
        "written in that currency at their stated_on",
    ),
)

#: The metric whose claims are exchange rates (about a currency: subject = its code).
EXCHANGE_RATE = "exchange_rate"

#: What a figure covers. Compare like with like.
SCOPES: dict[str, str] = {
    "final_run": "the final training run of one model (rented or owned compute for that run)",
    "stage": "one stage of a training run (the qualifier names the stage)",
    "training_total": "all training of a model, experiments and ablations included",
    "development_total": "everything spent developing a model: compute, staff, research",
    "cluster_capex": "buying the training cluster outright, interconnect included",
    "fleet_capex": "a company's whole GPU fleet: capital spent",
    "fleet_opex": "a company's whole GPU fleet: cost of running it",
    "inference": "serving a model to users",
    "one_day": "a one-day (close-to-close) market move",
    "window": "a market move over a multi-day window",
    "market": "a market price or quantity (a listing, a rental offer, shares outstanding)",
    "spec": "a hardware or model specification",
    "method": "a parameter of a cost-estimation method",
    "projection": "a forecast of a future cost",
    "company": "a company as a whole: money raised, revenue, valuation",
}

SUBJECT_KINDS: tuple[str, ...] = ("model", "company", "chip", "ticker", "group", "currency")
