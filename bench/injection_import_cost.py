"""What the injection classifier adds to an import, measured side by side in one run.

    PYTHONPATH=src .venv/bin/python bench/injection_import_cost.py --mb 10

Generates the export ``bench/import_bench.py`` generates (same seed), then
imports it three times into fresh homes, each in its own child process: as
shipped (rules, the classifier, and with the ``meaning`` extra the second
stage), with the first stage only (the second switched off by
``TRUEHEARTH_INJECTION_MEANING=0`` in that child), and with the rules alone
(the importer's detector swapped for the rules-only one in that child). The
differences in CPU time, divided by the records imported, are what each
stage adds per item. The runs alternate so machine load hits all three.

``--before SRC`` adds a fourth child that imports the same export with another source
tree's package (``main``'s ``src``, say), so a change of weights is measured against what
it replaces in the same run, as a ratio of CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import import_bench


def child(export: Path, home_dir: Path, detector: str) -> None:
    """Import once and print records, wall and CPU seconds as JSON."""
    from truehearth.exchange import effects
    from truehearth.exchange.formats import import_path
    from truehearth.home import Home

    if detector == "first":
        os.environ["TRUEHEARTH_INJECTION_MEANING"] = "0"
    if detector == "rules":
        from truehearth.core.injection import detect
        from truehearth.exchange import pipeline
        from truehearth.injection_classifier import Screening

        class RulesOnly(Screening):
            """The bulk importer's screening with neither learned stage: the rules decide."""

            def __init__(self) -> None:
                super().__init__()
                self._model = None
                self._second = None

        # The rules alone, as before the classifier. Bulk imports screen through
        # ``pipeline.Screening`` (since round 10) and suggestions through
        # ``effects.detect``: swap both names, or the "rules" child runs the shipped
        # detector and its figure is not the rules' cost.
        vars(pipeline)["Screening"] = RulesOnly
        vars(effects)["detect"] = detect
    with Home.init(home_dir, "Bench") as home:
        start, cpu = time.perf_counter(), time.process_time()
        report = import_path(home, export, "chatgpt")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {"records": report.records, "quarantined": report.quarantined, "wall": wall, "cpu": cpu}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--before", type=Path, help="another tree's src, imported side by side")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return
    with tempfile.TemporaryDirectory(prefix="injection-import-") as tmp:
        export = Path(tmp) / "conversations.json"
        import_bench.generate(export, int(args.mb * 1024 * 1024))
        results: dict[str, list[dict[str, float]]] = {"shipped": [], "first": [], "rules": []}
        if args.before:
            results["before"] = []
        for round_ in range(args.rounds):
            for detector, runs in results.items():
                home = Path(tmp) / f"home-{detector}-{round_}"
                env = dict(os.environ)
                if detector == "before":
                    bench = str(Path(__file__).resolve().parent)
                    env["PYTHONPATH"] = os.pathsep.join([str(args.before.resolve()), bench])
                kind = "shipped" if detector == "before" else detector
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(export), str(home), kind],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                )
                runs.append(json.loads(out.stdout))
        print("| detector | records | quarantined | wall s | CPU s |")
        print("|---|---:|---:|---:|---:|")
        for detector, runs in results.items():
            best = min(runs, key=lambda r: r["cpu"])
            print(
                f"| {detector} | {best['records']:,} | {best['quarantined']:,} | "
                f"{best['wall']:.1f} | {best['cpu']:.1f} |"
            )
        shipped, first, rules = (
            min(r["cpu"] for r in results[d]) for d in ("shipped", "first", "rules")
        )
        records = results["shipped"][0]["records"]
        if args.before:
            before = min(r["cpu"] for r in results["before"])
            print(
                f"\nshipped / before: {shipped / before:.3f} CPU; detection added over the rules "
                f"{(shipped - rules) * 1000 / records:.3f} ms per item now, "
                f"{(before - rules) * 1000 / records:.3f} before"
            )
        print(f"\nadded by the classifier: {(first - rules) * 1000 / records:.3f} ms CPU per item")
        print(
            f"added by the second stage: {(shipped - first) * 1000 / records:.3f} ms CPU per item"
        )


if __name__ == "__main__":
    main()
