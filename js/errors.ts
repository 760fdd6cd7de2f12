// The one error type of this package. Every failure a user meets (the integration's log,
// `astro build`, the CLI, `astro:db` at run time) is an `AstroDbError` with a stable `code`,
// a `hint` kept apart from the message (printers add it; nobody cuts it off again) and the
// error it wraps as `cause`. Pure and web-safe: the `mode: 'web'` runtime imports it.

export interface AstroDbErrorOptions {
  /** Stable code: `ASTRO_DB_*` for our own conditions, the database's (extended) code otherwise. */
  code?: string;
  /** What the user can do about it. */
  hint?: string;
  /** The error this one explains. */
  cause?: unknown;
}

/** An error for the user, shown by Astro (and the CLI) with its hint. */
export class AstroDbError extends Error {
  code: string;
  hint?: string;

  /** `options` may be the hint alone (the form integrations written for older versions use). */
  constructor(message: string, options?: AstroDbErrorOptions | string) {
    const o = typeof options === "string" ? { hint: options } : (options ?? {});
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "Astro DB Error";
    this.code = o.code ?? "ASTRO_DB_ERROR";
    if (o.hint) this.hint = o.hint;
  }
}

/** A mistake on the command line or in the environment a command reads (exit code 1, no stack). */
export class UsageError extends AstroDbError {
  constructor(message: string, options?: AstroDbErrorOptions | string) {
    const o = typeof options === "string" ? { hint: options } : (options ?? {});
    super(message, { code: "ASTRO_DB_USAGE", ...o });
  }
}

/** Kept for code written against earlier versions: the remote runtime's errors are `AstroDbError`s. */
export const RemoteDbError = AstroDbError;
export type RemoteDbError = AstroDbError;

/** `message` followed by the hint, the way the CLI and the dev log print an error. */
export function withHint(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const hint = (e as { hint?: unknown }).hint;
  return typeof hint === "string" && hint && !e.message.includes(hint) ? `${e.message}\n  Hint: ${hint}` : e.message;
}

/** The chain of `cause`s from `e` (itself first), as far as it goes. */
export function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c = e, depth = 0; c !== undefined && depth < 16 && !out.includes(c); c = (c as { cause?: unknown })?.cause, depth++) out.push(c);
  return out;
}
