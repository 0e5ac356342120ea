"""costboard: claims about what AI models cost to build, checked against independent cost models.

Plugin authors import from here and never from pluggy:

    from costboard import hookimpl
"""

from __future__ import annotations

import pluggy

#: Marks a function in a plugin module as an implementation of a costboard hook.
hookimpl = pluggy.HookimplMarker("costboard")

__all__ = ["hookimpl"]
