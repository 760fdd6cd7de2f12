// Modules the project already has through Astro (esbuild, vite), resolved the way the
// project resolves them: through its `astro` first (strict installs like pnpm hide
// transitive packages from the project root), then from the root, then from here.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { AstroDbError } from "./errors.js";

const cache = new Map<string, Promise<any>>();

export function importFromProject<T = any>(root: URL, name: string): Promise<T> {
  const key = `${root.href}\0${name}`;
  let found = cache.get(key);
  if (!found) {
    found = load(root, name);
    cache.set(key, found);
  }
  return found;
}

async function load(root: URL, name: string): Promise<any> {
  const bases: string[] = [];
  try {
    bases.push(createRequire(root).resolve("astro/package.json"));
  } catch {}
  bases.push(new URL("package.json", root).pathname, import.meta.url);
  for (const base of bases) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(name);
    } catch {
      continue;
    }
    const mod = await import(pathToFileURL(resolved).href);
    return mod.default && !(Object.keys(mod).length > 1) ? mod.default : mod;
  }
  throw new AstroDbError(`Could not find ${name}, which Astro installs: is \`astro\` installed in this project?`);
}
