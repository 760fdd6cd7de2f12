// One table's rows: keyset pages loaded as the grid scrolls (at most WINDOW rows in the page at
// once, whatever the table's size), filters and sort by column kind, references followed and
// back, edits, inserts and deletes with the error next to the row.
import type { Filter, FilterOp, Key, Sort } from "../browse.js";
import type { StudioColumn, StudioTable } from "../model.js";
import { api, errorText, h, token } from "./api.js";
import { editText, editor, renderValue } from "./cells.js";

const PAGE = 100;
const WINDOW = 500;

interface View {
  table: string;
  filters: Filter[];
  sort?: Sort;
}
interface Page {
  columns: string[];
  rows: unknown[][];
  moreAfter: boolean;
  moreBefore: boolean;
}

const OPS: Record<string, Array<[FilterOp, string]>> = {
  text: [["contains", "contains"], ["eq", "equals"]],
  json: [["contains", "contains"]],
  other: [["contains", "contains"], ["eq", "equals"]],
  number: [["eq", "="], ["gte", "≥"], ["lte", "≤"]],
  date: [["gte", "from"], ["lte", "until"]],
  boolean: [["true", "is true"], ["false", "is false"]],
};
const NULL_OPS: Array<[FilterOp, string]> = [["null", "is NULL"], ["notnull", "is not NULL"]];

export class Grid {
  readonly el = h("section", { id: "grid-view" });
  #view: View = { table: "", filters: [] };
  #meta?: StudioTable;
  #columns: string[] = [];
  #rows: unknown[][] = [];
  #moreAfter = false;
  #moreBefore = false;
  #loading = false;
  #back: View[] = [];
  #body = h("tbody");
  #scroller = h("div", { id: "grid", class: "scroller" });
  #count = h("span", { id: "row-count" });

  constructor(
    private readonly writable: () => boolean,
    private readonly onChange: () => void,
  ) {
    this.#scroller.addEventListener("scroll", () => this.#onScroll());
  }

  get table(): string {
    return this.#view.table;
  }

  /** Opens `table` from its first page; `remember` keeps the current view for Back. */
  async open(view: View, remember = false): Promise<void> {
    if (remember && this.#view.table) this.#back.push(this.#view);
    this.#view = view;
    this.#meta = await api<StudioTable>(`/api/table?name=${encodeURIComponent(view.table)}`);
    await this.#first(false);
  }

  /** Reloads what is shown (after a re-seed), from the first page. */
  refresh(): Promise<void> {
    return this.#view.table ? this.open(this.#view) : Promise.resolve();
  }

  #col(name: string): StudioColumn | undefined {
    return this.#meta?.columns.find((c) => c.name === name);
  }

