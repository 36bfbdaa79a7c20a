import { ApiError, NetworkError } from "../api/problem";
import type { QueuedReading, ReadingQueue } from "./queue";

/** Sends one queued reading (with its Idempotency-Key); resolves when the API stored it (201) or replayed it (200). */
export type SendReading = (entry: QueuedReading) => Promise<void>;

export interface SyncResult {
  sent: string[];
  rejected: string[];
  /** True when the network failed on the way: the rest stays queued for the next attempt. */
  offline: boolean;
}

/**
 * Sends every reading `userId` queued, oldest first. A reading leaves the queue only once the API confirmed it; a refusal
 * (4xx problem) keeps it, marked rejected with the API's reason; a network failure or a server error stops the run.
 */
export async function syncReadings(queue: ReadingQueue, userId: string, send: SendReading): Promise<SyncResult> {
  const result: SyncResult = { sent: [], rejected: [], offline: false };
  for (const entry of await queue.list()) {
    if (entry.state !== "queued" || entry.userId !== userId) continue;
    try {
      await send(entry);
      await queue.remove(entry.key);
      result.sent.push(entry.key);
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 429) {
        await queue.update({ ...entry, state: "rejected", problem: error.problem.detail });
        result.rejected.push(entry.key);
        continue;
      }
      result.offline = error instanceof NetworkError;
      break;
    }
  }
  return result;
}
