"""CSV bulk import of readings: all rows or none, with a per-row error report.

The CSV has a header naming ``meter_serial``, ``value`` and ``taken_at`` (ISO 8601 with an offset), in any column order;
other columns are refused so a typo in a header cannot silently drop data.

How all-or-nothing works without multi-document transactions: every row is validated in memory first (meters by serial
from one page read, each touched meter's history once, then ``assess_batch`` per meter, O(n log n)). Any error aborts
the import with the full report and nothing written. Otherwise the readings go to the store in **one** ``insert_many``,
which the port defines as all-or-nothing (SQLite: one transaction; MongoDB: an ordered insert whose partial prefix the
adapter deletes again on failure). Every imported reading carries the import's ``batch_id``, and a ``reading_imports``
document records who imported what. A concurrent submission that takes a (meter, instant) between validation and insert
makes the single insert fail on the unique index, and the whole import is reported as a conflict. Chunking the insert
would have broken all-or-nothing; 10,000 rows are a few MB, well inside one call.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.errors import Conflict, DomainError, FieldProblem, ValidationFailed
from chalicelib.domain.money import format_decimal
from chalicelib.domain.readings import Reading, assess_batch, parse_reading_value
from chalicelib.domain.timestamps import utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import meter_records, reading_records

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

IMPORTS = CollectionSpec("reading_imports", indexes=(Index(("group_id", "created_at")),))
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 1_000
COLUMNS = ("meter_serial", "value", "taken_at")
_PLACES = 12


class ImportRejected(ValidationFailed):
    """Some rows are invalid; ``problems`` lists them as ``rows[<line>].<column>``; nothing was stored."""

    code = "import-rejected"
    title = "The import has invalid rows; nothing was imported"

    def __init__(self, problems: tuple[FieldProblem, ...], total: int) -> None:
        super().__init__(f"{total} of the rows are invalid; nothing was imported", field=problems[0].field)
        self._problems = problems

    @property
    def problems(self) -> tuple[FieldProblem, ...]:
        return self._problems


class ImportConflict(Conflict):
    code = "import-conflict"
    title = "Readings changed during the import; nothing was imported"


def parse_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the header must name exactly the three columns."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = tuple(name.strip() for name in (reader.fieldnames or ()))
    except csv.Error as error:
        raise ValidationFailed(f"not CSV: {error}", field="body") from None
    if sorted(header) != sorted(COLUMNS):
        raise ValidationFailed(f"the header must name the columns {', '.join(COLUMNS)}", field="body")
    reader.fieldnames = list(header)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ValidationFailed(f"at most {MAX_ROWS} rows per import", field="body")
            if None in row or any(value is None for value in row.values()):
                rows.append((reader.line_num, {}))
                continue
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    except csv.Error as error:
        raise ValidationFailed(f"malformed CSV at line {reader.line_num}: {error}", field="body") from None
    if not rows:
        raise ValidationFailed("the file has no rows", field="body")
    return rows


def _taken_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("not an ISO 8601 time such as 2026-03-31T08:00:00+02:00", field="taken_at") from None
    if moment.tzinfo is None:
        raise ValidationFailed("taken_at needs a UTC offset or Z", field="taken_at")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00: before the first representable UTC instant
        raise ValidationFailed("taken_at is out of range", field="taken_at") from None


def import_csv(container: Container, *, group_id: str, actor_id: str, text: str) -> dict[str, Any]:
    """Validate every row, then store all of them in one write; ``ImportRejected`` lists every bad row."""
    rows = parse_rows(text)
    by_serial = {m["serial"]: m for m in meter_records.group_meters(container, group_id=group_id)}
    problems: list[FieldProblem] = []
    pending: dict[str, list[tuple[int, Reading]]] = defaultdict(list)

    def fail(line: int, error: DomainError) -> None:
        problems.append(FieldProblem(f"rows[{line}].{error.field or 'row'}", error.detail))

    for line, row in rows:
        if not row:
            fail(line, ValidationFailed("wrong number of columns", field="row"))
            continue
        meter = by_serial.get(row["meter_serial"])
        if meter is None:
            fail(line, ValidationFailed("no meter with this serial in the group", field="meter_serial"))
            continue
        try:
            value = parse_reading_value(row["value"], digits=meter.get("digits"))
            moment = _taken_at(row["taken_at"])
        except DomainError as error:
            fail(line, error)
            continue
        pending[meter["_id"]].append((line, Reading(moment, value, id=str(line))))
    now = datetime.fromtimestamp(container.clock(), tz=UTC)
    submitted_at = utc_iso(container.clock())
    batch_id = uuid.uuid4().hex
    documents: list[Document] = []
    flagged = 0
    for meter_id, entries in pending.items():
        meter = meter_records.load(container, group_id=group_id, meter_id=meter_id)
        history = reading_records.counted_history(container, meter_id)
        verdicts = assess_batch(meter_records.to_domain(meter), history, [r for _, r in entries], now=now)
        for (line, reading), verdict in zip(entries, verdicts, strict=True):
            if isinstance(verdict, DomainError):
                fail(line, verdict)
                continue
            flagged += verdict.is_flagged
            canonical = format_decimal(reading.value, _PLACES)
            documents.append({
                "_id": uuid.uuid4().hex, "group_id": group_id, "meter_id": meter_id, "value": canonical,
                "original_value": canonical, "taken_at": utc_iso_at(reading.taken_at), "note": None,
                "source": "import", "batch_id": batch_id, "submitted_by": actor_id, "submitted_at": submitted_at,
                "corrections": [], **reading_records.assessment_fields(verdict),
            })
    if problems:
        problems.sort(key=lambda p: int(p.field[5:p.field.index("]")]))
        raise ImportRejected(tuple(problems[:MAX_REPORTED_ERRORS]), len(problems))
    try:
        reading_records.reading_collection(container).insert_many(documents)
    except DuplicateKey:
        raise ImportConflict("another reading was stored for one of these meters and instants; retry") from None
    newest: dict[str, str] = {}
    for document in documents:
        newest[document["meter_id"]] = max(newest.get(document["meter_id"], ""), document["taken_at"])
    for meter_id, taken_at in newest.items():
        meter_records.note_reading(container, meter_id, taken_at)
    container.store.collection(IMPORTS).insert({
        "_id": batch_id, "group_id": group_id, "created_by": actor_id, "created_at": submitted_at,
        "rows": len(documents), "meters": len(newest), "flagged": flagged,
    })
    record_event("readings.imported", group_id=group_id, rows=len(documents), flagged=flagged)
    return {"batch_id": batch_id, "imported": len(documents), "meters": len(newest), "flagged": flagged}

