"""The audit log: hash chain verification catches edits and deletions; redaction; the security log; no lost entries."""

from __future__ import annotations

import json

from chalicelib.adapters.store.port import Collection
from chalicelib.services import audit, groups
from chalicelib.services.access import membership_collection, membership_id
from tests.integration.conftest import Api
from tests.integration.group_helpers import cast, person


def _log(api: Api) -> Collection:
    return api.container.store.collection(audit.AUDIT_LOG)


def _entry_id(group_id: str, seq: int) -> str:
    return f"group:{group_id}:{seq:012d}"


def test_every_change_is_logged_with_who_what_when_and_where(api: Api) -> None:
    c = cast(api)
    version = api.get(f"/groups/{c.group_id}", token=c.token("owner")).json["version"]
    api.patch(f"/groups/{c.group_id}", {"payment_terms_days": 21, "version": version}, token=c.token("admin"),
              headers={"X-Forwarded-For": "203.0.113.9"})
    page = api.get(f"/groups/{c.group_id}/audit?limit=2", token=c.token("owner")).json
    newest = page["items"][0]
    assert newest["action"] == "group.update" and newest["actor"] == c.people["admin"].user_id
    assert newest["before"] == {"payment_terms_days": 14} and newest["after"] == {"payment_terms_days": 21}
    assert newest["at"].endswith("Z") and newest["client_ip"] == "203.0.113.9"
    assert page["next_cursor"]
    rest = api.get(f"/groups/{c.group_id}/audit?limit=100&cursor={page['next_cursor']}", token=c.token("owner")).json
    seqs = [e["seq"] for e in page["items"] + rest["items"]]
    assert seqs == list(range(len(seqs), 0, -1))
    assert [e["action"] for e in rest["items"]][-1] == "group.create"


def test_personal_data_and_secrets_are_redacted(api: Api) -> None:
    c = cast(api)
    stored = json.dumps(_log(api).find_page({"chain": f"group:{c.group_id}"}, limit=100).items)
    for who in c.people.values():
        assert who.email not in stored
    assert "token" not in stored.replace("token_", "")
    assert audit.pseudonym(api.container, c.people["member"].email) in stored  # linkable, not readable


def test_verify_reports_an_edited_entry(api: Api) -> None:
    c = cast(api)
    verify = f"/groups/{c.group_id}/audit/verify"
    assert api.get(verify, token=c.token("admin")).json == {
        "ok": True, "entries": 7, "first_broken_seq": None, "reason": None, "head_seq": 7
    }
    entry = _log(api).get(_entry_id(c.group_id, 3))
    assert entry is not None
    _log(api).update(entry["_id"], {"actor": "someone-else"}, expected_version=entry["version"])
    report = api.get(verify, token=c.token("admin")).json
    assert report["ok"] is False and report["first_broken_seq"] == 3 and "altered" in report["reason"]


def test_verify_reports_an_edit_that_recomputes_the_entrys_own_hash(api: Api) -> None:
    c = cast(api)
    entry = _log(api).get(_entry_id(c.group_id, 2))
    assert entry is not None
    forged = {**entry, "after": {"role": "owner"}}
    _log(api).update(entry["_id"], {"after": forged["after"], "hash": audit.entry_hash(forged)},
                     expected_version=entry["version"])
    report = api.get(f"/groups/{c.group_id}/audit/verify", token=c.token("owner")).json
    assert report["ok"] is False and report["first_broken_seq"] == 3  # the next entry no longer links to it


def test_verify_reports_a_deleted_entry(api: Api) -> None:
    c = cast(api)
    _log(api).delete(_entry_id(c.group_id, 4))
    report = api.get(f"/groups/{c.group_id}/audit/verify", token=c.token("owner")).json
    assert report["ok"] is False and report["first_broken_seq"] == 4 and "missing" in report["reason"]


