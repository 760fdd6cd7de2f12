// `push --force-reset` on a terminal asks first (through `script`, which gives the bin a pty),
// and Astro 6's `astro db <cmd>` entry point `cli({ flags, config })` uses Astro's config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { project } from "./cli.project.mjs";

const bin = new URL("../bin/astro-db.js", import.meta.url).pathname;
const hasScript = spawnSync("script", ["--version"]).status === 0;

function onTerminal(dir, args, env, answer) {
  return new Promise((resolve) => {
    const cmd = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: dir, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let answered = false;
    child.stdout.on("data", (d) => {
      out += d;
      if (!answered && out.includes('Type "yes"')) {
        answered = true;
        child.stdin.write(answer + "\n");
      }
    });
    child.on("close", (code) => resolve({ code, out }));
  });
}

test("--force-reset on a terminal: 'no' cancels, 'yes' resets", { skip: !hasScript && "no `script` here", timeout: 60_000 }, async (t) => {
  const p = project(t, { User: "{ id: column.number({ primaryKey: true }) }" });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (1)"], env);
  const count = async () => JSON.parse((await p.run(["shell", "--remote", "--json", "--query", "SELECT count(*) AS n FROM User"], env)).stdout)[0].n;
  let r = await onTerminal(p.dir, ["push", "--force-reset"], env, "no");
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Reset cancelled: nothing was changed\./);
  assert.equal(await count(), 1);
  r = await onTerminal(p.dir, ["push", "--force-reset"], env, "yes");
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\(reset\)/);
  assert.equal(await count(), 0);
});

test("Astro 6: cli({ flags, config }) runs the command on Astro's resolved config", { timeout: 60_000 }, async (t) => {
  const p = project(t);
  // A project whose db/ lives under the root Astro resolved, run from elsewhere.
  p.write("astro.config.mjs", "export default {};\n");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(join(p.dir, "app/db"), { recursive: true });
  writeFileSync(
    join(p.dir, "app/db/config.ts"),
    "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Thing: defineTable({ columns: { id: column.number({ primaryKey: true }) } }) } });\n",
  );
  const script = `
    import { cli } from ${JSON.stringify(new URL("../dist/cli/astro.js", import.meta.url).href)};
    process.argv = [process.argv[0], "astro", "db", "push", "--dry-run"];
    await cli({ flags: { _: ["astro", "db", "push"], "dry-run": true }, config: { root: new URL(${JSON.stringify(pathToFileURL(join(p.dir, "app/")).href)}), integrations: [] } });
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: p.dir,
    encoding: "utf8",
    env: { ...process.env, ASTRO_DB_REMOTE_URL: "memory:" },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /CREATE TABLE "Thing"/);
  assert.match(r.stdout, /Dry run: nothing was changed\./);
});
