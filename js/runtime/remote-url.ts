// The remote URL rules moved to ../database-url.ts (one module for every URL and path rule).
export * from "../database-url.js";
