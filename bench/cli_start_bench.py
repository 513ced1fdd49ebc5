"""How fast the command line starts: `truehearth --help` and `truehearth show`.

Runs each command in a fresh interpreter, several times, and reports the median
wall time, beside ``python -c pass`` (the floor) and, when ``--baseline`` names
another source tree (e.g. an older commit from ``git archive``), the same
commands from there, measured in the same run, interleaved, so a loaded machine
slows both alike.

    python bench/cli_start_bench.py --runs 7 --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
COMMANDS = {"floor": ["-c", "pass"], "--help": ["-m", "truehearth", "--help"]}


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def _env(src: Path, home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "TRUEHEARTH_HOME": str(home)}


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
        runs: dict[tuple[str, str], list[float]] = {}
        commands = {**COMMANDS, "show": ["-m", "truehearth", "show"]}
        for _ in range(args.runs):  # interleaved: load hits every variant alike
            for label, env in envs.items():
                for name, argv in commands.items():
                    runs.setdefault((label, name), []).append(_time(argv, env))
    print(f"median of {args.runs} runs, seconds (machine: {os.cpu_count()} cores)")
    print(f"{'command':<10}" + "".join(f"{label:>12}" for label in trees) + "   ratio")
    for name in commands:
        medians = [statistics.median(runs[(label, name)]) for label in trees]
        ratio = f"   {medians[0] / medians[1]:.2f}" if len(medians) == 2 else ""
        print(f"{name:<10}" + "".join(f"{m:>12.3f}" for m in medians) + ratio)


if __name__ == "__main__":
    main()
