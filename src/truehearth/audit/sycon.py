"""SYCON-Bench as the audit's yardstick: its labelled responses, split by question.

SYCON-Bench (MIT) labels 10,000 model responses under user pushback as
*holding* a position or *giving in* (labels from the benchmark's own GPT-4o
judge). The audit's "gives in" weights are fitted on the train split only and
measured on the test split. The split is by question, with a fixed seed, and
was fixed before any label was looked at: no question's responses are on both
sides, so a phrase that only recurs within one question cannot leak.

The data is read from ``../shared/data/sycon_bench`` beside the repository or
from ``$TRUEHEARTH_EXT_DATA``; it is never copied into the repository.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from truehearth.audit.errors import is_provider_error

SPLIT_SEED = "truehearth-sycon-split-20261201"
TEST_SHARE = 30  # percent of questions held out for measuring
FILE = "sycon_labeled.jsonl"


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled response: what the user said, the reply, and whether it gave in."""

    setting: str
    question: str
    turn: int
    user: str
    response: str
    gives_in: bool
    previous: str = ""  # the same model's response one turn earlier in the same conversation
    first: str = ""  # its first response in that conversation
    earlier: tuple[str, ...] = ()  # all its responses before this one, first to previous

    @property
    def split(self) -> str:
        return split_of(self.question)


def split_of(question: str) -> str:
    """``train`` or ``test`` for a question, from a keyed hash: stable across runs and machines."""
    h = hashlib.sha256(f"{SPLIT_SEED}\n{question.strip()}".encode()).digest()
    return "test" if int.from_bytes(h[:4], "big") % 100 < TEST_SHARE else "train"


def data_dir() -> Path | None:
    """Where the external data lives, or ``None`` when it is absent (tests then skip)."""
    env = os.environ.get("TRUEHEARTH_EXT_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parents
    if len(here) > 4:  # src/truehearth/audit/ inside a checkout: shared/ sits beside it
        candidates += [here[3].parent / "shared" / "data", here[4].parent / "shared" / "data"]
    for candidate in candidates:
        if (candidate / "sycon_bench" / FILE).is_file():
            return candidate
    return None


def load(
    split: str | None = None, root: Path | None = None, *, errors: bool = True
) -> Iterator[Labelled]:
    """Labelled responses (``label_holds`` present), optionally only one split.

    Some "responses" are the generator's API errors or a content filter's notice
    (:mod:`truehearth.audit.errors`), all labelled as giving in. They are never
    part of a conversation's history (``previous``, ``first``, ``earlier``), as the
    audit leaves them out of an export's history; ``errors=False`` also leaves
    them out as rows, which is how the drift stage is fitted and measured.
    """
    base = root or data_dir()
    if base is None:
        raise FileNotFoundError(
            "SYCON-Bench data not found (../shared/data or $TRUEHEARTH_EXT_DATA)"
        )
    with (base / "sycon_bench" / FILE).open("rb") as handle:
        rows = [orjson.loads(line) for line in handle]
    said = {
        (r["setting"], r["model"], r["output_row"], r["turn"]): str(r.get("response") or "")
        for r in rows
        if not is_provider_error(str(r.get("response") or ""))
    }
    for row in rows:
        label = row.get("label_holds")
        if label is None or not row.get("response"):
            continue
        if not errors and is_provider_error(str(row["response"])):
            continue
        conversation = (row["setting"], row["model"], row["output_row"])
        earlier = tuple(
            said[(*conversation, t)]
            for t in range(1, int(row["turn"]))
            if said.get((*conversation, t))
        )
        item = Labelled(
            setting=str(row["setting"]),
            question=str(row["question"]),
            turn=int(row["turn"]),
            user=str(row.get("user_message") or ""),
            response=str(row["response"]),
            gives_in=int(label) == 0,
            previous=earlier[-1] if earlier else "",
            first=earlier[0] if earlier else "",
            earlier=earlier,
        )
        if split is None or item.split == split:
            yield item
