"""Installs that fit the use: the core works without any extra; a missing extra is one clear line.

Each test runs truehearth in a fresh interpreter where the extras' packages
cannot be imported (``sys.modules[name] = None`` makes ``import name`` fail as
if it were not installed), so nothing has to be uninstalled.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from truehearth.extras import PROVIDED_BY

SRC = Path(__file__).resolve().parent.parent / "src"


def _without(packages: list[str], code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    prelude = "import sys\n" + "".join(f"sys.modules[{p!r}] = None\n" for p in packages)
    env = {**os.environ, "PYTHONPATH": str(SRC), "TRUEHEARTH_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def _cli(*argv: str) -> str:
    return f"from truehearth.cli import main\nraise SystemExit(main({list(argv)!r}))\n"


def test_the_core_works_without_any_extra(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("# Trip\nWe walked the cliff path to the lighthouse at dawn.\n", "utf-8")
    code = f"""
        from truehearth.cli import main
        for argv in (["init", "--name", "Ash"], ["remember", "My sister is called Maya."],
                     ["import", "text", {str(notes)!r}], ["recall", "lighthouse"], ["show"],
                     ["verify"], ["plugins"]):
            code = main(argv)
            if code:
                raise SystemExit(f"{{argv[0]}} exited {{code}}")
        import sys
        loaded = sorted(m for m in {sorted(set(PROVIDED_BY))!r} if sys.modules.get(m))
        print("extras loaded:", loaded)
    """
    done = _without(sorted(PROVIDED_BY), code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "lighthouse" in done.stdout
    assert "extras loaded: []" in done.stdout


def test_serving_without_the_server_extra_is_one_line(tmp_path: Path) -> None:
    assert _without([], _cli("init", "--name", "Ash"), tmp_path).returncode == 0
    done = _without(["fastapi", "uvicorn", "starlette", "mcp"], _cli("serve"), tmp_path)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "`truehearth serve` needs the `server` extra" in lines[0]
    assert "pip install 'truehearth[server]'" in lines[0]


def test_an_encrypted_home_without_the_encrypt_extra_is_refused_and_nothing_made(
    tmp_path: Path,
) -> None:
    code = f"""
        from pathlib import Path
        from truehearth import Home
        from truehearth.extras import MissingExtra
        try:
            Home.init(Path({str(tmp_path / "sealed")!r}), "Ash", encryption="passphrase",
                      passphrase="correct horse battery staple")
        except MissingExtra as exc:
            print(exc.extra, "|", exc)
    """
    done = _without(["sqlcipher3", "argon2", "keyring"], code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("encrypt | an encrypted home needs the `encrypt` extra")
    assert not (tmp_path / "sealed").exists()


def test_the_embedded_model_without_the_local_extra_names_it(tmp_path: Path) -> None:
    code = """
        from pathlib import Path
        from truehearth.extras import MissingExtra
        from truehearth.mouths import llama
        try:
            llama._load(Path("model.gguf"), 512, None, 1)
        except MissingExtra as exc:
            print(exc)
    """
    done = _without(["llama_cpp"], code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "the embedded model needs the `local` extra: pip install 'truehearth[local]'"
    )