def test_verify_reports_deleted_newest_entries(api: Api) -> None:
    c = cast(api)
    _log(api).delete(_entry_id(c.group_id, 7))
    _log(api).delete(_entry_id(c.group_id, 6))
    report = api.get(f"/groups/{c.group_id}/audit/verify", token=c.token("owner")).json
    assert report["ok"] is False and report["first_broken_seq"] == 6 and report["head_seq"] == 7


def test_concurrent_appends_never_fork_the_chain(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(n: int) -> None:
        audit.record(api.container, group_id="race", actor_id=f"u{n}", action="test.write", target="t", before=None,
                     after={"n": n}, client_ip="127.0.0.1")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))
    result = audit.verify(api.container, audit.group_chain("race"))
    assert result.ok and result.entries == 40 and result.head_seq == 40


def test_an_interrupted_change_gets_its_entry_on_the_next_write(api: Api) -> None:
    """A change whose request died before appending its entry: the intent was written with the change."""
    c = cast(api)
    collection = groups.group_collection(api.container)
    group = collection.get(c.group_id)
    assert group is not None
    pending = audit.intent(api.container, group_id=c.group_id, actor_id="crashed", action="group.update",
                           target=f"group:{c.group_id}", before={"unit": "kWh"}, after={"unit": "MWh"},
                           client_ip="198.51.100.1")
    collection.update(c.group_id, {"unit": "MWh", "audit_pending": pending}, expected_version=group["version"])
    version = api.get(f"/groups/{c.group_id}", token=c.token("owner")).json["version"]
    assert api.patch(f"/groups/{c.group_id}", {"name": "After", "version": version}, token=c.token("owner")).status \
        == 200
    actions = [(e["actor"], e["action"]) for e in api.get(f"/groups/{c.group_id}/audit", token=c.token("owner")).json[
        "items"][:2]]
    assert actions == [(c.people["owner"].user_id, "group.update"), ("crashed", "group.update")]
    audit.complete(api.container, pending)  # completing twice records once
    assert api.get(f"/groups/{c.group_id}/audit/verify", token=c.token("owner")).json["entries"] == 9


def test_authentication_and_access_failures_go_to_the_security_log(api: Api) -> None:
    c = cast(api)
    assert api.post("/auth/login", {"email": c.people["member"].email, "password": "wrong password!!"}).status == 401
    assert api.post("/auth/login", {"email": "nobody@example.com", "password": "wrong password!!"}).status == 401
    assert api.get(f"/groups/{c.group_id}", token=c.token("outsider")).status == 404
    assert api.get(f"/groups/{c.group_id}/audit", token=c.token("viewer")).status == 403
    chain = audit.security_chain(api.clock())
    entries = _log(api).find_page({"chain": chain}, order_by="seq", limit=500).items
    events = [(e["actor"], e["action"], (e["after"] or {}).get("reason")) for e in entries]
    assert (c.people["member"].user_id, "login.failed", "wrong-password") in events
    assert (None, "login.failed", "unknown-account") in events
    assert (c.people["outsider"].user_id, "access.denied", "not-a-member") in events
    assert (c.people["viewer"].user_id, "access.denied", "role-viewer") in events
    assert any(action == "login.succeeded" for _, action, _ in events)
    assert "nobody@example.com" not in json.dumps(entries)
    assert audit.verify(api.container, chain).ok


def test_role_change_is_read_fresh_not_cached(api: Api) -> None:
    c = cast(api)
    member_id = membership_id(c.group_id, c.people["viewer"].user_id)
    doc = membership_collection(api.container).get(member_id)
    assert doc is not None
    membership_collection(api.container).update(member_id, {"role": "admin"}, expected_version=doc["version"])
    assert api.get(f"/groups/{c.group_id}/audit/verify", token=c.token("viewer")).status == 200


def test_audit_routes_are_for_admins_only(api: Api) -> None:
    c = cast(api)
    stranger = person(api, "stranger")
    for token in (c.token("member"), c.token("viewer")):
        assert api.get(f"/groups/{c.group_id}/audit", token=token).status == 403
    assert api.get(f"/groups/{c.group_id}/audit/verify", token=stranger.token).status == 404
