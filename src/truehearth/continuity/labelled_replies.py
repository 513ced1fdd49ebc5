"""The in-sample labelled replies (``labelled/*.yaml``): read without the scorers.

They are what the scorers are validated on (continuity/validation.py) and part
of what the precedents learn from (continuity/precedent.py). Reading them lives
here, apart from validation, because validation runs the scorers and the
scorers consult the precedents: reading the replies must not need either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from truehearth.continuity.probe import ProbeFormatError

LABELLED_DIR = Path(__file__).parent / "labelled"


@dataclass(frozen=True, slots=True)
class Labelled:
    probe: str
    dimension: str
    reply: str
    violation: bool


def load_labelled(path: Path = LABELLED_DIR) -> list[Labelled]:
    items: list[Labelled] = []
    for file in sorted(path.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
            raise ProbeFormatError(f"{file.name}: expected 'dimension' and a list of 'replies'")
        for row in data["replies"]:
            items.append(
                Labelled(
                    str(row["probe"]), str(data["dimension"]), str(row["reply"]), row["violation"]
                )
            )
    return items
