"""Tamper-evident audit logs: one hash chain per group, and a security log for authentication and access control.

Chain design (see docs/groups.md):

- Every entry is its own document ``_id = f"{chain}:{seq:012d}"``; ``seq`` starts at 1 and the unique ``_id`` forbids
  two entries with the same place (no forks). Each entry carries ``prev_hash`` (the previous entry's ``hash``, or 64
  zeros for the first) and ``hash`` = SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of every other
  field: chain, seq, prev_hash, at (UTC), actor, action, target, before, after, client_ip, op_id.
- Appending reads the last entry (one descending keyset page of size 1), inserts ``seq + 1`` and retries from a fresh
  read when another writer took the place first (``DuplicateKey`` on ``_id``; ``concurrency.retry_on_conflict``, 503
  ``contended`` when every try loses).
- A head document per chain (``audit_heads``: last seq and hash) is advanced after each append and logged as an
  ``audit.appended`` event (the copy outside the store). It is what makes deleting the *newest* entries detectable:
  verification walks the chain page by page and reports the first seq whose hash, link or position is wrong, and a head
  that points past the end of the walk.
- ``op_id`` is unique: appending the same intent twice records it once. Services embed the intent (``intent()``) in the
  document they change, in the same write, and ``complete()`` it afterwards; a crash in between leaves the intent in the
  document, and the next write to that document completes it first. So a state change is never without its entry.
- ``before``/``after`` and security ``detail`` are redacted: secrets become ``"[redacted]"``, personal data (emails,
  phones, names, recipients) a keyed HMAC ``"pii:<16 hex>"`` that lets an admin see that two entries name the same
  person without revealing who.

The security log uses the same chain mechanics with one chain per UTC day (``security:2026-11-25``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services.concurrency import HOT_DOCUMENT_TRIES, retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

AUDIT_LOG = CollectionSpec("audit_log", indexes=(Index(("chain", "seq")), Index(("op_id",), unique=True)))
AUDIT_HEADS = CollectionSpec("audit_heads")
GENESIS = "0" * 64
VERIFY_PAGE = 500

SECRET_KEYS = frozenset(
    {"password", "password_hash", "token", "token_hash", "secret", "code", "code_hash", "mfa_token", "access_token",
     "refresh_token", "link", "link_hash", "card", "iban"}
)
PERSONAL_KEYS = frozenset(
    {"email", "phone", "name", "recipient", "display_name", "address", "first_name", "last_name"}
)
_HASHED_FIELDS = (
    "chain", "seq", "prev_hash", "at", "actor", "action", "target", "before", "after", "client_ip", "op_id",
)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_broken_seq: int | None
    reason: str | None
    head_seq: int


def _log_collection(container: Container) -> Collection:
    return container.store.collection(AUDIT_LOG)


def _head_collection(container: Container) -> Collection:
    return container.store.collection(AUDIT_HEADS)


def group_chain(group_id: str) -> str:
    return f"group:{group_id}"


def security_chain(epoch_seconds: float) -> str:
    return f"security:{utc_iso(epoch_seconds)[:10]}"


# -- redaction -------------------------------------------------------------------------------------------------------


def pseudonym(container: Container, value: str) -> str:
    """A keyed, stable stand-in for a personal value: equal inputs give equal pseudonyms, nothing else is revealed."""
    digest = hmac.new(container.settings.code_pepper.bytes(), b"audit-pii:" + value.encode(), hashlib.sha256)
    return "pii:" + digest.hexdigest()[:16]


def redact(container: Container, value: Any, key: str | None = None) -> Any:
    """A JSON-compatible copy of ``value`` with secrets removed and personal data pseudonymized, at any depth."""
    lowered = (key or "").lower()
    if lowered in SECRET_KEYS or lowered.endswith(("_secret", "_token", "_hash", "password")):
        return None if value is None else "[redacted]"
    if isinstance(value, Mapping):
        return {str(k): redact(container, v, str(k)) for k, v in value.items() if str(k) != "audit_pending"}
    if isinstance(value, list | tuple):
        return [redact(container, item, key) for item in value]
    if lowered in PERSONAL_KEYS and isinstance(value, str):
        return pseudonym(container, value.strip().lower())
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


# -- hashing ---------------------------------------------------------------------------------------------------------


def canonical(entry: Mapping[str, Any]) -> bytes:
    body = {name: entry.get(name) for name in _HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


# -- appending -------------------------------------------------------------------------------------------------------


def intent(
    container: Container,
    *,
    group_id: str,
    actor_id: str,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    client_ip: str,
) -> Document:
    """An entry-to-be (redacted, timestamped, with a fresh ``op_id``) to embed in the document a change writes."""
    return {
        "op_id": uuid.uuid4().hex,
        "chain": group_chain(group_id),
        "at": utc_iso(container.clock()),
        "actor": actor_id,
        "action": action,
        "target": target,
        "before": redact(container, before) if before is not None else None,
        "after": redact(container, after) if after is not None else None,
        "client_ip": client_ip,
    }


def complete(container: Container, pending: Mapping[str, Any]) -> None:
    """Append an intent to its chain; appending the same ``op_id`` again does nothing (idempotent)."""
    _append(container, pending)


def record(
    container: Container,
    *,
    group_id: str,
    actor_id: str,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    client_ip: str,
) -> None:
    """Append one entry to the group's chain now (for changes that embed no intent)."""
    pending = intent(
        container, group_id=group_id, actor_id=actor_id, action=action, target=target, before=before, after=after,
        client_ip=client_ip,
    )
    _append(container, pending)


