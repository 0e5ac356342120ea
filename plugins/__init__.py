"""The estimator plugin layer (installed as ``costboard.plugins``).

- ``hookspecs``: the hook specifications, the contract with plugins (their docstrings are
  docs/plugins.md's hook reference, rendered by ``hookdocs``).
- ``manager``: the plugin manager, a typed facade over pluggy: asks each hook once, in a
  fixed order, and hands out what it accepted. ``loading``: which plugins there are
  (``DEFAULT_PLUGINS``, the entry points, the allow and block lists, unknown hooks);
  ``isolation``: plugin code on a worker thread with a time limit; ``contributions``: what a
  hook may return and whose offer of a name stands.
- ``pipeline``: the one estimation pipeline: the evidence of a snapshot, and the estimators
  run on it (the CLI and every dashboard page go through it).
- ``run``: running one estimator with a time limit, validating what it returns.
- ``evidence``: the evidence frame estimators read; ``parameters``: the parameter mechanism
  (defaults, claim and caller overrides), resolved by ``parameter_ladder``: each built-in
  declares its own parameters in its ``default_*`` module, those two share in ``defaults``,
  shared sources in ``citations``; ``hardware`` and ``hardware_inputs``: the hardware
  catalog's rules (peak FLOP/s, Epoch AI's prices) and the Epoch-method inputs.
- ``estimator``: the Estimator type and the estimate schema; ``formulas`` and ``inputs``: the
  cost formulas and shared inputs of the built-in estimators.
- ``default_*``: the built-in plugins (listed in ``loading.DEFAULT_PLUGINS``), registered
  through the same entry-point group as any third-party plugin.
- ``scaffold`` and ``templates/``: ``costboard plugins new``.
"""
