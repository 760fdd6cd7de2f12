// `astro-db token`: keys and tokens for rehearsing an authenticated libSQL server locally.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createAuthToken, generateKeyPair } from "../server/index.js";

export const TOKEN_HELP = `Usage: astro-db token [--key <private.pem>] [--read-only] [--expires-in <seconds>]

Prints a JWT that \`astro-db serve --auth-jwt-key-file <public.pem>\` accepts (and sqld too).
Without --key, creates astro-db-private.pem and astro-db-public.pem in the current directory
(or reuses them) first. For local rehearsal only: keep real keys out of the repository.

Options:
  --key <file>            Ed25519 private key (PKCS#8 PEM)
  --read-only             a token that may only read (claim a: "ro")
  --expires-in <seconds>  lifetime (default: no expiry)
  -h, --help              this help
`;

const PRIVATE = "astro-db-private.pem";
const PUBLIC = "astro-db-public.pem";

export async function runToken(argv: string[]): Promise<number> {
  let key: string | undefined;
  let readOnly = false;
  let expires: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      process.stdout.write(TOKEN_HELP);
      return 0;
    } else if (arg === "--read-only") {
      readOnly = true;
    } else if (arg === "--key" || arg === "--expires-in") {
      const value = argv[++i];
      if (value === undefined) {
        process.stderr.write(`astro-db token: ${arg} needs a value\n\n${TOKEN_HELP}`);
        return 2;
      }
      if (arg === "--key") key = value;
      else expires = Number(value);
    } else {
      process.stderr.write(`astro-db token: unknown option ${JSON.stringify(arg)}\n\n${TOKEN_HELP}`);
      return 2;
    }
  }
  if (expires !== undefined && (!Number.isInteger(expires) || expires <= 0)) {
    process.stderr.write("astro-db token: --expires-in needs a positive whole number of seconds\n");
    return 2;
  }
  if (key === undefined) {
    key = PRIVATE;
    if (!existsSync(PRIVATE)) {
      const pair = generateKeyPair();
      writeFileSync(PRIVATE, pair.privateKey, { mode: 0o600 });
      writeFileSync(PUBLIC, pair.publicKey);
      process.stderr.write(`Created ${PRIVATE} and ${PUBLIC}: start the server with --auth-jwt-key-file ${PUBLIC}\n`);
    }
  }
  let privateKey: string;
  try {
    privateKey = readFileSync(key, "utf8");
  } catch (e) {
    process.stderr.write(`astro-db token: cannot read ${key}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(createAuthToken({ privateKey, access: readOnly ? "ro" : "rw", expiresInSeconds: expires }) + "\n");
  return 0;
}
