"""A real SillyTavern, driven in Chromium, against the proxy: what the home holds afterwards.

SillyTavern (AGPL-3.0, https://github.com/SillyTavern/SillyTavern) is run as an
external program, never copied into this repository: the pinned commit is
exported into a work directory outside the checkout and its npm dependencies
are installed there once (``npm ci``; both are cached between runs). Then:

1. a fresh home is made with the real CLI (``truehearth init``, ``mouth add``,
   ``token``), its mouth an OpenAI-compatible model server in this process that
   numbers its replies (so swipes differ and the kept one can be told apart);
2. ``truehearth serve`` runs on a loopback port;
3. SillyTavern's data directory is prepared before it starts: its Chat
   Completion source set to "Custom (OpenAI-compatible)" at the proxy's ``/v1``,
   the bearer token in its ``secrets.json`` (``api_key_custom``), a small card
   for the long chat; then its node server starts on another loopback port;
4. headless Chromium (Playwright) clicks through SillyTavern's own UI: a chat
   with its shipped card Seraphina (send, swipe, regenerate, continue,
   impersonate, edit, delete), a second chat with her that opens with the same
   line, and a long chat with a 512-token context that SillyTavern trims from
   the front;
5. the home is read back with ``truehearth log --chats --json`` and
   ``log --session ID --json`` and compared with SillyTavern's own chat files
   (what the user saw): one session per chat, swipes as alternatives with the
   kept one recorded, the card and system prompt set aside and never journaled
   as the human's, nothing journaled twice, ``verify`` ok.

A pass/fail table (markdown) is printed; docs/BENCHMARKS.md ("A live
SillyTavern against the proxy") holds the latest. The exit status is 1 when a
check fails; ``--keep`` (or a failure) keeps the run's home, SillyTavern data,
logs and screenshots.

From a clean checkout (node >= 18 with npm, Chromium, and the ``dev`` extra with
Playwright installed)::

    PYTHONPATH=src .venv/bin/python bench/st_live.py [--st-git DIR] [--work DIR] [--chromium PATH]

``--st-git`` names a SillyTavern clone or bare mirror holding the pinned
commit; without it the commit is fetched from GitHub (``git fetch --depth 1``).
``--work`` defaults to ``$BENCH_TMP/st-live`` or ``/tmp/truehearth-st-live``.
It is a bench script, not a CI test: CI never runs ``npm``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ST_REPO = "https://github.com/SillyTavern/SillyTavern.git"
ST_COMMIT = "ba6f7b7a98cf7a5eaf4f0e81da9779a9a668ced4"  # release 1.12.6, 2024-09-28
ROOT = Path(__file__).resolve().parent.parent
MODEL = "ash"  # the mouth's name, which SillyTavern sends as its model id
USER = "Lee"
WREN = "Wren"
WREN_CARD = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": WREN,
        "description": "{{char}} is a quiet lighthouse keeper who answers briefly.",
        "personality": "calm",
        "scenario": "",
        "first_mes": "*Wren sets down the lamp.* Evening.",
        "mes_example": "",
        "creator_notes": "",
        "system_prompt": "",
        "post_history_instructions": "",
        "alternate_greetings": [],
        "tags": [],
        "creator": "truehearth bench",
        "character_version": "1",
        "extensions": {},
    },
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- SillyTavern: export once, install once -------------------------------------------------


def _git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], input=data, check=True, capture_output=True
    ).stdout


def _fetch_pinned(work: Path) -> Path:
    """A bare repository holding only the pinned commit, fetched from GitHub."""
    bare = work / "sillytavern.git"
    if not bare.exists():
        subprocess.run(["git", "init", "--bare", "-q", str(bare)], check=True)
        _git(bare, "fetch", "--depth", "1", ST_REPO, ST_COMMIT)
    return bare


def _git_dir(source: Path) -> Path:
    return source / ".git" if (source / ".git").exists() else source


def export_sillytavern(source: Path | None, work: Path) -> Path:
    """The pinned commit's files in ``work``, exported once.

    Files are written blob by blob rather than through ``git archive``, because a
    partial mirror may lack a few large blobs (two tokenizer models SillyTavern
    loads only for Gemma and Llama 3, and a source map); those are listed and
    skipped. The export is marked complete only at the end.
    """
    target = work / f"sillytavern-{ST_COMMIT[:10]}"
    done = target / ".exported"
    if done.exists():
        return target
    git_dir = _git_dir(source) if source is not None else _fetch_pinned(work)
    if target.exists():
        shutil.rmtree(target)
    tree = _git(git_dir, "ls-tree", "-r", "-z", ST_COMMIT)
    entries = []
    for item in tree.split(b"\0"):
        if item:
            meta, name = item.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            if kind == "blob":
                entries.append((mode, sha, name.decode()))
    batch = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert batch.stdin is not None and batch.stdout is not None
    missing = []
    for mode, sha, path in entries:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[-1] == b"missing":
            missing.append(path)
            continue
        blob = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        file = target / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(blob)
        if mode == "100755":
            file.chmod(0o755)
    batch.stdin.close()
    batch.wait()
    if missing:
        log(f"SillyTavern export: {len(missing)} blob(s) absent from the source: {missing}")
    done.write_text(json.dumps({"commit": ST_COMMIT, "missing": missing}))
    return target


def install_sillytavern(st: Path) -> None:
    """``npm ci`` once; the marker is written only when it succeeded."""
    done = st / "node_modules" / ".truehearth-installed"
    if done.exists():
        return
    log("npm ci (once; cached in the work directory)")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=st, check=True, stdout=subprocess.DEVNULL
    )
    done.write_text(ST_COMMIT)


# -- the mouth: a scripted OpenAI-compatible model server -----------------------------------


class ScriptedModel:
    """Numbered replies over the OpenAI chat API, streamed or whole.

    Each reply names its number and the human's last words, so every swipe
    differs and any reply in SillyTavern's chat file can be traced to the
    request that produced it.
    """

    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def reply(self, body: dict[str, Any]) -> str:
        with self.lock:
            self.n += 1
            n = self.n
            self.requests.append(body)
        messages = body.get("messages") or []
        last = next(
            (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        words = " ".join(last.split()[-6:])
        return f"Reply {n}: about '{words}', the lamp burns on and the tide turns slowly."

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, value: Any) -> None:
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": "scripted"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "not found"}})
                    return
                text = model.reply(body)
                usage = {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
                if not body.get("stream"):
                    self._json(
                        200,
                        {
                            "id": "scripted",
                            "object": "chat.completion",
                            "model": "scripted",
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": usage,
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i, word in enumerate(text.split(" ")):
                    delta = {"content": word if i == 0 else " " + word}
                    chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\n".encode())
                self.wfile.write(
                    f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode()
                )
                self.wfile.write(b"data: [DONE]\n\n")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/v1"
        finally:
            server.shutdown()
            server.server_close()


# -- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float, log_file: Path) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited; see {log_file}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s; see {log_file}")


@contextlib.contextmanager
def process(cmd: list[str], log_file: Path, **kw: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child in its own process group, ended (and its children with it) on the way out."""
    with log_file.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kw
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def truehearth(home: Path, *args: str) -> str:
    """Run the real CLI (this checkout's, through the running interpreter)."""
    env = {**os.environ, "TRUEHEARTH_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "truehearth", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"truehearth {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


# -- SillyTavern's configuration, written before it starts ------------------------------------


def prepare_sillytavern(st: Path, data: Path, proxy_v1: str, token: str) -> None:
    """Point SillyTavern's Chat Completion source at the proxy, as its own settings files do.

    ``settings.json`` is SillyTavern's shipped default with the source set to
    "custom" (``custom_url``, ``custom_model``) and a short reply length;
    ``secrets.json`` holds the bearer token under ``api_key_custom``, which
    SillyTavern's server sends as ``Authorization: Bearer``. SillyTavern seeds its
    default content (Seraphina) itself at start, and never overwrites these files.
    """
    from truehearth.exchange.png import tiny_png

    config = (st / "default" / "config.yaml").read_text()
    config = config.replace("autorun: true", "autorun: false")
    (st / "config.yaml").write_text(config)
    user = data / "default-user"
    (user / "characters").mkdir(parents=True, exist_ok=True)
    settings = json.loads((st / "default" / "content" / "settings.json").read_text())
    settings["firstRun"] = False
    settings["username"] = USER
    settings["main_api"] = "openai"
    settings["power_user"]["auto_connect"] = False
    oai = settings["oai_settings"]
    oai.update(
        chat_completion_source="custom",
        custom_url=proxy_v1,
        custom_model=MODEL,
        openai_max_context=4095,
        openai_max_tokens=120,
        stream_openai=True,
    )
    (user / "settings.json").write_text(json.dumps(settings, indent=4))
    (user / "secrets.json").write_text(json.dumps({"api_key_custom": token}, indent=4))
    card = base64.b64encode(json.dumps(WREN_CARD).encode())
    (user / "characters" / f"{WREN}.png").write_bytes(tiny_png({"chara": card}, size=256))
    # SillyTavern renders ~30 background thumbnails at first start (~40 s on two cores);
    # the bench never looks at backgrounds, so the cache is marked present.
    thumbs = user / "thumbnails" / "bg"
    thumbs.mkdir(parents=True, exist_ok=True)
    (thumbs / ".bench").write_text("")


@dataclass
class Stack:
    """Everything running: the home, the proxy, SillyTavern, and where each one logs."""

    home: Path
    proxy: str
    st_url: str
    st_data: Path
    model: ScriptedModel
    logs: Path


@contextlib.contextmanager
def running(st: Path, run_dir: Path) -> Iterator[Stack]:
    """A fresh home behind ``truehearth serve`` and a fresh SillyTavern pointed at it."""
    home = run_dir / "home"
    model = ScriptedModel()
    with model.serving() as model_url:
        truehearth(home, "init", "--name", "Ash")
        truehearth(home, "mouth", "add", MODEL, "--url", model_url, "--model", "scripted")
        token = truehearth(home, "token").strip()
        port = free_port()
        proxy = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TRUEHEARTH_HOME": str(home)}
        serve_log = run_dir / "truehearth-serve.log"
        serve = [sys.executable, "-m", "truehearth", "serve", "--port", str(port)]
        with process(serve, serve_log, env=env) as proxy_proc:
            wait_http(proxy + "/v1/models", proxy_proc, 60, serve_log)
            data = run_dir / "st-data"
            prepare_sillytavern(st, data, proxy + "/v1", token)
            st_port = free_port()
            st_log = run_dir / "sillytavern.log"
            node = ["node", "server.js", "--port", str(st_port), "--dataRoot", str(data)]
            node += ["--autorun", "false", "--listen", "false"]
            with process(node, st_log, cwd=st) as st_proc:
                st_url = f"http://127.0.0.1:{st_port}"
                wait_http(st_url + "/", st_proc, 180, st_log)
                yield Stack(home, proxy, st_url, data, model, run_dir)


# -- the user, in Chromium ---------------------------------------------------------------------


class User:
    """What a SillyTavern user does, as clicks and keystrokes in its own UI."""

    def __init__(self, page: Any, model: ScriptedModel, shots: Path) -> None:
        self.page = page
        self.model = model
        self.shots = shots
        self.steps: list[str] = []

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"st-{name}.png"))

    def _generated(self, before: int, *, expect: bool = True) -> None:
        """Wait for the model to have been asked and SillyTavern to have shown the reply."""
        page = self.page
        if expect:
            deadline = time.monotonic() + 30
            while self.model.n <= before:
                if time.monotonic() > deadline:
                    self.shot("stuck")
                    raise RuntimeError(f"no request reached the model after: {self.steps[-1]}")
                page.wait_for_timeout(100)
        page.wait_for_function(
            "() => { const s = document.querySelector('#mes_stop');"
            " return !s || getComputedStyle(s).display === 'none'; }",
            timeout=30_000,
        )
        page.wait_for_timeout(600)  # SillyTavern saves the chat after rendering

    def _step(self, what: str) -> int:
        self.steps.append(what)
        log(f"user: {what}")
        return self.model.n

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function("!document.querySelector('#preloader')", timeout=120_000)

    def connect(self) -> str:
        self._step("connect: API Connections, Connect")
        page = self.page
        page.locator("#sys-settings-button .drawer-toggle").click()
        page.locator("#api_button_openai").click()
        # For a custom source SillyTavern shows "Status check bypassed" at once, then
        # "Valid" when the proxy's /v1/models answered with the token.
        with contextlib.suppress(Exception):
            page.wait_for_function(
                "() => /^valid$/i.test("
                "(document.querySelector('.online_status_text') || {}).innerText || '')",
                timeout=20_000,
            )
        status = str(page.locator(".online_status_text").first.inner_text())
        page.locator("#sys-settings-button .drawer-toggle").click()
        return status

    def character(self, name: str) -> None:
        self._step(f"open the character {name}")
        page = self.page
        page.locator("#rightNavHolder .drawer-toggle").click()
        listing = page.locator("#rm_button_characters")
        if listing.is_visible():  # the panel shows the open character: back to the list
            listing.click()
        page.locator(".character_select", has_text=name).first.click()
        page.wait_for_function(
            "n => [...document.querySelectorAll('#chat .mes')]"
            ".some(m => m.getAttribute('ch_name') === n)",
            arg=name,
            timeout=20_000,
        )
        page.wait_for_timeout(800)

    def send(self, text: str) -> None:
        before = self._step(f"send {text!r}")
        self.page.locator("#send_textarea").fill(text)
        self.page.locator("#send_but").click()
        self._generated(before)

    def _option(self, option: str) -> None:
        self.page.locator("#options_button").click()
        self.page.locator(f"#{option}").click()

    def swipe_right(self) -> None:
        before = self._step("swipe right on the last reply")
        at_end = self._swipe_at_end()  # past the last swipe, SillyTavern asks for a new one
        self.page.locator("#chat .last_mes .swipe_right").click()
        self._generated(before, expect=at_end)

    def _swipe_at_end(self) -> bool:
        counter = str(self.page.locator("#chat .last_mes .swipes-counter").inner_text()).strip()
        shown, total = ("".join(c for c in x if c.isdigit()) for x in counter.split("/"))
        return shown == total

    def swipe_left(self) -> None:
        self._step("swipe left on the last reply")
        self.page.locator("#chat .last_mes .swipe_left").click()
        self.page.wait_for_timeout(800)

    def regenerate(self) -> None:
        before = self._step("Regenerate")
        self._option("option_regenerate")
        self._generated(before)

    def continue_(self) -> None:
        before = self._step("Continue")
        self._option("option_continue")
        self._generated(before)

    def impersonate(self) -> str:
        before = self._step("Impersonate")
        self._option("option_impersonate")
        self._generated(before)
        draft = str(self.page.locator("#send_textarea").input_value())
        self.page.locator("#send_textarea").fill("")
        return draft

    def edit_last(self, text: str) -> None:
        self._step(f"edit the last message to {text!r}")
        last = self.page.locator("#chat .last_mes")
        last.locator(".extraMesButtonsHint").click()
        last.locator(".mes_edit").click()
        last.locator(".edit_textarea").fill(text)
        last.locator(".mes_edit_done").click()
        self.page.wait_for_timeout(800)

    def delete_from(self, mesid: int) -> None:
        self._step(f"delete messages from #{mesid} on")
        page = self.page
        self._option("option_delete_mes")
        # SillyTavern enters delete mode after its menu's animation and ignores a click on
        # a message before then (it logs "this_del_mes is not >= 0, not deleting" on OK):
        # wait for the checkboxes, then for the selection, before confirming.
        message = page.locator(f"#chat .mes[mesid='{mesid}']")
        message.locator(".del_checkbox").wait_for(state="visible")
        message.click()
        page.wait_for_selector(f"#chat .mes[mesid='{mesid}'].selected")
        page.locator("#dialogue_del_mes_ok").click()
        page.wait_for_function(
            "n => !document.querySelector(`#chat .mes[mesid='${n}']`)", arg=mesid
        )
        page.wait_for_timeout(800)

    def new_chat(self) -> None:
        self._step("Start new chat")
        self._option("option_start_new_chat")
        self.page.locator(".popup-button-ok").first.click()
        self.page.wait_for_timeout(1500)

    def context_size(self, tokens: int) -> None:
        self._step(f"set the context size to {tokens} tokens")
        page = self.page
        page.locator("#ai-config-button .drawer-toggle").click()
        box = page.locator("#openai_max_context_counter")
        box.fill(str(tokens))
        box.dispatch_event("change")
        box.press("Enter")
        page.wait_for_timeout(500)
        page.locator("#ai-config-button .drawer-toggle").click()

    def shown(self) -> list[str]:
        return [str(t) for t in self.page.locator("#chat .mes .mes_text").all_inner_texts()]


