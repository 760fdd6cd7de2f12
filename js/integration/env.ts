import { importFromProject } from "./resolve.js";

/** `ASTRO_*` variables from the environment and the project's `.env` files (the environment wins). */
export async function astroEnv(root: URL, mode = ""): Promise<Record<string, string>> {
  const vite = await importFromProject(root, "vite");
  const fromFiles: Record<string, string> = vite.loadEnv(mode, new URL(".", root).pathname, "ASTRO_");
  const out: Record<string, string> = { ...fromFiles };
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("ASTRO_") && v !== undefined) out[k] = v;
  return out;
}
