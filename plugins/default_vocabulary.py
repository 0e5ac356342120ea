"""vocabulary: costboard's built-in metrics, units, scopes and subject kinds, as a plugin.

The tables themselves live in the warehouse (``costboard.warehouse.vocabulary``), because
ingest validates against them and the warehouse never imports plugins. This plugin hands
them to the ``costboard_vocabulary`` hook like any third-party vocabulary plugin, so
``costboard plugins`` lists the built-in vocabulary beside the others. The merged
vocabulary always starts from the built-in one (see ``vocabulary.merge``): disabling this
plugin does not leave ingest without metrics, and a plugin that redefines a built-in name
differently is refused either way.
"""

from __future__ import annotations

from costboard import hookimpl
from costboard.warehouse.vocabulary import BUILT_IN, Vocabulary


@hookimpl
def costboard_vocabulary() -> Vocabulary:
    return BUILT_IN