# -- what the user did, and what the home should hold ----------------------------------------

LONG_LINES = [
    "The first lantern on the cliff path flickered again tonight, the one by the broken gate "
    "where the gulls nest, and I wondered whether the wick or the wind was to blame.",
    "My sister wrote from the harbour town; she says the fishing boats stay in because the "
    "fog has not lifted for three days and the bell buoy has gone quiet.",
    "I walked the whole shore at low tide and counted eleven crabs, two bottles with no "
    "letters in them, and a shoe that looked like it had crossed an ocean.",
    "The keeper before you left a logbook in the cupboard under the stairs, full of weather "
    "notes and a few lines of poetry about the northern lights in winter.",
    "There is a crack in the second window of the lamp room; rain comes through when the "
    "wind is from the west, and the brass is turning green around it.",
    "Tomorrow the supply boat should come if the swell drops, bringing oil, flour, letters, "
    "and the new glass chimney we ordered before the autumn storms began.",
    "I found a heron standing on the jetty at dawn, perfectly still, as if it were keeping "
    "watch over the bay for us while we slept through the early grey light.",
    "The radio gave a storm warning for the weekend, force eight from the south-west, so we "
    "should tie down the shed roof and bring the rowing boat up the slipway.",
    "Do you remember the name of the ship that ran aground here years ago? The old men in "
    "the village still argue about it over their cards on Friday nights.",
    "I tried to mend the fog horn's bellows with the canvas from the attic, but the stitching "
    "pulled loose after an hour of damp air, so it needs proper leather.",
    "A child from the village asked if she could see the lamp lit one evening; I said I would "
    "ask you first, since the stairs are steep and the rail is loose.",
    "The stars were clear for once after midnight, and I could see the whole curve of the "
    "milky way above the headland, brighter than the lamp itself for a while.",
    "We are nearly out of lamp oil again; I measured the tank and there is perhaps enough "
    "for four more nights if we trim the wick carefully every evening.",
    "Last question for tonight: should we paint the door blue like the old photographs show, "
    "or keep the white that the harbour board asked for last spring?",
]


