// The integration's errors are the package's one error type (see ../errors.ts).
export { AstroDbError } from "../errors.js";
