/**
 * Readings waiting to reach the API, kept in IndexedDB so that a reading typed offline survives a closed tab.
 * Each entry is keyed by its Idempotency-Key: adding the same key twice is refused by the store, and the API answers
 * a replayed key with the reading it stored the first time, so a reading is never stored twice.
 */
export interface QueuedReading {
  /** The Idempotency-Key the reading is sent with, every time. */
  key: string;
  /** Who typed it: only their session sends it (a shared phone never sends one person's reading as another's). */
  userId: string;
  groupId: string;
  meterId: string;
  value: string;
  takenAt: string;
  note: string | null;
  photo: Blob | null;
  queuedAt: string;
  /** queued: waiting for the network; rejected: the API refused it (kept so the person sees why). */
  state: "queued" | "rejected";
  problem: string | null;
}

const DATABASE = "sharemeter-offline";
const STORE = "readings";

export class ReadingQueue {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory: IDBFactory = indexedDB, private readonly name = DATABASE) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = this.factory.open(this.name, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("meter", ["groupId", "meterId"]);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error("IndexedDB unavailable"));
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? request.error ?? new Error("IndexedDB write failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted"));
    });
  }

  /** Adds a reading; a second add with the same key fails (ConstraintError) instead of queuing a copy. */
  async add(entry: QueuedReading): Promise<void> {
    await this.run("readwrite", (store) => store.add(entry));
  }

  async list(): Promise<QueuedReading[]> {
    const all = await this.run("readonly", (store) => store.getAll() as IDBRequest<QueuedReading[]>);
    return all.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }

  async update(entry: QueuedReading): Promise<void> {
    await this.run("readwrite", (store) => store.put(entry));
  }

  async remove(key: string): Promise<void> {
    await this.run("readwrite", (store) => store.delete(key));
  }
}
