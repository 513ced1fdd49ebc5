"""Trimmed chats: a frontend drops a long chat's oldest messages, and the chat keeps its session.

SillyTavern fits a long chat into the model's context by dropping its oldest
messages, keeping its own system prompt, card and example messages in front.
These tests replay that through the real server with the official ``openai``
client, on a real home, and read the journal: a trimmed chat continues its
session; small talk shared by two chats never merges them; a tail that two
sessions match equally starts a new session and says why; a window that shows
too little of any session starts a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import openai
import pytest

from tests.loopback import serving
from truehearth.core.records import Layer, Record, Voice
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth, last_human
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

CARD = "You are Ash, a cartographer who remembers every road. Write in third person."
NEW_CARD = "You are Ash. Keep replies short and warm. [Style: plain]"
PLACES = (
    "the salt marsh",
    "the old lighthouse",
    "the orchard on the hill",
    "the ferry to the island",
    "the night market",
    "the stone bridge at dawn",
    "the library with the green lamps",
    "the ridge above the valley",
    "the harbour in the rain",
    "the cellar full of maps",
    "the tram to the end of the line",
    "the garden behind the chapel",
)
GENERIC = {"hi": "Hello!", "ok": "Okay.", "How are you?": "I'm well."}


def _line(i: int) -> str:
    return f"Tell me again what we found at {PLACES[i % len(PLACES)]} (walk {i})."


class Numbered:
    """Replies a real mouth might give: each its own sentence, short ones to small talk."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, messages: Sequence[Message]) -> str:
        self.n += 1
        last = last_human(messages)
        if last.strip() in GENERIC:
            return GENERIC[last.strip()]
        return f"Reply {self.n}: *Ash unfolds the map* We marked it in red ink, remember?"


def _by_line(messages: Sequence[Message]) -> str:
    """The same reply to the same line, whatever came before (a deterministic mouth)."""
    last = last_human(messages)
    return f"About that ({last[-12:]}): the tide was low and the gulls were loud."


Served = tuple[openai.OpenAI, Home, str, str]  # the client, the home, the server's URL, the token


def _serve(home: Home, script: Callable[[Sequence[Message]], str]) -> Iterator[Served]:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I speak as myself.").id)
    registry.add(home, "ash", "echo")
    token = ensure_token(home.path)
    app = create_app(ServerSettings(home=home.path, token=token))
    app.state.pool.provide(registry.entry(home, "ash"), ScriptedMouth(script, name="ash"))
    with serving(app) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key=token, max_retries=0)
        try:
            yield client, home, url, token
        finally:
            client.close()


@pytest.fixture
def served(home: Home) -> Iterator[Served]:
    yield from _serve(home, Numbered())


@pytest.fixture
def served_by_line(home: Home) -> Iterator[Served]:
    yield from _serve(home, _by_line)


class Chat:
    """A frontend's chat: what it shows, and what it sends (its system text, then a window)."""

    def __init__(self, client: openai.OpenAI, system: str = CARD) -> None:
        self.client = client
        self.system = system
        self.shown: list[dict[str, str]] = []

    def send(self, text: str, keep: int | None = None, front: Sequence[dict[str, str]] = ()) -> Any:
        """Say ``text``; ``keep``: the frontend sends only the newest ``keep`` messages before."""
        self.shown.append({"role": "user", "content": text})
        return self.resend(keep, front)

    def resend(self, keep: int | None = None, front: Sequence[dict[str, str]] = ()) -> Any:
        """Send what is shown again (a regeneration when the human's message is last)."""
        if self.shown[-1]["role"] == "assistant":
            self.shown.pop()  # a swipe replaces the shown reply
        window = self.shown[:-1] if keep is None else self.shown[:-1][-keep:] if keep else []
        messages = [
            {"role": "system", "content": self.system},
            *front,
            *window,
            self.shown[-1],
        ]
        answer = self.client.chat.completions.create(model="ash", messages=messages)  # type: ignore[arg-type]
        self.shown.append({"role": "assistant", "content": answer.choices[0].message.content or ""})
        return answer


