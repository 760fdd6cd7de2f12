import { LibsqlError } from "./errors.js";
import { Conn, INT_MODES, REQUIRE_TRANSACTION, type Stmt } from "./native.js";
import type { ResultSet } from "./result.js";
import type { LocalTarget as Target } from "./config.js";
import type { Client, InArgs, InStatement, Replicated, Transaction, TransactionMode } from "./types.js";
import { writeLockFor, type WriteLock } from "./write-lock.js";

export function beginStatement(mode: TransactionMode): string {
  switch (mode) {
    case "write":
      return "BEGIN IMMEDIATE";
    case "read":
      return "BEGIN TRANSACTION READONLY";
    case "deferred":
      return "BEGIN DEFERRED";
    default:
      throw new RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"');
  }
}

/**
 * The connections of one local database. Plain calls share one connection: they run
 * synchronously, so they never interleave. A transaction spans awaits, so it gets a
 * connection of its own for a file database. An in-memory database exists only on the
 * connection that created it, so there a transaction borrows the one connection and
 * other calls wait for nothing: they fail with TRANSACTION_ACTIVE until it settles.
 */
class Connections {
  #target: Target;
  #main: Conn | null;
  #idle: Conn[] = [];
  #held = new Set<Conn>();
  closed = false;

  constructor(target: Target) {
    this.#target = target;
    this.#main = this.#open();
  }

