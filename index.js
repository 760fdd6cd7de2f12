// The package's native entry. Hand-written: napi-rs generates the loader as binding.js (by
// `npm run build:native`; never edit it by hand). ES modules evaluate their imports in order,
// so the preflight runs first and, when no binary fits this platform, throws an error that names
// the missing platform package and how to build from source, where the generated loader would
// only say "Cannot find native binding".
import "./dist/native/preflight.js";
export * from "./binding.js";
