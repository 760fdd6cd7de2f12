// One writer at a time per database file within this process. SQLite allows one writer per
// file; our statements run synchronously on the JS thread, so a second connection of this
// process that finds the write lock taken would sit in SQLite's busy wait *on the event
// loop*, while the transaction holding the lock (waiting on an `await`) could never get back
// to commit: a stall until the busy timeout, then SQLITE_BUSY. Writers therefore queue
// here, in JS. Between processes, each write also holds the file's turn (`FileTurn`, an OS
// lock whose waiter wakes the moment it is free, where SQLite's busy wait only polls); SQLite's
// lock and busy timeout stay the guarantee for writers that take no turn.
import { resolve } from "node:path";
import { FileTurn } from "../../index.js";
import { LibsqlError } from "./errors.js";

const SQLITE_BUSY = 5;

function busy(message: string): LibsqlError {
  return new LibsqlError(message, "SQLITE_BUSY", "SQLITE_BUSY", SQLITE_BUSY);
}

export class WriteLock {
  #held = false;
  #waiting: Array<() => void> = [];
  #turn: FileTurn | null;

  constructor(turn: FileTurn | null = null) {
    this.#turn = turn;
  }

  /** Takes the file's turn for a writer that holds the lock; on failure the lock passes on. */
  #takeTurn(timeoutMs: number): void {
    if (this.#turn === null || this.#turn.acquire(timeoutMs)) return;
    this.release();
    throw busy(`database is locked: another process kept writing this file for more than ${timeoutMs} ms (busyTimeout)`);
  }

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
      try {
        this.#takeTurn(timeoutMs);
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.resolve();
    }
    return new Promise((ok, fail) => {
      const grant = () => {
        clearTimeout(timer);
        try {
          this.#takeTurn(timeoutMs);
        } catch (e) {
          return fail(e);
        }
        ok();
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        fail(busy(`database is locked: another transaction of this process held the write lock for more than ${timeoutMs} ms (busyTimeout)`));
      }, timeoutMs);
      this.#waiting.push(grant);
    });
  }

  /** Hands the lock to the next writer in line, if any. */
  release(): void {
    this.#turn?.release();
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }

  /** Runs the synchronous `fn` holding the lock: at once when it is free, else in line. */
  run<T>(fn: () => T, timeoutMs: number): T | Promise<T> {
    if (!this.#held) {
      this.#held = true;
      this.#takeTurn(timeoutMs);
      try {
        return fn();
      } finally {
        this.release();
      }
    }
    return this.acquire(timeoutMs).then(() => {
      try {
        return fn();
      } finally {
        this.release();
      }
    });
  }
}

// Keyed by absolute path: two clients of one file (the seed run's and the pages', or a
// client made again after a reload) share a lock.
const locks = new Map<string, WriteLock>();

/** The lock shared by every client of this process on the database file at `path`. */
export function writeLockFor(path: string): WriteLock {
  const key = resolve(path);
  let lock = locks.get(key);
  if (!lock) locks.set(key, (lock = new WriteLock(openTurn(key))));
  return lock;
}

function openTurn(path: string): FileTurn | null {
  try {
    return FileTurn.open(path);
  } catch {
    // A directory we cannot write to: SQLite's busy wait alone orders the writers.
    return null;
  }
}
