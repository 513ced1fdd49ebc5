"""The library API of one home: every interface (CLI, server, MCP) goes through here.

A :class:`Home` loads what an act needs from the store, lets the pure core
(:mod:`truehearth.core.acts`) decide, and appends the resulting event under the
home's writer lock. It holds no rules of its own beyond that orchestration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from truehearth.core import acts
from truehearth.core.errors import (
    ConsentRequired,
    InvalidInput,
    NotAHome,
    NotFound,
    WrongKey,
)
from truehearth.core.events import Draft, Event
from truehearth.core.ids import new_id
from truehearth.core.journal import Anchor, Expected, Head
from truehearth.core.names import check_companion_name, companion_name_problem
from truehearth.core.records import (
    Layer,
    Proposal,
    ProposalAction,
    ProposalStatus,
    Record,
    Source,
    Trust,
    Voice,
)
from truehearth.core.state import State, diff, fold
from truehearth.encryption import (
    Ask,
    Mode,
    check_passphrase,
    derive_key,
    keyring_load,
    keyring_store,
    new_encryption,
    new_random_key,
    resolve_key,
)
from truehearth.homedir import (
    CONFIG_NAME,
    DB_NAME,
    KEYS_DIR,
    LOCK_NAME,
    HomeConfig,
    check_new_home_path,
    create_atomically,
    is_home,
    read_config,
)
from truehearth.store.base import RecordQuery, SessionLines, SessionTail, Store
from truehearth.store.lock import writer_lock
from truehearth.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from truehearth.integrity import VerifyReport
    from truehearth.mouths.base import Mouth
    from truehearth.recall.base import Recalled, Retriever
    from truehearth.recall.db import RecallDB
    from truehearth.turn import Conversation

Clock = Callable[[], str]
MAX_SEQ = 2**63 - 1
"""The largest sequence number SQLite can hold; asking for a larger one finds nothing."""


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Version:
    """One step in a record's history: the event and the record as it became."""

    event: Event
    record: Record | None


