from __future__ import annotations

import pytest

from truehearth.core.canonical import canonical_bytes, chain_digest, digest
from truehearth.core.errors import InvalidInput


def test_canonical_form_sorts_keys_and_drops_whitespace() -> None:
    assert (
        canonical_bytes({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )


def test_equal_values_have_equal_bytes_whatever_the_key_order() -> None:
    assert canonical_bytes({"x": {"b": 2, "a": 1}}) == canonical_bytes({"x": {"a": 1, "b": 2}})


def test_floats_and_foreign_types_are_refused() -> None:
    with pytest.raises(InvalidInput, match="floats"):
        canonical_bytes({"x": 1.5})
    with pytest.raises(InvalidInput, match="cannot be journaled"):
        canonical_bytes({"x": object()})
    with pytest.raises(InvalidInput, match="keys must be strings"):
        canonical_bytes({1: "x"})


def test_digests_are_tagged_and_chain_on_the_parent() -> None:
    body = b'{"a":1}'
    first = chain_digest(None, body)
    assert first.startswith("b2:") and len(first) == 3 + 64
    assert chain_digest(first, body) != first
    assert digest(body) != first
