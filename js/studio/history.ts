// The console's history, kept per project in .astro/ (ignored by git, like the dev database),
// one list for the local database and one for the remote.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const KEEP = 200;

export class History {
  constructor(
    private readonly file: string,
    private readonly key: "local" | "remote",
  ) {}

  #read(): Record<string, string[]> {
    try {
      const data = JSON.parse(readFileSync(this.file, "utf8"));
      return data && typeof data === "object" ? data : {};
    } catch {
      return {};
    }
  }

  list(): string[] {
    const l = this.#read()[this.key];
    return Array.isArray(l) ? l.filter((s) => typeof s === "string") : [];
  }

  add(sql: string): void {
    const all = this.#read();
    const next = [sql, ...this.list().filter((s) => s !== sql)].slice(0, KEEP);
    all[this.key] = next;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify(all, null, 1));
    } catch {
      // History is a convenience: a read-only project still gets its answers.
    }
  }
}
