"""Import SillyTavern's own shipped samples and read our card back with SillyTavern's parser.

The samples are files nobody here wrote: ``default/content/default_Seraphina.png``
(a 400x600 V2 card with an embedded lorebook) and ``default/content/Eldoria.json``
(a world-info file) from SillyTavern's public repository (AGPL-3.0; read from a
checkout, never copied into this repository). The run imports both into a fresh
home, accepts the proposals and confirms the lorebook in review, exports a card
with the original picture as ``--avatar`` and one without (the picture kept at
import), and checks:

* the exported PNG keeps the picture's IHDR/PLTE/IDAT chunks byte for byte;
* SillyTavern's ``src/character-card-parser.js`` (run with node, given a
  directory holding ``png-chunks-extract``, ``png-chunk-text`` and
  ``png-chunks-encode``) reads the card, its name and its lorebook.

    python bench/st_samples.py --st /path/to/SillyTavern [--node-modules DIR] [--aichar DIR]

``--aichar`` names a directory holding the ``aichar`` package (``pip install
--target DIR aichar``), an old-reader library that reads V1 fields: it reads
both exported PNGs and a JSON export.

``--st`` may also be a bare git directory (a mirror): files are read with ``git show``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from truehearth.core.records import Layer
from truehearth.exchange import review
from truehearth.exchange.card_export import write_card
from truehearth.exchange.formats import import_path
from truehearth.exchange.png import chunks, size
from truehearth.home import Home

SAMPLES = ("default/content/default_Seraphina.png", "default/content/Eldoria.json")
PARSER = "src/character-card-parser.js"


def _file(st: Path, name: str, into: Path) -> Path:
    target = into / Path(name).name
    if (st / name).is_file():
        shutil.copyfile(st / name, target)
    else:  # a bare mirror
        blob = subprocess.run(
            ["git", "--git-dir", str(st), "show", f"HEAD:{name}"], check=True, capture_output=True
        ).stdout
        target.write_bytes(blob)
    return target


def _image(png: bytes) -> list[tuple[bytes, bytes]]:
    return [c for c in chunks(png) if c[0] in (b"IHDR", b"PLTE", b"IDAT")]


def run(st: Path, node_modules: Path | None, aichar: Path | None = None) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="st-samples-"))
    card_png, world = (_file(st, name, work) for name in SAMPLES)
    out = work / "exported.png"
    result: dict[str, Any] = {}
    with Home.init(work / "home", "Seraphina") as home:
        result["card_import"] = import_path(home, card_png, "card").to_json()
        result["world_import"] = import_path(home, world, "lorebook").to_json()
        for proposal in home.proposals():
            home.accept(proposal.id)
        lore = [
            r.id
            for r in home.records(layers=[Layer.ARCHIVE], limit=10_000)
            if r.meta.get("kind") == "lorebook"
        ]
        review.decide(home, lore, review.Decision.PROMOTE)
        card = write_card(home, out, avatar=card_png).card
        kept = work / "kept.png"  # no --avatar: the picture kept at import
        picture = write_card(home, kept).picture
        as_json = work / "exported.json"
        write_card(home, as_json)
    data = card["data"]
    result["exported"] = {
        "lorebook_entries": len(data.get("character_book", {}).get("entries", [])),
        "creator": data["creator"],
        "character_version": data["character_version"],
        "v1_name": card.get("name"),
        "avatar_size": [size(card_png.read_bytes()), size(out.read_bytes())],
        "image_chunks_identical": _image(card_png.read_bytes()) == _image(out.read_bytes()),
        "without_avatar": {
            "picture": picture,
            "image_chunks_identical": _image(card_png.read_bytes()) == _image(kept.read_bytes()),
        },
    }
    if node_modules is not None:
        parser = _file(st, PARSER, work)
        script = (
            f"const p = require({json.dumps(str(parser))});"
            f"const c = JSON.parse(p.parse({json.dumps(str(out))}));"
            "console.log(JSON.stringify({spec: c.spec, name: c.data.name,"
            " book: (c.data.character_book || {entries: []}).entries.length}));"
        )
        read = subprocess.run(
            ["node", "-e", script],
            check=True,
            capture_output=True,
            text=True,
            env={"NODE_PATH": str(node_modules), "PATH": "/usr/bin:/bin"},
        )
        result["sillytavern_parser"] = json.loads(read.stdout)
    if aichar is not None:
        script = (
            "import sys, json, aichar\n"
            "pngs = [aichar.load_character_card_file(p) for p in sys.argv[1:3]]\n"
            "js = aichar.load_character_json_file(sys.argv[3])\n"
            "print(json.dumps([c.name for c in [*pngs, js]]))\n"
        )
        read = subprocess.run(
            [sys.executable, "-c", script, str(out), str(kept), str(as_json)],
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(aichar), "PATH": "/usr/bin:/bin"},
        )
        result["aichar_names"] = json.loads(read.stdout)
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--st", type=Path, required=True, help="a SillyTavern checkout or mirror")
    parser.add_argument("--node-modules", type=Path, help="node_modules with the PNG packages")
    parser.add_argument("--aichar", type=Path, help="a directory holding the aichar package")
    args = parser.parse_args()
    print(json.dumps(run(args.st, args.node_modules, args.aichar), indent=2))


if __name__ == "__main__":
    main()
