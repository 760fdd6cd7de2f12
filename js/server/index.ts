// `serve()`: a local libSQL (Hrana) server over a database file, for rehearsing remote mode.
import { generateKeyPairSync } from "node:crypto";
import { createAuthToken as nativeCreateAuthToken, startServer } from "../../index.js";

export interface ServeOptions {
  /** Database file to serve (created if missing). */
  db: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Ed25519 public key (PEM or raw base64) verifying JWTs; without it anyone may connect. */
  authJwtKey?: string;
  /**
   * WAL frames after which the server checkpoints and libSQL embedded replicas pulling from it
   * (`syncUrl`) move to a new generation. Default 4000 (about 16 MiB of WAL).
   */
  syncCheckpointFrames?: number;
  /** Milliseconds after which a statement is interrupted. Default 10000. */
  queryTimeoutMs?: number;
  /** Bytes one statement's result may take. Default 10 MiB (as sqld). */
  maxResponseSize?: number;
  /** Bytes all results of one request may take. Default 32 MiB (as sqld). */
  maxTotalResponseSize?: number;
  /** Let clients run ATTACH/DETACH (and VACUUM INTO): they reach any file the server can. Default false. */
  allowAttach?: boolean;
  /** Origins (`https://app.example`) whose web pages may use the server. Default none. */
  corsOrigins?: string[];
  /** Host names the server answers to besides loopback names and `host`. */
  allowHosts?: string[];
  /** Print the URL and warnings (default true). */
  log?: (line: string) => void;
  /** Close on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

export interface Server {
  /** `http://host:port` (use `ws://` for WebSocket). */
  url: string;
  port: number;
  /** Stops accepting, finishes requests in flight, rolls back open transactions. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith("127.");
}

/** Starts the server and resolves once it listens. */
export async function serve(options: ServeOptions): Promise<Server> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((line: string) => console.log(line));
  const handle = await startServer({
    db: options.db,
    port: options.port ?? 8080,
    host,
    authJwtKey: options.authJwtKey,
    syncCheckpointFrames: options.syncCheckpointFrames,
    queryTimeoutMs: options.queryTimeoutMs,
    maxResponseSize: options.maxResponseSize,
    maxTotalResponseSize: options.maxTotalResponseSize,
    allowAttach: options.allowAttach,
    corsOrigins: options.corsOrigins,
    allowHosts: options.allowHosts,
  });
  // The native server does not hold the event loop open; this timer does, until close().
  const keepAlive = setInterval(() => {}, 1 << 30);
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: closing the server...`);
    void server.close().then(() => process.exit(0));
  };
  const server: Server = {
    url: handle.url,
    port: handle.port,
    close() {
      closing ??= (async () => {
        clearInterval(keepAlive);
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await handle.close();
      })();
      return closing;
    },
  };
  if (options.handleSignals ?? true) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  log(`libSQL server for ${options.db} listening on ${handle.url} (WebSocket: ${handle.url.replace(/^http/, "ws")})`);
  if (!options.authJwtKey && !isLoopback(host)) {
    log(
      `WARNING: listening on ${host} WITHOUT AUTHENTICATION: anyone who can reach this port can read and ` +
        `write ${options.db}. Pass --auth-jwt-key-file <public.pem> or listen on 127.0.0.1.`,
    );
  }
  return server;
}

/** Signs a JWT for a server started with the matching public key. */
export function createAuthToken(options: { privateKey: string; access?: "rw" | "ro"; expiresInSeconds?: number }): string {
  return nativeCreateAuthToken(options);
}

/** A fresh Ed25519 key pair as PEM (public for `--auth-jwt-key-file`, private for tokens). */
export function generateKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
