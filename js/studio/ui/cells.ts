// How a value looks in the grid, by the column's kind: JSON pretty-printed, dates as dates,
// booleans as words, references as links, NULL set apart from the text "NULL".
import type { StudioColumn } from "../model.js";
import { h } from "./api.js";

const SHOWN = 300;

export function renderValue(col: StudioColumn | undefined, v: unknown, follow?: () => void): Node {
  if (v === null || v === undefined) return h("span", { class: "null" }, "NULL");
  if (col?.references && follow) {
    return h("a", { class: "ref", href: "#", title: `${col.references.table}.${col.references.column} = ${v}`, onclick: (e: Event) => (e.preventDefault(), follow()) }, String(v), " →");
  }
  switch (col?.kind) {
    case "boolean":
      return h("span", { class: `bool ${v ? "yes" : "no"}` }, v === 1 || v === true ? "true" : v === 0 || v === false ? "false" : String(v));
    case "date": {
      const d = new Date(String(v).includes("T") || !/^\d{4}-\d\d-\d\d \d/.test(String(v)) ? String(v) : String(v).replace(" ", "T") + "Z");
      return Number.isNaN(d.getTime()) ? h("span", {}, String(v)) : h("time", { datetime: d.toISOString(), title: String(v) }, d.toLocaleString());
    }
    case "json":
      try {
        return h("pre", { class: "json" }, JSON.stringify(JSON.parse(String(v)), null, 2));
      } catch {
        return h("span", { class: "invalid", title: "not valid JSON" }, String(v));
      }
    default: {
      const s = String(v);
      return s.length > SHOWN ? h("span", { title: s }, s.slice(0, SHOWN) + "…") : document.createTextNode(s);
    }
  }
}

/** The text an editor starts from. */
export function editText(col: StudioColumn | undefined, v: unknown): string {
  if (v === null || v === undefined) return "";
  if (col?.kind === "boolean") return v ? "true" : "false";
  if (col?.kind === "json") {
    try {
      return JSON.stringify(JSON.parse(String(v)), null, 2);
    } catch {}
  }
  return String(v);
}

/** An input for one value of `col`: a select for booleans and enums, a textarea for JSON. */
export function editor(col: StudioColumn | undefined, initial: string): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const options = col?.kind === "boolean" ? ["true", "false"] : col?.enum;
  if (options) {
    const s = h("select", { class: "editor", name: col!.name }, ...(col!.optional ? [""] : []).concat(options).map((o) => h("option", { value: o, selected: o === initial }, o || "NULL")));
    return s;
  }
  if (col?.kind === "json") return h("textarea", { class: "editor", name: col.name, rows: 4, value: initial });
  return h("input", {
    class: "editor",
    name: col?.name,
    value: initial,
    placeholder: col ? `${col.kind}${col.optional ? " (empty: NULL)" : ""}${col.hasDefault ? ` (default ${col.default})` : ""}` : "",
  });
}
