"""How fast the command line starts: `truehearth --help` and `truehearth show`.

Runs each command in a fresh interpreter, several times, and reports the median
wall time and the median CPU time (user + system of the child: on a machine
others are loading, the CPU time is close to what the wall time would be on a
quiet one), beside ``python -c pass`` (the floor) and, when ``--baseline`` names
another source tree (e.g. an older commit from ``git archive``), the same
commands from there, measured in the same run, interleaved, so a loaded machine
slows both alike.

    python bench/cli_start_bench.py --runs 7 --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
COMMANDS = {"floor": ["-c", "pass"], "--help": ["-m", "truehearth", "--help"]}


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (``--help`` with no arguments exits 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _env(src: Path, home: Path) -> dict[str, str]:
    """Each tree's own home, and its bytecode cached (in a folder beside the home), as an
    installed package's is: without it every run would compile truehearth's sources anew."""
    env = {**os.environ, "PYTHONPATH": str(src), "TRUEHEARTH_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home.parent / f"{home.name}-pycache")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another src/ tree to compare with")
    args = parser.parse_args()
    trees = {"now": SRC}
    if args.baseline:
        trees["baseline"] = args.baseline
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for label, src in trees.items():
            env = _env(src, Path(tmp) / label)
            subprocess.run(
                [sys.executable, "-m", "truehearth", "init", "--name", "Ash"],
                env=env,
                capture_output=True,
                check=True,
            )
            subprocess.run(
                [sys.executable, "-m", "truehearth", "remember", "The kettle is blue."],
                env=env,
                capture_output=True,
                check=True,
            )
            envs[label] = env
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        commands = {**COMMANDS, "show": ["-m", "truehearth", "show"]}
        for env in envs.values():  # one untimed run each, so the bytecode is cached
            for argv in commands.values():
                _time(argv, env)
        for _ in range(args.runs):  # interleaved: load hits every variant alike
            for label, env in envs.items():
                for name, argv in commands.items():
                    runs.setdefault((label, name), []).append(_time(argv, env))
    print(f"median of {args.runs} runs, seconds (machine: {os.cpu_count()} cores)")
    labels = list(trees)
    head = "".join(f"{f'{label} {kind}':>16}" for kind in ("wall", "cpu") for label in labels)
    ratios = "   ratio wall   ratio cpu" if len(labels) == 2 else ""
    print(f"{'command':<10}{head}{ratios}")
    for name in commands:
        walls = [statistics.median(w for w, _ in runs[(label, name)]) for label in labels]
        cpus = [statistics.median(c for _, c in runs[(label, name)]) for label in labels]
        cells = "".join(f"{m:>16.3f}" for m in (*walls, *cpus))
        ratio = f"{walls[0] / walls[1]:>13.2f}{cpus[0] / cpus[1]:>12.2f}" if len(walls) == 2 else ""
        print(f"{name:<10}{cells}{ratio}")


if __name__ == "__main__":
    main()
