"""Fuzzing the importers: any bytes give parsed items or one clear error, never a crash.

About 10,000 generated cases in all: raw bytes and format-shaped JSON for each
parser in memory (fast), and a smaller number of full imports into a real home
that check nothing is half-written when an import fails.
"""

from __future__ import annotations

import json
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truehearth.core.canonical import canonical_bytes
from truehearth.core.errors import TruehearthError
from truehearth.core.records import Source
from truehearth.core.vocabulary import IMPORT
from truehearth.exchange.effects import effects_for
from truehearth.exchange.formats import import_path, parsers
from truehearth.exchange.limits import Limits
from truehearth.exchange.pipeline import parse_bytes
from truehearth.exchange.report import ImportReport
from truehearth.home import Home

pytestmark = pytest.mark.slow  # minutes of generated cases on a loaded machine; runs in CI

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


def fast(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=16,
)
small = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=6), inner, max_size=2)
    ),
    max_leaves=3,
)
words = st.sampled_from(
    ["id", "message", "parent", "children", "content", "parts", "author", "role", "text", "name"]
)


def check(fmt: str, data: bytes, limits: Limits | None = None) -> None:
    """The property: parsed items become storable journal effects, or one clear error.

    Only :class:`TruehearthError` counts as a clear error: a TypeError, a
    KeyError or a MemoryError escaping a parser fails the test, as it should.
    """
    try:
        parsed = parse_bytes(data, parsers()[fmt], limits)
    except TruehearthError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    report = ImportReport(fmt, "fuzz", "0" * 64)
    source = Source(via="import", import_sha256="0" * 64)
    for item in parsed:
        try:
            effects = effects_for(item, source, "2026-01-01T00:00:00+00:00", report)
        except TruehearthError:
            continue
        for effect in effects:
            canonical_bytes(effect.value)


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


@fast(2500)
@given(fmt=st.sampled_from(sorted(parsers())), data=st.binary(max_size=600))
def test_raw_bytes(fmt: str, data: bytes) -> None:
    check(fmt, data)


@fast(1500)
@given(fmt=st.sampled_from(sorted(parsers())), value=json_values)
def test_any_json(fmt: str, value: Any) -> None:
    check(fmt, dumps(value))


node = st.fixed_dictionaries(
    {},
    optional={
        "parent": st.none() | st.sampled_from(["a", "b", "c"]),
        "children": st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3),
        "message": st.none()
        | small
        | st.fixed_dictionaries(
            {},
            optional={
                "id": st.text(max_size=6) | st.integers(),
                "author": small | st.fixed_dictionaries({"role": small}),
                "create_time": small,
                "content": small | st.fixed_dictionaries({"parts": st.lists(small, max_size=3)}),
                "metadata": small,
            },
        ),
    },
)
conversation = st.fixed_dictionaries(
    {"mapping": st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), node | small)},
    optional={
        "current_node": small | st.sampled_from(["a", "b", "c", "d"]),
        "title": small,
    },
)


@fast(2000)
@given(conversations=st.lists(conversation | small, max_size=3))
def test_chatgpt_shaped(conversations: list[Any]) -> None:
    check("chatgpt", dumps(conversations))


card = st.fixed_dictionaries(
    {"spec": st.sampled_from(["chara_card_v2", "chara_card_v3"]) | small},
    optional={
        "data": small
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "description",
                    "personality",
                    "first_mes",
                    "alternate_greetings",
                    "character_book",
                    "extensions",
                    "scenario",
                ]
            ),
            small | st.lists(small, max_size=3),
        )
    },
)


@fast(1000)
@given(value=card | st.dictionaries(st.sampled_from(["name", "description", "first_mes"]), small))
def test_card_shaped(value: Any) -> None:
    check("card", dumps(value))


message_line = st.dictionaries(
    st.sampled_from(["mes", "name", "is_user", "is_system", "send_date", "swipes"]),
    small | st.lists(small, max_size=3),
)


@fast(1000)
@given(lines=st.lists(message_line | small, max_size=5))
def test_st_chat_shaped(lines: list[Any]) -> None:
    check("st-chat", b"\n".join(dumps(line) for line in lines))


agent = st.dictionaries(
    st.sampled_from(
        ["name", "system", "messages", "core_memory", "memory_blocks", "block_ids", "id"]
    ),
    small | st.lists(st.dictionaries(words, small, max_size=4), max_size=3),
)


@fast(1500)
@given(value=agent | st.fixed_dictionaries({"agents": st.lists(agent | small, max_size=2)}))
def test_letta_shaped(value: Any) -> None:
    check("letta", dumps(value))


