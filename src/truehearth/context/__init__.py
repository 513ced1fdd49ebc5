"""The context router: budgeted, fenced, explainable prompt assembly for one turn.

Public API::

    assemble(home, mouth, message, *, history=(), retriever=None,
             params=GenerationParams(), budget=None) -> Context

``Context.messages`` is what the mouth gets; ``Context.sections`` and
``Context.explain()`` say what went in, why, and at what cost in tokens.
:class:`ContextOverflow` is raised when the verified identity does not fit.
"""

from truehearth.context.model import (
    Context,
    ContextOverflow,
    Item,
    LeftOut,
    Section,
    SectionRole,
)
from truehearth.context.router import assemble

__all__ = ["Context", "ContextOverflow", "Item", "LeftOut", "Section", "SectionRole", "assemble"]
