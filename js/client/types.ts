// The public types of `@astrojs/db/client`, shaped like `@libsql/client`'s so that
// `drizzle-orm/libsql` and existing code accept our client unchanged.

/** A value read from the database. */
export type Value = null | string | number | bigint | ArrayBuffer;

/** A value accepted as a statement argument. */
export type InValue = Value | boolean | Uint8Array | Date;

export type InArgs = Array<InValue> | Record<string, InValue>;

export type InStatement = { sql: string; args?: InArgs } | string;

export type IntMode = "number" | "bigint" | "string";

export type TransactionMode = "write" | "read" | "deferred";

/** A row: readable by column index (`row[0]`, `row.length`) and by column name. */
export interface Row {
  length: number;
  [index: number]: Value;
  [name: string]: Value;
}

export interface ResultSet {
  columns: Array<string>;
  columnTypes: Array<string>;
  rows: Array<Row>;
  rowsAffected: number;
  lastInsertRowid: bigint | undefined;
  toJSON(): any;
}

export interface Replicated {
  frame_no: number;
  frames_synced: number;
}

export interface Config {
  /**
   * `file:path.db` (relative or absolute), `:memory:` or `memory:` for a local database;
   * `libsql://host`, `https://host`, `http://host:port`, `wss://host` or `ws://host:port` for a
   * libSQL server (spoken to over HTTP: `ws(s):` maps to `http(s):` on the same host and port).
   * Remote URLs accept the query options `authToken` and `tls` (`0`, `1`, or bare for `1`).
   */
  url: string;
  /** Bearer token for a remote server (or for the sync server of an embedded replica). */
  authToken?: string;
  /**
   * Key of a local database file encrypted at rest (libSQL's aes256cbc cipher, so the file opens in
   * `@libsql/client` with the same key). A wrong or missing key fails the first query with SQLITE_NOTADB.
   */
  encryptionKey?: string;
  /** URL of the primary database of an embedded replica (with a local `url`). */
  syncUrl?: string;
  /** Seconds between automatic syncs of an embedded replica. */
  syncInterval?: number;
  /** Embedded replica: reads see the replica's own writes (default true). */
  readYourWrites?: boolean;
  /** Embedded replica: sync through the offline-writes protocol (default false). */
  offline?: boolean;
  /** For `libsql:` URLs: `false` speaks plain HTTP (the URL then needs a port). Default true. */
  tls?: boolean;
  /** How SQLite integers come back: `number` (default; throws past 2^53), `bigint` or `string`. */
  intMode?: IntMode;
  /** Most connections a file database opens at once for transactions (default 20). */
  concurrency?: number;
  /**
   * Local files: milliseconds a statement waits for a lock held by another connection or
   * process before failing with SQLITE_BUSY (default 5000; 0 fails at once). Also
   * `?busyTimeout=` in a `file:` URL.
   */
  busyTimeout?: number;
  /** The older name of `busyTimeout`. */
  timeout?: number;
  /**
   * Local files: `"wal"` (default; readers never wait for the writer) or `"delete"` (the
   * rollback journal, for filesystems where WAL cannot work). Also `?journalMode=` in a `file:` URL.
   */
  journalMode?: JournalMode;
}

/** How a local database file journals its writes. */
export type JournalMode = "wal" | "delete";

export interface Transaction {
  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  batch(stmts: Array<InStatement | [string, InArgs?]>): Promise<Array<ResultSet>>;
  executeMultiple(sql: string): Promise<void>;
  rollback(): Promise<void>;
  commit(): Promise<void>;
  close(): void;
  readonly closed: boolean;
}

export interface Client {
  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode): Promise<Array<ResultSet>>;
  migrate(stmts: Array<InStatement>): Promise<Array<ResultSet>>;
  transaction(mode?: TransactionMode): Promise<Transaction>;
  executeMultiple(sql: string): Promise<void>;
  sync(): Promise<Replicated | undefined>;
  reconnect(): Promise<void>;
  close(): void;
  readonly closed: boolean;
  readonly protocol: string;
}
