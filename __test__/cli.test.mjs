// The `astro-db` bin: help, init, token (against a real `serve`), and bad usage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { bin } from "./cli.project.mjs";
import { tempDir } from "./helpers.mjs";

const run = (args, cwd) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });

test("help lists the commands; an unknown command exits 2", () => {
  const help = run(["help"]);
  assert.equal(help.status, 0);
  for (const c of ["init", "serve", "token", "eject"]) assert.match(help.stdout, new RegExp(`^  ${c} `, "m"));
  const bad = run(["frobnicate"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown command "frobnicate"/);
});

test("init scaffolds db/ once", (t) => {
  const dir = tempDir(t);
  const first = run(["init"], dir);
  assert.equal(first.status, 0, first.stderr);
  assert.match(readFileSync(join(dir, "db/config.ts"), "utf8"), /defineTable/);
  assert.match(readFileSync(join(dir, "db/seed.ts"), "utf8"), /export default async function seed/);
  const second = run(["init"], dir);
  assert.match(second.stdout, /already exists/);
});

test("token makes keys and tokens that serve accepts, read-only ones included", { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const rw = run(["token"], dir);
  assert.equal(rw.status, 0, rw.stderr);
  assert.ok(existsSync(join(dir, "astro-db-private.pem")) && existsSync(join(dir, "astro-db-public.pem")));
  const ro = run(["token", "--read-only", "--expires-in", "60"], dir);
  const claims = JSON.parse(Buffer.from(ro.stdout.trim().split(".")[1], "base64url"));
  assert.equal(claims.a, "ro");
  assert.ok(claims.exp > Date.now() / 1000);
  assert.equal(run(["token", "--expires-in", "soon"], dir).status, 2);

  const server = spawn(process.execPath, [bin, "serve", "--db", join(dir, "t.db"), "--port", "0", "--auth-jwt-key-file", join(dir, "astro-db-public.pem")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => server.kill("SIGKILL"));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const writer = createClient({ url, authToken: rw.stdout.trim() });
  await writer.execute("create table t (x)");
  const reader = createClient({ url, authToken: ro.stdout.trim() });
  assert.equal((await reader.execute("select count(*) as n from t")).rows[0].n, 0);
  await assert.rejects(reader.execute("insert into t values (1)"), /403/);
  await assert.rejects(createClient({ url, authToken: "not-a-token" }).execute("select 1"), /401/);
  writer.close();
  reader.close();
});
