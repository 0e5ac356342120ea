"""The estimator plugin layer (installed as ``costboard.plugins``).

- ``hookspecs``: the hook specifications, the contract with plugins.
- ``manager``: loading plugins defensively (entry points, allow/block lists, check_pending).
- ``pipeline``: the one estimation pipeline: the evidence of a snapshot, and the estimators
  run on it (the CLI and every dashboard page go through it).
- ``run``: running every estimator on its own with a time limit, validating what it returns.
- ``evidence``: the evidence frame estimators read; ``parameters``: the parameter mechanism
  (defaults, claim and caller overrides): each built-in declares its own parameters in its
  ``default_*`` module, shared sources in ``citations``.
- ``estimator``: the Estimator type and the estimate schema; ``formulas`` and ``inputs``: the
  cost formulas and shared inputs of the built-in estimators.
- ``default_*``: the six built-in estimators, registered through the same entry-point group as
  any third-party plugin.
- ``scaffold`` and ``templates/``: ``costboard plugins new``.
"""
