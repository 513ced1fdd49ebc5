"""Folding the disguises off a text before the injection detector reads it.

An attack that a reader sees as "ignore previous instructions" must look the
same to the detector, whatever bytes spell it. So the detector reads a copy
of the text with, in order:

* NFKC applied (full-width letters, ligatures, mathematical alphabets, super-
  and subscripts become plain letters);
* format and stray combining characters dropped (zero-width joiners, soft
  hyphens, bidi controls, combining marks NFKC could not compose);
* Greek and Cyrillic look-alikes mapped to the Latin letters they imitate --
  but only when the text is mostly Latin, so Greek or Russian prose stays
  itself and only disguise is undone;
* padding collapsed: a character or a short group repeated many times in a
  row (``ö ö ö ö …``, ``]]]]]]``, ``\\n\\n\\n…``) is kept twice, so rows of filler
  neither hide an attack nor drown it;
* runs of blanks made one space, runs of line breaks one line break.

Pure: no I/O. The copy is only ever read, never stored.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from numpy.typing import NDArray

MAX_SCAN_CHARS = 100_000
_HIDDEN = frozenset({"Cf", "Mn", "Me"})

# Greek and Cyrillic letters that render like Latin ones (after lower-casing
# they would differ, so both cases are listed).
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ѵ": "v", "һ": "h", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I",
    "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l", "Ѵ": "V", "Һ": "H", "Ү": "Y",
    "ү": "y", "Ь": "b", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "ς": "c",
    "ά": "a", "έ": "e", "ί": "i", "ό": "o", "ύ": "u", "ή": "n", "ώ": "w",
}  # fmt: skip
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_GREEK_CYRILLIC = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# A group of one to four characters repeated at least five times in a row.
_PADDING = re.compile(r"(.{1,4}?)\1{4,}", re.DOTALL)


class _HiddenTable(dict[int, int | None]):
    """A ``str.translate`` table that drops format and combining characters.

    Each code point is classified once and remembered.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)) in _HIDDEN else code
        self[code] = value
        return value


_DROP_HIDDEN = _HiddenTable()


def fold(text: str) -> str:
    """NFKC, hidden characters dropped, look-alikes mapped (the letters a reader sees)."""
    folded = unicodedata.normalize("NFKC", text[:MAX_SCAN_CHARS])
    if folded.isascii():
        return folded
    folded = _NON_ASCII.sub(lambda run: run.group().translate(_DROP_HIDDEN), folded)
    return _unmask_lookalikes(folded)


def normalize(text: str) -> str:
    """What the detector reads: :func:`fold`, then padding and blank runs collapsed."""
    folded = fold(text)
    collapsed = _PADDING.sub(r"\1\1", folded) if _may_pad(folded) else folded
    return collapse_blanks(collapsed)


def collapse_blanks(text: str) -> str:
    """Runs of blanks made one space, runs of line breaks (with blanks) one line break, trimmed.

    The same as substituting ``[^\\S\\n]+`` by a space, then ``\\s*\\n\\s*`` by a line
    break, then stripping (``str.split`` and ``\\s`` agree on what is blank), at a
    fifth of the cost: the importer runs this on every item.
    """
    if "\n" not in text:
        return " ".join(text.split())
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n")) if line)


def _may_pad(text: str) -> bool:
    """Whether :data:`_PADDING` can match: a group of k <= 4 characters repeated 5 times.

    Such a run has period k, so ``text[j] == text[j + k]`` for 4k positions in a
    row. The regex tries every group length at every position (most of
    :func:`normalize`'s cost on ordinary text, where it never matches); this
    answers with a few vectorised comparisons, first for the periods 2 and 12
    (which every period up to 4 divides), then exactly. Only a ``True`` pays for
    the regex.
    """
    if len(text) < 5:
        return False
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    two = codes[2:] == codes[:-2]
    if (two[2:] & two[1:-1] & two[:-2]).any() and (
        _run(codes[1:] == codes[:-1], 4) or _run(two, 8)
    ):
        return True
    if codes.size < 15:
        return False
    twelve = codes[12:] == codes[:-12]
    return bool((twelve[2:] & twelve[1:-1] & twelve[:-2]).any()) and (
        _run(codes[3:] == codes[:-3], 12) or _run(codes[4:] == codes[:-4], 16)
    )


def _run(equal: NDArray[np.bool_], length: int) -> bool:
    """Whether ``equal`` holds ``length`` ``True`` values in a row (by doubling the run)."""
    have = 1
    while have < length and equal.size:
        step = min(have, length - have)
        equal = equal[:-step] & equal[step:]
        have += step
    return bool(equal.any())


def _unmask_lookalikes(text: str) -> str:
    """Map Greek/Cyrillic look-alikes to Latin when Latin letters dominate the text."""
    foreign = len(_GREEK_CYRILLIC.findall(text))
    if not foreign:
        return text
    if len(_LATIN_LETTER.findall(text)) < foreign:
        # Mostly Greek or Cyrillic: real prose in those scripts. Only words that
        # mix scripts are disguises.
        return re.sub(r"\w+", _unmask_mixed_word, text)
    return text.translate(_LOOKALIKE_TABLE)


def _unmask_mixed_word(match: re.Match[str]) -> str:
    word = match.group()
    if _LATIN_LETTER.search(word) and _GREEK_CYRILLIC.search(word):
        return word.translate(_LOOKALIKE_TABLE)
    return word
