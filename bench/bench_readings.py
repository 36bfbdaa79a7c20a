"""Readings benchmark: ``python -m bench.bench_readings`` from the repository root (embedded SQLite store).

1. CSV import of 10,000 rows (10 meters x 1,000 readings) through ``reading_import.import_csv``: rows/s and store round
   trips, against a baseline measured in the same run: the same kind of rows submitted one by one through
   ``readings.record`` (the API path), on a 1,000-row sample.
2. A reminder run over 10,000 groups / 50,000 participants, of which 1,000 groups (5,000 participants) are due:
   ``jobs.reading_reminders.run`` (schedule indexed by ``due_at``) against a baseline in the same run that answers the
   same question the naive way: every group, its meters, its users, one group at a time. Reports round trips per group.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib.adapters.store.port import CollectionSpec, Document
from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.bootstrap import Container, bootstrap
from chalicelib.domain.policy import Role
from chalicelib.domain.reminders import MeterReader, current_window, due_reminders
from chalicelib.domain.timestamps import utc_iso_at
from chalicelib.jobs import reading_reminders
from chalicelib.services import reading_import, readings
from chalicelib.services.access import Membership, Weights
from chalicelib.services.meter_records import METERS
from chalicelib.services.reminder_schedule import SCHEDULES
from chalicelib.services.users import USERS
from chalicelib.settings import Settings

GROUPS = CollectionSpec("groups")
IMPORT_METERS = 10
IMPORT_ROWS = 10_000
BASELINE_ROWS = 1_000
GROUP_COUNT = 10_000
PER_GROUP = 5
DUE_GROUPS = 1_000
NOW = datetime(2027, 3, 30, 10, tzinfo=UTC)  # inside the window that closes at the end of March 31 (Berlin)
START = datetime(2024, 1, 1, tzinfo=UTC)


def container(directory: Path) -> Container:
    settings = replace(Settings.from_env({"SHAREMETER_DATA_DIR": str(directory)}), argon2_memory_kib=1024)
    return bootstrap(settings, clock=NOW.timestamp, store=SqliteStore(directory / "bench.sqlite3"))


def meter_document(meter_id: str, group_id: str, serial: str, user_id: str | None) -> Document:
    return {"_id": meter_id, "group_id": group_id, "serial": serial, "kind": "sub", "unit": "kWh", "digits": None,
            "multiplier": "1", "participant_id": user_id, "installed_at": utc_iso_at(START), "removed_at": None,
            "initial_value": "0", "replaces": None, "replaced_by": None, "last_reading_at": None,
            "created_at": utc_iso_at(START), "created_by": "bench"}


def bench_import(directory: Path) -> None:
    app = container(directory)
    store = app.store
    group_id = "g-import"
    store.collection(METERS).insert_many(
        [meter_document(f"m{i}", group_id, f"SER-{i}", None) for i in range(IMPORT_METERS + 1)]
    )
    lines = ["meter_serial,value,taken_at"]
    per_meter = IMPORT_ROWS // IMPORT_METERS
    for meter in range(IMPORT_METERS):
        lines += [f"SER-{meter},{day * 7 + meter}.5,{utc_iso_at(START + timedelta(hours=9 + day * 24))}"
                  for day in range(per_meter)]
    text = "\n".join(lines) + "\n"

    store.round_trips.reset()
    started = time.perf_counter()
    result = reading_import.import_csv(app, group_id=group_id, actor_id="bench", text=text)
    elapsed = time.perf_counter() - started
    trips = store.round_trips.count
    assert result["imported"] == IMPORT_ROWS, result

    owner = Membership(group_id, "bench", Role.OWNER, 1, Weights(), "")
    store.round_trips.reset()
    started = time.perf_counter()
    for day in range(BASELINE_ROWS):
        readings.record(app, owner, meter_id=f"m{IMPORT_METERS}", value=f"{day * 7}.5",
                        taken_at=START + timedelta(hours=9 + day * 24), note=None, idempotency_key=None)
    baseline = time.perf_counter() - started
    baseline_trips = store.round_trips.count

    rate, baseline_rate = IMPORT_ROWS / elapsed, BASELINE_ROWS / baseline
    print(f"import: {IMPORT_ROWS} rows in {elapsed:.2f} s = {rate:,.0f} rows/s, {trips} store round trips "
          f"({trips / IMPORT_ROWS:.4f} per row)")
    print(f"  baseline one-by-one submission: {BASELINE_ROWS} rows in {baseline:.2f} s = {baseline_rate:,.0f} rows/s, "
          f"{baseline_trips / BASELINE_ROWS:.1f} round trips per row")
    print(f"  ratio: import is {rate / baseline_rate:.1f}x the rows/s of one-by-one submission")
    store.close()


def seed_groups(app: Container) -> None:
    store = app.store
    zones = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")
    groups: list[Document] = []
    meters: list[Document] = []
    users: list[Document] = []
    schedules: list[Document] = []
    for g in range(GROUP_COUNT):
        group_id = f"g{g:05d}"
        groups.append({"_id": group_id, "name": f"Flat {g}", "status": "active", "timezone": "Europe/Berlin",
                       "reading_window_days": 3, "billing_cycle": "monthly"})
        roster = []
        for p in range(PER_GROUP):
            user_id, meter_id = f"u{g:05d}-{p}", f"m{g:05d}-{p}"
            users.append({"_id": user_id, "email": f"{user_id}@example.com", "timezone": zones[(g + p) % len(zones)],
                          "status": "active", "notification_preferences": {"channels": ["email"],
                          "reading_reminders": True, "quiet_hours_start": 21, "quiet_hours_end": 8}})
            meters.append(meter_document(meter_id, group_id, f"S{p}", user_id))
            roster.append({"meter_id": meter_id, "user_id": user_id})
        due = NOW - timedelta(minutes=5) if g % (GROUP_COUNT // DUE_GROUPS) == 0 else NOW + timedelta(days=2)
        schedules.append({"_id": group_id, "roster": roster, "due_at": utc_iso_at(due), "window_boundary": None,
                          "reminded": {}})
    for spec, documents in ((GROUPS, groups), (METERS, meters), (USERS, users), (SCHEDULES, schedules)):
        collection = store.collection(spec)
        for chunk in range(0, len(documents), 5_000):
            collection.insert_many(documents[chunk:chunk + 5_000])


def naive_due_count(app: Container) -> int:
    """The baseline: every group, page by page, then its meters and users one group at a time."""
    from zoneinfo import ZoneInfo

    store = app.store
    groups, meters, users = store.collection(GROUPS), store.collection(METERS), store.collection(USERS)
    due = 0
    cursor = None
    while True:
        page = groups.find_page({}, limit=500, cursor=cursor)
        for group in page.items:
            window = current_window(NOW, billing_cycle="monthly", window_days=3, timezone=ZoneInfo(group["timezone"]))
            assert window is not None  # a monthly cycle has a boundary
            group_meters = meters.find_page({"group_id": group["_id"]}, order_by="created_at", limit=500).items
            people = {u["_id"]: u for u in users.get_many([m["participant_id"] for m in group_meters])}
            participants = [
                MeterReader(m["participant_id"], m["_id"], ZoneInfo(people[m["participant_id"]]["timezone"]),
                            bool(m.get("last_reading_at")))
                for m in group_meters
            ]
            due += len(due_reminders(window, NOW, participants))
        if page.next_cursor is None:
            return due
        cursor = page.next_cursor


def bench_reminders(directory: Path) -> None:
    app = container(directory)
    store = app.store
    started = time.perf_counter()
    seed_groups(app)
    print(f"reminders: seeded {GROUP_COUNT} groups / {GROUP_COUNT * PER_GROUP} participants in "
          f"{time.perf_counter() - started:.1f} s; {DUE_GROUPS} groups due")

    store.round_trips.reset()
    started = time.perf_counter()
    baseline_due = naive_due_count(app)
    baseline = time.perf_counter() - started
    baseline_trips = store.round_trips.count

    store.round_trips.reset()
    started = time.perf_counter()
    summary = reading_reminders.run(app, NOW)
    elapsed = time.perf_counter() - started
    trips = store.round_trips.count
    sends = store.round_trips.by_operation.get("insert", 0)  # outbox inserts: one per message

    print(f"  job: {summary.due_groups} due groups, {summary.reminders} reminders in {elapsed:.2f} s; "
          f"{trips} round trips = {trips / summary.due_groups:.2f} per due group "
          f"({(trips - sends) / summary.due_groups:.2f} excluding the {sends} sends), "
          f"{trips / GROUP_COUNT:.3f} per group overall")
    print(f"  baseline naive scan (decisions only, no sends or writes): {baseline_due} due reminders in "
          f"{baseline:.2f} s; {baseline_trips} round trips = {baseline_trips / GROUP_COUNT:.2f} per group")
    print(f"  ratio: job takes {elapsed / baseline:.2f}x the baseline's time while also writing 1,000 schedules and "
          f"sending; {baseline_trips / max(trips - sends, 1):.1f}x fewer store reads/writes before sends")
    again = reading_reminders.run(app, NOW + timedelta(minutes=30))
    print(f"  second run 30 min later: {again.due_groups} due groups, {again.reminders} reminders (never twice)")
    store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        bench_import(Path(first))
        bench_reminders(Path(second))


if __name__ == "__main__":
    main()
