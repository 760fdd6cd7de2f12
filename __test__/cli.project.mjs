// A throwaway Astro project for the CLI tests: db/config.ts + astro.config.mjs in a folder of
// a workspace in the OS temp directory where our packed tarball is installed as a user would
// install it (nothing resolves from this repository), and a runner for its `astro-db` bin.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PLAIN, install } from "./astro/harness.mjs";

export const ws = await install(PLAIN);
/** The installed package's `astro-db` bin. */
export const bin = ws.dbBin;

/** A db/config.ts from full `defineTable` option sources, e.g. `{ renamedFrom: "Post", columns: {…} }`. */
export function tablesSource(tables) {
  const defs = Object.entries(tables).map(([name, body]) => `const ${name} = defineTable(${body});`);
  return `import { defineDb, defineTable, column } from 'astro:db';\n${defs.join("\n")}\nexport default defineDb({ tables: { ${Object.keys(tables).join(", ")} } });\n`;
}

/** `columns` source for `defineTable`, e.g. `{ id: column.number({ primaryKey: true }) }`. */
export function configSource(tables) {
  return tablesSource(Object.fromEntries(Object.entries(tables).map(([name, cols]) => [name, `{ columns: ${cols} }`])));
}

/** Reads a project's remote database through the bin (`shell --remote --json`), asserting each command succeeds. */
export function remoteProbe(p, env) {
  const ok = (r) => assert.equal(r.code, 0, r.all);
  const rows = async (sql) => {
    const r = await p.run(["shell", "--remote", "--json", "--query", sql], env);
    ok(r);
    return JSON.parse(r.stdout);
  };
  const snapshots = async () => (await rows("SELECT count(*) AS n FROM _astro_db_snapshot"))[0].n;
  return { ok, rows, snapshots };
}

export function project(t, tables) {
  const dir = mkdtempSync(join(ws.dir, "cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "db"));
  writeFileSync(join(dir, "astro.config.mjs"), "export default {};\n");
  const p = {
    dir,
    setTables(next) {
      writeFileSync(join(dir, "db/config.ts"), configSource(next));
    },
    write(name, text) {
      writeFileSync(join(dir, name), text);
    },
    /** Runs `astro-db ...args` in the project; never throws. */
    run(args, env = {}) {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ASTRO_")));
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr, all: stdout + stderr }));
      });
    },
  };
  if (tables) p.setTables(tables);
  return p;
}

/**
 * A `serve` on loopback that only accepts tokens signed by a fresh key: `{ server, token,
 * wrongToken, close }` (`wrongToken` is signed by another key).
 */
export async function authServer(prefix) {
  const { serve, createAuthToken, generateKeyPair } = await import("../dist/server/index.js");
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keys = generateKeyPair();
  const server = await serve({ db: join(dir, "remote.db"), port: 0, authJwtKey: keys.publicKey, log: () => {}, handleSignals: false });
  return {
    server,
    token: createAuthToken({ privateKey: keys.privateKey }),
    wrongToken: createAuthToken({ privateKey: generateKeyPair().privateKey }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `cli({ flags, config })` of the installed package in a child process, as Astro 6's `astro db` does (process.argv says nothing). */
export function callCli(p, flags, { root = p.dir, env = {} } = {}) {
  const script = `
    import { cli } from "@astrojs/db";
    await cli({ flags: ${JSON.stringify(flags)}, config: { root: new URL(${JSON.stringify(pathToFileURL(root + "/").href)}), integrations: [] } });
    console.log("cli() returned");
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: p.dir,
    encoding: "utf8",
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ASTRO_"))), ...env },
  });
}

export const hasScript = spawnSync("script", ["--version"]).status === 0;

/**
 * Runs `astro-db ...args` on a pseudo-terminal (through `script`), answering each prompt that
 * matches a key of `answers` once with its value. Resolves to `{ code, out }`.
 */
export function onTerminal(dir, args, env, answers) {
  return new Promise((resolve) => {
    const cmd = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: dir, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const pending = Object.entries(answers);
    child.stdout.on("data", (d) => {
      out += d;
      for (let i = 0; i < pending.length; i++) {
        if (out.includes(pending[i][0])) {
          child.stdin.write(pending[i][1] + "\n");
          pending.splice(i, 1);
          break;
        }
      }
    });
    child.on("close", (code) => resolve({ code, out }));
  });
}