def record_security(
    container: Container, *, actor_id: str | None, event: str, client_ip: str, detail: Mapping[str, Any]
) -> None:
    """Append an authentication or access-control event to today's security chain."""
    now = container.clock()
    _append(
        container,
        {
            "op_id": uuid.uuid4().hex,
            "chain": security_chain(now),
            "at": utc_iso(now),
            "actor": actor_id,
            "action": event,
            "target": "security",
            "before": None,
            "after": redact(container, detail),
            "client_ip": client_ip,
        },
    )


def _append(container: Container, pending: Mapping[str, Any]) -> None:
    log = _log_collection(container)
    chain = str(pending["chain"])

    def attempt() -> Document | None:
        last = log.find_page({"chain": chain}, order_by="seq", descending=True, limit=1).items
        seq = last[0]["seq"] + 1 if last else 1
        entry: Document = {**pending, "seq": seq, "prev_hash": last[0]["hash"] if last else GENESIS}
        entry["hash"] = entry_hash(entry)
        entry["_id"] = f"{chain}:{seq:012d}"
        try:
            return log.insert(entry)
        except DuplicateKey as error:
            if error.index_name != "_id":
                return None  # this op_id is already in the log: an earlier attempt completed it
            raise  # another writer took this place; read the new end and try again

    appended = retry_on_conflict(attempt, what="the audit log", tries=HOT_DOCUMENT_TRIES, retry_on=(DuplicateKey,))
    if appended is not None:
        _advance_head(container, chain, appended["seq"], appended["hash"])
        record_event("audit.appended", chain=chain, seq=appended["seq"], hash=appended["hash"],
                     action=str(pending["action"]))


def _advance_head(container: Container, chain: str, seq: int, digest: str) -> None:
    heads = _head_collection(container)

    def attempt() -> None:
        head = heads.get(chain)
        if head is None:
            heads.insert({"_id": chain, "seq": seq, "hash": digest})
        elif head["seq"] < seq:  # else a later entry already moved the head
            heads.update(chain, {"seq": seq, "hash": digest}, expected_version=head["version"])

    retry_on_conflict(attempt, what="the audit log", tries=HOT_DOCUMENT_TRIES, retry_on=(DuplicateKey, VersionConflict))


