"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleaved(
    runs: int, cases: dict[str, tuple[Callable[[], None], Callable[[], None]]]
) -> list[Timing]:
    """Time each case ``runs`` times, alternating cases so drift on the machine hits all alike.

    Each case is (setup, work); only ``work`` is timed.
    """
    timings = {name: Timing(name, []) for name in cases}
    for _ in range(runs):
        for name, (setup, work) in cases.items():
            setup()
            start = time.perf_counter()
            work()
            timings[name].seconds.append(time.perf_counter() - start)
    return list(timings.values())


def report(title: str, timings: list[Timing], baseline: str) -> None:
    base = next(t for t in timings if t.name == baseline).median
    print(f"\n{title}")
    for timing in timings:
        runs = ", ".join(f"{s:.3f}" for s in timing.seconds)
        print(
            f"  {timing.name:<42} median {timing.median:8.3f} s  x{timing.median / base:5.2f}  ({runs})"
        )
