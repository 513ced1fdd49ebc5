"""The request sequences SillyTavern and Open WebUI send, replayed through the real server.

Each test drives the proxy with the official ``openai`` client over loopback,
the way the frontend does (the whole visible chat every time, no chat id), and
then reads the journal to check what it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import openai
import pytest

from tests.loopback import serving
from truehearth.chats import chat_account
from truehearth.core.records import Layer, Record, Voice
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

GREETING = "*Ash looks up from the map.* Oh, you're here. Where to today?"
ST_IMPERSONATE = (
    "[Write your next reply from the point of view of {{user}}, using the chat history so far "
    "as a guideline for the writing style of {{user}}. Don't write as {{char}} or system.]"
)
# SillyTavern's chat in the live run (bench/st_live.py), up to the line the user deleted.
ST_LINES = (
    "Where are we going today?",
    "Tell me about the glade.",
    "And the river beyond it?",
    "A fox, maybe.",
)
OWUI_TITLE = (
    "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n"
    "### Chat History:\n<chat_history>\nUSER: hi\nASSISTANT: hello\n</chat_history>"
)


class Counter:
    """Numbered replies, so alternatives to one turn differ."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, messages: Sequence[Message]) -> str:
        self.n += 1
        return f"reply {self.n}"


def _serve(
    home: Home, script: Callable[[Sequence[Message]], str]
) -> Iterator[tuple[openai.OpenAI, Home, str, str]]:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I speak as myself.").id)
    registry.add(home, "ash", "echo")
    registry.add(home, "ash-large", "echo")
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
def served(home: Home) -> Iterator[tuple[openai.OpenAI, Home, str, str]]:
    yield from _serve(home, Counter())


def _send(client: openai.OpenAI, chat: list[dict[str, str]], model: str = "ash") -> Any:
    return client.chat.completions.create(model=model, messages=chat)  # type: ignore[arg-type]


def _turns(home: Home) -> list[Record]:
    with Home.open(home.path) as h:
        found = [
            r for r in h.records(layers=[Layer.ARCHIVE], limit=200) if r.meta.get("kind") == "turn"
        ]
        assert h.verify().ok
    return sorted(found, key=lambda r: (r.meta["turn"], r.voice is not Voice.HUMAN, r.recorded_at))


def _events(home: Home, kind: str) -> list[dict[str, Any]]:
    with Home.open(home.path) as h:
        return [e.payload for e in h.log(limit=200) if e.kind == kind]


def test_a_chat_with_a_greeting_is_one_session_and_the_greeting_is_not_the_companions(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "assistant", "content": GREETING}, {"role": "user", "content": "the river"}]
    first = _send(client, chat)
    chat += [{"role": "assistant", "content": first.choices[0].message.content}]
    chat += [{"role": "user", "content": "and then the bridge"}]
    second = _send(client, chat)
    turns = _turns(home)
    assert [(r.voice, r.meta["turn"]) for r in turns] == [
        (Voice.HUMAN, 0),
        (Voice.COMPANION, 0),
        (Voice.HUMAN, 1),
        (Voice.COMPANION, 1),
    ]
    assert len({r.source.session for r in turns}) == 1
    assert GREETING not in [r.text for r in turns]
    assert first.model_extra["truehearth"]["session"] == second.model_extra["truehearth"]["session"]


def test_the_greeting_reaches_the_mouth_labelled_as_the_frontends_text(home: Home) -> None:
    seen: list[Sequence[Message]] = []

    def listen(messages: Sequence[Message]) -> str:
        seen.append(messages)
        return "ok"

    registry.add(home, "ash", "echo")
    token = ensure_token(home.path)
    app = create_app(ServerSettings(home=home.path, token=token))
    app.state.pool.provide(registry.entry(home, "ash"), ScriptedMouth(listen, name="ash"))
    with serving(app) as url, openai.OpenAI(base_url=url + "/v1", api_key=token) as client:
        _send(
            client, [{"role": "assistant", "content": GREETING}, {"role": "user", "content": "hi"}]
        )
    (messages,) = seen
    greeting = [m for m in messages if GREETING in m.content]
    assert len(greeting) == 1
    assert greeting[0].role != "assistant" and "frontend" in greeting[0].content


