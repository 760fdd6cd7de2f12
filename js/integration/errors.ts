/** An error for the user, shown by Astro with its hint. */
export class AstroDbError extends Error {
  hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "Astro DB Error";
    this.hint = hint;
  }
}
