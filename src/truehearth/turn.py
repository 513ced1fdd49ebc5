"""One turn of conversation: the human's words, the context, the mouth's reply, the journal.

A :class:`Conversation` is one session with one mouth. For each turn it
assembles the context (which is where an empty message, an unknown layer or
an identity that does not fit is refused), streams the reply, and then
journals both sides in one transaction:

* the human's words: layer ``archive``, voice ``human``;
* the reply: voice ``companion``, with the mouth's name and fingerprint,
  ``untrusted`` until the human confirms it as ours.

Both carry ``meta = {"kind": "turn", "turn": i, "speaker": ...}`` and the
session id. If the stream is cut short (Ctrl-C, the consumer closing it, the
server failing half-way), whatever was already said is journaled and marked
``interrupted``; if the mouth fails before saying anything, nothing is
written at all.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from truehearth.context import Context, assemble
from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Record, Source, Voice
from truehearth.mouths import registry
from truehearth.mouths.base import GenerationParams, Message, Mouth
from truehearth.mouths.errors import MouthError
from truehearth.recall import Retriever
from truehearth.rhythm.boundary import nudged_draft

if TYPE_CHECKING:
    from truehearth.home import Home


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What one turn said and where it went in the journal."""

    session: str
    index: int
    human: Record
    reply: Record | None
    context: Context
    seconds: float
    interrupted: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "turn": self.index,
            "human": self.human.to_json(),
            "reply": self.reply.to_json() if self.reply else None,
            "interrupted": self.interrupted,
            "seconds": f"{self.seconds:.3f}",
            "context_tokens": self.context.total_tokens,
        }


