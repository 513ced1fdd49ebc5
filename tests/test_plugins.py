"""Plugins: the built-ins register through the same hooks, and an installed package adds its own.

The package in tests/fixtures/plugin is really installed (pip, no network) into
a fresh virtual environment that sees this environment's dependencies, and
truehearth is then run from there: its mouth speaks, its importer imports, its
embedder, scorer and command are found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

from truehearth import plugins
from truehearth.cli import root
from truehearth.plugins.builtin_commands import COMMANDS

SRC = Path(__file__).resolve().parent.parent / "src"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "plugin"


def test_the_builtins_are_plugins() -> None:
    names = [p.name for p in plugins.installed()]
    assert names[: len(plugins.BUILTIN)] == list(plugins.BUILTIN)
    assert {"llama.cpp", "openai-http", "echo"} <= set(plugins.mouth_backends())
    assert {"wordllama", "sentence-transformers", "openai"} <= set(plugins.embedder_factories())
    assert {"chatgpt", "text"} <= set(plugins.importers())
    assert {"boundary", "distancing", "degenerate"} <= set(plugins.scorers())


class _Clash:
    """A plugin that claims a built-in's name."""

    @plugins.hookimpl
    def register_mouths(self, register: Callable[[str, object], None]) -> None:
        register("echo", object())


def test_a_name_registered_twice_is_refused() -> None:
    pm = plugins.manager()
    pm.register(_Clash(), name="clash")
    try:
        with pytest.raises(ValueError, match="'echo' is registered twice"):
            plugins.mouth_backends()
    finally:
        pm.unregister(name="clash")
    assert "echo" in plugins.mouth_backends()


def test_the_deferred_command_table_matches_the_modules() -> None:
    """Each listed command is registered by the module the table names, with that help."""
    group = root()
    for name, module, about in COMMANDS:
        command = group.load(name)
        callback_module = getattr(command.callback, "__module__", None)
        if callback_module is not None:  # a group's callback may be typer's own
            modules = {f"truehearth.cli.{m}" for m in module.split()}
            assert callback_module in {*modules, "typer.main"}, name
        assert (command.help or "").startswith(about[:30]), name
    registered = set(group.commands)
    assert registered == {name for name, _m, _a in COMMANDS} | registered
    assert set(typer_names()) == {name for name, _m, _a in COMMANDS}


def test_a_group_gets_the_subcommands_of_every_module_it_names() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "truehearth", "export", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "training" in shown.stdout and "bundle" in shown.stdout


def typer_names() -> list[str]:
    import typer

    from truehearth.cli._app import app

    built = typer.main.get_command(app)
    return list(getattr(built, "commands", {}))


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the fixture plugin installed by pip; it sees this env's packages."""
    where = tmp_path_factory.mktemp("plugin-venv")
    venv.create(where, with_pip=True, symlinks=True)
    python = where / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This environment's packages (numpy, typer, pluggy, ...) stay visible, after the venv's own.
    outer = sysconfig.get_paths()["purelib"]
    Path(inner, "outer-env.pth").write_text(outer + "\n", encoding="utf-8")
    build = tmp_path_factory.mktemp("plugin-src")
    shutil.copytree(FIXTURE, build / "plugin")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(build / "plugin"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return python


def _run(python: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if home is not None:
        env["TRUEHEARTH_HOME"] = str(home)
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, env=env, check=False, timeout=300
    )


@pytest.mark.slow
def test_an_installed_plugin_is_listed_and_its_command_runs(plugin_env: Path) -> None:
    listed = _run(plugin_env, "-m", "truehearth", "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    found = {p["name"]: p for p in json.loads(listed.stdout)}
    assert found["shouty"]["package"] == "truehearth-shouty"
    assert found["shouty"]["hooks"] == [
        "register_commands",
        "register_embedders",
        "register_importers",
        "register_mouths",
        "register_scorers",
    ]
    shouted = _run(plugin_env, "-m", "truehearth", "shout", "hello")
    assert shouted.returncode == 0, shouted.stderr
    assert shouted.stdout.strip() == "HELLO!"
    helped = _run(plugin_env, "-m", "truehearth", "--help")
    assert "shout" in helped.stdout and "plugins" in helped.stdout


@pytest.mark.slow
def test_an_installed_plugin_speaks_imports_embeds_and_scores(
    plugin_env: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("the owl came back\n\nthe fox did not\n", "utf-8")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from truehearth import Home, plugins
        from truehearth.continuity.scorers import rule_scorers
        from truehearth.exchange.formats import import_path
        from truehearth.mouths import registry
        from truehearth.recall.embedders import make_embedder

        with Home.init(Path({str(tmp_path / "home")!r}), "Ash") as home:
            registry.add(home, "loud", "shouty")
            with home.conversation("loud") as talk:
                print(talk.say("good night").reply.text)
            report = import_path(home, Path({str(tmp_path / "notes.txt")!r}), "lines")
            print(report.records)
            print(make_embedder("shouty-crc").embed(["the owl"]).shape)
            print("no_shouting" in rule_scorers())
        """
    )
    done = _run(plugin_env, "-c", script)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0] == "GOOD NIGHT"
    assert lines[1] == "2"
    assert lines[2] == "(1, 8)"
    assert lines[3] == "True"


def test_nothing_of_the_plugin_leaks_into_this_process() -> None:
    assert "shouty" not in plugins.mouth_backends()
    assert sys.modules.get("truehearth_shouty") is None
