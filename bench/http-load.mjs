// A small load generator for when `wrk` is not installed: `connections` keep-alive
// connections each sending the next request as soon as the previous answer arrived, for
// `seconds`. Runs in its own process (the caller spawns it) and prints one JSON line:
// { requests, rps, p50Ms, p99Ms, errors }.
//   node bench/http-load.mjs <url> <seconds> <connections>
import http from "node:http";

const [url, seconds = "5", connections = "2"] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const latencies = [];
let errors = 0;
const deadline = performance.now() + Number(seconds) * 1000;

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    http
      .get(url, { agent }, (res) => {
        if (res.statusCode !== 200) errors++;
        res.resume();
        res.on("end", () => resolve(performance.now() - t0));
      })
      .on("error", () => {
        errors++;
        resolve(performance.now() - t0);
      });
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: Number(connections) }, async () => {
    while (performance.now() < deadline) latencies.push(await once());
  }),
);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99), errors }));
agent.destroy();
