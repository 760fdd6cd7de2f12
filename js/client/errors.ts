/** An error from the database or the client, shaped like `@libsql/client`'s. */
export class LibsqlError extends Error {
  /** Machine-readable code, e.g. `SQLITE_CONSTRAINT` or `CLIENT_CLOSED`. */
  code: string;
  /** Extended SQLite code, e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`. */
  extendedCode?: string;
  /** Numeric SQLite result code. */
  rawCode?: number;
  /** The HTTP status of a request the server refused (401, 403, …), as `@libsql/client` gives it. */
  status?: number;
  /** Lets code holding a different copy of this class recognise the error. */
  readonly libsqlError = true;

  constructor(message: string, code: string, extendedCode?: string, rawCode?: number, cause?: Error) {
    super(`${code}: ${message}`, cause ? { cause } : undefined);
    this.code = code;
    this.extendedCode = extendedCode;
    this.rawCode = rawCode;
    this.name = "LibsqlError";
  }
}

/** A failure inside `batch()`, naming the statement at fault. */
export class LibsqlBatchError extends LibsqlError {
  /** Zero-based index of the statement that failed. */
  statementIndex: number;

  constructor(message: string, statementIndex: number, code: string, extendedCode?: string, rawCode?: number, cause?: Error) {
    super(message, code, extendedCode, rawCode, cause);
    this.statementIndex = statementIndex;
    this.name = "LibsqlBatchError";
  }
}

interface NativeError extends Error {
  code?: unknown;
  extendedCode?: string;
  rawCode?: number;
  statementIndex?: number;
  status?: number;
}

/** Turns an error thrown by the native binding into a `LibsqlError`; other errors pass through. */
export function fromNative(e: unknown): unknown {
  const err = e as NativeError;
  if (!(e instanceof Error) || e.constructor !== Error || typeof err.code !== "string") return e;
  const out =
    typeof err.statementIndex === "number"
      ? new LibsqlBatchError(err.message, err.statementIndex, err.code, err.extendedCode, err.rawCode, err)
      : new LibsqlError(err.message, err.code, err.extendedCode, err.rawCode, err);
  if (typeof err.status === "number") out.status = err.status;
  return out;
}
