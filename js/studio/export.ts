// Export of a table (page by page, so a 1M-row table never sits in memory at once) or of a
// console query, as CSV (RFC 4180) or JSON.
import type { Writable } from "node:stream";
import type { ResultSet } from "../client/types.js";
import { page, rowsOf, type StudioContext } from "./api.js";
import { ROWID, type Filter, type Sort } from "./browse.js";

export type Format = "csv" | "json";

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writer(out: Writable, format: Format, columns: string[]) {
  let first = true;
  if (format === "csv") out.write(columns.map(csvCell).join(",") + "\r\n");
  else out.write("[");
  return {
    rows(rows: unknown[][]) {
      let chunk = "";
      for (const r of rows) {
        if (format === "csv") chunk += r.map(csvCell).join(",") + "\r\n";
        else {
          chunk += (first ? "\n" : ",\n") + JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])));
          first = false;
        }
      }
      if (chunk) out.write(chunk);
    },
    end() {
      if (format === "json") out.write("\n]\n");
      out.end();
    },
  };
}

const CHUNK = 5000;

export async function exportTable(ctx: StudioContext, name: string, format: Format, filters: Filter[], sort: Sort | undefined, out: Writable) {
  let p = await page(ctx, name, { filters, sort, limit: CHUNK });
  const keep = p.columns.map((c, i) => i).filter((i) => p.columns[i] !== ROWID);
  const w = writer(out, format, keep.map((i) => p.columns[i]));
  const sortAt = sort ? p.columns.indexOf(sort.column) : -1;
  for (;;) {
    w.rows(p.rows.map((r) => keep.map((i) => r[i])));
    if (!p.moreAfter || p.rows.length === 0) break;
    const last = p.rows[p.rows.length - 1];
    p = await page(ctx, name, { filters, sort, limit: CHUNK, after: { rowid: Number(last[0]), value: sortAt >= 0 ? last[sortAt] : undefined } });
  }
  w.end();
}

export function exportQuery(rs: ResultSet, format: Format, out: Writable) {
  const w = writer(out, format, rs.columns);
  w.rows(rowsOf(rs));
  w.end();
}
