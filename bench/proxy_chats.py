"""Chats as the proxy journals them, for the benchmarks that need a home full of them.

One pair of records per turn (the human's line, then the companion's reply
through the ``echo`` mouth), each with the session, turn number and speaker the
proxy's turn index reads, appended in one transaction.
"""

from __future__ import annotations

from truehearth.core import acts
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home


def journal_chat(home: Home, session: str, turns: list[tuple[str, str]]) -> None:
    """Journal ``(human line, reply)`` pairs as turns 0, 1, … of ``session``."""
    now = home.now()
    drafts = []
    for t, (human, reply) in enumerate(turns):
        for voice, text in ((Voice.HUMAN, human), (Voice.COMPANION, reply)):
            speaker = "human" if voice is Voice.HUMAN else "companion"
            mouth = None if voice is Voice.HUMAN else "echo"
            drafts.append(
                acts.remember(
                    record_id=new_id("r"),
                    layer=Layer.ARCHIVE,
                    text=text,
                    voice=voice,
                    actor=voice,
                    source=Source(via="proxy", session=session, mouth=mouth),
                    now=now,
                    meta={"kind": "turn", "turn": t, "speaker": speaker},
                )
            )
    home.append_drafts(drafts)
