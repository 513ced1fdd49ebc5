"""Plugins: what mouths, embedders, importers, scorers and commands exist.

Nothing is a closed list. Each kind is a pluggy hook in the style of
simonw/llm: a plugin module defines ``register_mouths(register)`` (and so on)
with :data:`hookimpl`, and calls ``register(...)`` once per thing it adds. The
built-ins are plugins like any other (:data:`BUILTIN`); installed packages are
found through the ``truehearth`` entry-point group::

    # the plugin's pyproject.toml
    [project.entry-points.truehearth]
    shouty = "truehearth_shouty"

    # truehearth_shouty.py
    from truehearth.plugins import hookimpl

    @hookimpl
    def register_mouths(register):
        register("shouty", ShoutyBackend())

``truehearth plugins`` lists what is installed. Plugins load on first use of a
registry, not when truehearth is imported.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

    from truehearth.continuity.scorers.base import Scorer
    from truehearth.exchange.parsed import Parser
    from truehearth.mouths.registry import Backend
    from truehearth.recall.embedders import EmbedderFactory

GROUP = "truehearth"  # the pluggy project name and the entry-point group

hookspec = pluggy.HookspecMarker(GROUP)
hookimpl = pluggy.HookimplMarker(GROUP)

BUILTIN = (
    "truehearth.plugins.builtin_mouths",
    "truehearth.plugins.builtin_embedders",
    "truehearth.plugins.builtin_importers",
    "truehearth.plugins.builtin_scorers",
    "truehearth.plugins.builtin_commands",
)


class Specs:
    """The hooks a plugin may implement; each gets a ``register`` callable."""

    @hookspec
    def register_mouths(self, register: Callable[[str, Backend], None]) -> None:
        """Add mouth backends: ``register(name, backend)``."""

    @hookspec
    def register_embedders(self, register: Callable[[str, EmbedderFactory, str], None]) -> None:
        """Add embedders: ``register(name, factory(options) -> Embedder, about)``."""

    @hookspec
    def register_importers(self, register: Callable[[str, Parser], None]) -> None:
        """Add import formats: ``register(format_name, parser)``."""

    @hookspec
    def register_scorers(self, register: Callable[[Scorer], None]) -> None:
        """Add continuity-check scorers: ``register(scorer)`` (named by ``scorer.name``)."""

    @hookspec
    def register_commands(self, cli: typer.Typer) -> None:
        """Add commands to the ``truehearth`` command line."""


@functools.cache
def manager() -> pluggy.PluginManager:
    """The plugin manager: built-ins first, then every installed ``truehearth`` entry point."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(Specs)
    for name in BUILTIN:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(GROUP)
    return pm


def _collect(hook: str, arity: int) -> dict[str, tuple[Any, ...]]:
    """Call one hook on every plugin; a later plugin may not silently replace a name."""
    found: dict[str, tuple[Any, ...]] = {}

    def register(name: str, *rest: Any) -> None:
        if len(rest) != arity - 1:
            raise TypeError(f"{hook}: register() takes {arity} arguments")
        if name in found:
            raise ValueError(f"{hook}: {name!r} is registered twice")
        found[name] = rest

    getattr(manager().hook, hook)(register=register)
    return found


def mouth_backends() -> dict[str, Backend]:
    return {name: rest[0] for name, rest in _collect("register_mouths", 2).items()}


def embedder_factories() -> dict[str, tuple[EmbedderFactory, str]]:
    return {name: (rest[0], rest[1]) for name, rest in _collect("register_embedders", 3).items()}


def importers() -> dict[str, Parser]:
    return {name: rest[0] for name, rest in _collect("register_importers", 2).items()}


def scorers() -> dict[str, Scorer]:
    found: dict[str, Scorer] = {}

    def register(scorer: Scorer) -> None:
        if scorer.name in found:
            raise ValueError(f"register_scorers: {scorer.name!r} is registered twice")
        found[scorer.name] = scorer

    manager().hook.register_scorers(register=register)
    return found


def add_commands(cli: typer.Typer) -> None:
    manager().hook.register_commands(cli=cli)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One loaded plugin: its name, where it comes from, and which hooks it implements."""

    name: str
    package: str | None
    version: str | None
    hooks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "package": self.package,
            "version": self.version,
            "hooks": list(self.hooks),
        }


def installed() -> list[PluginInfo]:
    """Every loaded plugin, built-ins first."""
    pm = manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        dist = dists.get(id(plugin))
        package = dist.project_name if dist is not None else None
        version = dist.version if dist is not None else None
        out.append(PluginInfo(name, package, version, hooks))
    return out