  #sortAt(): number {
    return this.#view.sort ? this.#columns.indexOf(this.#view.sort.column) : -1;
  }

  #key(row: unknown[]): Key {
    const at = this.#sortAt();
    return { rowid: Number(row[0]), value: at >= 0 ? row[at] : undefined };
  }

  async #load(extra: Record<string, unknown>): Promise<Page> {
    return api<Page>("/api/page", { table: this.#view.table, filters: this.#view.filters, sort: this.#view.sort, limit: PAGE, ...extra });
  }

  async #first(last: boolean): Promise<void> {
    const p = await this.#load(last ? { last: true } : {});
    this.#columns = p.columns;
    this.#rows = p.rows;
    this.#moreAfter = p.moreAfter;
    this.#moreBefore = p.moreBefore;
    this.render();
    this.#scroller.scrollTop = last ? this.#scroller.scrollHeight : 0;
    // Counting a large table takes longer than its first page: it comes after, and only the
    // latest view's count is shown.
    const view = this.#view;
    this.#count.textContent = "counting…";
    const shown = (text: string) => view === this.#view && (this.#count.textContent = text);
    api<{ rows: number }>("/api/count", { table: view.table, filters: view.filters }).then(
      (c) => shown(`${c.rows.toLocaleString("en-US")} row${c.rows === 1 ? "" : "s"}`),
      (e) => shown(errorText(e)),
    );
  }

  async #onScroll(): Promise<void> {
    if (this.#loading) return;
    const s = this.#scroller;
    const nearEnd = s.scrollTop + s.clientHeight > s.scrollHeight - 200;
    const nearStart = s.scrollTop < 200;
    if (!(nearEnd && this.#moreAfter) && !(nearStart && this.#moreBefore)) return;
    this.#loading = true;
    try {
      if (nearEnd && this.#moreAfter) {
        const p = await this.#load({ after: this.#key(this.#rows[this.#rows.length - 1]) });
        this.#rows.push(...p.rows);
        this.#moreAfter = p.moreAfter;
        const drop = Math.max(0, this.#rows.length - WINDOW);
        if (drop) {
          const before = s.scrollHeight;
          this.#rows.splice(0, drop);
          this.#moreBefore = true;
          this.#renderRows();
          s.scrollTop -= before - s.scrollHeight;
        } else this.#renderRows();
      } else {
        const p = await this.#load({ before: this.#key(this.#rows[0]) });
        const before = s.scrollHeight;
        this.#rows.unshift(...p.rows);
        this.#moreBefore = p.moreBefore;
        if (this.#rows.length > WINDOW) {
          this.#rows.length = WINDOW;
          this.#moreAfter = true;
        }
        this.#renderRows();
        s.scrollTop += s.scrollHeight - before;
      }
    } finally {
      this.#loading = false;
    }
  }

  render(): void {
    const t = this.#view.table;
    const back = this.#back.length
      ? h("button", { id: "back", onclick: () => this.#goBack() }, `← Back to ${this.#back[this.#back.length - 1].table}`)
      : null;
    const exportHref = (format: string) =>
      `/api/export?${new URLSearchParams({ table: t, format, token, filters: JSON.stringify(this.#view.filters), sort: JSON.stringify(this.#view.sort ?? null) })}`;
    const toolbar = h(
      "div",
      { class: "toolbar" },
      back,
      h("h2", {}, t),
      this.#count,
      h("button", { id: "first", onclick: () => this.#first(false) }, "⇤ First"),
      h("button", { id: "last", onclick: () => this.#first(true) }, "Last ⇥"),
      this.writable() ? h("button", { id: "add-row", onclick: () => this.#addRow() }, "+ Row") : null,
      this.writable() ? h("button", { id: "delete-rows", onclick: () => this.#deleteSelected() }, "Delete selected") : null,
      h("a", { id: "export-csv", class: "button", href: exportHref("csv"), download: `${t}.csv` }, "CSV"),
      h("a", { id: "export-json", class: "button", href: exportHref("json"), download: `${t}.json` }, "JSON"),
    );
    const head = h(
      "tr",
      {},
      h("th", { class: "select" }),
      ...this.#columns.slice(1).map((name) => {
        const c = this.#col(name);
        const s = this.#view.sort?.column === name ? (this.#view.sort.desc ? " ▼" : " ▲") : "";
        return h(
          "th",
          { "data-column": name, title: c ? `${c.kind}${c.optional ? ", optional" : ""}${c.references ? `, references ${c.references.table}.${c.references.column}` : ""}` : "" },
          h("button", { class: "sort", onclick: () => this.#toggleSort(name) }, name + s),
          h("small", {}, c?.kind ?? ""),
        );
      }),
      h("th", { class: "status" }),
    );
    this.el.replaceChildren(toolbar, this.#filterBar(), h("div", {}, this.#scroller));
    this.#scroller.replaceChildren(h("table", { class: "rows" }, h("thead", {}, head), this.#body));
    this.#renderRows();
  }

  #renderRows(): void {
    this.#body.replaceChildren(...this.#rows.map((r) => this.#rowElement(r)));
  }

  #rowElement(row: unknown[]): HTMLTableRowElement {
    const rowid = Number(row[0]);
    const status = h("td", { class: "status" });
    const tr = h("tr", { "data-rowid": rowid }, h("td", { class: "select" }, h("input", { type: "checkbox", "aria-label": "select row" })));
    this.#columns.slice(1).forEach((name, j) => {
      const c = this.#col(name);
      const v = row[j + 1];
      const ref = c?.references;
      const follow = ref && v !== null ? () => this.open({ table: ref.table, filters: [{ column: ref.column, op: "eq", value: String(v) }] }, true) : undefined;
      const td = h("td", { "data-column": name, class: c?.kind ?? "" }, renderValue(c, v, follow));
      if (this.writable()) td.addEventListener("dblclick", () => this.#edit(td, row, name, status));
      tr.append(td);
    });
    tr.append(status);
    return tr;
  }

  #edit(td: HTMLTableCellElement, row: unknown[], name: string, status: HTMLElement): void {
    if (td.querySelector(".editor")) return;
    const c = this.#col(name);
    const input = editor(c, editText(c, row[this.#columns.indexOf(name)]));
    const old = [...td.childNodes];
    const cancel = () => td.replaceChildren(...old);
    const save = async () => {
      const raw = input.value;
      const value = raw === "" && c?.optional ? null : raw;
      try {
        const out = await api<{ columns: string[]; row: unknown[] }>("/api/update", { table: this.#view.table, rowid: row[0], column: name, value });
        const at = this.#rows.indexOf(row);
        if (at >= 0 && out.row) this.#rows[at] = out.row;
        this.#renderRows();
        this.onChange();
      } catch (e) {
        status.textContent = errorText(e);
        status.className = "status error";
      }
    };
    input.addEventListener("keydown", (e) => {
      const k = e as KeyboardEvent;
      if (k.key === "Escape") cancel();
      if (k.key === "Enter" && (input.tagName !== "TEXTAREA" || k.ctrlKey || k.metaKey)) {
        e.preventDefault();
        void save();
      }
    });
    td.replaceChildren(input, h("button", { class: "save", onclick: save }, "Save"));
    input.focus();
  }

  #addRow(): void {
    if (this.#body.querySelector("tr.new")) return;
    const status = h("td", { class: "status" });
    const inputs = new Map<string, ReturnType<typeof editor>>();
    const tr = h("tr", { class: "new" }, h("td", { class: "select" }));
    for (const name of this.#columns.slice(1)) {
      const c = this.#col(name);
      const input = editor(c, "");
      if (input instanceof HTMLSelectElement) input.prepend(h("option", { value: "\u0000", selected: true }, "(default)"));
      inputs.set(name, input);
      tr.append(h("td", { "data-column": name }, input));
    }
    const save = async () => {
      const values: Record<string, unknown> = {};
      for (const [name, input] of inputs) if (input.value !== "" && input.value !== "\u0000") values[name] = input.value;
      try {
        const out = await api<{ row: unknown[] }>("/api/insert", { table: this.#view.table, values });
        tr.remove();
        if (out.row) this.#rows.unshift(out.row);
        this.#renderRows();
        this.onChange();
      } catch (e) {
        status.textContent = errorText(e);
        status.className = "status error";
      }
    };
    status.append(h("button", { id: "save-row", onclick: save }, "Insert"), h("button", { onclick: () => tr.remove() }, "Cancel"));
    tr.append(status);
    this.#body.prepend(tr);
    this.#scroller.scrollTop = 0;
  }

  async #deleteSelected(): Promise<void> {
    const rows = [...this.#body.querySelectorAll<HTMLTableRowElement>("tr[data-rowid]")].filter((tr) => tr.querySelector<HTMLInputElement>("input[type=checkbox]")?.checked);
    if (!rows.length || !confirm(`Delete ${rows.length} row${rows.length === 1 ? "" : "s"} from ${this.#view.table}?`)) return;
    const rowids = rows.map((tr) => Number(tr.dataset.rowid));
    try {
      await api("/api/delete", { table: this.#view.table, rowids });
      this.#rows = this.#rows.filter((r) => !rowids.includes(Number(r[0])));
      this.#renderRows();
      this.onChange();
    } catch (e) {
      for (const tr of rows) {
        const s = tr.querySelector(".status")!;
        s.textContent = errorText(e);
        s.className = "status error";
      }
    }
  }

  #toggleSort(name: string): void {
    const s = this.#view.sort;
    this.#view = { ...this.#view, sort: s?.column !== name ? { column: name } : !s.desc ? { column: name, desc: true } : undefined };
    void this.#first(false);
  }

  #goBack(): void {
    const v = this.#back.pop();
    if (v) void this.open(v);
  }

  #filterBar(): HTMLElement {
    const cols = this.#meta?.columns ?? [];
    const colSel = h("select", { id: "filter-column" }, ...cols.map((c) => h("option", { value: c.name }, c.name)));
    const opSel = h("select", { id: "filter-op" });
    const value = h("input", { id: "filter-value", placeholder: "value" });
    const fillOps = () => {
      const c = cols.find((c) => c.name === colSel.value);
      opSel.replaceChildren(...[...(OPS[c?.kind ?? "other"] ?? OPS.other), ...NULL_OPS].map(([op, label]) => h("option", { value: op }, label)));
      value.type = c?.kind === "date" ? "datetime-local" : c?.kind === "number" ? "number" : "text";
    };
    colSel.addEventListener("change", fillOps);
    fillOps();
    const add = () => {
      const op = opSel.value as FilterOp;
      const needsValue = !["true", "false", "null", "notnull"].includes(op);
      if (needsValue && value.value === "") return value.focus();
      const v = value.type === "datetime-local" && value.value ? new Date(value.value).toISOString() : value.value;
      this.#view = { ...this.#view, filters: [...this.#view.filters, { column: colSel.value, op, value: needsValue ? v : undefined }] };
      void this.#first(false);
    };
    value.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && add());
    const chips = this.#view.filters.map((f, i) =>
      h(
        "span",
        { class: "chip" },
        `${f.column} ${[...Object.values(OPS).flat(), ...NULL_OPS].find(([op]) => op === f.op)?.[1] ?? f.op}${f.value !== undefined ? ` ${f.value}` : ""}`,
        h("button", { "aria-label": "remove filter", onclick: () => ((this.#view = { ...this.#view, filters: this.#view.filters.filter((_, j) => j !== i) }), void this.#first(false)) }, "×"),
      ),
    );
    return h("div", { class: "filters" }, colSel, opSel, value, h("button", { id: "filter-add", onclick: add }, "Filter"), ...chips);
  }
}
