// Shared helpers for the JS tests.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t, prefix = "astro-db-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A comparable picture of a value: rows with every own property and its attributes. */
export function describe(value) {
  if (typeof value === "bigint") return { bigint: String(value) };
  if (value instanceof ArrayBuffer) return { blob: Buffer.from(value).toString("hex") };
  if (value === undefined) return { undefined: true };
  if (Array.isArray(value)) return value.map(describe);
  if (value && typeof value === "object" && "rows" in value && "columns" in value) {
    return {
      columns: value.columns,
      columnTypes: value.columnTypes,
      rows: value.rows.map(describeRow),
      rowsAffected: value.rowsAffected,
      lastInsertRowid: describe(value.lastInsertRowid),
      json: JSON.parse(JSON.stringify(value.toJSON())),
      keys: Object.keys(value),
    };
  }
  return value;
}

function describeRow(row) {
  const out = { proto: Object.getPrototypeOf(row) === Object.prototype, keys: Object.keys(row), ownKeys: Reflect.ownKeys(row).map(String), props: {} };
  for (const key of Reflect.ownKeys(row)) {
    const d = Object.getOwnPropertyDescriptor(row, key);
    out.props[key] = { value: describe(d.value), enumerable: d.enumerable, writable: d.writable, configurable: d.configurable };
  }
  out.spread = Array.prototype.slice.call(row).map(describe);
  return out;
}

/** A comparable picture of an error. */
export function describeError(e) {
  return {
    kind: e?.code !== undefined ? "coded" : e?.constructor?.name,
    code: e?.code,
    extendedCode: e?.extendedCode,
    rawCode: e?.rawCode,
    statementIndex: e?.statementIndex,
    // @libsql/client 0.18 prefixes batch errors' codes twice; we keep one prefix.
    message: typeof e?.message === "string" ? e.message.replace(/^(\w+): \1: /, "$1: ") : e?.message,
  };
}

/** Runs `fn`, returning either its described result or its described error. */
export async function outcome(fn) {
  try {
    return { ok: describe(await fn()) };
  } catch (e) {
    return { error: describeError(e) };
  }
}

/** The replica generation `astro-db serve` is in (its `/info`), checking the answer is 200. */
export async function serverGeneration(server, headers = {}) {
  const r = await fetch(`${server.url}/info`, { headers });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).current_generation;
}
