/** `<input type="datetime-local">` speaks the device's local wall time; the API wants an ISO instant. */
export function localDateTimeToIso(local: string): string {
  return new Date(local).toISOString();
}

export function nowLocalDateTime(now: Date = new Date()): string {
  const shifted = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** A local calendar date `YYYY-MM-DD`, `days` from today. */
export function localDate(days = 0, now: Date = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
