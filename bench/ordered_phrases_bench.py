"""How often text orders a quoted phrase said: attacks (what the reply watch can cover)
and ordinary text (what it could wrongly hold back), per source and split.

    TRUEHEARTH_EXT_DATA=../shared/data PYTHONPATH=src:bench \
        .venv/bin/python bench/ordered_phrases_bench.py

The sources and splits are the injection detector's (``bench/injection_data.py``,
docs/DATA.md), read from ``../shared/data`` or ``$TRUEHEARTH_EXT_DATA``, plus the
attacks written for the repository (``bench/data/injection_authored``). The finder
was narrowed by reading only the tune rows' matches (train and tune splits); the
test column is printed too, and no choice used it. The blind-written held-out set
is not read here. A watched phrase only matters if its record is recalled into a
prompt and the reply then says it, so the ordinary rows bound the exposure; they
are not error rates.
"""

from __future__ import annotations

import time
from collections import defaultdict

from injection_data import load_all
from truehearth.core.ordered_phrases import ordered_phrases


def main() -> None:
    examples = load_all()
    counts: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    started = time.perf_counter()
    for ex in examples:
        split = "test" if ex.split == "test" else "tune"  # train + tune: seen by the builders
        cell = counts[(ex.source, ex.label, split)]
        cell[0] += 1
        cell[1] += bool(ordered_phrases(ex.text))
    each = (time.perf_counter() - started) / max(len(examples), 1) * 1e3
    print(f"{len(examples)} texts, {each:.3f} ms a text\n")
    print("| source | kind | tune: with an ordered phrase | test: with an ordered phrase |")
    print("|---|---|---|---|")
    for source, label in sorted({(s, lab) for s, lab, _ in counts}):
        cells = []
        for split in ("tune", "test"):
            n, hit = counts.get((source, label, split), [0, 0])
            cells.append(f"{hit} / {n} ({hit / n:.1%})" if n else "-")
        kind = "attacks" if label else "ordinary"
        print(f"| {source} | {kind} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
