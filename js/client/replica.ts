import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeReplica } from "../../index.js";
import type { LocalTarget, ReplicaOptions } from "./config.js";
import { LibsqlError, fromNative } from "./errors.js";
import { LocalClient } from "./local.js";
import type { Stmt } from "./native.js";
import { RemoteClient } from "./remote.js";
import type { ResultSet } from "./result.js";
import type { Client, InArgs, InStatement, Replicated, Transaction, TransactionMode } from "./types.js";

/**
 * An embedded replica (a local `url` with `syncUrl`): reads run on the local file, writes go
 * through to the primary, and the file follows the primary through libSQL's HTTP sync
 * protocol — on start, after each write (with `readYourWrites`), every `syncInterval` seconds
 * and on `sync()`. A `memory:` replica lives in a temporary file removed on `close()`.
 */
export class ReplicaClient implements Client {
  readonly protocol = "file";
  /** The checked replica options. */
  readonly options: Readonly<ReplicaOptions>;
  #native: NativeReplica;
  #primary: RemoteClient;
  #local: LocalClient | undefined;
  /** The first sync (which may download the file); every call waits for it. */
  #ready: Promise<LocalClient>;
  /** Where the local reads go (the replica's file). */
  #localTarget: LocalTarget;
  #syncing: Promise<Replicated | undefined> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #tempDir: string | undefined;
  #closed = false;

  constructor(target: LocalTarget, replica: ReplicaOptions) {
    if (replica.offline) {
      throw new LibsqlError(
        "Offline writes (offline: true) are not supported: this replica sends writes to the primary. Drop the offline option.",
        "OFFLINE_WRITES_NOT_SUPPORTED",
      );
    }
    if (target.kind === "file" && target.encryptionKey) {
      throw new LibsqlError("An embedded replica cannot be encrypted (encryptionKey with syncUrl).", "ENCRYPTION_KEY_NOT_SUPPORTED");
    }
    this.options = Object.freeze({ ...replica });
    let path: string;
    if (target.kind === "file") path = target.path;
    else {
      this.#tempDir = mkdtempSync(join(tmpdir(), "astro-db-replica-"));
      path = join(this.#tempDir, "replica.db");
    }
    try {
      this.#native = NativeReplica.open(path, replica.syncUrl, replica.authToken);
    } catch (e) {
      this.#removeTemp();
      throw fromNative(e);
    }
    this.#primary = new RemoteClient({
      kind: "remote",
      url: replica.syncUrl,
      authToken: replica.authToken,
      protocol: "http",
      intMode: target.intMode,
      concurrency: target.concurrency,
    });
    const local: LocalTarget = { kind: "file", path, intMode: target.intMode, concurrency: target.concurrency, timeout: target.timeout, journalMode: "wal" };
    this.#localTarget = local;
    // A replica bootstrapped earlier reads on while the primary is unreachable; the failed
    // sync shows again at the next write or sync().
    const bootstrapped = existsSync(path) && existsSync(`${path}-info`);
    this.#ready = this.#pull()
      .catch((e) => {
        if (!bootstrapped) throw e;
        return undefined;
      })
      .then(() => (this.#local = new LocalClient(local)));
    // An unobserved failure of the first sync is reported by the first call instead.
    this.#ready.catch(() => {});
    if (replica.syncInterval) {
      this.#timer = setInterval(() => void this.sync().catch(() => {}), replica.syncInterval * 1000);
      this.#timer.unref?.();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #localClient(): Promise<LocalClient> {
    if (this.#closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    await this.#ready;
    return this.#local ?? this.#ready;
  }

  /** One pull at a time; a call while one runs waits for it and then pulls again. */
  #pull(): Promise<Replicated | undefined> {
    const previous = this.#syncing ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        let out = await this.#native.sync();
        if (out instanceof Error && (out as { code?: string }).code === "REPLICA_TOO_OLD") out = await this.#rebootstrap();
        if (out instanceof Error) throw fromNative(out);
        return out[0] === null ? undefined : { frame_no: out[0], frames_synced: out[1] };
      });
    this.#syncing = next;
    return next;
  }

  /**
   * The primary no longer has the frames this replica lacks: the file is only a copy of the
   * primary, so it is downloaded again (local connections are closed around the swap).
   */
  async #rebootstrap(): ReturnType<NativeReplica["sync"]> {
    const hadLocal = this.#local !== undefined;
    this.#local?.close();
    this.#local = undefined;
    this.#native.reset();
    const out = await this.#native.sync();
    if (hadLocal) this.#local = new LocalClient(this.#localTarget);
    return out;
  }

  async #afterWrite<T>(result: T): Promise<T> {
    if (this.options.readYourWrites) await this.#pull();
    return result;
  }

  async execute(stmt: InStatement, args?: InArgs): Promise<ResultSet> {
    const local = await this.#localClient();
    if (local.readsOnly([stmt])) return local.execute(stmt, args);
    return this.#afterWrite(await this.#primary.execute(stmt, args));
  }

  async batch(stmts: Stmt[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    const local = await this.#localClient();
    if (mode !== "write" && local.readsOnly(stmts)) return local.batch(stmts, mode);
    return this.#afterWrite(await this.#primary.batch(stmts, mode));
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    await this.#localClient();
    return this.#afterWrite(await this.#primary.migrate(stmts));
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    const local = await this.#localClient();
    if (mode === "read") return local.transaction("read");
    const tx = await this.#primary.transaction(mode);
    const commit = tx.commit.bind(tx);
    tx.commit = async () => this.#afterWrite(await commit());
    return tx;
  }

  async executeMultiple(sql: string): Promise<void> {
    await this.#localClient();
    return this.#afterWrite(await this.#primary.executeMultiple(sql));
  }

  async sync(): Promise<Replicated | undefined> {
    await this.#localClient();
    return this.#pull();
  }

  async reconnect(): Promise<void> {
    await this.#primary.reconnect();
    await this.#local?.reconnect();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#local?.close();
    this.#primary.close();
    this.#native.close();
    this.#removeTemp();
  }

  #removeTemp(): void {
    if (this.#tempDir) rmSync(this.#tempDir, { recursive: true, force: true });
  }
}
