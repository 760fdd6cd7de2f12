// Backups before a consented loss: `.astro/backups/<target>-<time>.sql`, a whole dump of the
// database as it was, written before the change and never deleted by us. Shared by `push`
// (remote or `file:`) and ASTRO_DATABASE_FILE migrations.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PushReport, SchemaTarget } from "../../index.js";

/** `.astro/backups/` of the project. */
export function backupDir(root: URL): string {
  return fileURLToPath(new URL(".astro/backups/", root));
}

/** Whether applying `plan` loses rows or values the user (flag or `deprecated`) agreed to lose. */
export function losesData(plan: PushReport, reset: boolean): boolean {
  if (plan.status !== "changes") return false;
  return reset || plan.steps.some((s) => s.safety === "lossy" && (s.accepted || s.consented) && s.rows !== 0);
}

/** Dumps `native` whole into a new backup file; resolves to its path, or throws with the reason. */
export async function writeBackup(root: URL, native: SchemaTarget, name: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(backupDir(root), `${name.replace(/[^A-Za-z0-9._-]/g, "_")}-${stamp}.sql`);
  const out = await native.dump(file, {});
  if (out instanceof Error) throw out;
  return file;
}
