import { NativeConnection } from "../../index.js";
import { LibsqlError, fromNative } from "./errors.js";
import { toResultSet, type ResultSet } from "./result.js";
import type { Target } from "./config.js";
import type { Client, InArgs, InStatement, IntMode, Replicated, Transaction, TransactionMode } from "./types.js";

const INT_MODES: Record<IntMode, number> = { number: 0, bigint: 1, string: 2 };

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

type Stmt = InStatement | [string, InArgs?];

/**
 * The connections of one local database. Plain calls share one connection: they run
 * synchronously, so they never interleave. A transaction spans awaits, so it gets a
 * connection of its own for a file database. An in-memory database exists only on the
 * connection that created it, so there a transaction borrows the one connection and
 * other calls wait for nothing: they fail with TRANSACTION_ACTIVE until it settles.
 */
class Connections {
  #target: Target;
  #main: NativeConnection | null;
  #idle: NativeConnection[] = [];
  #held = new Set<NativeConnection>();
  closed = false;

  constructor(target: Target) {
    this.#target = target;
    this.#main = this.#open();
  }

  #open(): NativeConnection {
    const path = this.#target.kind === "memory" ? ":memory:" : this.#target.path;
    let conn: NativeConnection;
    try {
      conn = NativeConnection.open(path);
    } catch (e) {
      throw fromNative(e);
    }
    if (this.#target.timeout > 0) conn.setBusyTimeout(this.#target.timeout);
    return conn;
  }

  main(): NativeConnection {
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

  forTransaction(): NativeConnection {
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

  release(conn: NativeConnection): void {
    if (!this.#held.delete(conn)) return;
    if (conn.isOpen && conn.inTransaction) {
      try {
        conn.executeMultiple("ROLLBACK");
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

function normalize(stmtOrSql: InStatement, args?: InArgs): [string, InArgs | undefined] {
  if (typeof stmtOrSql === "string") return [stmtOrSql, args];
  if (stmtOrSql === null || typeof stmtOrSql !== "object" || typeof stmtOrSql.sql !== "string") {
    throw new TypeError("execute() expects a SQL string or { sql, args }");
  }
  return [stmtOrSql.sql, stmtOrSql.args];
}

function run(conn: NativeConnection, sql: string, args: InArgs | undefined, intMode: number): ResultSet {
  try {
    return toResultSet(conn.execute(sql, args, intMode) as any);
  } catch (e) {
    throw fromNative(e);
  }
}

function runBatch(conn: NativeConnection, stmts: Stmt[], intMode: number, begin?: string): ResultSet[] {
  try {
    return conn.batch(stmts as any, intMode, begin).map((r) => toResultSet(r as any));
  } catch (e) {
    throw fromNative(e);
  }
}

function runScript(conn: NativeConnection, sql: string): void {
  try {
    conn.executeMultiple(sql);
  } catch (e) {
    throw fromNative(e);
  }
}

/** A client for a local database file or an in-memory database. */
export class LocalClient implements Client {
  #conns: Connections;
  #intMode: number;
  readonly protocol = "file";

  constructor(target: Target) {
    this.#conns = new Connections(target);
    this.#intMode = INT_MODES[target.intMode];
  }

  get closed(): boolean {
    return this.#conns.closed;
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const [sql, a] = normalize(stmtOrSql, args);
    return run(this.#conns.main(), sql, a, this.#intMode);
  }

  async batch(stmts: Stmt[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    return runBatch(this.#conns.main(), stmts, this.#intMode, beginStatement(mode));
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    const conn = this.#conns.main();
    runScript(conn, "PRAGMA foreign_keys=off");
    try {
      return runBatch(conn, stmts, this.#intMode, "BEGIN DEFERRED");
    } finally {
      runScript(conn, "PRAGMA foreign_keys=on");
    }
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    const begin = beginStatement(mode);
    const conn = this.#conns.forTransaction();
    try {
      runScript(conn, begin);
    } catch (e) {
      this.#conns.release(conn);
      throw e;
    }
    return new LocalTransaction(conn, this.#intMode, (c) => this.#conns.release(c));
  }

  async executeMultiple(sql: string): Promise<void> {
    runScript(this.#conns.main(), sql);
  }

  async sync(): Promise<Replicated | undefined> {
    throw new LibsqlError("sync() needs an embedded replica (a local database with syncUrl).", "SYNC_NOT_SUPPORTED");
  }

  async reconnect(): Promise<void> {
    this.#conns.reopen();
  }

  close(): void {
    this.#conns.close();
  }
}

/** An interactive transaction holding one connection until commit, rollback or close. */
export class LocalTransaction implements Transaction {
  #conn: NativeConnection | null;
  #intMode: number;
  #release: (conn: NativeConnection) => void;

  constructor(conn: NativeConnection, intMode: number, release: (conn: NativeConnection) => void) {
    this.#conn = conn;
    this.#intMode = intMode;
    this.#release = release;
  }

  get closed(): boolean {
    const c = this.#conn;
    return c === null || !c.isOpen || !c.inTransaction;
  }

  #live(): NativeConnection {
    if (this.closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return this.#conn!;
  }

  #settle(): void {
    const c = this.#conn;
    this.#conn = null;
    if (c !== null) this.#release(c);
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const [sql, a] = normalize(stmtOrSql, args);
    return run(this.#live(), sql, a, this.#intMode);
  }

  async batch(stmts: Stmt[]): Promise<ResultSet[]> {
    return runBatch(this.#live(), stmts, this.#intMode);
  }

  async executeMultiple(sql: string): Promise<void> {
    runScript(this.#live(), sql);
  }

  async commit(): Promise<void> {
    try {
      runScript(this.#live(), "COMMIT");
    } finally {
      this.#settle();
    }
  }

  async rollback(): Promise<void> {
    const c = this.#conn;
    try {
      if (c !== null && c.isOpen && c.inTransaction) runScript(c, "ROLLBACK");
    } finally {
      this.#settle();
    }
  }

  close(): void {
    this.#settle();
  }
}
