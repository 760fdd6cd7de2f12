import { NativeRemote } from "../../index.js";
import type { LocalTarget, ReplicaOptions } from "./config.js";
import { LibsqlError, fromNative } from "./errors.js";
import type { ResultSet } from "./result.js";
import type { Client, InArgs, InStatement, Replicated, Transaction, TransactionMode } from "./types.js";

/**
 * An embedded replica (a local `url` with `syncUrl`). Its options are checked when it is
 * created; its first sync asks the sync server for libSQL replication, and every call
 * reports why that cannot work here: the server is unreachable, does not replicate (e.g.
 * `astro-db serve`), rejects the token, or replicates but this client cannot (yet).
 */
export class ReplicaClient implements Client {
  #failure: Promise<Error>;
  #closed = false;
  readonly protocol = "file";
  /** The checked replica options. */
  readonly options: Readonly<ReplicaOptions>;

  constructor(_target: LocalTarget, replica: ReplicaOptions) {
    this.options = Object.freeze({ ...replica });
    let native: NativeRemote;
    try {
      native = NativeRemote.connect(replica.syncUrl, replica.authToken);
    } catch (e) {
      throw fromNative(e);
    }
    this.#failure = native.probeReplication(replica.offline).then(
      (e) => fromNative(e) as Error,
      (e) => fromNative(e) as Error,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #fail(): Promise<never> {
    if (this.#closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    throw await this.#failure;
  }

  async execute(_stmt: InStatement, _args?: InArgs): Promise<ResultSet> {
    return this.#fail();
  }

  async batch(_stmts: Array<InStatement | [string, InArgs?]>, _mode?: TransactionMode): Promise<ResultSet[]> {
    return this.#fail();
  }

  async migrate(_stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#fail();
  }

  async transaction(_mode?: TransactionMode): Promise<Transaction> {
    return this.#fail();
  }

  async executeMultiple(_sql: string): Promise<void> {
    return this.#fail();
  }

  async sync(): Promise<Replicated | undefined> {
    return this.#fail();
  }

  async reconnect(): Promise<void> {}

  close(): void {
    this.#closed = true;
  }
}
