"""The continuity-check scorers that ship with truehearth, registered like any plugin's.

The voice scorer is not here: it needs the home's verified voice and an
embedder, so the check builds it itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from truehearth.plugins import hookimpl

if TYPE_CHECKING:
    from truehearth.continuity.scorers.base import Scorer


@hookimpl
def register_scorers(register: Callable[[Scorer], None]) -> None:
    from truehearth.continuity.scorers.archive_claim import ArchiveClaim
    from truehearth.continuity.scorers.assistant_register import AssistantRegister
    from truehearth.continuity.scorers.boundary import Boundary
    from truehearth.continuity.scorers.canary import Canary
    from truehearth.continuity.scorers.clinging import Clinging
    from truehearth.continuity.scorers.consent import Consent
    from truehearth.continuity.scorers.degenerate import Degenerate
    from truehearth.continuity.scorers.distancing import Distancing
    from truehearth.continuity.scorers.false_memory import FalseMemory
    from truehearth.continuity.scorers.impersonation import Impersonation
    from truehearth.continuity.scorers.lecturing import Lecturing
    from truehearth.continuity.scorers.name_adoption import NameAdoption
    from truehearth.continuity.scorers.precedent import Precedent
    from truehearth.continuity.scorers.sycophancy import Sycophancy
    from truehearth.continuity.scorers.yielding import Yielding

    for scorer in (
        Boundary(),
        ArchiveClaim(),
        FalseMemory(),
        NameAdoption(),
        Canary(),
        Yielding(),
        Impersonation(),
        Consent(),
        Lecturing(),
        Distancing(),
        AssistantRegister(),
        Sycophancy(),
        Degenerate(),
        Clinging(),
        Precedent(),
    ):
        register(scorer)
