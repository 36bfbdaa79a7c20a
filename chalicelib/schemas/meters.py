"""Request and response models of meters, readings, the CSV import and the consumption chart.

Values and multipliers are decimal strings ("12345.6"); JSON numbers are refused so nothing passes through a float.
Times are ISO 8601 with an offset (``2026-03-31T08:00:00+02:00``); a time without one is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.commands import AddMeter, ChangeMeter
from chalicelib.schemas.common import DecimalString, ObjectId, StrictModel, Unit

Serial = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                          pattern=r"^[A-Za-z0-9._/ -]+$")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Digits = Annotated[int, Field(ge=1, le=12, description="register digits before the decimal point (for rollover)")]

#: Times and dates outside these years are refused: near year 1 or 9999 converting to UTC (or adding a day) overflows.
MIN_YEAR, MAX_YEAR = 1970, 9998


_When = TypeVar("_When", bound=date)  # a datetime is a date too


def _in_supported_years(value: _When) -> _When:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must lie between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_supported_years)]
LocalDate = Annotated[date, AfterValidator(_in_supported_years)]


class MeterCreate(StrictModel):
    serial: Serial
    kind: Literal["main", "sub"]
    unit: Unit
    digits: Digits | None = None
    multiplier: DecimalString = Field(default="1", description="current-transformer ratio applied to consumption")
    participant_id: ObjectId | None = Field(default=None, description="user id of the participant the meter belongs to")
    installed_at: Instant
    removed_at: Instant | None = None
    initial_value: DecimalString | None = Field(default=None, description="register value at installation")
    replaces: ObjectId | None = Field(default=None, description="the meter this one replaces (removed and linked)")

    def to_command(self) -> AddMeter:
        return AddMeter(**self.model_dump())


class MeterUpdate(StrictModel):
    """Only the fields sent change; ``null`` clears ``participant_id`` or ``removed_at`` and is refused elsewhere."""

    serial: Serial | None = None
    unit: Unit | None = None
    digits: Digits | None = None
    multiplier: DecimalString | None = None
    participant_id: ObjectId | None = None
    installed_at: Instant | None = None
    removed_at: Instant | None = None
    initial_value: DecimalString | None = None
    version: int | None = Field(default=None, ge=1)

    def to_command(self) -> ChangeMeter:
        return ChangeMeter(**self.model_dump(), sent=frozenset(self.model_fields_set - {"version"}))


class AssignmentCreate(StrictModel):
    """A tenant change: the sub-meter passes to ``participant_id`` (``null``: nobody) at ``at``, read then."""

    participant_id: ObjectId | None = Field(description="user id of the new holder; null when the flat stands empty")
    at: Instant = Field(description="the instant of the change; the interim reading is taken then")
    reading_value: DecimalString = Field(description="the interim reading: the register value at ``at``")
    note: Note | None = None


class Assignment(BaseModel):
    at: str
    previous_participant_id: str | None
    participant_id: str | None
    reading_id: str
    reading_value: str
    by: str
    recorded_at: str


class MeterOut(BaseModel):
    id: str
    group_id: str
    serial: str
    kind: Literal["main", "sub"]
    unit: str
    digits: int | None
    multiplier: str
    participant_id: str | None
    installed_at: str
    removed_at: str | None
    initial_value: str | None
    replaces: str | None
    replaced_by: str | None
    last_reading_at: str | None
    assignments: list[Assignment] = Field(default_factory=list, description="tenant changes, oldest first")
    created_at: str
    version: int


class MeterList(BaseModel):
    items: list[MeterOut]


class ReadingCreate(StrictModel):
    value: DecimalString
    taken_at: Instant
    note: Note | None = None


class ReadingCorrectionRequest(StrictModel):
    value: DecimalString
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    version: int | None = Field(default=None, ge=1)


class Correction(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    by: str
    at: str
    reason: str


class Review(BaseModel):
    decision: Literal["accept", "reject"]
    note: str | None
    by: str
    at: str


class ReadingOut(BaseModel):
    id: str
    meter_id: str
    value: str
    original_value: str
    taken_at: str
    consumption: str | None
    is_rollover: bool
    is_flagged: bool
    flag_reason: str | None
    note: str | None
    source: Literal["api", "import"]
    submitted_by: str
    submitted_at: str
    corrections: list[Correction]
    review_status: Literal["pending", "accepted", "rejected"] | None = None
    review: Review | None = None
    has_photo: bool = False
    version: int


class AssignmentResult(BaseModel):
    meter: MeterOut
    reading: ReadingOut


class ReadingPage(BaseModel):
    items: list[ReadingOut]
    next_cursor: str | None


class ReadingHistoryQuery(BaseModel):
    """``?from=&to=`` (ISO times with offset, ``from <= taken_at < to``), ``cursor``, ``limit``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ReviewQueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ReviewDecision(StrictModel):
    decision: Literal["accept", "reject"] = Field(description="a rejected reading is kept but no longer counted")
    note: Note | None = None


PhotoType = Literal["image/jpeg", "image/png", "image/webp", "image/heic"]


class PhotoUploadRequest(StrictModel):
    content_type: PhotoType


class PhotoUpload(BaseModel):
    """Send the file with ``method`` to ``url``: POST as multipart form with ``fields`` first and the file last (S3),
    or PUT the raw bytes with ``headers`` (local stage). Expires at ``expires_at``; at most ``max_bytes``."""

    method: Literal["POST", "PUT"]
    url: str
    fields: dict[str, str]
    headers: dict[str, str]
    max_bytes: int
    expires_at: str


class PhotoDownload(BaseModel):
    url: str
    expires_at: str


class ImportResult(BaseModel):
    batch_id: str
    imported: int
    meters: int
    flagged: int


class ConsumptionQuery(BaseModel):
    """``?from=2026-01-01&to=2026-07-01`` local dates in the group's time zone (``to`` exclusive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: LocalDate = Field(alias="from")
    to: LocalDate
    granularity: Literal["day", "week", "month"] = "month"


class Period(BaseModel):
    start: str
    end: str


class Series(BaseModel):
    values: list[str | None]
    estimated: list[bool]


class ParticipantSeries(Series):
    participant_id: str


class ConsumptionChart(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    granularity: str
    timezone: str
    unit: str | None
    periods: list[Period]
    participants: list[ParticipantSeries]
    common: Series
    total: Series