# -- changes that carry their entry ---------------------------------------------------------------------------------


def insert_with(container: Container, collection: Collection, document: Document, pending: Document) -> Document:
    """Insert ``document`` with ``pending`` embedded (one write), append the entry, then clear the embedded copy."""
    stored = collection.insert({**document, "audit_pending": pending})
    complete(container, pending)
    return _clear(collection, stored)


def update_with(
    container: Container,
    collection: Collection,
    document: Document,
    changes: Mapping[str, Any],
    pending: Document,
    *,
    expected_version: int | None = None,
) -> Document:
    """Apply ``changes`` to ``document`` together with ``pending`` (one conditional write), then append the entry.

    A leftover intent from an interrupted earlier change is completed first, so overwriting it loses nothing.
    Raises ``VersionConflict`` when the document is not at ``expected_version`` (default: the version read).
    """
    leftover = document.get("audit_pending")
    if leftover:
        complete(container, leftover)
    version = document["version"] if expected_version is None else expected_version
    updated = collection.update(document["_id"], {**changes, "audit_pending": pending}, expected_version=version)
    complete(container, pending)
    return _clear(collection, updated)


def finish(container: Container, collection: Collection, document: Document) -> Document:
    """Complete an intent a crash left in ``document`` (for documents read again but never written again)."""
    leftover = document.get("audit_pending")
    if not leftover:
        return document
    complete(container, leftover)
    return _clear(collection, document)


def _clear(collection: Collection, document: Document) -> Document:
    try:
        return collection.update(document["_id"], {"audit_pending": None}, expected_version=document["version"])
    except VersionConflict:
        return document  # a later change already completed this intent before replacing it


# -- reading and verifying -------------------------------------------------------------------------------------------


def page(container: Container, group_id: str, *, cursor: str | None, limit: int) -> tuple[list[Document], str | None]:
    """The group's entries, newest first, one keyset page at a time."""
    found = _log_collection(container).find_page(
        {"chain": group_chain(group_id)}, order_by="seq", descending=True, limit=limit, cursor=cursor
    )
    return found.items, found.next_cursor


def entry_view(entry: Document) -> dict[str, Any]:
    return {name: entry.get(name) for name in ("seq", "at", "actor", "action", "target", "before", "after",
                                              "client_ip", "prev_hash", "hash")}


def verify(container: Container, chain: str) -> Verification:
    """Walk ``chain`` from seq 1 and report the first entry that was edited, removed or put out of place."""
    log = _log_collection(container)
    head = _head_collection(container).get(chain)
    head_seq = int(head["seq"]) if head else 0
    expected_seq, prev_hash, cursor, count = 1, GENESIS, None, 0
    while True:
        found = log.find_page({"chain": chain}, order_by="seq", limit=VERIFY_PAGE, cursor=cursor)
        for entry in found.items:
            count += 1
            problem = _entry_problem(entry, expected_seq, prev_hash, chain)
            if problem:
                return Verification(False, count, expected_seq, problem, head_seq)
            if head and entry["seq"] == head_seq and entry["hash"] != head["hash"]:
                return Verification(False, count, head_seq, "the entry does not match the chain head", head_seq)
            expected_seq, prev_hash = expected_seq + 1, entry["hash"]
        cursor = found.next_cursor
        if cursor is None:
            break
    if head_seq >= expected_seq:
        return Verification(False, count, expected_seq, "entries are missing before the chain head", head_seq)
    return Verification(True, count, None, None, head_seq)


def _entry_problem(entry: Document, expected_seq: int, prev_hash: str, chain: str) -> str | None:
    if entry.get("seq") != expected_seq:
        return f"entry {expected_seq} is missing"
    if entry.get("_id") != f"{chain}:{expected_seq:012d}":
        return "the entry is stored out of place"
    if entry.get("prev_hash") != prev_hash:
        return "the entry does not link to the previous one"
    if entry.get("hash") != entry_hash(entry):
        return "the entry was altered"
    return None