@dataclass
class Story:
    """What the user did and saw, kept to compare with the home afterwards."""

    status: str = ""
    sent: dict[str, list[str]] = field(default_factory=dict)  # chat label -> human lines
    swiped: str = ""  # the human line whose reply was swiped
    regenerated: str = ""
    continued: str = ""
    impersonated: str = ""
    edited: str = ""
    edited_after: str = ""  # the human line whose reply the user edited
    deleted: list[str] = field(default_factory=list)
    greeting: dict[str, str] = field(default_factory=dict)

    def said(self, chat: str, line: str) -> str:
        self.sent.setdefault(chat, []).append(line)
        return line


def drive(user: User, url: str) -> Story:
    story = Story()
    user.open(url)
    story.status = user.connect()
    # Chat A: Seraphina, SillyTavern's own shipped card.
    user.character("Seraphina")
    story.greeting["A"] = user.shown()[0]
    user.send(story.said("A", "Where are we going today?"))
    user.send(story.said("A", "Tell me about the glade."))
    story.swiped = "Tell me about the glade."
    user.swipe_right()
    user.swipe_right()
    user.swipe_left()  # the user settles on the second of three
    user.shot("swiped")
    user.send(story.said("A", "And the river beyond it?"))
    story.regenerated = story.continued = "And the river beyond it?"
    user.regenerate()
    user.continue_()
    user.shot("continued")
    story.impersonated = user.impersonate()
    user.send(story.said("A", "Let us rest here."))
    story.edited_after = "Let us rest here."
    story.edited = "*Seraphina nods.* Rest, then. I will keep watch. (edited by the user)"
    user.edit_last(story.edited)
    user.send(story.said("A", "What is that sound?"))
    user.send(story.said("A", "A fox, maybe."))
    last_user = user.page.locator("#chat .mes[is_user='true']").last.get_attribute("mesid")
    user.delete_from(int(last_user))
    story.deleted = ["A fox, maybe."]
    user.send(story.said("A", "Never mind, let us walk on."))
    user.shot("chat-a")
    # Chat B: a new chat with the same character, opening with the same line.
    user.new_chat()
    story.greeting["B"] = user.shown()[0]
    user.send(story.said("B", "Where are we going today?"))
    user.send(story.said("B", "To the coast, then."))
    # Chat C: a long chat with a small context, which SillyTavern trims from the front.
    user.character(WREN)
    story.greeting["C"] = user.shown()[0]
    user.context_size(512)
    for line in LONG_LINES:
        user.send(story.said("C", line))
    user.shot("chat-c")
    return story


