/** Query parameters of a database URL that hold secrets. */
export const SECRET_PARAMS = ["authToken", "encryptionKey"];

/** Hides credentials a URL may carry (user info, `authToken`, `encryptionKey`) before it is shown to anyone. */
export function redact(url: string): string {
  return url
    .replace(/(\/\/)[^/@?#]*@/, "$1***@")
    .replace(/([?&](?:authToken|encryptionKey)=)[^&#]*/gi, "$1***");
}