def _turns(home: Home) -> list[Record]:
    with Home.open(home.path) as h:
        found = [
            r for r in h.records(layers=[Layer.ARCHIVE], limit=500) if r.meta.get("kind") == "turn"
        ]
        assert h.verify().ok
    return sorted(found, key=lambda r: (r.meta["turn"], r.voice is not Voice.HUMAN, r.recorded_at))


def _sessions(home: Home) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in _turns(home):
        out.setdefault(str(r.source.session), []).append(r)
    return out


def _facts(answer: Any) -> dict[str, Any]:
    facts = answer.model_extra["truehearth"]
    assert isinstance(facts, dict)
    return facts


def test_a_long_chat_trimmed_from_the_front_continues_its_session(
    served: Served,
) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(8):
        first = chat.send(_line(i))
    session = _facts(first)["session"]
    # The frontend now keeps the newest 6 messages (3 turns) beside its card.
    trimmed = chat.send(_line(8), keep=6)
    facts = _facts(trimmed)
    assert facts["session"] == session and facts["turn"] == 8
    assert facts["session_match"] == {"how": "tail", "since": 5, "shown": 3}
    # The window slides, and one time it opens on a reply, not on the human's line.
    for i, keep in ((9, 7), (10, 6)):
        more = chat.send(_line(i), keep=keep)
        assert _facts(more)["session"] == session and _facts(more)["turn"] == i
    replies = [r for r in _turns(home) if r.voice is Voice.COMPANION]
    # The leading reply of the 7-message window was recognised as the companion's words.
    assert replies[9].meta["frontend"]["frontend_text"] == 0
    sessions = _sessions(home)
    assert list(sessions) == [session]
    humans = [r for r in sessions[session] if r.voice is Voice.HUMAN]
    assert [h.text for h in humans] == [_line(i) for i in range(11)]
    assert [h.meta["turn"] for h in humans] == list(range(11))
    with httpx.Client(base_url=served[2], timeout=30) as browser:
        login = browser.post("/ui/login", data={"token": served[3], "next": "/ui/chats"})
        assert login.status_code == 303
        page = browser.get("/ui/chat", params={"session": session})
    assert page.status_code == 200
    assert "trimmed chat: the frontend showed only the newest 3 turn(s), from turn 5" in page.text


def test_a_trimmed_chat_with_a_new_card_and_examples_in_front_still_continues(
    served: Served,
) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(6):
        first = chat.send(_line(i))
    session = _facts(first)["session"]
    # The human edits the card; the frontend sends its example messages in front
    # of the trimmed window. SillyTavern sends them as system messages named
    # example_user / example_assistant (set aside like any system text); some
    # frontends (RisuAI) send them as a user/assistant pair, the harder case: here.
    chat.system = NEW_CARD
    examples = [
        {"role": "user", "content": "What do you keep in the satchel?"},
        {"role": "assistant", "content": "*Ash pats the satchel* Maps, a compass, and bread."},
    ]
    answer = chat.send(_line(6), keep=8, front=examples)
    assert _facts(answer)["session"] == session and _facts(answer)["turn"] == 6
    # A swipe on the trimmed chat is another reply to the same turn, not a new question.
    swiped = chat.resend(keep=8, front=examples)
    assert _facts(swiped)["session"] == session and _facts(swiped)["turn"] == 6
    assert _facts(swiped)["alternative_to"] == [_facts(answer)["reply_record"]]
    turns = _turns(home)
    assert len({r.source.session for r in turns}) == 1
    assert [r.text for r in turns if r.voice is Voice.HUMAN] == [_line(i) for i in range(7)]
    (reply,) = [r for r in turns if r.id == _facts(swiped)["reply_record"]]
    note = reply.meta["frontend"]
    assert note["system_preview"] == [NEW_CARD]
    # The example reply is the frontend's text, labelled; the window's replies are not.
    assert note["frontend_preview"] == [examples[1]["content"]]


