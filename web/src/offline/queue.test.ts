import { IDBFactory } from "fake-indexeddb";
import { beforeEach, describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/problem";
import { ReadingQueue, type QueuedReading } from "./queue";
import { syncReadings } from "./sync";

function reading(key: string, queuedAt: string, value = "100"): QueuedReading {
  return {
    key, userId: "ann", groupId: "g", meterId: "m", value, takenAt: queuedAt, note: null, photo: null, queuedAt,
    state: "queued", problem: null,
  };
}

function problem(status: number, detail: string): ApiError {
  return new ApiError(status, { type: "https://sharemeter.dev/problems/x", title: "x", status, detail, correlation_id: "c", errors: null });
}

let queue: ReadingQueue;
beforeEach(() => {
  queue = new ReadingQueue(new IDBFactory());
});

describe("the offline reading queue", () => {
  it("keeps readings across instances of the queue (a reopened tab) in the order they were taken", async () => {
    const factory = new IDBFactory();
    const first = new ReadingQueue(factory);
    await first.add(reading("k2", "2026-03-02T10:00:00Z"));
    await first.add(reading("k1", "2026-03-01T10:00:00Z"));
    const reopened = new ReadingQueue(factory);
    expect((await reopened.list()).map((r) => r.key)).toEqual(["k1", "k2"]);
  });

  it("refuses a second entry with the same Idempotency-Key instead of storing the reading twice", async () => {
    await queue.add(reading("same", "2026-03-01T10:00:00Z"));
    await expect(queue.add(reading("same", "2026-03-01T10:00:00Z", "200"))).rejects.toThrow();
    expect(await queue.list()).toHaveLength(1);
  });
});

describe("syncing the queue", () => {
  it("removes a reading only after the API confirmed it, and sends each with its own key", async () => {
    await queue.add(reading("a", "2026-03-01T10:00:00Z"));
    await queue.add(reading("b", "2026-03-02T10:00:00Z"));
    const sentKeys: string[] = [];
    const result = await syncReadings(queue, "ann", async (entry) => { sentKeys.push(entry.key); });
    expect(sentKeys).toEqual(["a", "b"]);
    expect(result).toEqual({ sent: ["a", "b"], rejected: [], offline: false });
    expect(await queue.list()).toEqual([]);
  });

  it("stops at a network failure and keeps that reading and the later ones queued", async () => {
    await queue.add(reading("a", "2026-03-01T10:00:00Z"));
    await queue.add(reading("b", "2026-03-02T10:00:00Z"));
    await queue.add(reading("c", "2026-03-03T10:00:00Z"));
    const result = await syncReadings(queue, "ann", async (entry) => {
      if (entry.key === "b") throw new NetworkError(new TypeError("Failed to fetch"));
    });
    expect(result).toEqual({ sent: ["a"], rejected: [], offline: true });
    expect((await queue.list()).map((r) => [r.key, r.state])).toEqual([["b", "queued"], ["c", "queued"]]);
  });

  it("a retry after a lost answer resends the same key, so the API can replay instead of storing again", async () => {
    await queue.add(reading("k", "2026-03-01T10:00:00Z"));
    const stored = new Map<string, number>();
    let answerLost = true;
    const server = async (entry: QueuedReading) => {
      stored.set(entry.key, (stored.get(entry.key) ?? 0) + 1);
      if (answerLost) { answerLost = false; throw new NetworkError(new TypeError("connection reset")); }
    };
    await syncReadings(queue, "ann", server);
    expect(await queue.list()).toHaveLength(1);
    await syncReadings(queue, "ann", server);
    expect(await queue.list()).toHaveLength(0);
    expect([...stored.keys()]).toEqual(["k"]);
  });

  it("keeps a reading the API refused, marked rejected with the reason, and goes on with the next", async () => {
    await queue.add(reading("bad", "2026-03-01T10:00:00Z"));
    await queue.add(reading("good", "2026-03-02T10:00:00Z"));
    const result = await syncReadings(queue, "ann", async (entry) => {
      if (entry.key === "bad") throw problem(400, "the reading goes backwards");
    });
    expect(result.rejected).toEqual(["bad"]);
    const left = await queue.list();
    expect(left.map((r) => [r.key, r.state, r.problem])).toEqual([["bad", "rejected", "the reading goes backwards"]]);
  });

  it("sends only the signed-in person's readings: a shared phone never sends Ann's reading in Bob's session", async () => {
    await queue.add(reading("anns", "2026-03-01T10:00:00Z"));
    await queue.add({ ...reading("bobs", "2026-03-02T10:00:00Z"), userId: "bob" });
    const sent: string[] = [];
    const result = await syncReadings(queue, "bob", async (entry) => { sent.push(entry.key); });
    expect(sent).toEqual(["bobs"]);
    expect(result.sent).toEqual(["bobs"]);
    expect((await queue.list()).map((r) => r.key)).toEqual(["anns"]);
  });

  it("a server error or an expired session leaves everything queued", async () => {
    await queue.add(reading("a", "2026-03-01T10:00:00Z"));
    for (const status of [500, 503, 401, 429]) {
      const result = await syncReadings(queue, "ann", async () => { throw problem(status, "later"); });
      expect(result.sent).toEqual([]);
      expect((await queue.list())[0]?.state).toBe("queued");
    }
  });
});
