#!/usr/bin/env node
// Lists import cycles among our own source files: `js/**/*.ts` (relative imports and
// re-exports, type-only ones included: a type cycle is still two files that need each other)
// and `src/**/*.rs` (paths through `crate::`, `super::` and `self::`, and a child module's
// items named from its parent). A module declaring its children (`mod x;`) is not an import.
// Exit code 1 when there is a cycle; `--json` prints them as data.
//
// Usage: node scripts/check-cycles.mjs [--json] [root]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

function walk(dir, ext, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, ext, out);
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Comments and string contents removed, so that neither is read as an import. */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

// --- TypeScript ---------------------------------------------------------------------------

const TS_IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

export function tsGraph(root) {
  const files = walk(join(root, "js"), ".ts").filter((f) => !f.endsWith(".d.ts"));
  const graph = new Map();
  for (const file of files) {
    const deps = new Set();
    for (const m of code(readFileSync(file, "utf8")).matchAll(TS_IMPORT)) {
      const spec = m[1] ?? m[2];
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      if (files.includes(target) && target !== file) deps.add(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

// --- Rust ---------------------------------------------------------------------------------

/** `src/a/b.rs` or `src/a/b/mod.rs` → ["a", "b"]; `src/lib.rs` → []. */
function modulePath(root, file) {
  const parts = relative(join(root, "src"), file).replace(/\.rs$/, "").split(/[\\/]/);
  if (parts.at(-1) === "mod" || (parts.length === 1 && parts[0] === "lib")) parts.pop();
  return parts;
}

/** Inline `mod tests { … }` and `#[cfg(test)]` items are not part of the module's imports. */
function withoutTests(text) {
  const at = text.search(/#\[cfg\(test\)\]\s*mod\s+\w+\s*\{/);
  return at >= 0 ? text.slice(0, at) : text;
}

/** The first path segment of each item of the `{ … }` group that starts at `at`. */
function groupItems(text, at) {
  const items = [];
  let depth = 1;
  let item = "";
  for (let i = at; i < text.length && depth > 0; i++) {
    const ch = text[i];
    if (ch === "{") depth++;
    else if (ch === "}") depth--;
    if (depth === 1 && ch === ",") {
      items.push(item);
      item = "";
    } else if (depth >= 1) item += ch;
  }
  items.push(item);
  return items.map((i) => /^\s*(\w+)/.exec(i)?.[1]).filter(Boolean);
}

export function rustGraph(root) {
  const files = walk(join(root, "src"), ".rs");
  const byModule = new Map(files.map((f) => [modulePath(root, f).join("::"), f]));
  /** The file of the longest existing module prefix of `segments`. */
  const fileOf = (segments) => {
    for (let n = segments.length; n >= 0; n--) {
      const f = byModule.get(segments.slice(0, n).join("::"));
      if (f) return f;
    }
    return undefined;
  };
  const graph = new Map();
  for (const file of files) {
    const here = modulePath(root, file);
    // A file named `x.rs` or `x/mod.rs` is the module `x`; `super` is its parent.
    const text = withoutTests(code(readFileSync(file, "utf8")));
    const children = new Set([...text.matchAll(/(?:^|\s)(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/g)].map((m) => m[1]));
    const deps = new Set();
    const add = (segments) => {
      const target = fileOf(segments);
      if (target && target !== file) deps.add(target);
    };
    for (const m of text.matchAll(/\b((?:crate|super|self)(?:::\w+)*)(::\{)?/g)) {
      const segs = m[1].split("::");
      // `pub(crate)`, `pub(super)`, `&self`: a keyword alone names nothing to import.
      if (segs.length === 1 && !m[2]) continue;
      let base;
      if (segs[0] === "crate") base = [];
      else if (segs[0] === "self") base = [...here];
      else {
        base = [...here];
        while (segs[0] === "super") {
          base.pop();
          segs.shift();
        }
        segs.unshift("super");
      }
      const prefix = [...base, ...segs.slice(1)];
      if (!m[2]) {
        add(prefix);
        continue;
      }
      // `use a::{b, c::d, self}`: each item names its own module (or the prefix's items).
      for (const item of groupItems(text, m.index + m[0].length)) add(item === "self" ? prefix : [...prefix, item]);
    }
    // A child's items named from here (`child::Item`, `use child::…`).
    for (const child of children) {
      if (new RegExp(`(?<![\\w:])${child}::`).test(text)) add([...here, child]);
    }
    graph.set(file, deps);
  }
  return graph;
}

// --- Cycles -------------------------------------------------------------------------------

/** Strongly connected components with more than one file (Tarjan), each sorted. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const root = resolve(args.find((a) => !a.startsWith("--")) ?? ".");
  const found = [...cycles(tsGraph(root)), ...cycles(rustGraph(root))].map((c) => c.map((f) => relative(root, f)));
  if (json) process.stdout.write(JSON.stringify(found, null, 2) + "\n");
  else if (found.length === 0) process.stdout.write("No import cycles in js/ and src/.\n");
  else {
    process.stdout.write(`${found.length} import cycle${found.length === 1 ? "" : "s"}:\n`);
    for (const c of found) process.stdout.write(`  ${c.join(" <-> ")}\n`);
  }
  process.exitCode = found.length ? 1 : 0;
}
