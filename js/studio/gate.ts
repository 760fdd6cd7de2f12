// Who may use the studio: the same rules as `astro-db serve` (README, "Running serve safely")
// plus a session token. Loopback only; `Host` must be a loopback name with our port (DNS
// rebinding turns an attacker's name into 127.0.0.1); a request from another web page carries
// its `Origin` and is refused; every data request carries the random token printed with the
// URL, compared in constant time.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const TOKEN_HEADER = "x-astro-db-studio-token";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

const LOOPBACK = /^(localhost|[a-z0-9-]+\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why `req` is refused (status and message), or undefined when it may go on. */
export function refusal(req: IncomingMessage, port: number, token: string, needsToken: boolean): [number, string] | undefined {
  const host = req.headers.host ?? "";
  const m = /^(.*):(\d+)$/.exec(host);
  if (!m || Number(m[2]) !== port || !LOOPBACK.test(m[1])) return [421, "This studio answers only to a loopback Host (localhost, 127.0.0.1) on its own port."];
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return [403, "Requests from other web pages are refused."];
  if (req.headers["sec-fetch-site"] === "cross-site") return [403, "Requests from other web pages are refused."];
  if (!needsToken) return undefined;
  const url = new URL(req.url ?? "/", "http://x");
  const given = (req.headers[TOKEN_HEADER] as string | undefined) ?? url.searchParams.get("token") ?? undefined;
  if (!sameToken(given, token)) return [401, "Missing or wrong session token: open the URL the studio printed."];
  if (req.method === "POST" && !/^application\/json\b/.test(req.headers["content-type"] ?? "")) return [415, "POST bodies must be application/json."];
  return undefined;
}
