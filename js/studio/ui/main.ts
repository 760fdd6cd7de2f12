// The studio page: plain DOM and TypeScript, bundled at package build time into one small
// file (no framework: the page is a list, a grid and two panels, and a library would
// outweigh it; nothing is fetched from a CDN, so it works offline).
import { api, errorText, h } from "./api.js";
import { Grid } from "./grid.js";
import { consolePanel, schemaPanel } from "./panels.js";

interface Info {
  database: string;
  remote: boolean;
  writable: boolean;
  tables: Array<{ name: string; rows: number; configured: boolean }>;
  missing: string[];
}

let info: Info;
const app = document.getElementById("app")!;
const list = h("ul", { id: "tables" });
const main = h("main", {});
const grid = new Grid(() => info.writable, () => void loadTables());
const consoleView = consolePanel(() => info.writable, () => void loadTables());
const tabs = h("nav", { class: "tabs" });
let tab: "tables" | "console" | "schema" = "tables";

async function loadTables(): Promise<void> {
  info = await api<Info>("/api/tables");
  list.replaceChildren(
    ...info.tables.map((t) =>
      h(
        "li",
        { "data-table": t.name, class: [t.configured ? "" : "internal", t.name === grid.table ? "current" : ""].join(" ") },
        h("button", { onclick: () => show("tables", t.name) }, h("span", { class: "name" }, t.name), h("span", { class: "count" }, t.rows.toLocaleString("en-US"))),
      ),
    ),
    ...info.missing.map((n) => h("li", { class: "missing", title: "in db/config.ts but not in the database" }, n, " (missing)")),
  );
}

async function show(next: typeof tab, table?: string): Promise<void> {
  tab = next;
  for (const b of tabs.querySelectorAll("button")) b.classList.toggle("current", b.dataset.tab === tab);
  try {
    if (tab === "tables") {
      if (table) await grid.open({ table, filters: [] });
      main.replaceChildren(grid.el);
      for (const li of list.querySelectorAll("li")) li.classList.toggle("current", (li as HTMLElement).dataset.table === grid.table);
    } else if (tab === "console") {
      main.replaceChildren(consoleView);
      (consoleView as any).show();
    } else {
      main.replaceChildren(h("p", {}, "Reading the schema…"));
      main.replaceChildren(await schemaPanel());
    }
  } catch (e) {
    main.replaceChildren(h("p", { class: "error" }, errorText(e)));
  }
}

async function start(): Promise<void> {
  try {
    await loadTables();
  } catch (e) {
    app.replaceChildren(h("p", { class: "error" }, errorText(e)));
    return;
  }
  for (const [id, label] of [["tables", "Tables"], ["console", "SQL console"], ["schema", "Schema"]] as const) {
    tabs.append(h("button", { "data-tab": id, id: `tab-${id}`, onclick: () => show(id) }, label));
  }
  const mode = info.writable ? "read-write" : "read-only";
  app.replaceChildren(
    h("header", {}, h("h1", {}, "Astro DB"), h("span", { id: "database" }, info.database), h("span", { id: "mode", class: mode }, mode), tabs),
    h("div", { class: "layout" }, h("aside", {}, list), main),
  );
  const first = info.tables.find((t) => t.configured) ?? info.tables[0];
  await show("tables", first?.name);
  document.body.dataset.ready = "true";
  // A re-seed (or any other writer) moves the database's version: show the new rows.
  let generation: number | undefined;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const v = await api<{ generation: number }>("/api/version");
      if (generation !== undefined && v.generation !== generation && !document.querySelector(".editor")) {
        await loadTables();
        if (tab === "tables") await grid.refresh();
        document.body.dataset.reloaded = String(v.generation);
      }
      generation = v.generation;
    } catch {}
  }, 1500);
}

void start();