def test_two_chats_that_share_small_talk_do_not_merge(
    served: Served,
) -> None:
    client, home, *_ = served
    first = Chat(client)
    for i in range(3):
        first.send(_line(i))
    for line in GENERIC:  # the first chat ends in small talk
        old = first.send(line)
    # Another chat, never seen here, reaches the proxy already trimmed: its
    # window holds the same small talk, with the same replies, then its own line.
    other = Chat(client)
    other.shown = [
        {"role": "user", "content": "We should plan the winter route before the snow."},
        {"role": "assistant", "content": "*Ash nods* The pass closes in November."},
    ]
    for line, reply in GENERIC.items():
        other.shown += [{"role": "user", "content": line}, {"role": "assistant", "content": reply}]
    fresh = other.send("Which road did we take to the coast last year?", keep=6)
    assert _facts(fresh)["session"] != _facts(old)["session"]
    assert _facts(fresh)["turn"] == 0
    assert _facts(fresh)["session_match"] == {"how": "new"}
    assert len(_sessions(home)) == 2


def test_a_tail_two_sessions_match_equally_starts_a_new_session_and_says_so(
    served_by_line: Served, cli: Any
) -> None:
    client, home, *_ = served_by_line
    shared = [_line(i) for i in range(20, 23)]
    names = []
    for opening in ("We begin at the north gate, as always.", "This time we start at the docks."):
        chat = Chat(client)
        chat.send(opening)
        for line in shared:
            last = chat.send(line)
        names.append(_facts(last)["session"])
    assert len(set(names)) == 2
    # The second chat, trimmed to the turns both sessions hold word for word.
    answer = chat.send("And where do we sleep tonight, do you think?", keep=6)
    facts = _facts(answer)
    assert facts["session"] not in names and facts["turn"] == 0
    assert facts["session_match"]["how"] == "new"
    assert sorted(facts["session_match"]["ambiguous"]) == sorted(names)
    # The next request still shows both tails: it goes on in the new session.
    after = chat.send("Then the inn by the river it is, if they have a room.", keep=8)
    assert _facts(after)["session"] == facts["session"] and _facts(after)["turn"] == 1
    shown = cli("log", "--home", str(home.path), "--session", facts["session"])
    assert shown.code == 0
    flat = " ".join(shown.out.split())
    assert "matched 2 sessions equally" in flat and "none was guessed" in flat
    assert names[0] in flat and names[1] in flat


def test_a_window_that_shows_too_little_of_any_session_starts_a_new_one(
    served: Served,
) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(5):
        first = chat.send(_line(i))
    session = _facts(first)["session"]
    # Trimmed to two journaled turns: too little to tell this chat from another.
    two = chat.send(_line(5), keep=4)
    assert _facts(two)["session"] != session and _facts(two)["turn"] == 0
    # A window that no longer holds any journaled turn (the human went on
    # elsewhere, and the frontend dropped everything the home saw).
    elsewhere = Chat(client)
    elsewhere.shown = [
        {"role": "user", "content": f"A line typed while the proxy was off, number {i}."}
        if i % 2 == 0
        else {"role": "assistant", "content": f"Another backend's reply number {i}, unseen here."}
        for i in range(8)
    ]
    none = elsewhere.send("Back again: what did we say about the marsh?", keep=8)
    facts = _facts(none)
    assert facts["session"] not in (session, _facts(two)["session"])
    assert facts["turn"] == 0 and facts["session_match"] == {"how": "new"}
    assert len(_sessions(home)) == 3


