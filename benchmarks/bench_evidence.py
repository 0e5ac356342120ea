"""The evidence frame at Epoch AI's size: rows, build time, estimator time and peak memory,
sparse (each subject at its own and its dependencies' dates) against dense (every subject at
every evidence date, the shape before).

The claims are synthetic, shaped like Epoch AI's databases (shared/reference/epoch/): 1,900
models, each with five final_run claims (GPU count qualified with one of 100 training chips,
Zipf-like so a few chips train most models, GPU-hours, FLOP, parameters, tokens) stated on a
"Last modified" day in 2024-2025, a third of them with an earlier version too; 5,800 chips
with four spec claims on one of 500 days in 2010-2025; 600 purchase and rental prices for the
training chips on one of 150 days in 2010-2025 (Epoch's price file has 148); eight method
parameters. About 1,200 distinct evidence dates.

Each case runs in a fresh process (spawned), so its peak RSS (``resource.getrusage``'s
``ru_maxrss`` of that process, polars' native allocations included) is its own. The dense
shape grows with subjects x dates; it is measured on fractions of the data, and at full size
only for building the frame, under an address-space limit so it cannot take the machine down.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import resource
import statistics
import time
from typing import Any

import polars as pl

MODELS, CHIPS, TRAINING_CHIPS, PRICES = 1_900, 5_800, 100, 600
#: The dense case's address-space limit: beyond it the case is reported as not finishing.
DENSE_LIMIT_BYTES = 12 * 2**30
METHOD = (
    ("depreciation_rate", 0.14 * 2.302585),
    ("interconnect_fraction", 0.19),
    ("server_overhead", 1.64),
    ("utilization", 0.375),
    ("pue", 1.2),
    ("average_power_fraction", 0.75),
    ("server_power_multiplier", 1.74),
    ("electricity_price", 0.08),
)


def _days(
    rng: random.Random, start: dt.date, end: dt.date, n: int, distinct: int | None = None
) -> list[dt.date]:
    """``n`` days between ``start`` and ``end``, drawn from ``distinct`` days if given."""
    span = (end - start).days
    pool = [start + dt.timedelta(days=rng.randint(0, span)) for _ in range(distinct or n)]
    return pool if distinct is None else [rng.choice(pool) for _ in range(n)]


def epoch_sized_claims(fraction: float = 1.0, seed: int = 8) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(claims, subjects) shaped like Epoch AI's three databases, ``fraction`` of their size."""
    rng = random.Random(seed)
    models, chips = max(1, int(MODELS * fraction)), max(1, int(CHIPS * fraction))
    training = max(1, int(TRAINING_CHIPS * fraction))
    prices = max(1, int(PRICES * fraction))
    rows: list[tuple[Any, ...]] = []  # subject, metric, scope, qualifier, value, stated_on

    chip_names = [f"chip-{i}" for i in range(chips)]
    chip_days = _days(rng, dt.date(2010, 1, 1), dt.date(2025, 6, 30), chips, distinct=500)
    for name, day in zip(chip_names, chip_days, strict=True):
        rows += [
            (name, "peak_flops", "spec", "bf16", 1e14, day),
            (name, "peak_flops", "spec", "fp32", 5e13, day),
            (name, "power", "spec", None, 0.7, day),
            (name, "memory_bandwidth", "spec", None, 3e12, day),
        ]
    # Zipf-like: chip k trains models with weight 1/(k+1).
    model_chips = rng.choices(range(training), [1 / (k + 1) for k in range(training)], k=models)
    modified = _days(rng, dt.date(2024, 1, 1), dt.date(2025, 6, 30), models)
    for i, (chip, day) in enumerate(zip(model_chips, modified, strict=True)):
        versions = [day] + ([day - dt.timedelta(days=90)] if i % 3 == 0 else [])
        for version, on in enumerate(versions):
            scale = 1.0 + version / 10
            rows += [
                (f"model-{i}", "gpu_count", "final_run", chip_names[chip], 1024 * scale, on),
                (f"model-{i}", "gpu_hours", "final_run", None, 1e6 * scale, on),
                (f"model-{i}", "training_flop", "final_run", None, 1e24 * scale, on),
                (f"model-{i}", "active_params", "final_run", None, 7e10, on),
                (f"model-{i}", "training_tokens", "final_run", None, 2e12, on),
            ]
    price_days = _days(rng, dt.date(2010, 1, 1), dt.date(2025, 6, 30), prices, distinct=150)
    for j, on in enumerate(price_days):
        chip = chip_names[rng.randrange(training)]
        if j % 3 == 0:
            rows.append((chip, "purchase_price", "market", "dgx_per_gpu", 30_000.0, on))
        else:
            rows.append((chip, "rental_price", "market", f"vendor-{j % 12}", 2.0, on))
    for k, (metric, value) in enumerate(METHOD):
        rows.append(("ml-hardware", metric, "method", None, value, dt.date(2023, 1, 1 + k)))

    claims = pl.DataFrame(
        rows,
        schema={
            "subject": pl.String,
            "metric": pl.String,
            "scope": pl.String,
            "qualifier": pl.String,
            "value": pl.Float64,
            "stated_on": pl.Date,
        },
        orient="row",
    ).with_columns(
        pl.concat_str(pl.lit("c"), pl.int_range(pl.len()).cast(pl.String)).alias("claim_id"),
        pl.lit("Epoch AI").alias("claimant"),
        pl.lit("x").alias("unit"),
    )
    subjects = pl.DataFrame(
        {
            "subject": [*chip_names, *(f"model-{i}" for i in range(models)), "ml-hardware"],
            "kind": ["chip"] * chips + ["model"] * models + ["method"],
        }
    )
    return claims, subjects


