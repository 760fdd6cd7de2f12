// One writer at a time per database file within this process. SQLite allows one writer per
// file; our statements run synchronously on the JS thread, so a second connection of this
// process that finds the write lock taken would sit in SQLite's busy wait *on the event
// loop*, while the transaction holding the lock (waiting on an `await`) could never get back
// to commit: a stall until the busy timeout, then SQLITE_BUSY. Writers therefore queue
// here, in JS, and only other processes are left to SQLite's busy timeout.
import { resolve } from "node:path";
import { LibsqlError } from "./errors.js";

const SQLITE_BUSY = 5;

export class WriteLock {
  #held = false;
  #waiting: Array<() => void> = [];

  /** Whether a writer holds the lock (a caller about to write must then `acquire` first). */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Resolves once the caller holds the lock; writers get it in the order they asked. Like
   * SQLite's busy timeout, waiting longer than `timeoutMs` fails with SQLITE_BUSY, so a
   * transaction left open forever surfaces as an error rather than a hang.
   */
  acquire(timeoutMs: number): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((ok, fail) => {
      const grant = () => {
        clearTimeout(timer);
        ok();
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        fail(
          new LibsqlError(
            `database is locked: another transaction of this process held the write lock for more than ${timeoutMs} ms (busyTimeout)`,
            "SQLITE_BUSY",
            "SQLITE_BUSY",
            SQLITE_BUSY,
          ),
        );
      }, timeoutMs);
      this.#waiting.push(grant);
    });
  }

  /** Hands the lock to the next writer in line, if any. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }

  /** Runs `fn` holding the lock. */
  async run<T>(fn: () => T, timeoutMs: number): Promise<Awaited<T>> {
    await this.acquire(timeoutMs);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

// Keyed by absolute path: two clients of one file (the seed run's and the pages', or a
// client made again after a reload) share a lock.
const locks = new Map<string, WriteLock>();

/** The lock shared by every client of this process on the database file at `path`. */
export function writeLockFor(path: string): WriteLock {
  const key = resolve(path);
  let lock = locks.get(key);
  if (!lock) locks.set(key, (lock = new WriteLock()));
  return lock;
}