def test_a_trimmed_chat_under_the_session_header_goes_on_numbering_its_turns(
    served: Served,
) -> None:
    client, home, *_ = served
    chat = Chat(client)
    headers = {"X-Truehearth-Session": "s-named"}
    chat.client = client.with_options(default_headers=headers)
    for i in range(4):
        chat.send(_line(i))
    # The frontend named the session: even a window of one turn continues it.
    answer = chat.send(_line(4), keep=2)
    assert _facts(answer)["session"] == "s-named" and _facts(answer)["turn"] == 4
    assert _facts(answer)["session_match"] == {"how": "header", "since": 3, "shown": 1}
    # A window holding none of its turns still goes on from the last one.
    chat.shown = [{"role": "user", "content": "Something new, in a window of its own."}]
    assert _facts(chat.resend())["turn"] == 5
    humans = [r.meta["turn"] for r in _turns(home) if r.voice is Voice.HUMAN]
    assert humans == [0, 1, 2, 3, 4, 5]


def test_continue_on_a_trimmed_chat_extends_the_journaled_reply(served: Served) -> None:
    client, home, *_ = served
    chat = Chat(client)
    for i in range(5):
        last = chat.send(_line(i))
    reply = chat.shown[-1]["content"]
    # SillyTavern's continue: the trimmed chat ends with the companion's reply.
    messages = [{"role": "system", "content": CARD}, *chat.shown[-6:]]
    more = client.chat.completions.create(model="ash", messages=messages)  # type: ignore[arg-type]
    facts = _facts(more)
    assert facts["session"] == _facts(last)["session"] and facts["turn"] == 4
    assert facts["session_match"]["how"] == "tail"
    (whole,) = [r for r in _turns(home) if r.id == facts["reply_record"]]
    assert whole.text == reply + (more.choices[0].message.content or "")
    assert whole.supersedes == _facts(last)["reply_record"]
    assert len(_sessions(home)) == 1


def test_named_example_messages_are_set_aside_not_read_as_the_chat(home: Home) -> None:
    seen: list[Sequence[Message]] = []

    def listen(messages: Sequence[Message]) -> str:
        seen.append(messages)
        return "Reply: *Ash folds the map* The harbour, then, before the rain."

    for client, *_ in _serve(home, listen):
        examples = [  # as RisuAI sends a card's example dialogue
            {"role": "user", "name": "example_user", "content": "Where is the satchel kept?"},
            {"role": "assistant", "name": "example_assistant", "content": "*Ash pats it* Here."},
        ]
        line = {"role": "user", "content": "Where shall we walk today?"}
        messages: list[Any] = [*examples, line]
        answer = client.chat.completions.create(model="ash", messages=messages)
    (reply,) = [r for r in _turns(home) if r.voice is Voice.COMPANION]
    note = reply.meta["frontend"]
    assert note["system_set_aside"] == 2 and note["frontend_text"] == 0
    assert note["system_preview"] == [e["content"] for e in examples]
    assert [r.text for r in _turns(home) if r.voice is Voice.HUMAN] == [line["content"]]
    assert _facts(answer)["turn"] == 0
    (sent,) = seen
    assert not any("satchel" in m.content for m in sent if m.role == "user")


def test_a_chat_begun_elsewhere_does_not_join_a_short_session_by_its_line(
    served: Served,
) -> None:
    client, home, *_ = served
    short = Chat(client)
    old = short.send("hi")  # a one-turn session, answered "Hello!"
    # A chat begun on another backend reaches the proxy: it says "hi" too, after
    # lines of its own, and shows another reply to it.
    elsewhere = Chat(client)
    elsewhere.shown = [
        {"role": "user", "content": "Good evening, are you awake?"},
        {"role": "assistant", "content": "*yawns* Barely. What is it?"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hi yourself, night owl."},
    ]
    fresh = elsewhere.send("Shall we look at the maps again?")
    assert _facts(fresh)["session"] != _facts(old)["session"]
    assert _facts(fresh)["turn"] == 0
    # The short session itself still goes on when its own chat does.
    again = short.send("Where to today?")
    assert _facts(again)["session"] == _facts(old)["session"] and _facts(again)["turn"] == 1
    assert len(_sessions(home)) == 2