def test_regenerate_journals_an_alternative_not_the_question_again(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "what should we cook?"}]
    for _ in range(3):  # send, then two swipes
        _send(client, chat)
    turns = _turns(home)
    humans = [r for r in turns if r.voice is Voice.HUMAN]
    replies = [r for r in turns if r.voice is Voice.COMPANION]
    assert [h.text for h in humans] == ["what should we cook?"]
    assert [r.text for r in replies] == ["reply 1", "reply 2", "reply 3"]
    assert {r.meta["turn"] for r in replies} == {0}
    assert replies[1].meta["answers"] == humans[0].id
    assert replies[1].meta["alternative_to"] == [replies[0].id]
    assert replies[2].meta["alternative_to"] == [replies[0].id, replies[1].id]


def test_swipe_and_keep_records_the_alternative_the_frontend_kept(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "a song for the road?"}]
    for _ in range(3):
        _send(client, chat)
    # The human swipes back to the second reply and answers it.
    chat += [{"role": "assistant", "content": "reply 2"}, {"role": "user", "content": "yes, that"}]
    _send(client, chat)
    turns = _turns(home)
    replies = {r.text: r.id for r in turns if r.voice is Voice.COMPANION}
    (kept,) = _events(home, "turn.kept")
    assert kept["kept"] == replies["reply 2"]
    assert sorted(kept["set_aside"]) == sorted([replies["reply 1"], replies["reply 3"]])
    assert [r.meta["turn"] for r in turns if r.voice is Voice.HUMAN] == [0, 1]
    assert len({r.source.session for r in turns}) == 1


def test_continue_extends_the_companions_reply_as_one_reply(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "tell me a story"}]
    _send(client, chat)
    chat += [{"role": "assistant", "content": "reply 1"}]
    more = _send(client, chat)  # SillyTavern's continue (prefill): the reply is the last message
    assert more.choices[0].message.content == "reply 2"
    turns = _turns(home)
    assert [(r.voice, r.text) for r in turns] == [
        (Voice.HUMAN, "tell me a story"),
        (Voice.COMPANION, "reply 1reply 2"),
    ]
    with Home.open(home.path) as h:
        old = [
            r for r in h.records(layers=[Layer.ARCHIVE], current_only=False) if r.text == "reply 1"
        ]
    assert old and old[0].superseded_by == turns[1].id
    # The nudge form: a system instruction after the reply asks the same, and SillyTavern
    # joins the new words to the old with its "continue postfix", a space by default.
    chat[-1] = {"role": "assistant", "content": "reply 1reply 2"}
    chat += [{"role": "system", "content": "[Continue your last message without repeating it.]"}]
    _send(client, chat)
    assert [r.text for r in _turns(home) if r.voice is Voice.COMPANION] == [
        "reply 1reply 2 reply 3"
    ]


@pytest.mark.parametrize("postfix", [" ", "\n\n"])
def test_a_continued_reply_the_frontend_shows_is_kept_not_withdrawn(
    served: tuple[openai.OpenAI, Home, str, str], postfix: str
) -> None:
    """What SillyTavern 1.12.6 sent live (bench/st_live.py): regenerate, continue, next line.

    It continues with a nudge, joins the words with its postfix, and the next
    request shows the whole; the journal must read it as the reply it kept.
    """
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "and the river beyond it?"}]
    _send(client, chat)
    _send(client, chat)  # regenerate: "reply 2" replaces "reply 1"
    nudge = "[Continue the following message. Do not include ANY parts of the original message.]"
    _send(
        client,
        [*chat, {"role": "assistant", "content": "reply 2"}, {"role": "system", "content": nudge}],
    )
    chat += [{"role": "assistant", "content": f"reply 2{postfix}reply 3"}]
    chat += [{"role": "user", "content": "let us rest here"}]
    _send(client, chat)
    replies = [r for r in _turns(home) if r.voice is Voice.COMPANION and r.meta["turn"] == 0]
    assert [r.text for r in replies] == ["reply 1", "reply 2 reply 3"]
    (kept,) = _events(home, "turn.kept")
    assert kept["kept"] == replies[1].id and kept["set_aside"] == [replies[0].id]
    assert _events(home, "turn.withdrawn") == []


