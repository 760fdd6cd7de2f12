// Values typed in the browser, checked against the column's kind in db/config.ts before they
// reach SQLite (stored as the runtime stores them: dates as ISO text, JSON as text, booleans
// as 0/1), and database values turned into JSON for the page.
import type { StudioColumn } from "./model.js";

export class ValueError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`${column}: ${message}`);
  }
}

/** The value to store for `raw` (what the page sent: a string, number, boolean or null). */
export function toStored(column: StudioColumn, raw: unknown): unknown {
  if (raw === null || raw === undefined) {
    if (!column.optional) throw new ValueError(column.name, "is required (not optional in db/config.ts)");
    return null;
  }
  const text = typeof raw === "string" ? raw : String(raw);
  switch (column.kind) {
    case "number": {
      const n = typeof raw === "number" ? raw : Number(text.trim());
      if (text.trim() === "" || !Number.isFinite(n)) throw new ValueError(column.name, `expects a number, not ${JSON.stringify(text)}`);
      if (column.primaryKey && !Number.isInteger(n)) throw new ValueError(column.name, `is an integer key, not ${text}`);
      return n;
    }
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (raw === true || t === "true" || t === "1") return 1;
      if (raw === false || t === "false" || t === "0") return 0;
      throw new ValueError(column.name, `expects true or false, not ${JSON.stringify(text)}`);
    }
    case "date": {
      const d = new Date(text.trim());
      if (text.trim() === "" || Number.isNaN(d.getTime())) throw new ValueError(column.name, `expects a date (e.g. 2024-05-01T12:00:00Z), not ${JSON.stringify(text)}`);
      return d.toISOString();
    }
    case "json":
      try {
        return JSON.stringify(JSON.parse(text));
      } catch (e) {
        throw new ValueError(column.name, `expects JSON: ${(e as Error).message}`);
      }
    case "text":
      if (column.enum && !column.enum.includes(text)) throw new ValueError(column.name, `must be one of ${column.enum.map((v) => JSON.stringify(v)).join(", ")}`);
      return text;
    default:
      return raw;
  }
}

/** A database value as JSON: bigints as strings, BLOBs as `x'…'` hex. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return `x'${Buffer.from(bytes).toString("hex")}'`;
  }
  return v;
}
