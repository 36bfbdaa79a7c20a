import { allPages, call, uploadWithTicket, type BodyOf, type ResponseOf } from "../api/client";
import type { QueuedReading } from "../offline/queue";

export type Meter = ResponseOf<"post", "/groups/{group_id}/meters">;
export type Reading = ResponseOf<"post", "/groups/{group_id}/meters/{meter_id}/readings">;
export type ConsumptionChart = ResponseOf<"get", "/groups/{group_id}/consumption">;
export type PhotoType = BodyOf<"post", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo">["content_type"];

export async function listMeters(groupId: string): Promise<Meter[]> {
  return (await call("get", "/groups/{group_id}/meters", { path: { group_id: groupId } })).items;
}

export function createMeter(groupId: string, body: BodyOf<"post", "/groups/{group_id}/meters">): Promise<Meter> {
  return call("post", "/groups/{group_id}/meters", { path: { group_id: groupId }, body });
}

export function updateMeter(groupId: string, meter: Meter, body: BodyOf<"patch", "/groups/{group_id}/meters/{meter_id}">): Promise<Meter> {
  return call("patch", "/groups/{group_id}/meters/{meter_id}", {
    path: { group_id: groupId, meter_id: meter.id }, body, version: meter.version,
  });
}

export function changeTenant(groupId: string, meterId: string, body: BodyOf<"post", "/groups/{group_id}/meters/{meter_id}/assignments">) {
  return call("post", "/groups/{group_id}/meters/{meter_id}/assignments", { path: { group_id: groupId, meter_id: meterId }, body });
}

export async function listReadings(groupId: string, meterId: string, limit = 50): Promise<Reading[]> {
  return (await call("get", "/groups/{group_id}/meters/{meter_id}/readings", {
    path: { group_id: groupId, meter_id: meterId }, query: { limit },
  })).items;
}

export const PHOTO_TYPES: readonly PhotoType[] = ["image/jpeg", "image/png", "image/webp", "image/heic"];

function photoType(photo: Blob): PhotoType {
  return (PHOTO_TYPES as readonly string[]).includes(photo.type) ? (photo.type as PhotoType) : "image/jpeg";
}

export async function attachPhoto(groupId: string, meterId: string, readingId: string, photo: Blob): Promise<void> {
  const ticket = await call("post", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo", {
    path: { group_id: groupId, meter_id: meterId, reading_id: readingId }, body: { content_type: photoType(photo) },
  });
  await uploadWithTicket(ticket, photo);
}

export function photoLink(groupId: string, meterId: string, readingId: string) {
  return call("get", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo", {
    path: { group_id: groupId, meter_id: meterId, reading_id: readingId },
  });
}

/** Sends a queued reading with its Idempotency-Key (a replay answers with the first reading), then its photo. */
export async function sendQueuedReading(entry: QueuedReading): Promise<Reading> {
  const reading = await call("post", "/groups/{group_id}/meters/{meter_id}/readings", {
    path: { group_id: entry.groupId, meter_id: entry.meterId },
    body: { value: entry.value, taken_at: entry.takenAt, note: entry.note },
    idempotencyKey: entry.key,
  });
  if (entry.photo && !reading.has_photo) await attachPhoto(entry.groupId, entry.meterId, reading.id, entry.photo);
  return reading;
}

export function correctReading(groupId: string, meterId: string, reading: Reading, value: string, reason: string) {
  return call("post", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/corrections", {
    path: { group_id: groupId, meter_id: meterId, reading_id: reading.id }, body: { value, reason, version: reading.version },
  });
}

export function reviewQueue(groupId: string): Promise<Reading[]> {
  return allPages((cursor) => call("get", "/groups/{group_id}/readings/review", { path: { group_id: groupId }, query: { cursor, limit: 100 } }));
}

export function reviewReading(groupId: string, reading: Reading, decision: "accept" | "reject", note: string | null) {
  return call("post", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/review", {
    path: { group_id: groupId, meter_id: reading.meter_id, reading_id: reading.id }, body: { decision, note },
  });
}

export function importReadings(groupId: string, csv: string) {
  return call("post", "/groups/{group_id}/readings/import", {
    path: { group_id: groupId }, raw: { body: csv, contentType: "text/csv" },
  });
}

export function consumption(groupId: string, from: string, to: string, granularity: "day" | "week" | "month") {
  return call("get", "/groups/{group_id}/consumption", { path: { group_id: groupId }, query: { from, to, granularity } });
}
