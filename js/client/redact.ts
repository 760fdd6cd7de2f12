/** Query parameters of a database URL that hold secrets. */
export const SECRET_PARAMS = ["authToken", "encryptionKey"];

/** `?name=value` / `&name=value` for each secret parameter, any case; group 2 is the raw value. */
const SECRET_QUERY = new RegExp(`([?&](?:${SECRET_PARAMS.join("|")})=)([^&#]*)`, "gi");

/** Hides credentials a URL may carry (user info, `authToken`, `encryptionKey`) before it is shown to anyone. */
export function redact(url: string): string {
  return url.replace(/(\/\/)[^/@?#]*@/, "$1***@").replace(SECRET_QUERY, "$1***");
}

/** The secret values in a URL's query, as written (still percent-encoded). */
export function secretsIn(url: string): string[] {
  return [...url.matchAll(SECRET_QUERY)].map((m) => m[2]).filter((v) => v !== "");
}
