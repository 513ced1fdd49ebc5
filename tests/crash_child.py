"""A writer that reports each commit, for the kill -9 test (run as a script)."""

from __future__ import annotations

import sys
from pathlib import Path

from truehearth.core import acts
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home


def main(path: str) -> None:
    with Home.open(Path(path)) as home:
        i = 0
        while True:
            i += 1
            if i % 2:
                home.remember(f"single memory {i}")
            else:
                now = home.now()
                drafts = [
                    acts.remember(
                        record_id=new_id("r"),
                        layer=Layer.MEMORY,
                        text=f"batched memory {i}.{j}",
                        voice=Voice.HUMAN,
                        actor=Voice.HUMAN,
                        source=Source(via="test"),
                        now=now,
                    )
                    for j in range(25)
                ]
                home.append_drafts(drafts)
            head = home.head()
            assert head is not None
            sys.stdout.write(f"{head.seq} {head.digest}\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