@dataclass
class Check:
    name: str
    ok: bool
    found: str


def st_chats(data: Path) -> dict[str, list[dict[str, Any]]]:
    """SillyTavern's own chat files (what the user saw), by file name."""
    chats = {}
    for file in sorted((data / "default-user" / "chats").glob("*/*.jsonl")):
        lines = [json.loads(x) for x in file.read_text().splitlines() if x.strip()]
        chats[f"{file.parent.name}/{file.name}"] = lines[1:]  # the first line is metadata
    return chats


def _label(story: Story, messages: list[dict[str, Any]]) -> str | None:
    users = {m["mes"] for m in messages if m.get("is_user")}
    for chat, lines in story.sent.items():
        if users & set(lines) and (users - set(story.deleted)) <= set(lines):
            return chat
    return None


def check(home: Path, story: Story, data: Path) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, ok: bool, found: str) -> None:
        checks.append(Check(name, bool(ok), found))

    add("SillyTavern connects to the proxy", story.status.strip() == "Valid", story.status)
    sessions = json.loads(truehearth(home, "log", "--chats", "--json", "-n", "100"))
    accounts = {
        s["session"]: json.loads(truehearth(home, "log", "--session", s["session"], "--json"))
        for s in sessions
    }
    files = st_chats(data)
    by_label = {}
    for name, messages in files.items():
        label = _label(story, messages)
        if label is not None:
            by_label[label] = (name, messages)
    humans = {
        sid: [t["human"]["text"] for t in a["turns"] if t["human"] is not None]
        for sid, a in accounts.items()
    }
    # A session belongs to the chat whose lines hold all its human turns (chat B opens
    # with chat A's first line, so one shared line says nothing).
    where: dict[str, list[str]] = {chat: [] for chat in story.sent}
    for sid, texts in humans.items():
        owners = [c for c, lines in story.sent.items() if set(texts) <= set(lines)]
        for owner in owners if len(owners) == 1 else []:
            where[owner].append(sid)
    add(
        "one session per SillyTavern chat",
        len(sessions) == len(story.sent)
        and all(len(s) == 1 for s in where.values())
        and len({s[0] for s in where.values() if s}) == len(story.sent),
        f"{len(story.sent)} chats with messages ({len(files)} chat files), "
        f"{len(sessions)} sessions; chat -> sessions: "
        + ", ".join(f"{c}: {len(s)}" for c, s in where.items()),
    )
    twice = {sid: sorted({t for t in texts if texts.count(t) > 1}) for sid, texts in humans.items()}
    missing = {
        chat: [x for x in lines if not any(x in humans[s] for s in where[chat])]
        for chat, lines in story.sent.items()
    }
    add(
        "every line the user sent is journaled once, as the human's",
        not any(twice.values()) and not any(missing.values()),
        f"journaled twice: {sum(len(v) for v in twice.values())}; "
        f"missing: {sum(len(v) for v in missing.values())}",
    )
    every_human = [t for texts in humans.values() for t in texts]
    sent = {x for lines in story.sent.values() for x in lines}
    foreign = [t for t in every_human if t not in sent]
    add(
        "nothing else is journaled as the human's (card, system prompt, impersonation)",
        not foreign and story.impersonated not in every_human,
        f"{len(foreign)} other human record(s)"
        + (f": {foreign[:2]!r}" if foreign else "")
        + f"; impersonation draft {story.impersonated[:40]!r} journaled: "
        f"{story.impersonated in every_human}",
    )
    replies = [r for a in accounts.values() for t in a["turns"] for r in t["replies"]]
    greetings = set(story.greeting.values())
    add(
        "the card's greeting is not journaled as the companion's",
        not any(r["text"] in greetings for r in replies),
        f"{sum(r['text'] in greetings for r in replies)} reply record(s) equal a greeting",
    )
    turns = [t for a in accounts.values() for t in a["turns"]]
    set_aside = [t["frontend"]["system_set_aside"] for t in turns if t["replies"]]
    labelled = [t["frontend"]["frontend_text"] for t in turns if t["replies"]]
    add(
        "the system prompt and card are set aside, and noted on every reply",
        bool(set_aside) and min(set_aside) >= 1,
        f"system messages set aside per turn: {min(set_aside, default=0)}-"
        f"{max(set_aside, default=0)}; frontend text labelled per turn: "
        f"{min(labelled, default=0)}-{max(labelled, default=0)}",
    )

    def turn_of(line: str) -> dict[str, Any] | None:
        return next((t for t in turns if t["human"] and t["human"]["text"] == line), None)

    def st_reply(chat: str, line: str) -> dict[str, Any] | None:
        messages = by_label.get(chat, ("", []))[1]
        for i, m in enumerate(messages):
            if m.get("is_user") and m["mes"] == line and i + 1 < len(messages):
                return messages[i + 1]
        return None

    swiped, shown = turn_of(story.swiped), st_reply("A", story.swiped)
    fates = [(r["fate"], bool(r["alternative_to"])) for r in (swiped or {}).get("replies", [])]
    kept = [r["text"] for r in (swiped or {}).get("replies", []) if r["fate"] == "kept"]
    st_swipes = len((shown or {}).get("swipes") or [])
    add(
        "swipes are alternatives to one human turn",
        len(fates) == 3 == st_swipes and [a for _, a in fates] == [False, True, True],
        f"SillyTavern swipes: {st_swipes}; journaled replies (fate, is alternative): {fates}",
    )
    add(
        "the swipe the user kept is recorded as kept",
        shown is not None and kept == [shown["mes"]],
        f"SillyTavern shows swipe {(shown or {}).get('swipe_id')}; journal kept: "
        f"{[k[:12] for k in kept]} vs shown {(shown or {}).get('mes', '')[:12]!r}",
    )
    regen = turn_of(story.regenerated)
    shown = st_reply("A", story.regenerated)
    rr = (regen or {}).get("replies", [])
    add(
        "regenerate is an alternative; continue extends it as one reply",
        len(rr) >= 2
        and shown is not None
        and any(r["text"] == shown["mes"] and r["fate"] in ("kept", "continued") for r in rr),
        f"replies to the turn: {[(r['fate'], r['text'][:10]) for r in rr]}; "
        f"SillyTavern shows {(shown or {}).get('mes', '')[:60]!r}",
    )
    edited_fates = [r["fate"] for r in (turn_of(story.edited_after) or {}).get("replies", [])]
    add(
        "a reply the user edited is recorded as edited, not as the companion's words",
        not any(r["text"] == story.edited for r in replies)
        and edited_fates == ["edited at the frontend"],
        f"records equal to the edited text: {sum(r['text'] == story.edited for r in replies)}; "
        f"the original reply's fate: {edited_fates}",
    )
    deleted = turn_of(story.deleted[0])
    add(
        "a reply the user deleted is marked withdrawn",
        deleted is not None and all(r["fate"] == "withdrawn" for r in deleted["replies"]),
        f"fates: {[r['fate'] for r in (deleted or {}).get('replies', [])]}",
    )
    a, b = where.get("A", []), where.get("B", [])
    add(
        "a new chat opening with the same line is a new session",
        len(b) == 1 and not set(a) & set(b),
        f"chat A: {a}; chat B: {b}",
    )
    c = where.get("C", [])
    c_turns = accounts[c[0]]["turns"] if len(c) == 1 else []
    tails = [t["frontend"]["session_match"] for t in c_turns]
    tails = [m for m in tails if m.get("how") == "tail"]
    add(
        "the long chat SillyTavern trimmed stays one session",
        len(c) == 1 and len(c_turns) == len(story.sent["C"]) and bool(tails),
        f"sessions: {len(c)}; turns: {len(c_turns)} of {len(story.sent['C'])}; "
        f"matched by the tail: {len(tails)} turn(s)"
        + (
            f", the shortest showing {min(m.get('shown', 0) for m in tails)} turn(s)"
            if tails
            else ""
        ),
    )
    visible = 0
    matched = 0
    for chat, (_, messages) in by_label.items():
        # over every session the chat landed in, so a split is counted once, above
        shown_in = [t for sid in where.get(chat, []) for t in accounts[sid]["turns"]]
        journaled = {r["text"] for t in shown_in for r in t["replies"]}
        for m in messages[1:]:
            if not m.get("is_user") and m["mes"] != story.edited:
                visible += 1
                matched += m["mes"] in journaled
    add(
        "every reply SillyTavern shows is a journaled reply of its chat's session(s)",
        visible > 0 and matched == visible,
        f"{matched} of {visible} replies shown",
    )
    verify = json.loads(truehearth(home, "verify", "--json"))
    add("verify", verify["ok"], f"{verify['events']} events")
    return checks


