"""``python -m benchmarks [--rows N] [--runs K]``: every benchmark, printed side by side."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import benchmarks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows in the ingest benchmark's price file"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per case (medians are printed)")
    parser.add_argument(
        "--only", help="run only the benchmark module with this name (e.g. bench_ingest)"
    )
    args = parser.parse_args()
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    for name in names:
        if args.only and name != args.only:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}: {module.__doc__.splitlines()[0] if module.__doc__ else ''}")
        kwargs = {"runs": args.runs}
        if name == "bench_ingest":
            kwargs["rows"] = args.rows
        module.main(**kwargs)


if __name__ == "__main__":
    main()
