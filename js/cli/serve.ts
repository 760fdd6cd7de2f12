// `astro-db serve`: argument parsing and the long-running server.
import { readFileSync } from "node:fs";
import { serve } from "../server/index.js";

export const SERVE_HELP = `Usage: astro-db serve [--db <file>] [--port 8080] [--host 127.0.0.1] [--auth-jwt-key-file <pem>]
                      [--sync-checkpoint-frames 4000] [--cors-origin <origin>]... [--allow-host <name>]...
                      [--query-timeout 10] [--max-response-size <bytes>] [--max-total-response-size <bytes>]
                      [--allow-attach]

Serves a libSQL database file over the Hrana protocol (HTTP and WebSocket), like sqld,
so --remote, push and execute can be rehearsed locally. libSQL embedded replicas
(syncUrl, offline: true) can pull from it; writes go through Hrana.

Options:
  --db <file>                  database file (default: .astro/serve.db, created if missing)
  --port <n>                   TCP port (default: 8080; 0 picks a free one)
  --host <addr>                interface (default: 127.0.0.1)
  --auth-jwt-key-file <pem>    Ed25519 public key: requests need a JWT signed by its private key
  --sync-checkpoint-frames <n> WAL frames after which the server checkpoints and replicas move to
                               a new generation (default: 4000, about 16 MiB)
  --cors-origin <origin>       let web pages from this origin (e.g. http://localhost:4321) use the
                               server; repeatable (default: none, requests with an Origin are refused)
  --allow-host <name>          answer to this Host name too (default: loopback names and --host);
                               repeatable
  --query-timeout <seconds>    interrupt statements running longer (default: 10)
  --max-response-size <bytes>  largest result of one statement (default: 10485760, as sqld)
  --max-total-response-size <bytes>
                               largest total of the results of one request (default: 33554432)
  --allow-attach               let clients ATTACH/DETACH databases and VACUUM INTO files (anything
                               the server's user can reach); off by default
  -h, --help                   this help
`;

interface Parsed {
  db: string;
  port: number;
  host: string;
  keyFile?: string;
  syncCheckpointFrames?: number;
  corsOrigins: string[];
  allowHosts: string[];
  queryTimeoutMs?: number;
  maxResponseSize?: number;
  maxTotalResponseSize?: number;
  allowAttach: boolean;
  help: boolean;
}

function positive(flag: string, v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number of ${what}, not ${JSON.stringify(v)}`);
  return n;
}

export function parseServeArgs(argv: string[]): Parsed {
  const out: Parsed = { db: ".astro/serve.db", port: 8080, host: "127.0.0.1", corsOrigins: [], allowHosts: [], allowAttach: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        out.help = true;
        break;
      case "--db":
        out.db = value();
        break;
      case "--port": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--port must be a number from 0 to 65535, not ${JSON.stringify(v)}`);
        out.port = n;
        break;
      }
      case "--host":
        out.host = value();
        break;
      case "--auth-jwt-key-file":
        out.keyFile = value();
        break;
      case "--sync-checkpoint-frames": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 0xffffffff) {
          throw new Error(`--sync-checkpoint-frames must be a whole number of frames from 1, not ${JSON.stringify(v)}`);
        }
        out.syncCheckpointFrames = n;
        break;
      }
      case "--cors-origin": {
        const v = value();
        if (!/^https?:\/\/[^/?#]+$/.test(v.replace(/\/$/, ""))) throw new Error(`--cors-origin must be an origin like http://localhost:4321, not ${JSON.stringify(v)}`);
        out.corsOrigins.push(v);
        break;
      }
      case "--allow-host":
        out.allowHosts.push(value());
        break;
      case "--query-timeout":
        out.queryTimeoutMs = Math.max(1, Math.round(positive(flag, value(), "seconds") * 1000));
        break;
      case "--max-response-size":
        out.maxResponseSize = Math.floor(positive(flag, value(), "bytes"));
        break;
      case "--max-total-response-size":
        out.maxTotalResponseSize = Math.floor(positive(flag, value(), "bytes"));
        break;
      case "--allow-attach":
        out.allowAttach = true;
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

/** Runs `astro-db serve`; resolves with an exit code (0 after a clean shutdown). */
export async function runServe(argv: string[]): Promise<number> {
  let args: Parsed;
  try {
    args = parseServeArgs(argv);
  } catch (e) {
    console.error(`astro-db serve: ${(e as Error).message}\n\n${SERVE_HELP}`);
    return 2;
  }
  if (args.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  let authJwtKey: string | undefined;
  if (args.keyFile) {
    try {
      authJwtKey = readFileSync(args.keyFile, "utf8");
    } catch (e) {
      console.error(`astro-db serve: cannot read ${args.keyFile}: ${(e as Error).message}`);
      return 1;
    }
  }
  if (args.db.startsWith(".astro/")) {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(".astro", { recursive: true });
  }
  try {
    const server = await serve({
      db: args.db,
      port: args.port,
      host: args.host,
      authJwtKey,
      syncCheckpointFrames: args.syncCheckpointFrames,
      corsOrigins: args.corsOrigins,
      allowHosts: args.allowHosts,
      queryTimeoutMs: args.queryTimeoutMs,
      maxResponseSize: args.maxResponseSize,
      maxTotalResponseSize: args.maxTotalResponseSize,
      allowAttach: args.allowAttach,
      handleSignals: false,
    });
    // Resolve only when a signal closes the server: the CLI's exit code comes from here.
    return await new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        console.log(`\n${signal}: closing the server...`);
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        server.close().then(() => resolve(0), () => resolve(1));
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  } catch (e) {
    console.error(`astro-db serve: ${(e as Error).message}`);
    return 1;
  }
}
