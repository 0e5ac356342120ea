"""The names costboard checks a plugin's offer against, written once.

A vocabulary entry (metric, unit, scope, subject kind, currency) and an estimator are named
with :data:`NAME_PATTERN`: such names become SQL values, estimator columns, entry-point names
and Python module names of scaffolded plugins (``costboard_<name>``), where '-' cannot stand.
"""

from __future__ import annotations

import re
from typing import Final

#: Lower-case letters, digits and '_', starting with a letter: ``cloud_rental``, ``usd_million``.
NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")

#: An importer's name also allows '-': it is only ever the value of ``costboard ingest --kind``
#: (never an identifier), and the built-in Epoch importers are named that way
#: (``epoch-models``, ``epoch-chips``, ``epoch-prices``, as docs/plugins.md documents).
IMPORTER_NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_-]*$")
