"""Aligning a trimmed chat with a journaled session: the pure rules, on a real home's records."""

from __future__ import annotations

from truehearth import threads
from truehearth.home import Home
from truehearth.mouths.doubles import EchoMouth
from truehearth.threads import Said
from truehearth.turn import Conversation

LINES = [f"Line {i}: the story of the lighthouse keeper and his dog." for i in range(6)]


def _thread(home: Home, lines: list[str]) -> threads.Thread:
    conv = Conversation(home, EchoMouth(), "echo", session="s-a", via="proxy")
    for line in lines:
        conv.say(line)
    found = threads.session_thread(home, "s-a")
    assert found is not None
    return found


def _chat(lines: list[str]) -> list[Said]:
    out: list[Said] = []
    for line in lines:
        out += [Said("user", line), Said("assistant", f"echo: {line}")]
    return out


def test_the_run_reads_back_from_the_last_turn_and_opens_on_a_trimmed_reply(home: Home) -> None:
    thread = _thread(home, LINES)
    chat = [*_chat(LINES)[5:], Said("user", "and now?")]  # opens on turn 2's reply
    match = threads.align_tail(thread, chat)
    assert match is not None
    assert (match.how, match.since, match.aligned) == ("tail", 3, 3)
    assert sorted(match.kept) == [2, 3, 4, 5]  # the leading reply is the companion's too
    assert match.frontend_text(chat) == []
    assert threads.convincing(match, chat)


def test_a_line_said_twice_takes_the_occurrence_with_the_longest_run(home: Home) -> None:
    thread = _thread(home, [*LINES[:3], "ok"])
    chat = [Said("user", "ok"), Said("assistant", "sure"), *_chat([*LINES[:3], "ok"])]
    match = threads.align_tail(thread, chat)
    assert match is not None and match.aligned == 4 and match.last_human_at == len(chat) - 2


def test_a_message_the_session_never_had_breaks_the_run(home: Home) -> None:
    thread = _thread(home, LINES[:4])
    chat = _chat(LINES[:4])
    chat.insert(4, Said("user", "a line from somewhere else entirely"))  # before turn 2
    match = threads.align_tail(thread, chat)
    assert match is not None and (match.since, match.aligned) == (2, 2)
    assert not threads.convincing(match, chat)


def test_an_edited_reply_is_stepped_over_but_not_counted(home: Home) -> None:
    thread = _thread(home, LINES[:4])
    chat = _chat(LINES[:4])
    chat[3] = Said("assistant", "an edited reply the home never gave")
    match = threads.align_tail(thread, chat)
    assert match is not None and match.aligned == 4
    assert 1 not in match.kept and match.frontend_text(chat) == [3]


def test_small_talk_and_repeats_earn_nothing(home: Home) -> None:
    small = ["hi", "ok", "How are you?", "ok", "hi"]
    thread = _thread(home, small)
    match = threads.align_tail(thread, _chat(small))
    assert match is not None and match.aligned == 5 and len(match.kept) == 5
    # Five turns and five replies, but under 200 characters of lines 20 or longer.
    assert not threads.convincing(match, _chat(small))