def _case(fraction: float, dense: bool, estimate: bool, queue: Any) -> None:
    """One run in a fresh process: build the evidence (and run the estimators), report."""
    if dense:
        resource.setrlimit(resource.RLIMIT_AS, (DENSE_LIMIT_BYTES, DENSE_LIMIT_BYTES))
    from costboard.plugins.evidence import build_evidence
    from costboard.plugins.pipeline import run_estimators

    try:
        claims, subjects = epoch_sized_claims(fraction)
        start = time.perf_counter()
        evidence = build_evidence(claims, subjects, today=dt.date(2025, 7, 1), dense=dense)
        built = time.perf_counter() - start
        result: dict[str, Any] = {
            "claims": claims.height,
            "dates": len(evidence.dates),
            "rows": evidence.frame.height,
            "build": built,
        }
        if estimate:
            start = time.perf_counter()
            estimates, statuses = run_estimators(evidence, timeout=1800)
            result["estimate"] = time.perf_counter() - start
            result["estimates"] = estimates.height
            result["failed"] = [s.estimator for s in statuses if s.status != "ok" and s.estimator]
    except MemoryError:
        result = {"error": f"out of memory under the {DENSE_LIMIT_BYTES / 2**30:.0f} GiB limit"}
    # ru_maxrss is in KiB on Linux: the peak of this process, polars' native memory included.
    result["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put(result)


def measure(fraction: float, dense: bool, estimate: bool = True) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_case, args=(fraction, dense, estimate, queue))
    process.start()
    process.join()
    if process.exitcode != 0:
        return {"error": f"exit code {process.exitcode}"}
    return queue.get()


def _median(results: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else None


def _line(label: str, results: list[dict[str, Any]]) -> str:
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return f"  {label:<28} {errors[0]}"
    first = results[0]
    estimate = _median(results, "estimate")
    timed = (
        f"estimate {estimate:7.2f} s ({first['estimates']:>10,} estimates)  " if estimate else ""
    )
    return (
        f"  {label:<28} {first['rows']:>12,} rows  build {_median(results, 'build'):6.2f} s  "
        f"{timed}peak RSS {_median(results, 'rss') / 1e9:5.2f} GB"
        + (f"  failed: {first['failed']}" if first.get("failed") else "")
    )


def main(runs: int = 3, fractions: tuple[float, ...] = (0.1, 0.25, 1.0)) -> None:
    print("medians of", runs, "runs, each in a fresh process; RSS = ru_maxrss of that process")
    for fraction in fractions:
        sample = epoch_sized_claims(fraction)[0]
        print(
            f"\n{fraction:.0%} of Epoch's size: {sample.height:,} claims, "
            f"{sample['stated_on'].n_unique():,} evidence dates"
        )
        print(_line("sparse", [measure(fraction, dense=False) for _ in range(runs)]))
        if fraction < 1.0:
            print(_line("dense (the old shape)", [measure(fraction, True) for _ in range(runs)]))
        else:
            # The estimators on tens of millions of rows take too long to repeat: build only.
            print(_line("dense, build only", [measure(fraction, True, estimate=False)]))