@fast(1000)
@given(text=st.text(max_size=400))
def test_text_shaped(text: str) -> None:
    check("text", text.encode("utf-8", "surrogatepass"))


SAMPLES = {
    "chatgpt": (FIXTURES / "chatgpt_conversations.json").read_bytes(),
    "card": (FIXTURES / "card_v2.json").read_bytes(),
    "st-chat": (FIXTURES / "st_chat.jsonl").read_bytes(),
    "letta": (FIXTURES / "agent.af").read_bytes(),
    "text": (FIXTURES / "notes.md").read_bytes(),
    "lorebook": (FIXTURES / "world_info_harbour.json").read_bytes(),
}


@fast(60)
@given(
    fmt=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(0, 4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 255)), max_size=3),
)
def test_full_import_of_damaged_files(
    tmp_path_factory: Any, fmt: str, cut: int, flips: list[tuple[int, int]]
) -> None:
    """Real homes: a damaged file is imported whole or not at all, and only once."""
    data = bytearray(SAMPLES[fmt])
    for position, mask in flips:
        data[position % len(data)] ^= mask
    data = data[: max(1, len(data) - cut % len(data))]
    root = tmp_path_factory.mktemp("fuzz")
    path = root / "input"
    path.write_bytes(bytes(data))
    with Home.init(root / "home", "Fuzz") as home:
        head = home.head()
        try:
            report = import_path(home, path, fmt)
        except TruehearthError:
            assert home.head() == head
            assert home.records(limit=1) == []
            return
        assert home.store.get(IMPORT, report.sha256) is not None
        after = home.head()
        assert import_path(home, path, fmt).already_imported
        assert home.head() == after
        assert home.verify().ok


# -- hostile shapes, under a memory cap ------------------------------------------

SMALL = Limits(max_depth=16, max_token_bytes=64 * 1024, max_item_bytes=1024 * 1024)
"""Bounds small enough that generated cases reach every one of them quickly."""
CAP = 1024**3


def _vm_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@pytest.fixture
def memory_cap() -> Iterator[None]:
    """Let this process grow by at most 1 GiB while the test runs (``RLIMIT_AS``).

    A parser that regresses into building what it should refuse then raises
    MemoryError -- a failing test -- instead of driving the machine into the
    kernel's OOM killer, as the 400 KB ChatGPT file once did (22 GB).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + CAP, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _deep(levels: int, brackets: tuple[bytes, bytes]) -> bytes:
    return brackets[0] * levels + b"0" + brackets[1] * levels


hostile_values = st.one_of(
    st.builds(
        _deep,
        st.integers(1, 200_000),
        st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'[{"k":', b"}]")]),
    ),
    st.builds(
        lambda n, c: b'"' + c * n + b'"',
        st.integers(0, 300_000),
        st.sampled_from([b"x", b"\\u00e9", b"\\ud800", b'\\"', b"\xc3\xa9"]),
    ),
    st.builds(
        lambda sign, n, tail: sign + b"9" * n + tail,
        st.sampled_from([b"", b"-"]),
        st.integers(1, 60_000),
        st.sampled_from([b"", b".5", b"e999999", b"e-999999", b"E+400"]),
    ),
    st.builds(
        lambda n: b"{" + b",".join(b'"k%d":{}' % i for i in range(n)) + b"}",
        st.integers(0, 40_000),
    ),
    st.builds(lambda n: b"[" + b",".join([b"[]"] * n) + b"]", st.integers(0, 100_000)),
)

SHAPES = {
    "chatgpt": b'[{"mapping": {"a": {"message": {"content": {"parts": [%s]}}}}, "title": %s}]',
    "card": b'{"spec": "chara_card_v2", "data": {"name": "n", "description": %s, "x": %s}}',
    "letta": b'{"messages": [{"role": "user", "text": %s, "content": [%s]}]}',
    "st-chat": b'{"character_name": "a"}\n{"mes": %s, "swipes": [%s]}\n',
    "text": b"# %s\n\n%s\n",
    "lorebook": b'{"entries": {"0": {"key": [%s], "content": "c", "comment": %s}}}',
}


@fast(300)
@given(fmt=st.sampled_from(sorted(SHAPES)), value=hostile_values, raw=st.booleans())
def test_hostile_values_under_a_memory_cap(
    memory_cap: None, fmt: str, value: bytes, raw: bool
) -> None:
    """Deep nesting, huge strings, huge numbers and many keys, in every format's shape."""
    data = value if raw else SHAPES[fmt] % (value, value)
    check(fmt, data, SMALL)
    check(fmt, data)
