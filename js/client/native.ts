import { fastExecuteFunction, NativeConnection, type FileOptions } from "../../index.js";
import { fromNative } from "./errors.js";
import { ResultSet } from "./result.js";
import type { InArgs, InStatement, IntMode, Row } from "./types.js";

export const INT_MODES: Record<IntMode, number> = { number: 0, bigint: 1, string: 2 };
/** Flag for `Conn.execute`: fail with TRANSACTION_CLOSED unless a transaction is open. */
export const REQUIRE_TRANSACTION = 4;
const ARGS_ARRAY = 8;
const ARGS_OBJECT = 16;
const ROWS_AS_ARRAYS = 32;

type NativeResult = [string[], string[], Row[], number, bigint | undefined];

// `NativeConnection.execute` without napi-rs's per-call bookkeeping (see src/client/fast.rs).
const fastExecute = fastExecuteFunction();
export type Stmt = InStatement | [string, InArgs?];

function toResultSet(r: NativeResult): ResultSet {
  return new ResultSet(r[0], r[1], r[2], r[3], r[4]);
}

/** One native connection, with its errors turned into `LibsqlError`s. */
export class Conn {
  #native: NativeConnection;
  #handle: unknown;
  // Writes report [rowsAffected, lastInsertRowid] here instead of allocating a result.
  #meta = new BigInt64Array(2);

  /** `options` set up a file as the native layer does for every file it opens (WAL, busy timeout). */
  constructor(path: string, options: FileOptions, encryptionKey?: string) {
    try {
      this.#native = NativeConnection.open(path, encryptionKey, options);
    } catch (e) {
      throw fromNative(e);
    }
    this.#native.setResultBuffer(this.#meta);
    this.#handle = this.#native.handle();
  }

  /** SQLite's verdict on the first statement of `sql`: read-only or not; null if it does not prepare. */
  isReadonly(sql: string): boolean | null {
    try {
      return this.#native.isReadonly(sql);
    } catch (e) {
      throw fromNative(e);
    }
  }

  get isOpen(): boolean {
    return this.#native.isOpen;
  }

  get inTransaction(): boolean {
    return this.#native.inTransaction;
  }

  execute(sql: string, args: InArgs | undefined, flags: number): ResultSet {
    const r = this.#run(sql, args, flags);
    return r === null ? new ResultSet([], [], [], Number(this.#meta[0]), this.#meta[1]) : toResultSet(r as NativeResult);
  }

  /** Only the rows of `sql`, each a plain array of its values. */
  rows(sql: string, args: InArgs | undefined, flags: number): unknown[][] {
    return this.#run(sql, args, flags | ROWS_AS_ARRAYS) as unknown[][];
  }

  #run(sql: string, args: InArgs | undefined, flags: number): unknown {
    if (args !== undefined && args !== null) {
      if (Array.isArray(args)) flags |= ARGS_ARRAY;
      else if (typeof args === "object") flags |= ARGS_OBJECT;
    }
    try {
      return fastExecute(this.#handle, sql, args, flags);
    } catch (e) {
      throw fromNative(e);
    }
  }

  batch(stmts: Stmt[], flags: number, begin?: string): ResultSet[] {
    try {
      return this.#native.batch(stmts as any, flags, begin).map((r) => toResultSet(r as NativeResult));
    } catch (e) {
      throw fromNative(e);
    }
  }

  script(sql: string): void {
    try {
      this.#native.executeMultiple(sql);
    } catch (e) {
      throw fromNative(e);
    }
  }

  close(): void {
    this.#native.close();
  }
}