def table(checks: list[Check]) -> str:
    rows = ["| check | result | found |", "|---|---|---|"]
    rows += [f"| {c.name} | {'pass' if c.ok else '**FAIL**'} | {c.found} |" for c in checks]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--st-git", type=Path, help="a SillyTavern clone or bare mirror")
    parser.add_argument("--work", type=Path, help="work directory (outside the checkout)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--keep", action="store_true", help="keep this run's home and data")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base = os.environ.get("BENCH_TMP") or tempfile.gettempdir()
    work = args.work or Path(base) / "truehearth-st-live"
    work.mkdir(parents=True, exist_ok=True)
    st = export_sillytavern(args.st_git, work)
    install_sillytavern(st)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    started = time.monotonic()
    with running(st, run_dir) as stack, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_FLAGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        console = (run_dir / "browser-console.log").open("w")  # SillyTavern's own messages

        def noted(message: Any) -> None:
            console.write(f"{message.type}: {message.text}\n")

        page.on("console", noted)
        page.set_default_timeout(20_000)
        user = User(page, stack.model, run_dir / "shots")
        try:
            story = drive(user, stack.st_url)
        except Exception:
            user.shot("failed")
            log(f"failed; screenshots, logs and the home are in {run_dir}")
            raise
        versions = {
            "sillytavern": json.loads((st / "package.json").read_text())["version"],
            "commit": ST_COMMIT,
            "node": subprocess.run(
                ["node", "--version"], capture_output=True, text=True, check=True
            ).stdout.strip(),
            "chromium": browser.version,
            "truehearth": truehearth(stack.home, "--version").strip(),
        }
        browser.close()
        checks = check(stack.home, story, stack.st_data)
        # What the mouth was sent (the home's context, not the frontend's prompt), kept
        # with the run for a failure or --keep.
        (run_dir / "model-requests.json").write_text(json.dumps(stack.model.requests, indent=1))
    elapsed = time.monotonic() - started
    print(
        f"SillyTavern {versions['sillytavern']} ({ST_COMMIT[:10]}), node {versions['node']}, "
        f"Chromium {versions['chromium']}, {versions['truehearth']}; "
        f"{len(user.steps)} user actions, {stack.model.n} model requests, {elapsed:.0f} s"
    )
    print(table(checks))
    failed = [c for c in checks if not c.ok]
    print(f"{len(checks) - len(failed)} of {len(checks)} checks pass")
    if not args.keep and not failed:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"this run's home, SillyTavern data, logs and screenshots: {run_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
