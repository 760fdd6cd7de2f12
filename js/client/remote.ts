import { NativeRemote, type NativeRemoteStream } from "../../index.js";
import type { RemoteTarget } from "./config.js";
import { LibsqlError, fromNative } from "./errors.js";
import { beginStatement } from "./local.js";
import { INT_MODES, type Stmt } from "./native.js";
import { ResultSet, toResultSet } from "./result.js";
import type { Client, InArgs, InStatement, Replicated, Transaction, TransactionMode } from "./types.js";

type NativeResult = Parameters<typeof toResultSet>[0];

/** Throws what a native call resolved to when it failed (an `Error` carrying `code`). */
function unwrap<T>(out: T | Error): T {
  if (out instanceof Error) throw fromNative(out);
  return out;
}

function statement(stmtOrSql: InStatement, args?: InArgs): Stmt {
  if (typeof stmtOrSql === "string") return args === undefined ? stmtOrSql : [stmtOrSql, args];
  if (stmtOrSql === null || typeof stmtOrSql !== "object" || typeof stmtOrSql.sql !== "string") {
    throw new TypeError("execute() expects a SQL string or { sql, args }");
  }
  return stmtOrSql;
}

/** At most `max` calls in flight at once, like `@libsql/client`'s `concurrency`. */
class Limiter {
  #active = 0;
  #queue: Array<() => void> = [];
  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.max > 0 && this.#active >= this.max) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }
}

/**
 * A client of a libSQL server (Hrana 3 over HTTP(S)); the network I/O runs in Rust on a
 * shared tokio runtime. Each call is one HTTP request on a fresh stream; a transaction
 * keeps its stream (and the server-side connection) until commit or rollback.
 */
export class RemoteClient implements Client {
  #target: RemoteTarget;
  #native: NativeRemote | null;
  #intMode: number;
  #limit: Limiter;
  readonly protocol: string;

  constructor(target: RemoteTarget) {
    this.#target = target;
    this.#native = RemoteClient.#connect(target);
    this.#intMode = INT_MODES[target.intMode];
    this.#limit = new Limiter(target.concurrency);
    this.protocol = target.protocol;
  }

  static #connect(target: RemoteTarget): NativeRemote {
    try {
      return NativeRemote.connect(target.url, target.authToken);
    } catch (e) {
      throw fromNative(e);
    }
  }

  get closed(): boolean {
    return this.#native === null;
  }

  #stream(): NativeRemoteStream {
    if (this.#native === null) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    return this.#native.openStream();
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const stmt = statement(stmtOrSql, args);
    return this.#limit.run(async () => toResultSet(unwrap(await this.#stream().execute(stmt, this.#intMode, true)) as NativeResult));
  }

  async batch(stmts: Stmt[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    const run = async (begin: string) => {
      const out = unwrap(await this.#stream().batch(stmts as any, this.#intMode, begin, false, true));
      return out.map((r) => toResultSet(r as NativeResult));
    };
    return this.#limit.run(async () => {
      try {
        return await run(beginStatement(mode));
      } catch (e) {
        // A deferred batch that reads before it writes cannot wait for the write lock when
        // another writer committed meanwhile: SQLite fails the upgrade with SQLITE_BUSY at once
        // (no busy timeout applies to it). The server answered, so the batch was rolled back
        // whole and nothing of it committed: running it again, now taking the lock up front
        // (and waiting its turn), cannot apply a write twice. Nothing else is ever re-sent.
        if (mode === "deferred" && (e as { code?: unknown }).code === "SQLITE_BUSY") return run("BEGIN IMMEDIATE");
        throw e;
      }
    });
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#limit.run(async () => {
      const out = unwrap(await this.#stream().batch(stmts as any, this.#intMode, "BEGIN DEFERRED", true, true));
      return out.map((r) => toResultSet(r as NativeResult));
    });
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    const begin = beginStatement(mode);
    return new RemoteTransaction(this.#stream(), begin, this.#intMode);
  }

  async executeMultiple(sql: string): Promise<void> {
    if (typeof sql !== "string") throw new TypeError("executeMultiple() expects a SQL string");
    return this.#limit.run(async () => {
      unwrap(await this.#stream().sequence(sql, null, true));
    });
  }

  async sync(): Promise<Replicated | undefined> {
    throw new LibsqlError("sync() needs an embedded replica (a local database with syncUrl), not a remote URL.", "SYNC_NOT_SUPPORTED");
  }

  async reconnect(): Promise<void> {
    this.#native?.close();
    this.#native = RemoteClient.#connect(this.#target);
  }

  close(): void {
    this.#native?.close();
    this.#native = null;
  }
}

/**
 * An interactive transaction on one stream. `BEGIN` travels with the first statements;
 * every later statement runs only while the transaction is still open on the server.
 */
class RemoteTransaction implements Transaction {
  #stream: NativeRemoteStream;
  #begin: string;
  #intMode: number;
  #started = false;

  constructor(stream: NativeRemoteStream, begin: string, intMode: number) {
    this.#stream = stream;
    this.#begin = begin;
    this.#intMode = intMode;
  }

  get closed(): boolean {
    return this.#stream.closed;
  }

  #check(): void {
    if (this.#stream.closed) {
      throw new LibsqlError("Cannot execute statements because the transaction is closed", "TRANSACTION_CLOSED");
    }
  }

  /** Throws a failed call's error; a failed `BEGIN` or a broken stream ends the transaction. */
  #settle<T>(out: T | Error): T {
    if (out instanceof Error && (out as { fatal?: boolean }).fatal) this.close();
    return unwrap(out);
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const [r] = await this.batch([statement(stmtOrSql, args)]);
    return r;
  }

  async batch(stmts: Stmt[]): Promise<ResultSet[]> {
    this.#check();
    const begin = this.#started ? null : this.#begin;
    this.#started = true;
    const out = this.#settle(await this.#stream.transactionBatch(stmts as any, this.#intMode, begin));
    return out.map((r) => toResultSet(r as NativeResult));
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#check();
    const begin = this.#started ? null : this.#begin;
    this.#started = true;
    this.#settle(await this.#stream.sequence(sql, begin, false));
  }

  async commit(): Promise<void> {
    if (this.#stream.closed) {
      throw new LibsqlError("Cannot commit the transaction because it is already closed", "TRANSACTION_CLOSED");
    }
    try {
      if (this.#started) unwrap(await this.#stream.execute("COMMIT", this.#intMode, true));
    } finally {
      this.close();
    }
  }

  async rollback(): Promise<void> {
    if (this.#stream.closed) return;
    try {
      if (this.#started) unwrap(await this.#stream.execute("ROLLBACK", this.#intMode, true));
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#stream.close();
  }
}
