"""Whether an identity change can ever fit the default mouth's prompt, said when it is made.

Identity is never cut to fit (invariant 6): a turn whose verified core and
boundaries do not fit the mouth's window fails. A core that cannot fit even
beside the shortest message makes *every* turn fail, so a proposal that would
grow the identity past that point is refused when it is made, and again when it
is accepted (the default mouth may have changed in between).

Counting exactly needs the mouth's own tokenizer: a model to load or a server to
ask, too much for a proposal. A lower bound needs neither. The tokenizers of the
models a mouth runs (llama.cpp's BPE and SentencePiece vocabularies, the same
models behind an OpenAI-compatible server) split text at whitespace before they
merge, so every whitespace-separated word is at least one token. Only what
cannot fit by that bound is refused; what may fit is left to the turn, whose
exact count decides (and whose error names the fix).

A change that shrinks the identity is never refused: a home whose core is
already too big must be able to get smaller one step at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from truehearth.context import fences
from truehearth.context.router import verified_identity
from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.core.quoting import quote
from truehearth.core.records import Layer
from truehearth.mouths import llama, registry
from truehearth.mouths.base import GenerationParams
from truehearth.rhythm.boundary import is_rhythm

if TYPE_CHECKING:
    from truehearth.home import Home
    from truehearth.mouths.registry import MouthEntry

_MESSAGE = 1
"""The shortest message a turn can carry: one token."""


@dataclass(frozen=True, slots=True)
class Room:
    """The prompt the default mouth leaves: its window less the tokens kept for the reply."""

    who: str
    window: int
    reply: int
    layers: Collection[Layer] | None

    @property
    def prompt(self) -> int:
        return self.window - self.reply

    def sends(self, layer: Layer) -> bool:
        return self.layers is None or layer in self.layers

    def said(self) -> str:
        return (
            f"{self.who} leaves {self.prompt:,} for a prompt (window {self.window:,}, "
            f"{self.reply:,} kept for the reply)"
        )


def default_room(home: Home) -> Room | None:
    """The default mouth's room, from what it declared when added (nothing is loaded).

    A home with no mouth yet gets the embedded one at its first turn, so that
    one's room counts; a mouth that declares no window, or that may receive no
    layer at all, has no room to check against (``None``).
    """
    active = registry.mouths(home)
    if not active:
        reply = GenerationParams().max_tokens
        who = f"the embedded mouth {registry.DEFAULT_MOUTH!r} (added at the first turn)"
        return Room(who, llama.DEFAULT_N_CTX, reply, None)
    chosen = next((m for m in active if m.default), None)
    if chosen is None:
        return None
    return _room(chosen, f"the default mouth {chosen.name!r}")


def _room(entry: MouthEntry, who: str) -> Room | None:
    """A mouth's room, from what it declared; ``None`` without a window or a layer to send."""
    window = entry.options.get("context_window", entry.options.get("n_ctx"))
    if not isinstance(window, int):
        return None
    try:
        layers = registry.sendable(entry)
    except TruehearthError:
        return None
    return Room(who, window, entry.params.max_tokens, layers)


def check_default_fits(home: Home, entry: MouthEntry) -> None:
    """Refuse to make ``entry`` the default mouth if the verified identity can never fit it.

    The other side of :func:`check_change_fits`: there the identity grows past
    the default mouth, here the default mouth shrinks below the identity. Either
    way every turn would fail. Raises :class:`InvalidInput` naming both sizes.
    """
    room = _room(entry, f"mouth {entry.name!r}")
    if room is None:
        return
    identity = [
        (r.layer, r.text)
        for r in verified_identity(home)
        if room.sends(r.layer) and not is_rhythm(r)
    ]
    if not identity:
        return
    need = _fewest_for_identity(home.config.name, identity)
    if need <= room.prompt:
        return
    raise InvalidInput(
        f"the verified core and boundaries take at least {need:,} tokens beside the shortest "
        f"message, but {room.said()}; identity is never cut, so every turn would fail as the "
        "default: give it a larger window or fewer reply tokens (`truehearth mouth add "
        f"{entry.name} --replace ...`), or shorten the identity first"
    )


def fewest_tokens(text: str) -> int:
    """Tokens ``text`` takes in the prompt at the least: one per word, as it is quoted."""
    return len(quote(text).split())


def _fewest_for_identity(name: str, statements: Sequence[tuple[Layer, str]]) -> int:
    """The system message (intro, headers, one quoted line each) and the shortest message."""
    layers = {layer for layer, _ in statements}
    words = fewest_tokens(fences.intro(name)) + _MESSAGE
    words += sum(len(fences.IDENTITY_HEADERS[layer].split()) for layer in layers)
    return words + sum(1 + fewest_tokens(text) for _, text in statements)  # "- " + quote


def check_change_fits(
    home: Home, layer: Layer, text: str, meta: dict[str, Any], replaces: str | None
) -> None:
    """Refuse an identity change that would grow the identity past the default mouth's room.

    ``text`` is the added or replacing statement, ``replaces`` the id of the record
    it takes the place of, if any. Raises :class:`InvalidInput` naming the size
    and the limit.
    """
    room = default_room(home)
    if room is None or not room.sends(layer) or isinstance(meta.get("rhythm"), dict):
        return  # a rhythm boundary enters a prompt only when it applies, in its own words
    identity = [r for r in verified_identity(home) if room.sends(r.layer) and not is_rhythm(r)]
    before = [(r.layer, r.text) for r in identity]
    kept = [(r.layer, r.text) for r in identity if r.id != replaces]
    name = home.config.name
    after = _fewest_for_identity(name, [*kept, (layer, text)])
    if after <= room.prompt or after <= _fewest_for_identity(name, before):
        return
    size = f"{len(text):,} characters, at least {fewest_tokens(text):,} tokens"
    if _fewest_for_identity(name, [(layer, text)]) > room.prompt:
        said = f"this {layer.value} statement alone ({size}) can never fit: {room.said()}"
    else:
        said = (
            f"with it ({size}), the core and boundaries would take at least {after:,} tokens "
            f"beside the shortest message, but {room.said()}"
        )
    raise InvalidInput(
        f"{said}; identity is never cut, so every turn would fail: shorten it, or make a "
        "mouth with a larger window the default first"
    )
