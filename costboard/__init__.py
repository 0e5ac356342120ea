"""costboard: claims about what AI models cost to build, checked against independent cost models.

Plugin authors import from here and never from pluggy::

    from costboard import Estimator, Evidence, Parameter, Parameters, hookimpl, to_estimates

The names below other than ``hookimpl`` load on first use, so the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from costboard.plugins.hookspecs import hookimpl

# public name -> the module that defines it
_LAZY: dict[str, str] = {
    "Estimator": "costboard.plugins.estimator",
    "ESTIMATE_SCHEMA": "costboard.plugins.estimator",
    "ESTIMATES_SCHEMA": "costboard.plugins.estimator",
    "to_estimates": "costboard.plugins.estimator",
    "Evidence": "costboard.plugins.evidence",
    "EVIDENCE_COLUMNS": "costboard.plugins.evidence",
    "ANY": "costboard.plugins.evidence",
    "build_evidence": "costboard.plugins.evidence",
    "load_evidence": "costboard.plugins.pipeline",
    "pick": "costboard.plugins.evidence",
    "spread": "costboard.plugins.evidence",
    "Parameter": "costboard.plugins.parameters",
    "Parameters": "costboard.plugins.parameters",
    "run_estimators": "costboard.plugins.pipeline",
    "EstimatorStatus": "costboard.plugins.run",
    "Vocabulary": "costboard.warehouse.vocabulary",
    "Metric": "costboard.warehouse.vocabulary",
    "Unit": "costboard.warehouse.vocabulary",
    "Importer": "costboard.warehouse.importers",
    "Imported": "costboard.warehouse.importers",
    "ImportedTable": "costboard.warehouse.importers",
    "ImportOptions": "costboard.warehouse.importers",
    "RawTable": "costboard.warehouse.readers",
    "IngestError": "costboard.warehouse.errors",
    "InputError": "costboard.warehouse.errors",
}

__all__ = [
    "ANY",
    "ESTIMATES_SCHEMA",
    "ESTIMATE_SCHEMA",
    "EVIDENCE_COLUMNS",
    "Estimator",
    "EstimatorStatus",
    "Evidence",
    "ImportOptions",
    "Imported",
    "ImportedTable",
    "Importer",
    "IngestError",
    "InputError",
    "Metric",
    "Parameter",
    "Parameters",
    "RawTable",
    "Unit",
    "Vocabulary",
    "build_evidence",
    "hookimpl",
    "load_evidence",
    "pick",
    "run_estimators",
    "spread",
    "to_estimates",
]

if TYPE_CHECKING:
    from costboard.plugins.estimator import (
        ESTIMATE_SCHEMA,
        ESTIMATES_SCHEMA,
        Estimator,
        to_estimates,
    )
    from costboard.plugins.evidence import (
        ANY,
        EVIDENCE_COLUMNS,
        Evidence,
        build_evidence,
        pick,
        spread,
    )
    from costboard.plugins.parameters import Parameter, Parameters
    from costboard.plugins.pipeline import load_evidence, run_estimators
    from costboard.plugins.run import EstimatorStatus
    from costboard.warehouse.errors import IngestError, InputError
    from costboard.warehouse.importers import Imported, ImportedTable, Importer, ImportOptions
    from costboard.warehouse.readers import RawTable
    from costboard.warehouse.vocabulary import Metric, Unit, Vocabulary


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'costboard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