@dataclass
class Conversation:
    """A session between the human and one mouth, speaking from ``home``."""

    home: Home
    mouth: Mouth
    name: str
    params: GenerationParams = field(default_factory=GenerationParams)
    session: str = field(default_factory=lambda: new_id("s"))
    retriever: Retriever | None = None
    allowed_layers: frozenset[Layer] | None = None
    include_quarantined: bool = False
    via: str = "turn"
    history: list[Message] = field(default_factory=list)
    turns: int = 0
    last: TurnResult | None = None
    results: list[TurnResult] = field(default_factory=list)
    started_at: str | None = None

    @classmethod
    def open(
        cls,
        home: Home,
        mouth_name: str | None = None,
        *,
        retriever: Retriever | None = None,
        include_quarantined: bool = False,
        via: str = "turn",
    ) -> Conversation:
        """Start a session with a registered mouth (the default one when none is named).

        The egress policy is checked and the mouth's fingerprint compared with the
        registered one before the model is loaded or any connection is made.
        """
        chosen = registry.entry(home, mouth_name)
        layers = registry.sendable(chosen)
        mouth = registry.load(chosen)
        return cls(
            home,
            mouth,
            chosen.name,
            params=chosen.params,
            retriever=retriever,
            allowed_layers=layers,
            include_quarantined=include_quarantined,
            via=via,
        )

    @classmethod
    def resume(
        cls,
        home: Home,
        session: str,
        mouth_name: str | None = None,
        *,
        retriever: Retriever | None = None,
        include_quarantined: bool = False,
        via: str = "turn",
    ) -> Conversation:
        """Continue a journaled session: its turns become the history, and numbering goes on."""
        from truehearth.sessions import session_log

        log = session_log(home, session)
        conv = cls.open(
            home,
            mouth_name,
            retriever=retriever,
            include_quarantined=include_quarantined,
            via=via,
        )
        conv.session = log.session
        conv.history = log.history()
        conv.turns = log.next_turn
        conv.started_at = log.started_at
        return conv

    def close(self) -> None:
        self.mouth.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def prepare(self, text: str) -> Context:
        """The context for the next turn (raises before anything is written).

        A home that no longer verifies does not talk: the journal since the last
        sound head is re-checked first, and every record the context quotes must
        be exactly what the journal last set (:class:`ChainBroken` otherwise).
        """
        self.home.check()
        context = assemble(
            self.home,
            self.mouth,
            text,
            history=self.history,
            retriever=self.retriever,
            params=self.params,
            session=self.session,
            include_quarantined=self.include_quarantined,
            allowed_layers=self.allowed_layers,
            session_started=self.started_at or self.home.now(),
        )
        self.home.check_records(context.record_ids())
        return context

    def say(self, text: str) -> TurnResult:
        """One whole turn; returns once the reply is journaled."""
        for _piece in self.stream(text):
            pass
        assert self.last is not None
        return self.last

    def stream(self, text: str) -> Generator[str, None, None]:
        """Yield the reply as it comes; the turn is journaled when the stream ends or is cut.

        The context is assembled now, so bad input fails here, before anything is
        printed or written.
        """
        return self._speak(text, self.prepare(text))

    def _speak(self, text: str, context: Context) -> Generator[str, None, None]:
        started = time.perf_counter()
        pieces: list[str] = []
        interrupted: str | None = "closed before the end"
        failure: MouthError | None = None
        params = self.params
        if context.nudge is not None:  # fade mode: the human asked for shorter replies now
            params = replace(params, max_tokens=context.reply_tokens)
        reply = self.mouth.stream(context.messages, params)
        try:
            for piece in reply:
                pieces.append(piece)
                yield piece
            interrupted = None
        except KeyboardInterrupt:
            interrupted = "keyboard interrupt"
            raise
        except MouthError as exc:
            failure = exc
            interrupted = f"mouth failed: {exc}"
            raise
        finally:
            close = getattr(reply, "close", None)
            if close is not None:
                close()
            if failure is None or "".join(pieces).strip():
                self._journal(text, "".join(pieces), context, started, interrupted)

    def _journal(
        self, text: str, said: str, context: Context, started: float, interrupted: str | None
    ) -> None:
        index = self.turns
        human_id = new_id("r")
        reply_id = new_id("r") if said.strip() else None
        fingerprint = self.mouth.fingerprint.digest
        base_meta: dict[str, Any] = {"kind": "turn", "turn": index}
        reply_meta: dict[str, Any] = {
            **base_meta,
            "speaker": "companion",
            "context": {"records": context.record_ids(), "tokens": context.total_tokens},
            # What was really used: a caller (the proxy) may override the mouth's own.
            "params": self.params.to_json(),
        }
        if interrupted:
            reply_meta["interrupted"] = interrupted

        def build(now: str) -> list[Draft]:
            drafts = [
                acts.remember(
                    record_id=human_id,
                    layer=Layer.ARCHIVE,
                    text=text,
                    voice=Voice.HUMAN,
                    actor=Voice.HUMAN,
                    source=Source(via=self.via, session=self.session),
                    now=now,
                    meta={**base_meta, "speaker": "human"},
                )
            ]
            if reply_id is not None:
                source = Source(
                    via=self.via,
                    session=self.session,
                    mouth=self.name,
                    mouth_fingerprint=fingerprint,
                )
                drafts.append(
                    acts.remember(
                        record_id=reply_id,
                        layer=Layer.ARCHIVE,
                        text=said,
                        voice=Voice.COMPANION,
                        actor=Voice.COMPANION,
                        source=source,
                        now=now,
                        meta=reply_meta,
                    )
                )
            if context.nudge is not None:
                drafts.append(nudged_draft(context.nudge, self.session))
            return drafts

        self.home.commit(build)
        if self.started_at is None:
            self.started_at = self.home.record(human_id).recorded_at
        self.turns += 1
        self.history.append(Message("user", text))
        if reply_id is not None:
            self.history.append(Message("assistant", said))
        self.last = TurnResult(
            session=self.session,
            index=index,
            human=self.home.record(human_id),
            reply=self.home.record(reply_id) if reply_id else None,
            context=context,
            seconds=time.perf_counter() - started,
            interrupted=interrupted,
        )
        self.results.append(self.last)
