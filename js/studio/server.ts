// The studio's HTTP side: Node's own `http` over the native client. The work of every request
// is the statement, which runs in the Rust core either way; a second listener in Rust would
// add a napi surface and a server to keep in step for no measurable gain (a request costs
// ~0.1 ms here against milliseconds of query).
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  ApiError,
  asApiError,
  CONSOLE_ROWS,
  count,
  deleteRows,
  insertRow,
  listTables,
  page,
  rowsOf,
  runSql,
  schema,
  table,
  updateCell,
  type StudioContext,
} from "./api.js";
import { exportQuery, exportTable, type Format } from "./export.js";
import { newToken, refusal, TOKEN_HEADER } from "./gate.js";
import { History } from "./history.js";

export interface StudioOptions {
  port?: number;
  /** Where the console's history is kept (default: none kept). */
  historyFile?: string;
}

export interface StudioServer {
  /** The URL to open, with the session token. */
  url: string;
  port: number;
  /** Tells open pages that the database changed (a re-seed), so they reload what they show. */
  changed(): void;
  close(): Promise<void>;
}

const UI = new URL("./ui/", import.meta.url);
const MAX_BODY = 1 << 20;

function page404(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(message + "\n");
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<any> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, "Request body too large.");
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new ApiError(400, "The request body is not JSON.");
  }
}

function html(title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/app.css"></head><body><div id="app"></div><script type="module" src="/app.js"></script></body></html>`;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Starts the studio on 127.0.0.1 (`port` 0 picks a free one). */
export async function startStudio(ctx: StudioContext, options: StudioOptions = {}): Promise<StudioServer> {
  const token = newToken();
  const history = options.historyFile ? new History(options.historyFile, ctx.remote ? "remote" : "local") : undefined;
  let port = 0;
  let generation = 0;
  let seenVersion: unknown;
  // SQLite's data_version moves when another connection commits: a re-seed, the site, a
  // script. Our own writes go through the same client and are not news to the page.
  const dataVersion = async () => (ctx.remote ? undefined : (await ctx.client.execute("PRAGMA data_version")).rows[0]?.[0]);
  const own = async <T>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      seenVersion = await dataVersion().catch(() => seenVersion);
    }
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<unknown>> = {
    "GET /api/tables": () => listTables(ctx),
    "GET /api/table": (_q, _r, url) => table(ctx, url.searchParams.get("name") ?? ""),
    "GET /api/schema": () => schema(ctx),
    "GET /api/history": async () => ({ history: history?.list() ?? [] }),
    "GET /api/version": async () => {
      const v = await dataVersion();
      if (seenVersion !== undefined && v !== seenVersion) generation++;
      seenVersion = v;
      return { generation };
    },
    "POST /api/page": async (req) => {
      const b = await readBody(req);
      return page(ctx, b.table, b);
    },
    "POST /api/count": async (req) => {
      const b = await readBody(req);
      return count(ctx, b.table, b.filters ?? []);
    },
    "POST /api/update": async (req) => {
      const b = await readBody(req);
      return own(updateCell(ctx, b.table, b.rowid, b.column, b.value));
    },
    "POST /api/insert": async (req) => {
      const b = await readBody(req);
      return own(insertRow(ctx, b.table, b.values ?? {}));
    },
    "POST /api/delete": async (req) => {
      const b = await readBody(req);
      return own(deleteRows(ctx, b.table, b.rowids));
    },
    "POST /api/sql": async (req) => {
      const { sql } = await readBody(req);
      if (typeof sql === "string" && sql.trim()) history?.add(sql.trim());
      const started = performance.now();
      const rs = await own(runSql(ctx, sql));
      const rows = rowsOf(rs);
      return {
        columns: rs.columns,
        rows: rows.slice(0, CONSOLE_ROWS),
        total: rows.length,
        rowsAffected: rs.rowsAffected,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
    },
    "GET /api/export": async (_req, res, url) => {
      const name = url.searchParams.get("table") ?? "";
      const format = (url.searchParams.get("format") === "json" ? "json" : "csv") as Format;
      const filters = JSON.parse(url.searchParams.get("filters") || "[]");
      const sort = JSON.parse(url.searchParams.get("sort") || "null") ?? undefined;
      await table(ctx, name);
      res.writeHead(200, {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${name.replace(/[^\w.-]/g, "_")}.${format}"`,
      });
      await exportTable(ctx, name, format, filters, sort, res);
      return undefined;
    },
    "POST /api/export-query": async (req, res) => {
      const { sql, format } = await readBody(req);
      const f: Format = format === "json" ? "json" : "csv";
      const rs = await own(runSql(ctx, sql));
      res.writeHead(200, { "content-type": f === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8", "content-disposition": `attachment; filename="query.${f}"` });
      exportQuery(rs, f, res);
      return undefined;
    },
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const asset = url.pathname === "/app.js" || url.pathname === "/app.css";
    // The script, the stylesheet and the (absent) icon hold no data: no token needed.
    const why = refusal(req, port, token, !asset && url.pathname !== "/favicon.ico");
    if (why) return page404(res, why[0], why[1]);
    if (url.pathname === "/favicon.ico") return res.writeHead(204).end();
    try {
      if (req.method === "GET" && url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS });
        return res.end(html(`Astro DB studio: ${ctx.shown.replace(/[<>&"]/g, "")}`));
      }
      if (req.method === "GET" && asset) {
        const body = readFileSync(fileURLToPath(new URL("." + url.pathname, UI)));
        res.writeHead(200, { "content-type": url.pathname.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8", ...SECURITY_HEADERS });
        return res.end(body);
      }
      const route = routes[`${req.method} ${url.pathname}`];
      if (!route) return page404(res, 404, "Not found.");
      const out = await route(req, res, url);
      if (out !== undefined) sendJson(res, 200, out);
    } catch (e) {
      const err = asApiError(e);
      if (res.headersSent) return res.destroy(err);
      sendJson(res, err.status, { error: { message: err.message, code: err.code, column: err.column } });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4983, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    changed: () => void generation++,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { TOKEN_HEADER };
