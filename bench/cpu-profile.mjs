// Where a V8 CPU profile (`node --cpu-prof`) spends its time, by the code that runs it:
// self time summed per category of script URL, plus the heaviest functions.
import { readFileSync } from "node:fs";

/** Category of a profile node: which layer of a request it belongs to. */
function category(frame) {
  const url = frame.url;
  if (url === "") {
    if (frame.functionName === "(idle)") return "idle";
    if (frame.functionName === "(garbage collector)") return "garbage collector";
    if (frame.functionName === "(program)") return "V8/Node native (program)";
    // Native functions called from JS (our napi callbacks among them).
    return `native: ${frame.functionName || "(anonymous)"}`;
  }
  if (url.includes("/drizzle-orm/")) return "Drizzle (query building, row mapping)";
  if (url.includes("/@astrojs/db/")) return "@astrojs/db JS layer";
  if (url.includes("/@libsql/") || url.includes("/libsql/")) return "@libsql/client";
  if (url.includes("/astro/dist/")) return "Astro request handling";
  if (url.includes("/@astrojs/node/")) return "@astrojs/node adapter";
  if (url.includes("/dist/server/")) return "the built site's chunks";
  if (url.startsWith("node:")) return "Node internals (http, streams)";
  return `other: ${url.replace(/^.*node_modules\//, "").split("/")[0]}`;
}

/** `{ busyMs, byCategory: [[name, ms]], top: [[fn, ms]] }` for the profile in `file`. */
export function summarize(file) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const cats = new Map();
  const fns = new Map();
  let busy = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const cat = category(frame);
    if (cat === "idle") continue;
    busy += us;
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    const fn = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "")}:${frame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000]);
  return { busyMs: busy / 1000, byCategory: sorted(cats), top: sorted(fns).slice(0, 25) };
}
