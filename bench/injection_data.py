"""The externally written data the injection classifier is trained and measured on.

Every source is split *before* anything is trained or tuned, by a hash of a
group key (a conversation, a BIPIA context, a prompt), so a conversation never
straddles two splits:

* ``train`` -- the weights are fitted on it;
* ``tune``  -- the threshold is chosen on it, and it is where misses may be read;
* ``test``  -- only ever scored, for the figures in docs/BENCHMARKS.md.

Where a source publishes its own test split (deepset, BIPIA), that split is
the test split and our hash only divides the published train split into
train and tune. Sources live in ``../shared/data`` beside the repository (or
``$TRUEHEARTH_EXT_DATA``); nothing here is committed.

BIPIA's five "task" attack categories on each side (train: Information
Retrieval, Content Creation, Learning and Tutoring, Language Translation,
Programming Help; test: Task Automation, Business Intelligence,
Conversational Agent, Research Assistance, Sentiment Analysis) are plain
requests such as "What is the capital of Brazil?". They are injections only
because of where BIPIA puts them (inside an e-mail a model is summarising);
a chat archive is full of the same requests from the user. They are not used
for training and are reported apart.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASK_CATEGORIES = frozenset(
    {
        *("Information Retrieval", "Content Creation", "Learning and Tutoring"),
        *("Language Translation", "Programming Help", "Task Automation"),
        *("Business Intelligence", "Conversational Agent", "Research Assistance"),
        "Sentiment Analysis",
    }
)
CHAT_SOURCES = ("topical_chat", "counsel_chat", "synthetic_persona_chat", "memorybank", "realmem")


@dataclass(frozen=True, slots=True)
class Example:
    """One text with its label (1 = injection), source, split and a note on what it is."""

    text: str
    label: int
    source: str
    split: str
    kind: str = ""
    attack: str = ""


def data_root() -> Path:
    """Where the external sets are: ``$TRUEHEARTH_EXT_DATA``, else the nearest ``shared/data``
    beside the repository or one of its parents (a worktree sits a level deeper)."""
    configured = os.environ.get("TRUEHEARTH_EXT_DATA")
    if configured:
        return Path(configured)
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def bucket(source: str, group: str) -> str:
    """train (60 %), tune (20 %) or test (20 %), fixed by a hash of the group key."""
    digit = int(hashlib.sha256(f"{source}:{group}".encode()).hexdigest()[:8], 16) % 10
    return "train" if digit < 6 else "tune" if digit < 8 else "test"


def published(source: str, group: str, split: str) -> str:
    """A published test split stays test; a published train split divides into train and tune."""
    if split == "test":
        return "test"
    return "tune" if bucket(source, group) == "tune" else "train"


def load_all(root: Path | None = None) -> list[Example]:
    """Every example of every source that is present, with its split."""
    base = root or data_root()
    out: list[Example] = []
    for loader in (
        _deepset,
        _bipia,
        _notinject,
        _topical,
        _counsel,
        _persona,
        _memorybank,
        _realmem,
    ):
        out.extend(loader(base))
    return out


def _deepset(base: Path) -> Iterator[Example]:
    folder = base / "deepset_prompt_injections"
    for split in ("train", "test"):
        path = folder / f"deepset_{split}.jsonl"
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            yield Example(
                row["text"], int(row["label"]), "deepset", published("deepset", row["text"], split)
            )


def _bipia(base: Path) -> Iterator[Example]:
    folder = base / "bipia"
    for split in ("train", "test"):
        path = folder / f"bipia_composed_{split}.jsonl"
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            group = f"{row['task']}-{row['context_index']}"
            ours = published("bipia", group, split)
            if row["label"] == 0:
                yield Example(row["text"], 0, "bipia", ours, f"{row['task']} clean")
                continue
            task = row["attack_category"] in TASK_CATEGORIES
            kind = f"{row['task']} {'task request' if task else 'reply-directed'}"
            yield Example(row["text"], 1, "bipia", ours, kind, row["attack_str"])
        attacks = {**_json(folder / "benchmark" / f"text_attack_{split}.json")}
        attacks.update(_json(folder / "benchmark" / f"code_attack_{split}.json"))
        for category, strings in attacks.items():
            if category in TASK_CATEGORIES:
                continue
            for text in strings:
                ours = published("bipia-attack", category, split)
                yield Example(text, 1, "bipia-attack", ours, category)


def _json(path: Path) -> dict[str, list[str]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _notinject(base: Path) -> Iterator[Example]:
    for name in ("one", "two", "three"):
        path = base / "notinject" / f"NotInject_{name}.json"
        if not path.exists():
            return
        for row in json.loads(path.read_text(encoding="utf-8")):
            text = row["prompt"]
            yield Example(text, 0, "notinject", bucket("notinject", text), row["category"])


def _topical(base: Path) -> Iterator[Example]:
    path = base / "topical_chat" / "test_freq.json"
    if not path.exists():
        return
    for conv_id, conv in json.loads(path.read_text(encoding="utf-8")).items():
        split = bucket("topical_chat", conv_id)
        for turn in conv["content"]:
            yield Example(turn["message"], 0, "topical_chat", split)


def _counsel(base: Path) -> Iterator[Example]:
    path = base / "counsel_chat" / "20200325_counsel_chat.csv"
    if not path.exists():
        return
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            split = bucket("counsel_chat", row["questionID"])
            if row["questionID"] not in seen:
                seen.add(row["questionID"])
                yield Example(row["questionText"], 0, "counsel_chat", split, "question")
            yield Example(row["answerText"], 0, "counsel_chat", split, "answer")


def _persona(base: Path) -> Iterator[Example]:
    for name in ("test", "valid"):
        path = base / "synthetic_persona_chat" / f"Synthetic-Persona-Chat_{name}.csv"
        if not path.exists():
            return
        with path.open(encoding="utf-8", newline="") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                split = bucket("synthetic_persona_chat", f"{name}-{index}")
                for line in row["Best Generated Conversation"].splitlines():
                    _, _, said = line.partition(":")
                    if said.strip():
                        yield Example(said.strip(), 0, "synthetic_persona_chat", split)


def _memorybank(base: Path) -> Iterator[Example]:
    path = base / "memorybank" / "memory_bank_en.json"
    if not path.exists():
        return
    for user, data in json.loads(path.read_text(encoding="utf-8")).items():
        for day, turns in data["history"].items():
            split = bucket("memorybank", f"{user}-{day}")
            for turn in turns:
                for field in ("query", "response"):
                    if turn.get(field):
                        yield Example(turn[field], 0, "memorybank", split, field)


def _realmem(base: Path) -> Iterator[Example]:
    folder = base / "realmem" / "dialogues"
    if not folder.exists():
        return
    for path in sorted(folder.glob("*.json")):
        for session in json.loads(path.read_text(encoding="utf-8"))["dialogues"]:
            split = bucket("realmem", session["session_uuid"])
            for turn in session["dialogue_turns"]:
                if turn["content"].strip():
                    yield Example(turn["content"], 0, "realmem", split, turn["speaker"].lower())


def load_blind(folder: Path) -> list[Example]:
    """The blind-written multilingual set: test only, never trained or tuned on."""
    out: list[Example] = []
    for name, label in (("attacks.jsonl", 1), ("benign.jsonl", 0)):
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            kind = f"{row.get('lang', '?')} {row.get('style', '')}".strip()
            out.append(Example(row["text"], label, "blind", "test", kind))
    return out