class Home:
    """One companion's continuity: a directory with its journal, keys and config."""

    def __init__(self, path: Path, store: Store, config: HomeConfig, clock: Clock = utc_now):
        self.path = path
        self.store = store
        self.config = config
        self._clock = clock
        self._recall: RecallDB | None = None
        self._recall_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------

    @classmethod
    def init(
        cls,
        path: Path,
        name: str = "companion",
        *,
        encryption: Mode | None = None,
        passphrase: str | None = None,
        clock: Clock = utc_now,
    ) -> Home:
        """Create a new home at ``path`` atomically: either all of it exists, or none.

        With ``encryption="passphrase"`` the database is encrypted under a key
        derived from ``passphrase``; with ``"keyring"`` under a random key kept in
        the OS keyring.
        """
        path = path.expanduser().absolute()
        name = check_companion_name(name)
        check_new_home_path(path)
        enc = new_encryption(encryption) if encryption else None
        home_id = new_id("h")
        key: bytes | None = None
        if enc is not None and enc.mode == "passphrase":
            key = derive_key(check_passphrase(passphrase or ""), enc)
        elif enc is not None:
            key = new_random_key()

        # Keys and signing (cryptography) load when a home is made or signs, not to read one.
        from truehearth import keys

        def fill(staging: Path) -> HomeConfig:
            private, public = keys.new_keypair()
            keys.write_public(staging / KEYS_DIR, public)
            keys.ensure_token(staging)
            now = clock()
            config = HomeConfig(
                name=name, home_id=home_id, created_at=now, public_key=public, encryption=enc
            )
            store = SQLiteStore(staging / DB_NAME, create=True, key=key)
            try:
                # An encrypted home keeps its signing key inside the encrypted
                # database: a copy of the directory signs nothing without the key.
                if key is not None:
                    store.set_secret(keys.SIGNING_SECRET, private)
                else:
                    keys.create_keypair(staging / KEYS_DIR, private)
                genesis = Draft(
                    "home.created",
                    Voice.HUMAN.value,
                    {"name": name, "home_id": home_id, "public_key": public},
                )
                store.append([genesis], now)
            finally:
                store.close()
            if enc is not None and enc.mode == "keyring" and key is not None:
                keyring_store(home_id, key)
            return config

        create_atomically(path, fill)
        return cls.open(path, passphrase=passphrase, clock=clock)

    @classmethod
    def restore(
        cls,
        path: Path,
        *,
        name: str,
        home_id: str,
        created_at: str,
        rows: Iterable[tuple[int, bytes, str]],
        clock: Clock = utc_now,
    ) -> Home:
        """Create a new home at ``path`` from an exported journal, byte for byte.

        The journal rows are checked against the chain rule as they are inserted,
        so the restored head equals the exported head or nothing is created. The
        restored home gets a fresh signing key: private keys never travel.
        """
        path = path.expanduser().absolute()
        name = check_companion_name(name)

        from truehearth import keys

        def fill(staging: Path) -> HomeConfig:
            private, public = keys.new_keypair()
            keys.write_public(staging / KEYS_DIR, public)
            keys.create_keypair(staging / KEYS_DIR, private)
            config = HomeConfig(
                name=name, home_id=home_id, created_at=created_at, public_key=public
            )
            store = SQLiteStore(staging / DB_NAME, create=True)
            try:
                store.restore_sealed(rows)
            finally:
                store.close()
            return config

        create_atomically(path, fill)
        return cls.open(path, clock=clock)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        passphrase: str | None = None,
        ask: Ask | None = None,
        key: bytes | None = None,
        clock: Clock = utc_now,
    ) -> Home:
        """Open an existing home; a directory that is not one is refused clearly.

        An encrypted home needs its key: from ``passphrase``, the environment,
        the keyring, the ``unlock`` cache or, last, ``ask()`` (see
        :func:`truehearth.encryption.resolve_key`).
        """
        path = path.expanduser().absolute()
        if not path.is_dir():
            raise NotAHome(f"no home at {path}; create one with `truehearth init`")
        if not is_home(path):
            raise NotAHome(f"{path} is not a truehearth home (no {CONFIG_NAME})")
        config = read_config(path / CONFIG_NAME)
        if config.encryption is None:
            return cls(path, SQLiteStore(path / DB_NAME), config, clock)
        if key is None:
            key = resolve_key(config.home_id, config.encryption, passphrase=passphrase, ask=ask)
        try:
            store = SQLiteStore(path / DB_NAME, key=key)
        except WrongKey:
            if config.encryption.mode != "keyring":
                raise
            # A keyring rekey interrupted after the database switched keys.
            key = keyring_load(config.home_id + ".next")
            store = SQLiteStore(path / DB_NAME, key=key)
            keyring_store(config.home_id, key)
        genesis = next(store.events(1, 2), None)
        if genesis is not None:
            config = replace(config, name=str(genesis.payload.get("name", "")))
            if (problem := companion_name_problem(config.name)) is not None:
                store.close()
                raise NotAHome(f"{path} cannot be opened: the journal's companion name: {problem}")
        return cls(path, store, config, clock)

    @property
    def key(self) -> bytes | None:
        """The key this home was opened with (so a server can open it again per request)."""
        return self.store.key

    @property
    def recall_index(self) -> RecallDB:
        """This home's recall index, opened when first needed and closed with the home.

        There is one per open home: every retrieval, sync and graph query of
        this home shares its connection and its caches.
        """
        # Imported here: recall brings numpy and the embedders, which a home
        # that is only read or written never needs (and the CLI starts faster).
        from truehearth.recall.db import RecallDB

        with self._recall_lock:
            if self._recall is None:
                self._recall = RecallDB(
                    self.path / DB_NAME, self.store.projections(), self.store.key
                )
            return self._recall

    def sync_recall(self) -> int:
        """Bring recall's indexes up to date with the journal now (they also catch up on use)."""
        from truehearth.recall import sync_indexes

        return sync_indexes(self)

    def close_recall(self) -> None:
        """Close the recall index (it opens again when next needed), e.g. before a rekey."""
        with self._recall_lock:
            recall, self._recall = self._recall, None
        if recall is not None:
            recall.close()

    def close(self) -> None:
        self.close_recall()
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing --------------------------------------------------------------

    def now(self) -> str:
        return self._clock()

    def commit(self, build: Callable[[str], Sequence[Draft]]) -> list[Event]:
        """Build drafts under the writer lock and append them in one transaction.

        ``build`` receives the time of the commit and does its reads inside the
        lock, so the checks it makes still hold when its events are appended.
        """
        with writer_lock(self.path / LOCK_NAME):
            now = self.now()
            drafts = build(now)
            return self.store.append(drafts, now)

    def append_drafts(self, drafts: Sequence[Draft]) -> list[Event]:
        """Append prepared drafts (bulk writers such as importers and benchmarks).

        Like every write, the drafts pass the consent rules on the store's one
        write path (:func:`truehearth.core.policy.check_event`): a hand-made
        draft cannot add or change identity, or mark anything verified in
        another voice than the human's.
        """
        return self.commit(lambda _now: drafts)

    def append_stream(self, build: Callable[[str], Iterable[Draft]]) -> Head | None:
        """Like :meth:`commit` for bulk writers whose drafts arrive as a lazy stream.

        ``build`` runs under the writer lock (so its checks, e.g. "this file was
        not imported yet", still hold) and its drafts are appended one by one in
        a single transaction: an error anywhere in the stream writes nothing.
        """
        with writer_lock(self.path / LOCK_NAME):
            now = self.now()
            return self.store.append_stream(build(now), now)

    def _refuse(self, layer: Layer, voice: Voice, actor: Voice, text: str, why: str) -> None:
        self.commit(lambda _now: [acts.refusal(layer, voice, actor, text, why)])

    def remember(
        self,
        text: str,
        *,
        layer: Layer = Layer.MEMORY,
        voice: Voice = Voice.HUMAN,
        actor: Voice = Voice.HUMAN,
        source: Source | None = None,
        verified: bool = False,
        trust: Trust | None = None,
        valid_from: str | None = None,
        valid_until: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Record:
        """Add a record. Identity layers are refused, and the refusal is journaled."""
        record_id = new_id("r")
        src = source or Source(via="api")

        def build(now: str) -> list[Draft]:
            return [
                acts.remember(
                    record_id=record_id,
                    layer=layer,
                    text=text,
                    voice=voice,
                    actor=actor,
                    source=src,
                    now=now,
                    verified=verified,
                    trust=trust,
                    valid_from=_time_or_none(valid_from, "valid-from"),
                    valid_until=_time_or_none(valid_until, "valid-until"),
                    meta=meta,
                )
            ]

        try:
            self.commit(build)
        except ConsentRequired as refused:
            if layer.is_identity and isinstance(text, str) and text.strip():
                self._refuse(layer, voice, actor, text, str(refused))
            raise
        return self.record(record_id)

    def confirm(self, record_id: str, *, actor: Voice = Voice.HUMAN) -> Record:
        rid = self.resolve(acts.RECORD, record_id)
        self.commit(lambda now: [acts.confirm(self.record(rid), actor, now)])
        return self.record(rid)

    def quarantine(self, record_id: str, reason: str, *, actor: Voice = Voice.HUMAN) -> Record:
        rid = self.resolve(acts.RECORD, record_id)
        self.commit(lambda _now: [acts.quarantine(self.record(rid), actor, reason)])
        return self.record(rid)

    def correct(
        self,
        record_id: str,
        text: str,
        *,
        reason: str | None = None,
        voice: Voice = Voice.HUMAN,
        actor: Voice = Voice.HUMAN,
        source: Source | None = None,
        verified: bool = False,
        valid_from: str | None = None,
    ) -> Record:
        """Supersede a record with a corrected version and return the new one."""
        rid = self.resolve(acts.RECORD, record_id)
        new = new_id("r")

        def build(now: str) -> list[Draft]:
            old = self.record(rid)
            return [
                acts.correct(
                    old,
                    new_id=new,
                    text=text,
                    actor=actor,
                    voice=voice,
                    source=source or Source(via="api"),
                    now=now,
                    reason=reason,
                    verified=verified,
                    valid_from=_time_or_none(valid_from, "valid-from"),
                )
            ]

        self.commit(build)
        return self.record(new)

    def forget(
        self, record_id: str, *, reason: str | None = None, actor: Voice = Voice.HUMAN
    ) -> Record:
        rid = self.resolve(acts.RECORD, record_id)
        self.commit(lambda _now: [acts.forget(self.record(rid), actor, reason)])
        return self.record(rid)

    def propose(
        self,
        layer: Layer,
        text: str | None,
        *,
        action: ProposalAction = ProposalAction.ADD,
        target: str | None = None,
        voice: Voice = Voice.HUMAN,
        actor: Voice = Voice.HUMAN,
        source: Source | None = None,
        why: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Proposal:
        """Ask for an identity change; it takes effect only when the human accepts."""
        proposal_id = new_id("p")
        target_id = self.resolve(acts.RECORD, target) if target else None

        def build(now: str) -> list[Draft]:
            return [
                acts.propose(
                    proposal_id=proposal_id,
                    layer=layer,
                    action=action,
                    text=text,
                    voice=voice,
                    actor=actor,
                    source=source or Source(via="api"),
                    now=now,
                    target=self.record(target_id) if target_id else None,
                    why=why,
                    meta=meta,
                )
            ]

        self.commit(build)
        return self.proposal(proposal_id)

    def accept(self, proposal_id: str, *, actor: Voice = Voice.HUMAN) -> Proposal:
        pid = self.resolve(acts.PROPOSAL, proposal_id)
        record_id = new_id("r")

        def build(now: str) -> list[Draft]:
            proposal = self.proposal(pid)
            target = self.record(proposal.target) if proposal.target else None
            return [acts.accept(proposal, target=target, record_id=record_id, actor=actor, now=now)]

        self.commit(build)
        return self.proposal(pid)

    def reject(
        self, proposal_id: str, *, reason: str | None = None, actor: Voice = Voice.HUMAN
    ) -> Proposal:
        pid = self.resolve(acts.PROPOSAL, proposal_id)
        self.commit(
            lambda now: [acts.reject(self.proposal(pid), actor=actor, now=now, reason=reason)]
        )
        return self.proposal(pid)

    def rollback(self, to_seq: int, *, actor: Voice = Voice.HUMAN) -> Event | None:
        """Return the home to its state right after event ``to_seq``.

        The difference is journaled as one ``home.rolled_back`` event; nothing is
        removed. Returns ``None`` when the state already equals the target.
        """

        def build(_now: str) -> list[Draft]:
            head = self.store.head()
            if head is None or not 1 <= to_seq <= min(head.seq, MAX_SEQ):
                last = head.seq if head else 0
                raise InvalidInput(f"no event {to_seq} in this journal (it has 1..{last})")
            target_event = next(self.store.events(to_seq, to_seq + 1))
            changes = diff(self.state(), self.state_at(to_seq))
            if not changes:
                return []
            return [acts.rollback(Head(to_seq, target_event.digest), changes, actor)]

        events = self.commit(build)
        return events[0] if events else None

    # -- reading --------------------------------------------------------------

    def resolve(self, kind: str, given: str) -> str:
        """Accept a full id or an unambiguous prefix of one."""
        given = given.strip()
        if not given:
            raise InvalidInput(f"an empty {kind} id")
        if self.store.get(kind, given) is not None:
            return given
        matches = self.store.find_ids(kind, given, limit=3)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no {kind} with id {given!r} in this home")
        raise InvalidInput(f"{given!r} matches several {kind}s: {', '.join(matches)}, ...")

    def record(self, record_id: str) -> Record:
        value = self.store.get(acts.RECORD, self.resolve(acts.RECORD, record_id))
        if value is None:
            raise NotFound(f"no record with id {record_id!r} in this home")
        return Record.from_json(value)

    def proposal(self, proposal_id: str) -> Proposal:
        value = self.store.get(acts.PROPOSAL, self.resolve(acts.PROPOSAL, proposal_id))
        if value is None:
            raise NotFound(f"no proposal with id {proposal_id!r} in this home")
        return Proposal.from_json(value)

    def proposals(self, status: ProposalStatus | None = ProposalStatus.PENDING) -> list[Proposal]:
        found = [Proposal.from_json(v) for v in self.store.entities(acts.PROPOSAL)]
        if status is not None:
            found = [p for p in found if p.status is status]
        return sorted(found, key=lambda p: p.created_at)

    def records(
        self,
        *,
        layers: Sequence[Layer] = (),
        trusts: Sequence[Trust] = (),
        current_only: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        query = RecordQuery(
            layers=tuple(layer.value for layer in layers),
            trusts=tuple(t.value for t in trusts),
            current_only=current_only,
            limit=limit,
            offset=offset,
        )
        return [Record.from_json(v) for v in self.store.records(query)]

    def sessions_holding(self, texts: Sequence[str], *, via: str) -> list[str]:
        """Sessions (from ``via``) whose every human turn is one of ``texts``: an index lookup."""
        return self.store.sessions_holding(texts, via)

    def session_tails(self, texts: Sequence[str], *, via: str, min_tail: int) -> list[SessionTail]:
        """Sessions (from ``via``) whose newest human turns are among ``texts``: one query."""
        return self.store.session_tails(texts, via, min_tail)

    def sessions_sharing(
        self, texts: Sequence[str], *, ends: Sequence[str], via: str
    ) -> list[SessionLines]:
        """Sessions (from ``via``) holding one of ``ends`` and of ``texts``: rewind candidates."""
        return self.store.sessions_sharing(texts, ends, via)

    def session_turns(self, session: str, since: int = 0) -> list[Record]:
        """The current turn records of one session (from turn ``since`` on), humans and replies."""
        return [Record.from_json(v) for v in self.store.session_turns(session, since)]

    def counts(self) -> dict[str, int]:
        """How many current records each layer holds."""
        return {
            layer.value: self.store.count_records(RecordQuery(layers=(layer.value,)))
            for layer in Layer
        }

    def identity(self) -> list[Record]:
        """Verified, current core and boundary records: the instructions.

        One query per layer: each is answered from the layer index, where one
        ``IN`` over both layers made SQLite walk every record by time.
        """
        found = [
            record
            for layer in (Layer.CORE, Layer.BOUNDARY)
            for record in self.records(layers=(layer,), trusts=(Trust.VERIFIED,), limit=10_000)
        ]
        return sorted(found, key=lambda r: (r.layer is not Layer.CORE, r.recorded_at, r.id))

    def search(
        self,
        query: str,
        *,
        layers: Sequence[Layer] = (),
        include_hidden: bool = False,
        include_quarantined: bool = False,
        limit: int = 20,
    ) -> list[tuple[Record, float]]:
        """Full-text search; quarantined records appear only when asked for."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("the search query is empty")
        if len(query) > 2_000:
            raise InvalidInput("the search query is longer than 2,000 characters")
        trusts: tuple[str, ...] = () if include_quarantined else ("verified", "untrusted")
        rq = RecordQuery(
            layers=tuple(layer.value for layer in layers),
            trusts=trusts,
            current_only=not include_hidden,
            limit=limit,
        )
        return [(Record.from_json(hit.record), hit.score) for hit in self.store.search(query, rq)]

    def recall(
        self,
        query: str,
        *,
        limit: int = 10,
        layers: Sequence[Layer] = (),
        include_quarantined: bool = False,
        retriever: Retriever | None = None,
    ) -> list[Recalled]:
        """The records most relevant to ``query``, best first, each saying why it was chosen.

        This is what the context router gives a mouth: hybrid recall (BM25,
        vectors, graph facts) weighed by trust and age, unless ``retriever``
        says otherwise. Quarantined records only when asked for.
        """
        from truehearth.recall import default_retriever

        finder = retriever if retriever is not None else default_retriever()
        return finder.retrieve(
            self, query, limit=limit, layers=layers, include_quarantined=include_quarantined
        )

    def conversation(
        self,
        mouth: Mouth | str | None = None,
        *,
        retriever: Retriever | None = None,
        include_quarantined: bool = False,
    ) -> Conversation:
        """A session with a mouth; use it as a context manager so the mouth is closed.

        ``mouth`` is a :class:`~truehearth.mouths.base.Mouth` object (say an
        ``EchoMouth`` in a test, or your own backend), the name of a registered
        mouth, or ``None`` for the home's default mouth. A registered mouth goes
        through its egress policy and fingerprint check before it is loaded.
        """
        from truehearth.turn import Conversation

        if mouth is None or isinstance(mouth, str):
            return Conversation.open(
                self, mouth, retriever=retriever, include_quarantined=include_quarantined
            )
        return Conversation(
            self,
            mouth,
            str(getattr(mouth, "name", "") or mouth.fingerprint.model),
            retriever=retriever,
            include_quarantined=include_quarantined,
        )

    def history(self, record_id: str) -> list[Version]:
        """Every version of a record and of the records it supersedes or is superseded by."""
        rid = self.resolve(acts.RECORD, record_id)
        chain = self._supersession_chain(rid)
        versions: list[Version] = []
        seen: set[int] = set()
        events = [e for member in chain for e in self.store.events_touching(member)]
        for event in sorted(events, key=lambda e: e.seq):
            if event.seq in seen:
                continue
            seen.add(event.seq)
            for effect in event.effects:
                if effect.kind == acts.RECORD and effect.id in chain:
                    value = Record.from_json(effect.value) if effect.value else None
                    versions.append(Version(event, value))
        return versions

    def _supersession_chain(self, rid: str) -> list[str]:
        chain = [rid]
        record = self.record(rid)
        back = record
        while back.supersedes and back.supersedes not in chain:
            chain.insert(0, back.supersedes)
            back = self.record(back.supersedes)
        forward = record
        while forward.superseded_by and forward.superseded_by not in chain:
            chain.append(forward.superseded_by)
            forward = self.record(forward.superseded_by)
        return chain

    def log(self, *, limit: int = 20, before: int | None = None) -> list[Event]:
        """Newest events first, ``limit`` at a time, optionally before a sequence number."""
        if limit < 1:
            raise InvalidInput("the page size must be at least 1")
        stop = min(before, MAX_SEQ) if before is not None else None
        events = self.store.events(1, stop, reverse=True)
        page: list[Event] = []
        for event in events:
            page.append(event)
            if len(page) >= limit:
                break
        return page

    def event(self, seq: int) -> Event:
        if not 1 <= seq <= MAX_SEQ:
            raise NotFound(f"no event {seq} in this journal")
        found = next(self.store.events(seq, seq + 1), None)
        if found is None:
            raise NotFound(f"no event {seq} in this journal")
        return found

    def head(self) -> Head | None:
        return self.store.head()

    def state(self) -> State:
        """The current state, read from the projections."""
        state = State()
        for kind, entity_id, value in self.store.collections():
            state.collections.setdefault(kind, {})[entity_id] = value
        return state

    def state_at(self, seq: int) -> State:
        """The state right after event ``seq``, rebuilt by folding the journal."""
        return fold(self.store.events(1, seq + 1))

    def verify(self, *, deep: bool = True, expect: Expected | None = None) -> VerifyReport:
        """Re-hash the whole journal; with ``deep``, also re-check the consent rules,
        every projection column, ``home.toml`` and the keys (see :mod:`truehearth.integrity`).

        ``expect`` is a fingerprint the human kept outside the home: the event it
        names must still be in the journal, unchanged.
        """
        from truehearth import integrity

        return integrity.verify(self, deep=deep, expect=expect)

    def check(self) -> None:
        """The pre-turn check: raise :class:`ChainBroken` unless the home still verifies.

        Incremental: only the events since the last sound head are re-hashed.
        """
        from truehearth import integrity

        integrity.check(self)

    def check_records(self, record_ids: Sequence[str]) -> None:
        """Raise unless each record's stored row is exactly what the journal last set."""
        from truehearth import integrity

        integrity.check_records(self, record_ids)

    def value_at(self, kind: str, entity_id: str, seq: int) -> dict[str, Any] | None:
        """The value an entity had right after event ``seq`` (``None``: it did not exist)."""
        return self.store.value_at(kind, entity_id, seq)

    def record_export(self, what: str, head: Head) -> None:
        """Remember the head a signed export carries, so a later rewrite below it is caught."""
        from truehearth import marks

        marks.add_anchor(self.config.home_id, Anchor(head.seq, head.digest, what, self.now()))

    def signing_key(self) -> Ed25519PrivateKey:
        """The home's Ed25519 signing key (inside the database of an encrypted home)."""
        from truehearth.keys import load_signing_key

        encrypted = self.config.encryption is not None
        return load_signing_key(self.path, encrypted=encrypted, store=self.store)

    def iter_events(self) -> Iterator[Event]:
        return self.store.events()


def _time_or_none(value: str | None, what: str) -> str | None:
    """Validate an ISO 8601 date or time given by the user (bi-temporal fields)."""
    if value is None:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} must be an ISO 8601 date or time, not {value!r}") from None
    if parsed.tzinfo is None and "T" not in text and " " not in text:
        return parsed.date().isoformat()
    return parsed.isoformat()