  #open(): Conn {
    const t = this.#target;
    return t.kind === "memory"
      ? new Conn(":memory:", { busyTimeout: t.timeout })
      : new Conn(t.path, { busyTimeout: t.timeout, journalMode: t.journalMode }, t.encryptionKey);
  }

  main(): Conn {
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    if (this.#main === null) {
      throw new LibsqlError(
        "This client has a single connection (an in-memory database), which an open transaction is holding. " +
          "Commit or roll back the transaction before using the client again.",
        "TRANSACTION_ACTIVE",
      );
    }
    return this.#main;
  }

  forTransaction(): Conn {
    if (this.#target.kind === "memory") {
      const conn = this.main();
      this.#main = null;
      this.#held.add(conn);
      return conn;
    }
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    if (this.#held.size >= Math.max(1, this.#target.concurrency)) {
      throw new LibsqlError(
        `All ${this.#held.size} of this client's transaction connections are held by open transactions. ` +
          "Commit or roll back one before starting another, or raise `concurrency`.",
        "TRANSACTION_ACTIVE",
      );
    }
    const conn = this.#idle.pop() ?? this.#open();
    this.#held.add(conn);
    return conn;
  }

  release(conn: Conn): void {
    if (!this.#held.delete(conn)) return;
    if (conn.isOpen && conn.inTransaction) {
      try {
        conn.script("ROLLBACK");
      } catch {
        conn.close();
      }
    }
    if (this.closed || !conn.isOpen) {
      conn.close();
    } else if (this.#target.kind === "memory") {
      this.#main = conn;
    } else {
      this.#idle.push(conn);
    }
  }

  close(): void {
    this.closed = true;
    this.#main?.close();
    for (const c of this.#idle) c.close();
    for (const c of this.#held) c.close();
    this.#main = null;
    this.#idle = [];
    this.#held.clear();
  }

  reopen(): void {
    this.close();
    this.closed = false;
    this.#main = this.#open();
  }
}

// Two functions rather than one returning a pair: this runs for every statement, and the
// pair was an allocation each time.
function sqlOf(stmtOrSql: InStatement): string {
  if (typeof stmtOrSql === "string") return stmtOrSql;
  if (stmtOrSql === null || typeof stmtOrSql !== "object" || typeof stmtOrSql.sql !== "string") {
    throw new TypeError("execute() expects a SQL string or { sql, args }");
  }
  return stmtOrSql.sql;
}

function argsOf(stmtOrSql: InStatement, args?: InArgs): InArgs | undefined {
  return typeof stmtOrSql === "string" ? args : stmtOrSql.args;
}

/**
 * Internal: runs everything the client does inside one transaction on its main connection
 * (the integration wraps seed files in it, so that a failing seed leaves nothing behind).
 * Inside the scope, `batch()` and `transaction()` become savepoints.
 */
export const SCOPE = Symbol.for("@astrojs/db:scope");

import { BULK_ENTRIES, EXECUTE_ROWS } from "./markers.js";

export { BULK_ENTRIES, EXECUTE_ROWS };

export type ExecuteRows = (sql: string, args: InArgs) => Promise<unknown[][]>;

export interface Scope {
  begin(): void;
  end(commit: boolean): void;
}

/**
 * A client for a local database file or an in-memory database.
 *
 * Writers of a file take turns (see `WriteLock`): a write transaction holds the turn from
 * `BEGIN IMMEDIATE` to commit or rollback, and a plain write, batch or bulk insert that
 * arrives meanwhile waits for it instead of stalling the event loop in SQLite's busy wait.
 * Reads never wait: WAL lets them read the last commit while a transaction writes.
 */
export class LocalClient implements Client {
  #conns: Connections;
  #intMode: number;
  #scoped = false;
  #savepoints = 0;
  // Null for an in-memory database: its one connection is lent to a transaction whole.
  #writes: WriteLock | null;
  #busyTimeout: number;
  // Give back the write turn of each open transaction; closing the client gives them all
  // back, so a transaction never settled cannot keep this file's other writers waiting.
  #turnsHeld = new Set<() => void>();
  readonly protocol = "file";

  readonly [SCOPE]: Scope = {
    begin: () => {
      this.#conns.main().script("BEGIN IMMEDIATE");
      this.#scoped = true;
    },
    end: (commit) => {
      this.#scoped = false;
      const conn = this.#conns.main();
      if (conn.inTransaction) conn.script(commit ? "COMMIT" : "ROLLBACK");
    },
  };

  constructor(target: Target) {
    this.#conns = new Connections(target);
    this.#intMode = INT_MODES[target.intMode];
    this.#writes = target.kind === "file" ? writeLockFor(target.path) : null;
    this.#busyTimeout = target.timeout;
  }

  /** Runs `run` at once, or holding the write turn when `#turnFor` says it must wait. */
  #inTurn<T>(sql: string | null, run: () => T): T | Promise<Awaited<T>> {
    const turn = this.#turnFor(sql);
    return turn === null ? run() : turn.run(run, this.#busyTimeout);
  }

  /** Whether a batch may write: anything SQLite does not call read-only (or cannot prepare). */
  #writesIn(stmts: Stmt[]): boolean {
    try {
      return !this.readsOnly(stmts);
    } catch {
      // A malformed entry: the native batch reports it with its index.
      return true;
    }
  }

  /**
   * The write turn to wait for before running `sql` on the main connection, when another
   * writer of this file holds it and `sql` may write; else null (run at once). Inside the
   * seed scope everything runs on the main connection's own transaction: nothing to wait for.
   */
  #turnFor(sql: string | null): WriteLock | null {
    const lock = this.#writes;
    if (lock === null || !lock.held || this.#scoped) return null;
    return sql !== null && this.#conns.main().isReadonly(sql) === true ? null : lock;
  }

  get closed(): boolean {
    return this.#conns.closed;
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const sql = sqlOf(stmtOrSql);
    // The hot path: no closure unless another writer holds the turn.
    const turn = this.#turnFor(sql);
    if (turn === null) return this.#conns.main().execute(sql, argsOf(stmtOrSql, args), this.#intMode);
    return turn.run(() => this.#conns.main().execute(sql, argsOf(stmtOrSql, args), this.#intMode), this.#busyTimeout);
  }

  readonly [EXECUTE_ROWS]: ExecuteRows = async (sql, args) => this.#inTurn(sql, () => this.#conns.main().rows(sql, args, this.#intMode));

  readonly [BULK_ENTRIES] = true;

  async batch(stmts: Stmt[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    let begin = beginStatement(mode);
    // A deferred batch that writes would take the write lock at its first write, after
    // reading; if another process commits in between, SQLite cannot wait (the busy timeout
    // does not apply to that upgrade) and fails with SQLITE_BUSY. Taking the lock at BEGIN
    // lets it wait its turn instead. Read-only batches stay deferred and never wait.
    if (mode === "deferred" && this.#writesIn(stmts)) begin = "BEGIN IMMEDIATE";
    const run = () => this.#conns.main().batch(stmts, this.#intMode, begin);
    return begin === "BEGIN IMMEDIATE" ? this.#inTurn(null, run) : run();
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    const run = () => {
      const conn = this.#conns.main();
      conn.script("PRAGMA foreign_keys=off");
      try {
        return conn.batch(stmts, this.#intMode, "BEGIN IMMEDIATE");
      } finally {
        conn.script("PRAGMA foreign_keys=on");
      }
    };
    return this.#inTurn(null, run);
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    const begin = beginStatement(mode);
    if (this.#scoped) {
      return new SavepointTransaction(this.#conns.main(), this.#intMode, `astro_db_tx_${++this.#savepoints}`);
    }
    // A transaction that may write holds the write turn until it settles (see WriteLock).
    const turn = mode === "read" ? null : this.#writes;
    if (turn !== null) await turn.acquire(this.#busyTimeout);
    let conn: Conn;
    try {
      conn = this.#conns.forTransaction();
    } catch (e) {
      turn?.release();
      throw e;
    }
    try {
      conn.script(begin);
    } catch (e) {
      this.#conns.release(conn);
      turn?.release();
      throw e;
    }
    const giveBack = () => {
      if (this.#turnsHeld.delete(giveBack)) turn?.release();
    };
    this.#turnsHeld.add(giveBack);
    return new LocalTransaction(conn, this.#intMode, (c) => {
      this.#conns.release(c);
      giveBack();
    });
  }

  #giveBackTurns(): void {
    for (const giveBack of [...this.#turnsHeld]) giveBack();
  }

  async executeMultiple(sql: string): Promise<void> {
    // A script may hold any statement: it waits for the write turn like a write.
    return this.#inTurn(null, () => this.#conns.main().script(sql));
  }

  /** Whether every statement only reads this database (false for one that does not prepare here). */
  readsOnly(stmts: Array<InStatement | [string, InArgs?]>): boolean {
    const conn = this.#conns.main();
    return stmts.every((s) => conn.isReadonly(Array.isArray(s) ? s[0] : sqlOf(s)) === true);
  }

  async sync(): Promise<Replicated | undefined> {
    throw new LibsqlError("sync() needs an embedded replica (a local database with syncUrl).", "SYNC_NOT_SUPPORTED");
  }

  async reconnect(): Promise<void> {
    this.#conns.reopen();
    this.#giveBackTurns();
  }

  close(): void {
    this.#conns.close();
    this.#giveBackTurns();
  }
}

/** An interactive transaction holding one connection until commit, rollback or close. */
export class LocalTransaction implements Transaction {
  #conn: Conn | null;
  #intMode: number;
  #release: (conn: Conn) => void;

  constructor(conn: Conn, intMode: number, release: (conn: Conn) => void) {
    this.#conn = conn;
    this.#intMode = intMode;
    this.#release = release;
  }

  get closed(): boolean {
    const c = this.#conn;
    return c === null || !c.isOpen || !c.inTransaction;
  }

  // The native call itself checks that the transaction is still open (one crossing, not three).
  #held(): Conn {
    if (this.#conn === null) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.#conn;
  }

  #live(): Conn {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.#conn!;
  }

  #settle(): void {
    const c = this.#conn;
    this.#conn = null;
    if (c !== null) this.#release(c);
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    return this.#held().execute(sqlOf(stmtOrSql), argsOf(stmtOrSql, args), this.#intMode | REQUIRE_TRANSACTION);
  }

  async batch(stmts: Stmt[]): Promise<ResultSet[]> {
    return this.#held().batch(stmts, this.#intMode);
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#live().script(sql);
  }

  async commit(): Promise<void> {
    try {
      this.#live().script("COMMIT");
    } finally {
      this.#settle();
    }
  }

  async rollback(): Promise<void> {
    const c = this.#conn;
    try {
      if (c !== null && c.isOpen && c.inTransaction) c.script("ROLLBACK");
    } finally {
      this.#settle();
    }
  }

  close(): void {
    this.#settle();
  }
}

/** A transaction nested in an open one, as a savepoint on the same connection. */
class SavepointTransaction implements Transaction {
  #conn: Conn;
  #intMode: number;
  #name: string;
  #done = false;

  constructor(conn: Conn, intMode: number, name: string) {
    conn.script(`SAVEPOINT ${name}`);
    this.#conn = conn;
    this.#intMode = intMode;
    this.#name = name;
  }

  get closed(): boolean {
    return this.#done || !this.#conn.isOpen || !this.#conn.inTransaction;
  }

  #live(): Conn {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.#conn;
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    return this.#live().execute(sqlOf(stmtOrSql), argsOf(stmtOrSql, args), this.#intMode);
  }

  async batch(stmts: Stmt[]): Promise<ResultSet[]> {
    return this.#live().batch(stmts, this.#intMode);
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#live().script(sql);
  }

  async commit(): Promise<void> {
    const conn = this.#live();
    this.#done = true;
    conn.script(`RELEASE ${this.#name}`);
  }

  async rollback(): Promise<void> {
    if (this.closed) {
      this.#done = true;
      return;
    }
    this.#done = true;
    this.#conn.script(`ROLLBACK TO ${this.#name}`);
    this.#conn.script(`RELEASE ${this.#name}`);
  }

  close(): void {
    if (!this.closed) void this.rollback();
  }
}
