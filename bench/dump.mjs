// `dump` and `load` of a 1M-row table against the sqlite3 shell's `.dump` and `.read`, on the
// same file in the same run: wall time (median of paired rounds, ours then sqlite3's) and peak
// RSS of each process (GNU time). Targets: dump ≤ 1.5×, load ≤ 2×, peak RSS < 150 MB.
// Run: node bench/dump.mjs [rounds] [rows]   (after `npm run build`; files in $TMPDIR)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";

const ROUNDS = Number(process.argv[2] ?? 3);
const ROWS = Number(process.argv[3] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "astro-db-bench-dump-"));
const index = new URL("../index.js", import.meta.url).pathname;

function run(cmd, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "RSS %M", cmd, ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const rss = Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss };
}

const node = (code) => run(process.execPath, ["--input-type=module", "-e", `import { SchemaTarget } from ${JSON.stringify(index)};\n${code}`]);
const check = `if (out instanceof Error) { console.error(out.message); process.exit(1); }`;

const source = join(dir, "source.db");
execFileSync("sqlite3", [source], {
  input: `PRAGMA journal_mode=WAL; CREATE TABLE Comment (id INTEGER PRIMARY KEY, author TEXT NOT NULL, body TEXT, score REAL, flag INTEGER, data BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
INSERT INTO Comment SELECT i, 'author ' || (i % 1000), 'It''s comment number ' || i || ' with some text', i / 3.0, i % 2, CASE WHEN i % 10 = 0 THEN randomblob(16) END FROM n;`,
});
const sqliteDump = join(dir, "sqlite3.sql");
const ourDump = join(dir, "ours.sql");

const m = { dumpOurs: [], dumpSqlite: [], loadOurs: [], loadSqlite: [], rss: { dumpOurs: 0, dumpSqlite: 0, loadOurs: 0, loadSqlite: 0 } };
for (let round = 0; round < ROUNDS; round++) {
  for (const f of [ourDump, sqliteDump]) rmSync(f, { force: true });
  let r = node(`const out = await SchemaTarget.local(${JSON.stringify(source)}).dump(${JSON.stringify(ourDump)}); ${check}`);
  m.dumpOurs.push(r.seconds);
  m.rss.dumpOurs = Math.max(m.rss.dumpOurs, r.rss);
  r = run("sqlite3", [source, `.output ${sqliteDump}`, ".dump"]);
  m.dumpSqlite.push(r.seconds);
  m.rss.dumpSqlite = Math.max(m.rss.dumpSqlite, r.rss);
  // Both load the same file (sqlite3's own dump).
  const a = join(dir, `ours-${round}.db`);
  const b = join(dir, `sqlite-${round}.db`);
  r = node(`const out = await SchemaTarget.local(${JSON.stringify(a)}).load(${JSON.stringify(sqliteDump)}); ${check}`);
  m.loadOurs.push(r.seconds);
  m.rss.loadOurs = Math.max(m.rss.loadOurs, r.rss);
  r = run("sqlite3", [b, "PRAGMA journal_mode=WAL;", `.read ${sqliteDump}`]);
  m.loadSqlite.push(r.seconds);
  m.rss.loadSqlite = Math.max(m.rss.loadSqlite, r.rss);
  for (const f of [a, b]) rmSync(f, { force: true }), rmSync(f + "-wal", { force: true }), rmSync(f + "-shm", { force: true });
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const mb = (n) => `${n.toFixed(0)} MB`;
console.log(`${ROWS} rows, dump ${(statSync(sqliteDump).size / 1e6).toFixed(0)} MB, ${ROUNDS} paired rounds, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const [what, ours, theirs, target] of [["dump", m.dumpOurs, m.dumpSqlite, 1.5], ["load", m.loadOurs, m.loadSqlite, 2]]) {
  const ratio = median(ours) / median(theirs);
  console.log(`${what}: ours ${median(ours).toFixed(2)} s, sqlite3 ${median(theirs).toFixed(2)} s, ratio ${ratio.toFixed(2)}× (target ≤ ${target}×) ${ratio <= target ? "ok" : "MISSED"}`);
}
console.log(`peak RSS: dump ours ${mb(m.rss.dumpOurs)}, sqlite3 ${mb(m.rss.dumpSqlite)}; load ours ${mb(m.rss.loadOurs)}, sqlite3 ${mb(m.rss.loadSqlite)} (target < 150 MB)`);
rmSync(dir, { recursive: true, force: true });
