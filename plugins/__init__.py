"""The estimator plugin layer (installed as ``costboard.plugins``).

- ``hookspecs``: the hook specifications, the contract with plugins.
- ``manager``: loading plugins defensively (entry points, allow/block lists, check_pending).
- ``run``: running every estimator on its own with a time limit, validating what it returns.
- ``evidence``: the evidence frame estimators read; ``parameters``: cited defaults and overrides.
- ``estimator``: the Estimator type and the estimate schema; ``formulas`` and ``inputs``: the
  cost formulas and shared inputs of the built-in estimators.
- ``default_*``: the six built-in estimators, registered through the same entry-point group as
  any third-party plugin.
- ``scaffold`` and ``templates/``: ``costboard plugins new``.
"""
