// `astro-db serve` in its own process, as users run it, so that the benchmarked clients' JS does
// not share its event loop and heap. Resolves once it listens: `{ url, close }`.
import { spawn } from "node:child_process";

export function startServe(db, extraArgs = []) {
  const bin = new URL("../bin/astro-db.js", import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, "serve", "--db", db, "--port", "0", ...extraArgs], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], pid: child.pid, close: async () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => reject(new Error(`astro-db serve exited with ${code}: ${out}`)));
  });
}
