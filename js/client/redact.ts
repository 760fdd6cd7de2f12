/** Query parameters of a database URL that hold secrets. */
export const SECRET_PARAMS = ["authToken", "encryptionKey"];

const SECRET_NAMES = new Set(SECRET_PARAMS.map((p) => p.toLowerCase()));

/** Nested URLs are followed this deep (a `syncUrl` inside a URL, at most). */
const MAX_DEPTH = 4;

/** Percent-decoding that never throws (a malformed escape stays as written). */
function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

interface Param {
  /** As written. */
  raw: string;
  rawName: string;
  rawValue: string | undefined;
  /** Decoded, as a client reads it: `auth%54oken` is `authToken`. */
  name: string;
  value: string;
}

function split(url: string): { base: string; query: string | undefined; hash: string } {
  const h = url.indexOf("#");
  const hash = h >= 0 ? url.slice(h) : "";
  const noHash = h >= 0 ? url.slice(0, h) : url;
  const q = noHash.indexOf("?");
  return q >= 0 ? { base: noHash.slice(0, q), query: noHash.slice(q + 1), hash } : { base: noHash, query: undefined, hash };
}

function params(query: string): Param[] {
  return query.split("&").map((raw) => {
    const eq = raw.indexOf("=");
    const rawName = eq >= 0 ? raw.slice(0, eq) : raw;
    const rawValue = eq >= 0 ? raw.slice(eq + 1) : undefined;
    return { raw, rawName, rawValue, name: decode(rawName), value: decode(rawValue ?? "") };
  });
}

function isSecret(p: Param): boolean {
  return SECRET_NAMES.has(p.name.toLowerCase());
}

/** Whether a decoded value may itself be a URL carrying credentials (`syncUrl`). */
function mayBeUrl(value: string): boolean {
  return value.includes("://") || value.includes("?") || value.includes("@");
}

/**
 * Rewrites `url`'s query: secret options go through `secret` (dropped when it returns
 * `undefined`), nested URLs are rewritten the same way.
 */
function rewrite(url: string, secret: (p: Param) => string | undefined, hideUser: boolean, depth: number): string {
  const { base, query, hash: rawHash } = split(url);
  // Clients reject fragments, but the text may still be shown: a `?…` after `#` is treated
  // like a query too.
  const hash = rawHash.includes("?") && depth < MAX_DEPTH ? `#${rewrite(rawHash.slice(1), secret, hideUser, depth + 1)}` : rawHash;
  const shownBase = hideUser ? base.replace(/(\/\/)[^/@?#]*@/, "$1***@") : base;
  if (query === undefined) return shownBase + hash;
  const kept: string[] = [];
  for (const p of params(query)) {
    if (isSecret(p)) {
      const s = secret(p);
      if (s !== undefined) kept.push(s);
    } else if (depth < MAX_DEPTH && p.rawValue !== undefined && mayBeUrl(p.value)) {
      // A nested URL's user info is a credential wherever the outer URL goes.
      const inner = rewrite(p.value, secret, true, depth + 1);
      kept.push(inner === p.value ? p.raw : `${p.rawName}=${encodeURIComponent(inner)}`);
    } else kept.push(p.raw);
  }
  return kept.length ? `${shownBase}?${kept.join("&")}${hash}` : shownBase + hash;
}

/**
 * Hides credentials a URL may carry (user info, `authToken`, `encryptionKey`, however their
 * names are percent-encoded, and inside a nested URL such as `syncUrl`) before it is shown.
 */
export function redact(url: string): string {
  return rewrite(url, (p) => `${p.rawName}=***`, true, 0);
}

/** The URL without its secret query options (nested URLs included): what may go into a build. */
export function withoutSecrets(url: string): string {
  return rewrite(url, () => undefined, false, 0);
}

/** The secret values in a URL's query (and nested URLs'), as written and decoded, to scrub from text. */
export function secretsIn(url: string, depth = 0): string[] {
  const { query, hash } = split(url);
  const out: string[] = hash.includes("?") && depth < MAX_DEPTH ? secretsIn(hash.slice(1), depth + 1) : [];
  if (query === undefined) return out;
  for (const p of params(query)) {
    if (isSecret(p)) out.push(p.rawValue ?? "", p.value);
    else if (depth < MAX_DEPTH && mayBeUrl(p.value)) out.push(...secretsIn(p.value, depth + 1));
  }
  return [...new Set(out.filter((v) => v !== ""))];
}