def test_impersonate_is_a_draft_never_journaled(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "good morning"}]
    _send(client, chat)
    before = _turns(home)
    chat += [{"role": "assistant", "content": "reply 1"}]
    draft = _send(client, [*chat, {"role": "system", "content": ST_IMPERSONATE}])
    assert draft.choices[0].message.content == "reply 2"
    assert draft.model_extra["truehearth"]["journaled"] is False
    assert [r.id for r in _turns(home)] == [r.id for r in before]


def test_an_empty_send_after_the_humans_message_answers_it_once(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    _send(client, [{"role": "user", "content": "hello?"}, {"role": "user", "content": ""}])
    assert [r.text for r in _turns(home)] == ["hello?", "reply 1"]
    with pytest.raises(openai.BadRequestError, match="empty"):
        _send(client, [{"role": "user", "content": " "}])


def test_a_stopped_reply_the_frontend_dropped_is_withdrawn(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    stream = client.chat.completions.create(
        model="ash", messages=[{"role": "user", "content": "go on"}], stream=True
    )
    for _chunk in stream:
        break  # the human presses stop
    stream.close()
    # SillyTavern removes the stopped reply and the human sends again.
    _send(
        client, [{"role": "user", "content": "go on"}, {"role": "user", "content": "sorry, again"}]
    )
    turns = _turns(home)
    (withdrawn,) = _events(home, "turn.withdrawn")
    first = [r for r in turns if r.voice is Voice.COMPANION and r.meta["turn"] == 0]
    assert withdrawn["replies"] == [r.id for r in first]
    assert [r.meta["turn"] for r in turns if r.voice is Voice.HUMAN] == [0, 1]


def test_a_reply_the_user_edited_is_withdrawn_as_edited_not_dropped(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    """SillyTavern's edit of the last reply, then a new line (seen live, bench/st_live.py)."""
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "let us rest here"}]
    _send(client, chat)
    chat += [{"role": "assistant", "content": "*nods* Rest, then. (the user's words)"}]
    chat += [{"role": "user", "content": "what is that sound?"}]
    _send(client, chat)
    (withdrawn,) = _events(home, "turn.withdrawn")
    assert withdrawn["edited"] is True and "edited" in withdrawn["reason"]
    turns = _turns(home)
    assert [r.text for r in turns if r.voice is Voice.COMPANION] == ["reply 1", "reply 2"]
    session = turns[0].source.session
    assert session is not None
    with Home.open(home.path) as h:
        account = chat_account(h, session)
    assert account is not None
    assert [r.fate for t in account.turns for r in t.replies] == [
        "edited at the frontend",
        "latest",
    ]
    assert account.withdrawn == 0


class Told(Counter):
    """Numbered replies of a real reply's length (a rewind, like a tail, must show enough)."""

    def __call__(self, messages: Sequence[Message]) -> str:
        return super().__call__(messages) + ": *Ash glances down the path* We keep to the left."


@pytest.fixture
def told(home: Home) -> Iterator[tuple[openai.OpenAI, Home, str, str]]:
    yield from _serve(home, Told())


def test_deleting_the_last_exchange_then_sending_stays_in_the_session(
    told: tuple[openai.OpenAI, Home, str, str],
) -> None:
    """SillyTavern's "Delete messages" on the last line and its reply, then a new line.

    The lines are those of the live run (bench/st_live.py), where it was seen.
    """
    client, home, _url, _token = told
    chat = [{"role": "assistant", "content": GREETING}]
    for line in ST_LINES:
        chat += [{"role": "user", "content": line}]
        chat += [{"role": "assistant", "content": _send(client, chat).choices[0].message.content}]
    chat = chat[:-2]  # the user deletes "A fox, maybe." and its reply
    answer = _send(client, [*chat, {"role": "user", "content": "Never mind, let us walk on."}])
    turns = _turns(home)
    assert len({r.source.session for r in turns}) == 1
    (withdrawn,) = _events(home, "turn.withdrawn")
    assert withdrawn["replies"] == [r.id for r in turns if r.text.startswith("reply 4:")]
    assert withdrawn["deleted"] is True and withdrawn["turn"] == 3
    facts = answer.model_extra["truehearth"]
    assert facts["turn"] == 4
    assert facts["session_match"] == {
        "how": "rewind",
        "since": 0,
        "shown": 3,
        "after": 2,
        "deleted": [3],
    }


def test_a_failed_send_that_reappears_is_journaled_once(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "one"}]
    _send(client, chat)
    chat += [{"role": "assistant", "content": "reply 1"}, {"role": "user", "content": "lost"}]
    chat += [{"role": "user", "content": "three"}]
    _send(client, chat)
    humans = [(r.text, r.meta["turn"]) for r in _turns(home) if r.voice is Voice.HUMAN]
    assert humans == [("one", 0), ("lost", 1), ("three", 2)]


