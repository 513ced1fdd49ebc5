"""Which pack authors the human trusts, kept in the home's journal.

Trusting an author's key is a human act (``pack.key_trusted``); so is
withdrawing that trust. The home's own key is trusted without saying, and so
is the key of the packs that ship with truehearth. Packs themselves stay
files: the home records only whose signatures the human accepts.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from truehearth import packs
from truehearth.continuity.probe import Suite, suite_from_data
from truehearth.continuity.scorers import scorer_names
from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.core.events import Draft, Effect
from truehearth.core.policy import check_human_act
from truehearth.core.records import Voice, clean_text
from truehearth.home import Home
from truehearth.homedir import is_home
from truehearth.keys import load_public


def trusted_keys(home: Home, extra: Collection[str] = ()) -> set[str]:
    """The home's own key, the keys the human trusted in it, and ``extra`` (this run only)."""
    for key in extra:  # a mistyped key would otherwise be trusted, and match nothing, silently
        _public(key, f"--trust-key {key!r}")
    keys = {home.config.public_key, *extra}
    keys.update(str(v["key"]) for v in home.store.entities(packs.TRUSTED_KEY) if v.get("trusted"))
    return keys


def trusted_at(path: Path, extra: Collection[str] = ()) -> set[str]:
    """Trusted authors for a command that may run without a home: the home's
    (:func:`trusted_keys`) when ``path`` is one, else this run's ``extra`` keys.

    Checking a pack, or auditing with one, needs no home: the built-in key is
    trusted anyway (:func:`truehearth.packs.verify`).
    """
    if not is_home(path):
        for key in extra:
            _public(key, f"--trust-key {key!r}")
        return set(extra)
    with Home.open(path) as home:
        return trusted_keys(home, extra)


def _public(key: str, said: str) -> None:
    """Refuse, as wrong input, anything that is not an Ed25519 public key."""
    try:
        load_public(key)
    except TruehearthError:
        raise InvalidInput(f"{said} is not an Ed25519 public key (base64 of 32 bytes)") from None


def trust(home: Home, key: str, name: str, *, actor: Voice = Voice.HUMAN) -> dict[str, Any]:
    """Trust packs signed by ``key`` from now on (journaled)."""
    return _set(home, key, name, True, actor)


def distrust(home: Home, key: str, *, actor: Voice = Voice.HUMAN) -> dict[str, Any]:
    """Stop trusting ``key`` (journaled; the earlier trust stays in history)."""
    current = home.store.get(packs.TRUSTED_KEY, key.strip())
    if current is None or not current.get("trusted"):
        raise InvalidInput("that key is not trusted in this home")
    return _set(home, key, str(current.get("name", "")), False, actor)


def _set(home: Home, key: str, name: str, trusted: bool, actor: Voice) -> dict[str, Any]:
    check_human_act(actor, "change which pack authors are trusted")
    key = key.strip()
    _public(key, f"{key!r}")  # a mistyped key is wrong input, said as such
    value = {"key": key, "name": clean_text(name, "name"), "trusted": trusted}

    def build(now: str) -> list[Draft]:
        kind = "pack.key_trusted" if trusted else "pack.key_distrusted"
        stamped = {**value, "at": now}
        return [Draft(kind, actor.value, {"key": key}, [Effect(packs.TRUSTED_KEY, key, stamped)])]

    home.commit(build)
    return value


def suite_pack(home: Home, path: Path, extra: Collection[str] = ()) -> Suite:
    """A probe suite from a signed pack whose author the human trusts."""
    pack = packs.expect_kind(packs.verify(path, trusted_keys(home, extra)), "probe-suite")
    return suite_from_pack(pack)


def suite_from_pack(pack: packs.Pack) -> Suite:
    files = pack.content.get("files") if isinstance(pack.content, dict) else None
    if not isinstance(files, list):
        raise packs.PackInvalid(f"{pack.path.name}: a probe-suite pack holds a 'files' list")
    named = [(str(f.get("file", f"file {n}")), f) for n, f in enumerate(files, 1)]
    source = f"pack {pack.name} v{pack.version} ({pack.key[:16]}...)"
    return suite_from_data(named, source, known_scorers=scorer_names())
