import { useSyncExternalStore } from "react";
import { sendQueuedReading } from "../meters/api";
import { ReadingQueue, type QueuedReading } from "./queue";
import { syncReadings, type SyncResult } from "./sync";

/**
 * The app's one reading queue and its sync runner: every reading goes through it (written to IndexedDB first, then
 * sent), so a reading typed offline is shown as queued and sent when the browser is back online.
 */
const queue = new ReadingQueue();
let entries: QueuedReading[] = [];
let running: Promise<SyncResult> | null = null;
let sender: () => string | null = () => null;
const listeners = new Set<() => void>();

async function refresh(): Promise<void> {
  entries = await queue.list();
  for (const listener of listeners) listener();
}

export function syncNow(): Promise<SyncResult | null> {
  const userId = sender();
  if (!userId) return Promise.resolve(null);
  running ??= syncReadings(queue, userId, async (entry) => { await sendQueuedReading(entry); })
    .finally(() => { running = null; void refresh(); });
  return running;
}

export async function queueReading(entry: Omit<QueuedReading, "key" | "userId" | "queuedAt" | "state" | "problem">): Promise<string> {
  const userId = sender();
  if (!userId) throw new Error("not signed in");
  const key = crypto.randomUUID();
  await queue.add({ ...entry, key, userId, queuedAt: new Date().toISOString(), state: "queued", problem: null });
  await refresh();
  void syncNow();
  return key;
}

export async function discardReading(key: string): Promise<void> {
  await queue.remove(key);
  await refresh();
}

/** Starts the runner: sends the signed-in user's readings when the browser comes back online and on sign-in. */
export function startOutbox(signedInUser: () => string | null): () => void {
  sender = signedInUser;
  const online = () => void syncNow();
  window.addEventListener("online", online);
  // the network can fail while the browser still says online: retry now and then while readings wait
  const retry = window.setInterval(() => { if (entries.some((e) => e.state === "queued")) void syncNow(); }, 20_000);
  void refresh().then(() => syncNow());
  return () => {
    window.removeEventListener("online", online);
    window.clearInterval(retry);
  };
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useQueuedReadings(meterId?: string): QueuedReading[] {
  const all = useSyncExternalStore(subscribe, () => entries);
  const mine = all.filter((e) => e.userId === sender());
  return meterId ? mine.filter((e) => e.meterId === meterId) : mine;
}

function onlineSubscribe(listener: () => void): () => void {
  window.addEventListener("online", listener);
  window.addEventListener("offline", listener);
  return () => {
    window.removeEventListener("online", listener);
    window.removeEventListener("offline", listener);
  };
}

export function useOnline(): boolean {
  return useSyncExternalStore(onlineSubscribe, () => navigator.onLine);
}
