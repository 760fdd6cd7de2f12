// The SQL console (rows or the error with its code, history, export) and the schema view
// (columns as db/config.ts describes them, indexes, and whether the database matches it).
import { api, download, errorText, h, token } from "./api.js";
import type { StudioColumn, StudioTable } from "../model.js";

function resultTable(columns: string[], rows: unknown[][]): HTMLTableElement {
  return h(
    "table",
    { class: "rows" },
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((v) => h("td", {}, v === null ? h("span", { class: "null" }, "NULL") : String(v)))))),
  );
}

export function consolePanel(writable: () => boolean, onChange: () => void): HTMLElement {
  const sql = h("textarea", { id: "sql", rows: 5, spellcheck: false, placeholder: "SELECT * FROM …   (Ctrl+Enter runs)" });
  const out = h("div", { id: "console-result" });
  const history = h("ul", { id: "history" });
  const note = h("p", { class: "note" });
  const loadHistory = async () => {
    const { history: list } = await api<{ history: string[] }>("/api/history");
    history.replaceChildren(...list.map((s) => h("li", {}, h("button", { onclick: () => (sql.value = s) }, s))));
  };
  const run = async () => {
    out.replaceChildren(h("p", {}, "Running…"));
    try {
      const r = await api<{ columns: string[]; rows: unknown[][]; total: number; rowsAffected: number; ms: number }>("/api/sql", { sql: sql.value });
      const summary = r.columns.length
        ? `${r.total} row${r.total === 1 ? "" : "s"}${r.total > r.rows.length ? ` (first ${r.rows.length} shown; export for all)` : ""} in ${r.ms} ms`
        : `${r.rowsAffected} row${r.rowsAffected === 1 ? "" : "s"} affected in ${r.ms} ms`;
      out.replaceChildren(h("p", { class: "summary" }, summary), r.columns.length ? resultTable(r.columns, r.rows) : "");
      if (!r.columns.length) onChange();
    } catch (e) {
      out.replaceChildren(h("p", { id: "console-error", class: "error" }, errorText(e)));
    }
    void loadHistory();
  };
  const exportAs = async (format: string) => {
    const res = await fetch("/api/export-query", {
      method: "POST",
      headers: { "content-type": "application/json", "x-astro-db-studio-token": token },
      body: JSON.stringify({ sql: sql.value, format }),
    });
    if (!res.ok) return out.replaceChildren(h("p", { id: "console-error", class: "error" }, (await res.json()).error?.message ?? res.statusText));
    download(await res.blob(), `query.${format}`);
  };
  sql.addEventListener("keydown", (e) => {
    const k = e as KeyboardEvent;
    if (k.key === "Enter" && (k.ctrlKey || k.metaKey)) void run();
  });
  const panel = h(
    "section",
    { id: "console-view" },
    note,
    sql,
    h(
      "div",
      { class: "toolbar" },
      h("button", { id: "run", onclick: run }, "Run"),
      h("button", { id: "export-query-csv", onclick: () => exportAs("csv") }, "Export CSV"),
      h("button", { id: "export-query-json", onclick: () => exportAs("json") }, "Export JSON"),
    ),
    out,
    h("h3", {}, "History"),
    history,
  );
  (panel as any).show = () => {
    note.textContent = writable() ? "" : "Read-only: statements run in a read-only transaction that is rolled back (--write allows writes).";
    void loadHistory();
  };
  return panel;
}

function columnRow(c: StudioColumn): HTMLTableRowElement {
  return h(
    "tr",
    { class: c.configured ? "" : "unconfigured" },
    h("td", {}, c.name, c.primaryKey ? " 🔑" : ""),
    h("td", {}, c.kind, h("small", {}, ` ${c.sqlType}`)),
    h("td", {}, c.optional ? "optional" : "required"),
    h("td", {}, c.default ?? ""),
    h("td", {}, c.unique ? "unique" : ""),
    h("td", {}, c.references ? `${c.references.table}.${c.references.column}` : ""),
    h("td", {}, [c.enum ? `enum: ${c.enum.join(", ")}` : "", c.deprecated ? "deprecated" : "", c.configured ? "" : "not in db/config.ts"].filter(Boolean).join("; ")),
  );
}

export async function schemaPanel(): Promise<HTMLElement> {
  const s = await api<{
    tables: Array<StudioTable & { indexes: Array<{ name: string; sql: string }> }>;
    comparison?: { matches: boolean; drift: string[]; steps: string[] } | { error: string };
  }>("/api/schema");
  const cmp = s.comparison;
  const status = !cmp
    ? h("p", { id: "schema-status" }, "No db/config.ts: nothing to compare with.")
    : "error" in cmp
      ? h("p", { id: "schema-status", class: "error" }, `Could not compare with db/config.ts: ${cmp.error}`)
      : h(
          "div",
          { id: "schema-status", class: cmp.matches ? "ok" : "warn" },
          h("p", {}, cmp.matches ? "The database matches db/config.ts." : "The database differs from db/config.ts: a push (or a restart of astro dev) would change it."),
          h("ul", {}, ...[...cmp.steps, ...cmp.drift].map((m) => h("li", {}, m))),
        );
  return h(
    "section",
    { id: "schema-view" },
    status,
    ...s.tables.map((t) =>
      h(
        "article",
        { "data-table": t.name },
        h("h3", {}, t.name, t.configured ? "" : h("small", {}, " (not in db/config.ts)")),
        h(
          "table",
          { class: "rows" },
          h("thead", {}, h("tr", {}, ...["column", "kind", "optional", "default", "unique", "references", ""].map((x) => h("th", {}, x)))),
          h("tbody", {}, ...t.columns.map(columnRow)),
        ),
        t.indexes.length ? h("ul", { class: "indexes" }, ...t.indexes.map((i) => h("li", {}, h("code", {}, i.name), " ", i.sql))) : "",
      ),
    ),
  );
}
