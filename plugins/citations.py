"""Sources several built-in estimators cite (each ``default_*`` module declares its own figures).

A source cited by one estimator only stays in that estimator's module; the strings here are
the ones shared, so that every estimate names them in the same words.
"""

from __future__ import annotations

from typing import Final

#: Epoch AI's cost method and parameters (costfacts §4): cited by hardware_acquisition,
#: amortized_hardware_energy and compute_6nd.
EPOCH: Final = (
    "Epoch AI, 'The rising costs of training frontier AI models' (arXiv 2405.21015, 2024)"
)
#: Epoch AI's 90% intervals: the ranges of hardware_acquisition, amortized_hardware_energy and
#: fleet_ownership.
EPOCH_UNCERTAINTY: Final = "Epoch AI uncertainty.ipynb (90% intervals, 2024)"
#: Epoch AI's cost method as implemented in its code (per-chip power, TPU prices, vendor order,
#: committed-use discounts, electricity by year): shared/reference/epoch/METHOD.md.
EPOCH_METHOD: Final = (
    "Epoch AI training-cost-trends code (commit 263c40a, 2026-04-01), "
    "https://github.com/epoch-research/training-cost-trends"
)
