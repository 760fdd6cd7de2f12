// Where the `astro:db` declarations live: the file Astro's `injectTypes` writes for this
// integration (named `astro:db`, so its folder is `astro_db`), referenced from
// `.astro/types.d.ts`, which a project's tsconfig includes.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";

export const TYPES_FILE = ".astro/integrations/astro_db/db.d.ts";
const REFERENCE = `/// <reference path="${TYPES_FILE.slice(".astro/".length)}" />`;

/**
 * Writes the declarations without Astro (the `types` command): the same file dev writes, and
 * the reference to it in `.astro/types.d.ts`, created (as `astro sync` would start it) when
 * missing. Returns the declarations file.
 */
export async function writeDbTypes(root: URL, content: string): Promise<URL> {
  const file = new URL(TYPES_FILE, root);
  await mkdir(new URL(".", file), { recursive: true });
  await writeFile(file, content);
  const index = new URL(".astro/types.d.ts", root);
  const current = existsSync(index) ? await readFile(index, "utf8") : `/// <reference types="astro/client" />\n`;
  if (!current.includes(REFERENCE)) await writeFile(index, `${current.replace(/\n?$/, "\n")}${REFERENCE}\n`);
  return file;
}
