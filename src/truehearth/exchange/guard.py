"""Error translation: every way bad *bytes* make a parser fail becomes one clear line.

Only failures that bad input causes are translated: a damaged archive, bytes
that are not UTF-8, nesting deeper than the interpreter's stack. A
TypeError, AttributeError, KeyError or IndexError is a bug in a parser, not
a property of the file, so it surfaces as itself: the fuzz tests exist to
find exactly those, and hiding them as "malformed input" would blind them.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Iterator

from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.exchange.parsed import Parsed


def guarded(items: Iterable[Parsed], name: str) -> Iterator[Parsed]:
    """Yield ``items``, turning input-caused failures into :class:`InvalidInput`."""
    try:
        yield from items
    except TruehearthError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InvalidInput(f"{name}: the archive is truncated or damaged ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not UTF-8 text (binary junk?) at byte {exc.start}") from exc
    except RecursionError as exc:
        raise InvalidInput(f"{name}: nested too deeply to be a real export") from exc
