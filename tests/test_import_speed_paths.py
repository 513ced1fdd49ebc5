"""The import's fast paths decide exactly as the slower code they replaced.

The importer runs normalisation, the canonical-JSON walk and a record's
source projection once per imported item, so each gained a cheaper spelling
(see ``docs/BENCHMARKS.md``). These properties pin each one to the plain
definition it replaced, on generated input that reaches the corner cases:
every kind of blank Python knows, runs of one to four characters repeated,
subclasses of the JSON types, floats and non-string keys at any depth.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truehearth.core.canonical import canonical_bytes
from truehearth.core.errors import InvalidInput
from truehearth.core.injection_normalize import (
    _PADDING,
    _may_pad,
    collapse_blanks,
    fold,
    normalize,
)
from truehearth.core.records import Source

_BLANKS = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\s*\n\s*")
# Every blank Python's str.split and re's \s know, line breaks, and a few letters
# so that runs and periods of one to four characters occur often.
_ALPHABET = list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u3000") + list(
    "ab.]ö\u200b"
)


def _reference(text: str) -> str:
    folded = fold(text)
    collapsed = _PADDING.sub(r"\1\1", folded)
    return _BREAKS.sub("\n", _BLANKS.sub(" ", collapsed)).strip()


texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_normalize_matches_the_regex_definition(text: str) -> None:
    assert normalize(text) == _reference(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc \n")), max_size=45))
def test_the_padding_prefilter_says_yes_exactly_when_the_regex_matches(text: str) -> None:
    assert _may_pad(text) == bool(_PADDING.search(text))


@pytest.mark.parametrize(
    "text",
    [
        "ö ö ö ö ö ö",
        "]]]]]",
        "abcdabcdabcdabcdabcd",
        "abcabcabcabcabc",
        "x" * 4,
        "abcdabcdabcdabcdabc",
    ],
)
def test_padding_examples(text: str) -> None:
    assert _may_pad(text) == bool(_PADDING.search(text))


def test_collapse_blanks_examples() -> None:
    assert collapse_blanks("  a \t b  ") == "a b"
    assert collapse_blanks("a \r\n\n  b\n\u2028c") == "a\nb\nc"
    assert collapse_blanks("\n\n") == ""


def _plain_walk(value: object) -> None:
    """The canonical walk as it was before its fast path (isinstance all the way)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if not -(2**63) <= value <= 2**64 - 1:
            raise InvalidInput("int")
        return
    if isinstance(value, float):
        raise InvalidInput("float")
    if isinstance(value, (list, tuple)):
        for item in value:
            _plain_walk(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("key")
            _plain_walk(item)
        return
    raise InvalidInput("type")


class _Colour(StrEnum):
    RED = "red"


class _Text(str):
    pass


_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(_Colour.RED),
    st.just(_Text("sub")),
    st.just(b"bytes"),
)
_keys = st.one_of(st.text(max_size=4), st.integers(0, 3), st.just(_Text("k")))
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(_keys, inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=2000, deadline=None)
@given(_values)
def test_the_canonical_walk_refuses_what_it_refused_before(value: Any) -> None:
    try:
        _plain_walk(value)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            canonical_bytes(value)
        return
    try:
        canonical_bytes(value)
    except InvalidInput as exc:
        # Accepted by the walk, refused by the serializer (lone surrogates): as before.
        assert "cannot be journaled" in str(exc)


@given(
    st.builds(
        Source,
        via=st.text(max_size=3),
        session=st.none() | st.text(max_size=3),
        mouth=st.none() | st.text(max_size=3),
        import_sha256=st.none() | st.text(max_size=3),
        locator=st.none() | st.text(max_size=3),
    )
)
def test_source_to_json_matches_asdict(source: Source) -> None:
    expected = {k: v for k, v in dataclasses.asdict(source).items() if v is not None}
    assert source.to_json() == expected
    assert list(source.to_json()) == list(expected)