def test_a_new_chat_with_the_same_first_line_is_a_new_session(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "hi"}]
    _send(client, chat)
    _send(
        client,
        [*chat, {"role": "assistant", "content": "reply 1"}, {"role": "user", "content": "ok"}],
    )
    fresh = _send(client, [{"role": "user", "content": "hi"}])
    turns = _turns(home)
    assert len({r.source.session for r in turns}) == 2
    assert fresh.model_extra["truehearth"]["turn"] == 0
    assert [r.text for r in turns if r.voice is Voice.HUMAN].count("hi") == 2


def test_a_model_switch_mid_chat_stays_in_the_session(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    chat = [{"role": "user", "content": "hi"}]
    _send(client, chat)
    chat += [{"role": "assistant", "content": "reply 1"}, {"role": "user", "content": "bigger now"}]
    _send(client, chat, model="ash-large")
    turns = _turns(home)
    assert len({r.source.session for r in turns}) == 1
    assert [r.source.mouth for r in turns if r.voice is Voice.COMPANION] == ["ash", "ash-large"]


def test_the_explicit_session_header_still_wins(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    headers = {"X-Truehearth-Session": "s-my-chat"}
    client.chat.completions.create(
        model="ash", messages=[{"role": "user", "content": "a"}], extra_headers=headers
    )
    client.chat.completions.create(
        model="ash",
        messages=[
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "reply 1"},
            {"role": "user", "content": "b"},
        ],
        extra_headers=headers,
    )
    turns = _turns(home)
    assert {r.source.session for r in turns} == {"s-my-chat"}
    assert [r.meta["turn"] for r in turns if r.voice is Voice.HUMAN] == [0, 1]


def test_open_webui_background_tasks_are_answered_not_journaled(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, _url, _token = served
    _send(client, [{"role": "user", "content": "hi"}])
    before = _turns(home)
    with Home.open(home.path) as h:
        head = h.head()
    title = _send(client, [{"role": "user", "content": OWUI_TITLE}])
    assert title.choices[0].message.content == "reply 2"
    assert title.model_extra["truehearth"]["journaled"] is False
    assert [r.id for r in _turns(home)] == [r.id for r in before]
    with Home.open(home.path) as h:
        assert h.head() == head


def test_stream_usage_is_sent_when_asked(served: tuple[openai.OpenAI, Home, str, str]) -> None:
    client, _home, _url, _token = served
    chunks = list(
        client.chat.completions.create(
            model="ash",
            messages=[{"role": "user", "content": "count"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    usage = [c.usage for c in chunks if c.usage is not None]
    assert len(usage) == 1 and usage[0].completion_tokens > 0 and usage[0].prompt_tokens > 0
    assert chunks[-1].choices == []


def test_n_and_tools_are_refused_in_openais_shape(
    served: tuple[openai.OpenAI, Home, str, str],
) -> None:
    client, home, url, token = served
    with pytest.raises(openai.BadRequestError, match="n > 1") as caught:
        client.chat.completions.create(
            model="ash", messages=[{"role": "user", "content": "x"}], n=2
        )
    assert caught.value.param == "n"
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError, match="tools") as caught:
        client.chat.completions.create(
            model="ash",
            messages=[{"role": "user", "content": "x"}],
            tools=[tool],  # type: ignore[list-item]
        )
    assert caught.value.param == "tools"
    r = httpx.post(
        url + "/v1/chat/completions",
        json={"model": "ash", "messages": [{"role": "user", "content": "x"}], "n": 3},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "unsupported_parameter"
    assert _turns(home) == []


def test_explain_names_the_greeting_as_the_frontends_text(home: Home) -> None:
    from truehearth.context.router import frontend_text
    from truehearth.mouths.doubles import EchoMouth
    from truehearth.turn import Conversation

    conv = Conversation(home, EchoMouth(), "echo", history=[frontend_text(GREETING)])
    explained = conv.prepare("hi").explain()
    items = [i for s in explained["sections"] for i in s["items"]]
    (greeting,) = [i for i in items if i["voice"] == "frontend"]
    assert "never said by the companion" in greeting["why"]


def test_cors_is_opt_in_for_named_origins_and_the_token_still_counts(home: Home) -> None:
    from truehearth.core.errors import InvalidInput
    from truehearth.server.settings import check_origins

    registry.add(home, "ash", "echo")
    token = ensure_token(home.path)
    origin = "http://localhost:3000"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    with serving(create_app(ServerSettings(home=home.path, token=token))) as url:
        r = httpx.options(url + "/v1/chat/completions", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
    settings = ServerSettings(home=home.path, token=token, cors_origins=check_origins([origin]))
    with serving(create_app(settings)) as url:
        r = httpx.options(url + "/v1/chat/completions", headers=preflight)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        other = {**preflight, "Origin": "http://evil.example"}
        r = httpx.options(url + "/v1/chat/completions", headers=other)
        assert "access-control-allow-origin" not in r.headers
        assert httpx.get(url + "/v1/models", headers={"Origin": origin}).status_code == 401
        ok = httpx.get(
            url + "/v1/models", headers={"Origin": origin, "Authorization": f"Bearer {token}"}
        )
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == origin
    for bad in ("*", "localhost:3000", "http://x.test/path"):
        with pytest.raises(InvalidInput, match="cors-origin"):
            check_origins([bad])


def test_truehearth_log_shows_what_the_frontend_sent_and_what_was_set_aside(
    served: tuple[openai.OpenAI, Home, str, str], cli: Any
) -> None:
    client, home, _url, _token = served
    _send(
        client,
        [
            {"role": "system", "content": "You are Ash. Write in third person."},
            {"role": "system", "content": "[Start a new chat]"},
            {"role": "assistant", "content": GREETING},
            {"role": "user", "content": "hello"},
        ],
    )
    (reply,) = [r for r in _turns(home) if r.voice is Voice.COMPANION]
    assert reply.meta["frontend"] == {
        "system_set_aside": 2,
        "system_preview": ["You are Ash. Write in third person.", "[Start a new chat]"],
        "frontend_text": 1,
        "frontend_preview": [GREETING],
        "session_match": {"how": "new"},
    }
    shown = cli("log", "--home", str(home.path), "-n", "5")
    assert shown.code == 0
    flat = " ".join(shown.out.split())
    assert "2 frontend system message(s) set aside" in flat
    assert "1 frontend text(s) labelled" in flat
