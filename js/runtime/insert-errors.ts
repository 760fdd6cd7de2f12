// What a failed `db.insert(table).values(rows)` knows about itself: the table, the rows, the
// row at fault when the database says (the bulk path runs one row at a time and reports its
// index) and, in seeds, where the call was made. A seed failure is reported with all of it.
// Pure: no Node built-ins.
import { causes } from "../errors.js";

export interface FailedInsert {
  table: string;
  rows: readonly unknown[];
  /** Index into `rows` of the row the database refused, when known. */
  rowIndex?: number;
  /** A stack captured where `values()` was called (seeds only): which line of the seed. */
  site?: { stack?: string };
}

const KEY = Symbol.for("@astrojs/db:failed-insert");

/** Records `info` on `e` (in place; a frozen error stays as it is); returns `e`. */
export function markFailedInsert(e: unknown, info: FailedInsert): unknown {
  if (e instanceof Error && !(KEY in e)) {
    try {
      Object.defineProperty(e, KEY, { value: info, enumerable: false });
    } catch {}
  }
  return e;
}

/** The failed insert behind `e`, looking through `cause`s. */
export function failedInsert(e: unknown): FailedInsert | undefined {
  for (const c of causes(e)) {
    const info = (c as { [KEY]?: FailedInsert } | null)?.[KEY];
    if (info) return info;
  }
  return undefined;
}

/** A stack holder for the caller of `fn` (cheap: V8 formats it only when read). */
export function callSite(fn: Function): { stack?: string } {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, fn);
  return site;
}

const SECRET_WORDS = new Set(["password", "passwd", "pass", "secret", "token", "credential", "credentials", "apikey"]);
const KEY_KINDS = new Set(["api", "private", "secret", "encryption"]);

/** Whether a column's name says it holds a secret (`authToken`, `api_key`; not `authorId`). */
function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w, i) => SECRET_WORDS.has(w) || (w === "key" && KEY_KINDS.has(words[i - 1] ?? "")));
}
const MAX_TEXT = 60;

/** One value as a seed failure shows it: long text cut, secret-looking columns hidden. */
function showValue(name: string, v: unknown): string {
  if (v !== null && v !== undefined && isSecretName(name)) return "***";
  if (typeof v === "string") return JSON.stringify(v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v) + (v.length > MAX_TEXT ? ` (${v.length} chars)` : "");
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return `<${v.byteLength} bytes>`;
  if (v !== null && typeof v === "object") {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  }
  return String(v);
}

/** A row as a seed failure shows it: `{ id: 1, name: "Ada", password: *** }`. */
export function showRow(row: unknown): string {
  if (row === null || typeof row !== "object") return String(row);
  const fields = Object.entries(row as Record<string, unknown>).map(([k, v]) => `${k}: ${showValue(k, v)}`);
  return `{ ${fields.join(", ")} }`;
}
