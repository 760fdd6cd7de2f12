// A local npm registry for the tests: Verdaccio (from the npm registry, cached in the tests' temp
// folder), listening on 127.0.0.1 only, its storage in the temp folder, and one uplink:
// the registry this machine's npm uses, so packages we do not publish (astro, …) still install.
// Our own names (@astrojs/db, @astrojs/db-*) never go to the uplink: what a project installs
// under those names is exactly what the test published.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, run, start, tail, testsDir } from "./harness.mjs";

// Pinned: the newest 6.x at the time of writing (engines: node >= 22, as our tests run).
const VERDACCIO = "verdaccio@6.10.4";

async function verdaccioBin() {
  const tool = join(testsDir, `tool-${VERDACCIO.replace("@", "-")}`);
  const bin = join(tool, "node_modules", "verdaccio", "bin", "verdaccio");
  if (!existsSync(bin)) {
    const r = await run("npm", ["install", "--prefix", tool, "--no-audit", "--no-fund", "--loglevel=error", VERDACCIO], { timeout: 300_000 });
    if (r.code !== 0) throw new Error(`installing ${VERDACCIO} failed:\n${r.output}`);
  }
  return bin;
}

/**
 * Starts Verdaccio in `dir` (wiped first); resolves with `{ url, npmrc, stop() }`. `cache` keeps
 * what the uplink served (astro and its dependencies) between runs; our own packages are removed
 * from it first, so each run serves only what it published.
 */
export async function startRegistry(dir, cache) {
  const bin = await verdaccioBin();
  const upstream = spawnSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).stdout.trim();
  if (!/^https?:\/\//.test(upstream)) throw new Error(`npm config get registry gave ${upstream}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const storage = cache ?? join(dir, "storage");
  mkdirSync(join(storage, "@astrojs"), { recursive: true });
  for (const name of readdirSync(join(storage, "@astrojs"))) {
    if (name === "db" || name.startsWith("db-")) rmSync(join(storage, "@astrojs", name), { recursive: true, force: true });
  }
  // Verdaccio's list of local packages (and its token secret): made anew each run.
  rmSync(join(storage, ".verdaccio-db.json"), { force: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ours = { access: "$all", publish: "$authenticated", unpublish: "$authenticated" };
  // JSON is YAML: no YAML writer needed.
  const config = {
    storage,
    auth: { htpasswd: { file: join(dir, "htpasswd"), max_users: 1 } },
    // maxage: a cached package list is reused for 30 min instead of 2; asking the uplink again
    // for each of astro's ~300 dependencies is most of an install's time. The test resolves
    // astro's version through this registry, so a newer release not yet seen here is no issue.
    uplinks: { upstream: { url: upstream, timeout: "60s", max_fails: 5, maxage: "30m" } },
    packages: {
      "@astrojs/db": ours,
      "@astrojs/db-*": ours,
      "**": { access: "$all", publish: "$authenticated", proxy: "upstream" },
    },
    server: { keepAliveTimeout: 60 },
    web: { enable: false },
    log: { type: "stdout", format: "pretty", level: "warn" },
  };
  writeFileSync(join(dir, "config.yaml"), JSON.stringify(config, null, 2));
  const proc = start(process.execPath, [bin, "--config", join(dir, "config.yaml"), "--listen", `127.0.0.1:${port}`], { cwd: dir });
  const stop = () => proc.stop();
  try {
    // Bounded: 60 s for Verdaccio to answer its ping.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (proc.child.exitCode !== null) throw new Error(`verdaccio exited:\n${tail(proc.output)}`);
      if (Date.now() > deadline) throw new Error(`verdaccio did not answer within 60 s:\n${tail(proc.output)}`);
      await sleep(250);
    }
    // A throwaway user for this run (the registry dies with the test); its token goes into an
    // npmrc of our own, never into the output.
    const name = "astro-db-test";
    const res = await fetch(`${url}/-/user/org.couchdb.user:${name}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password: randomBytes(16).toString("hex") }),
      signal: AbortSignal.timeout(10_000),
    });
    const { token } = await res.json();
    if (!res.ok || !token) throw new Error(`verdaccio refused the test user: ${res.status}`);
    const npmrc = join(dir, "npmrc");
    writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`, { mode: 0o600 });
    return { url, npmrc, stop, get output() { return proc.output; } };
  } catch (e) {
    await stop();
    throw e;
  }
}
